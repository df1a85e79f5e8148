#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# web.sh — Apache or lighttpd on 127.0.0.1, each with a config of the
# caller's, for aigate's integration tests (the CGI gate runs under both).
#
#   web.sh port                                  print a free TCP port
#   web.sh start lighttpd|apache DIR CONF        start; DIR/web.env describes it
#   web.sh stop DIR                              stop what `start DIR` began
#   web.sh run lighttpd|apache DIR CONF -- CMD [ARG...]
#                                                start, run CMD with DIR/web.env
#                                                exported, always stop
#
# CONF is the site part of the configuration. web.sh writes DIR/web.conf:
# its own preamble (listener, pid file, logs, user, modules), then CONF with
# @PORT@, @DIR@ and @URL@ replaced. The preamble owns these, so CONF must not
# set them:
#   lighttpd: server.port, server.bind, server.errorlog, server.pid-file,
#             server.username, server.groupname; server.modules only with +=.
#             CONF must set server.document-root.
#   apache:   ServerRoot, Listen, PidFile, ErrorLog, User, Group, Mutex,
#             the MPM, and LoadModule of the modules below.
# Apache loads (from Debian's /usr/lib/apache2/modules): the MPM (event by
# default, AIG_WEB_APACHE_MPM=prefork for prefork), cgid (event) or cgi
# (prefork), alias, env, authz_core, authn_core, mime, setenvif, dir,
# headers; log_config is built in.
#
# The port: $AIG_WEB_PORT if set (e.g. from `web.sh port`), else a free one.
# The servers run as www-data ($AIG_WEB_USER; Apache refuses root), so DIR
# and whatever the CGI reads must be reachable by that user: put CGIs and
# their files inside DIR, and give DIR's parents mode o+x. start checks.
#
# Samples: web/lighttpd-sample.conf and web/apache-sample.conf run
# web/hello.cgi copied to DIR/cgi-bin/ (see tests/integration/testbed-web.sh).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

START_TIMEOUT=${AIG_WEB_START_TIMEOUT:-20}
WEB_USER=${AIG_WEB_USER:-www-data}
APACHE_MODULES=/usr/lib/apache2/modules

