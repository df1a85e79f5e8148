#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# testbed-web.sh — checks the web-server test bed (tests/testbed/web.sh):
# lighttpd and Apache (event and prefork MPMs) each start on a spare port
# with the sample site, run the sample CGI (as a prefix mount with PATH_INFO
# and under /cgi-bin/), pass the Authorization header through, and `stop`
# leaves nothing running.
#
# Run: tests/integration/testbed-web.sh (as root; exit 0 = pass).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -eu
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the test bed starts real servers and needs root"
    exit 77
fi

HERE=$(cd "$(dirname "$0")" && pwd -P)
TESTBED=${top_srcdir:+$top_srcdir/tests/testbed}
TESTBED=$(cd "${TESTBED:-$HERE/../testbed}" && pwd -P)

fails=0
n=0
indent= # the inner part's lines are indented under the outer check
pass() { n=$((n + 1)); echo "${indent}ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "${indent}not ok $n - $1"; [ -z "${2:-}" ] || printf '%s    %s\n' "$indent" "$2"; }

# --- inner part: runs with web.env exported ----------------------------------
if [ "${1:-}" = --inside ]; then
    indent="    "
    label=$2
    out=$(curl -s --noproxy '*' --max-time 10 -H 'Authorization: Basic Zm9vOmJhcg==' \
        "$AIG_WEB_URL/hello/v1/chat/invoke?x=1" 2>&1) || true
    case $out in
    *"hello from "*"path_info=/v1/chat/invoke"*"query=x=1"*"authorization=present"*)
        pass "$label runs the CGI at /hello/v1/chat/invoke with PATH_INFO and Authorization" ;;
    *) fail "$label runs the CGI at /hello/... with PATH_INFO and Authorization" "$out" ;;
    esac
    out=$(curl -s --noproxy '*' --max-time 10 "$AIG_WEB_URL/cgi-bin/hello.cgi" 2>&1) || true
    case $out in
    *"hello from "*"user=$AIG_WEB_USER"*) pass "$label runs /cgi-bin/hello.cgi as $AIG_WEB_USER" ;;
    *) fail "$label runs /cgi-bin/hello.cgi" "$out" ;;
    esac
    echo "$indent# $(printf '%s\n' "$out" | head -n 1)"
    [ "$fails" -eq 0 ]
    exit
fi

# --- outer part --------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/aigate-testbed-web.XXXXXX")
chmod 0755 "$WORK" # the servers run as www-data
rc=0

# site NAME: a directory with the sample CGI in it.
site() {
    mkdir -p "$WORK/$1/cgi-bin" "$WORK/$1/htdocs"
    cp "$TESTBED/web/hello.cgi" "$WORK/$1/cgi-bin/"
    chmod 0755 "$WORK/$1" "$WORK/$1/cgi-bin/hello.cgi"
}

p=$("$TESTBED/web.sh" port)
case $p in
'' | *[!0-9]*) fail "web.sh port prints a port" "got: $p" ;;
*) pass "web.sh port prints a port ($p)" ;;
esac

for s in lighttpd apache apache-prefork; do
    site "$s"
    server=${s%-prefork}
    mpm=event
    [ "$s" = apache-prefork ] && mpm=prefork
    if AIG_WEB_APACHE_MPM=$mpm "$TESTBED/web.sh" run "$server" "$WORK/$s" \
        "$TESTBED/web/$server-sample.conf" -- bash "$0" --inside "$s"; then
        pass "$s: web.sh run"
    else
        fail "$s: web.sh run (logs in $WORK/$s)"
    fi
    left=$(grep -lzx "AIG_TESTBED_TAG=web:$WORK/$s" /proc/[0-9]*/environ 2>/dev/null || true)
    if [ -z "$left" ]; then pass "$s: nothing left running"; else fail "$s: processes left: $left"; fi
done

# The start/stop form, with a port chosen beforehand.
site startstop
if AIG_WEB_PORT=$p "$TESTBED/web.sh" start lighttpd "$WORK/startstop" \
    "$TESTBED/web/lighttpd-sample.conf"; then
    out=$(curl -s --noproxy '*' --max-time 10 "http://127.0.0.1:$p/hello/x" 2>&1) || true
    case $out in
    *"path_info=/x"*) pass "web.sh start serves on the chosen port $p" ;;
    *) fail "web.sh start serves on the chosen port $p" "$out" ;;
    esac
    "$TESTBED/web.sh" stop "$WORK/startstop" || fail "web.sh stop"
    left=$(grep -lzx "AIG_TESTBED_TAG=web:$WORK/startstop" /proc/[0-9]*/environ 2>/dev/null || true)
    if [ -z "$left" ] && ! curl -s --noproxy '*' --max-time 2 -o /dev/null "http://127.0.0.1:$p/"; then
        pass "web.sh stop ends the server"
    else
        fail "web.sh stop ends the server" "left: $left"
    fi
else
    fail "web.sh start lighttpd"
fi

echo "# $n checks, $fails failed"
if [ "$fails" -eq 0 ]; then
    rm -rf "$WORK"
    echo "PASS: web test bed"
else
    echo "FAIL: web test bed (files kept in $WORK)"
    rc=1
fi
exit "$rc"
