# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154 # top_srcdir, web: the sourcing script sets them
# gate-lib.sh - what the gate's integration scripts share: the web server
# from a shipped snippet, and the few words they ask the gate with.
# Sourced after assert.sh, with $top_srcdir and $web (the test's own
# directory: libexec/, etc/, run/, log/audit.jsonl, srv/) set.
#
#   gate_site_conf WEB_SERVER SNIPPET
#       $web/site.conf from contrib/WEB_SERVER/SNIPPET.conf.in with the
#       test's directories; lighttpd gets a document root, the
#       aigate-fcgid snippet the mod_fcgid lines a Debian site has
#       elsewhere. The script may add to the file before it starts.
#   gate_web_start WEB_SERVER
#       starts the server on $web/site.conf (tests/testbed/web.sh), reads
#       its srv/web.env and sets url to the gate's /ai under it.
#   call METHOD PATH [curl args...]
#       prints the status; the answer's headers go to $web/last.h, its
#       body to $web/last.b.
#   header NAME     the first NAME header in $web/last.h
#   body            the body in $web/last.b
#   audit_of [ID]   the audit record of request ID (by default the last
#                   answer's X-Request-Id), waiting up to 2 s for the gate
#                   to write it; nothing if there is none
#   basic USER PASSWORD
#                   the value of an Authorization header for Basic
#   tap_relay TEXT  a driver's "ok - " and "not ok - " lines as this
#                   script's results, its other lines as comments

gate_site_conf() {
	local web_server=$1 snippet=$2
	sed -e "s|@LIBEXECDIR@|$web/libexec|g" -e "s|@SYSCONFDIR@|$web/etc|g" \
		-e "s|@RUNSTATEDIR@|$web/run|g" \
		"$top_srcdir/contrib/$web_server/$snippet.conf.in" >"$web/site.conf"
	[ "$web_server" != lighttpd ] ||
		sed -i '1i server.document-root = "@DIR@/htdocs"' "$web/site.conf"
	[ "$snippet" != aigate-fcgid ] ||
		sed -i -e '1i LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so' \
			-e "1i FcgidIPCDir $web/run/fcgid" \
			-e "1i FcgidProcessTableFile $web/run/fcgid/shm" "$web/site.conf"
}

gate_web_start() {
	mkdir -p "$web/srv/htdocs"
	"$top_srcdir/tests/testbed/web.sh" start "$1" "$web/srv" "$web/site.conf" >/dev/null
	. "$web/srv/web.env"
	url="$AIG_WEB_URL/ai"
}

call() {
	local m=$1 p=$2
	shift 2
	curl -sS --path-as-is -o "$web/last.b" -D "$web/last.h" -w '%{http_code}' \
		-X "$m" "$@" "$url$p"
}

header() { sed -n "s/^$1: *//Ip" "$web/last.h" | tr -d '\r' | head -n1; }

body() { cat "$web/last.b"; }

audit_of() {
	local id=${1:-$(header X-Request-Id)}
	for _ in $(seq 20); do
		grep -q "\"request_id\":\"$id\"" "$web/log/audit.jsonl" 2>/dev/null && break
		sleep 0.1
	done
	grep "\"request_id\":\"$id\"" "$web/log/audit.jsonl" 2>/dev/null || true
}

basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }

tap_relay() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok 0 "${line#ok - }" ;;
		"not ok - "*) ok 1 "${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done <<<"$1"
}