usage() {
    cat >&2 <<EOF
usage: ${0##*/} port
       ${0##*/} start lighttpd|apache DIR CONF
       ${0##*/} stop DIR
       ${0##*/} run lighttpd|apache DIR CONF -- CMD [ARG...]
EOF
    exit 2
}

# web_preamble SERVER DIR PORT: the part of web.conf that web.sh owns.
web_preamble() {
    local server=$1 dir=$2 port=$3 group mpm m
    group=$(id -gn "$WEB_USER")
    if [ "$server" = lighttpd ]; then
        cat <<EOF
# --- written by web.sh: listener, logs, user ---
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$dir/error.log"
server.pid-file = "$dir/lighttpd.pid"
server.username = "$WEB_USER"
server.groupname = "$group"
server.upload-dirs = ( "$dir/tmp" )
server.modules = ( "mod_access", "mod_alias", "mod_cgi", "mod_setenv", "mod_accesslog" )
accesslog.filename = "$dir/access.log"
# --- the caller's configuration ---
EOF
        return
    fi
    mpm=${AIG_WEB_APACHE_MPM:-event}
    cat <<EOF
# --- written by web.sh: server root, listener, logs, user, modules ---
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/apache.pid"
DefaultRuntimeDir "$dir/run"
Mutex file:$dir/run default
ErrorLog "$dir/error.log"
LogLevel warn
LogFormat "%h %l %u %t \"%r\" %>s %b %D" timing
CustomLog "$dir/access.log" timing
User $WEB_USER
Group $group
TypesConfig /etc/mime.types
LoadModule mpm_${mpm}_module $APACHE_MODULES/mod_mpm_${mpm}.so
EOF
    if [ "$mpm" = prefork ]; then
        echo "LoadModule cgi_module $APACHE_MODULES/mod_cgi.so"
    else
        echo "LoadModule cgid_module $APACHE_MODULES/mod_cgid.so"
        echo "ScriptSock \"$dir/run/cgid.sock\""
    fi
    for m in alias env authz_core authn_core mime setenvif dir headers; do
        echo "LoadModule ${m}_module $APACHE_MODULES/mod_$m.so"
    done
    echo "# --- the caller's configuration ---"
}

# web_check_reach DIR: fails unless the server's user can traverse to DIR.
web_check_reach() {
    if ! runuser -u "$WEB_USER" -- test -x "$1" 2>/dev/null; then
        tb_die "user $WEB_USER cannot reach $1 (a parent directory lacks o+x?); the CGI runs as $WEB_USER"
    fi
}

# web_answers PORT: true once the server answers HTTP (any status).
web_answers() {
    curl -s -o /dev/null --noproxy '*' --max-time 2 "http://127.0.0.1:$1/"
}

# web_launch SERVER DIR: starts the server on DIR/web.conf in the background,
# in a session of its own: Apache's prefork MPM signals its whole process
# group when it stops, which must not reach the caller.
web_launch() {
    local server=$1 dir=$2
    if [ "$server" = lighttpd ]; then
        lighttpd -tt -f "$dir/web.conf" >"$dir/configtest.log" 2>&1 || {
            cat "$dir/configtest.log" >&2
            tb_die "lighttpd refuses $dir/web.conf"
        }
        env AIG_TESTBED_TAG="web:$dir" setsid lighttpd -D -f "$dir/web.conf" \
            </dev/null >"$dir/server.log" 2>&1 &
    else
        apache2 -t -f "$dir/web.conf" >"$dir/configtest.log" 2>&1 || {
            cat "$dir/configtest.log" >&2
            tb_die "apache2 refuses $dir/web.conf"
        }
        env AIG_TESTBED_TAG="web:$dir" setsid apache2 -f "$dir/web.conf" -DFOREGROUND \
            </dev/null >"$dir/server.log" 2>&1 &
    fi
    echo $! >"$dir/web.pid"
    if [ "$server" = lighttpd ]; then echo lighttpd; else echo apache2; fi >"$dir/web.comm"
}

# web_start SERVER DIR CONF: the server running on DIR/web.conf.
web_start() {
    local server=$1 dir=$2 conf=$3 t0 port site
    t0=$(tb_now)
    [ -r "$conf" ] || tb_die "cannot read config $conf"
    case $server in
    lighttpd) command -v lighttpd >/dev/null || tb_die "lighttpd is not installed" ;;
    apache) command -v apache2 >/dev/null || tb_die "apache2 is not installed" ;;
    *) usage ;;
    esac
    web_stop "$dir"
    mkdir -p "$dir/run" "$dir/tmp"
    rm -f "$dir/web.env"
    # lighttpd opens its logs after dropping privileges.
    : >"$dir/error.log"
    : >"$dir/access.log"
    chown "$WEB_USER" "$dir/tmp" "$dir/error.log" "$dir/access.log"
    web_check_reach "$dir"
    site=$(cat "$conf")
    for _ in 1 2 3 4 5; do
        port=${AIG_WEB_PORT:-$(tb_free_port)}
        {
            web_preamble "$server" "$dir" "$port"
            site=${site//@PORT@/$port}
            site=${site//@DIR@/$dir}
            printf '%s\n' "${site//@URL@/http://127.0.0.1:$port}"
        } >"$dir/web.conf"
        site=$(cat "$conf")
        web_launch "$server" "$dir"
        tb_wait_pid=$(cat "$dir/web.pid")
        if tb_wait "$START_TIMEOUT" "$server on 127.0.0.1:$port" web_answers "$port"; then
            tb_wait_pid=
            break
        fi
        tb_wait_pid=
        web_stop "$dir"
        # Only a lost race for the port is worth another try.
        if [ -n "${AIG_WEB_PORT:-}" ] ||
            ! grep -qi 'address already in use' "$dir/error.log" "$dir/server.log" 2>/dev/null; then
            tail -n 20 "$dir/server.log" "$dir/error.log" >&2 2>/dev/null || true
            tb_die "$server did not start (logs in $dir)"
        fi
    done
    {
        echo "# aigate web test bed in $dir, written by web.sh; source it."
        tb_env_line AIG_WEB_SERVER "$server"
        tb_env_line AIG_WEB_DIR "$dir"
        tb_env_line AIG_WEB_PORT "$port"
        tb_env_line AIG_WEB_URL "http://127.0.0.1:$port"
        tb_env_line AIG_WEB_CONF "$dir/web.conf"
        tb_env_line AIG_WEB_ERROR_LOG "$dir/error.log"
        tb_env_line AIG_WEB_ACCESS_LOG "$dir/access.log"
        tb_env_line AIG_WEB_USER "$WEB_USER"
    } >"$dir/web.env"
    tb_log "$server ready on http://127.0.0.1:$port in $(tb_elapsed "$t0") s; env in $dir/web.env"
}

# web_stop DIR: ends DIR's server and every process it started (CGIs too).
web_stop() {
    local dir=$1 pid=
    if [ -f "$dir/web.pid" ]; then pid=$(cat "$dir/web.pid"); fi
    tb_stop_server "web:$dir" "$(cat "$dir/web.comm" 2>/dev/null)" "$pid" ||
        tb_die "could not stop the web server of $dir"
    rm -f "$dir/web.pid" "$dir/web.comm"
}

cmd_run() {
    local server=$1 dir conf rc
    dir=$(tb_absdir "$2")
    conf=$3
    shift 3
    [ "${1:-}" = -- ] && shift
    [ $# -gt 0 ] || usage
    trap 'rc=$?; web_stop "$dir" || rc=1; exit $rc' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    web_start "$server" "$dir" "$conf"
    rc=0
    (
        # shellcheck source=/dev/null
        . "$dir/web.env"
        exec "$@"
    ) || rc=$?
    exit "$rc"
}

[ $# -ge 1 ] || usage
case $1 in
port)
    [ $# -eq 1 ] || usage
    tb_free_port
    ;;
start)
    [ $# -eq 4 ] || usage
    dir=$(tb_absdir "$3")
    trap 'rc=$?; if [ $rc -ne 0 ]; then web_stop "$dir" || true; fi; exit $rc' EXIT
    web_start "$2" "$dir" "$4"
    ;;
stop)
    [ $# -eq 2 ] || usage
    if [ -d "$2" ]; then web_stop "$(cd "$2" && pwd -P)"; fi
    ;;
run)
    [ $# -ge 6 ] || usage
    shift
    cmd_run "$@"
    ;;
*) usage ;;
esac
