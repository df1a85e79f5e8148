#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# compare.sh - issue 9's figure: every way of serving the gate, one table
# from one run, all on 127.0.0.1, one row after another with the same load:
# wrk -t2 -c8 (fewer for the PAM rows if $AIG_BENCH_PAM_CONNS says so),
# POST of the same JSON body with the same RS256 bearer token.
#
#   (a)  a static "hello" CGI under lighttpd mod_cgi (the floor)
#   (a2) the crypto floor (bench/crypto_floor.c): one RS256 verify of the
#        bearer token, linked as aigate.cgi is, under the same mod_cgi
#   (b)  aigate.cgi under lighttpd mod_cgi, JWT allowed and forwarded
#        (contrib/lighttpd/aigate.conf.in)
#   (c)  the same aigate.cgi under lighttpd mod_fastcgi (2 persistent procs)
#        with the shipped snippet contrib/lighttpd/aigate-fastcgi.conf.in
#   (c3) the same FastCGI gate on GET /_aigate/whoami: the same token
#        verified (the verifier's cache), the same policy, an audit record,
#        no body and no backend hop
#   (c2) a libfcgi "hello" responder (bench/fcgi_hello.c) under the same
#        lighttpd mod_fastcgi with the snippet's max-procs
#   (c4) the hop floor: a libfcgi responder (bench/fcgi_hop.c) that only
#        forwards the body to the same backend on a kept connection and
#        passes the answer back, same mod_fastcgi, same max-procs
#   (d)  the seed design's proxy (bench/seed_proxy.py: Flask + PyJWT +
#        prompt check + requests) under gunicorn, 2 sync workers
#   (e1) aigate.cgi, Basic through PAM (pam_aigate.so) against the test
#        bed's Samba AD DC, no group cache; every PAM row reads its service
#        from auth.pam_confdir (libpam then loads no /etc/pam.d/other)
#   (e2) the same with pam_aigate's groups_cache
#   (e3) the same with pam_aigate's cached_auth=300 (the one user repeats:
#        answered from state_dir/pam-creds.mdb, no DC), beside (b)
#   (f0) aigate.cgi under lighttpd mod_fastcgi (2 procs), Basic/PAM -> AD
#   (f1) the same with pam_aigate's keep_connection (a bind on the
#        process's open TLS connection per login)
#   (f)  the same processes, Basic/PAM with auth.basic_cache_s 300
#        (answered from the process's memory), beside (c)
#
# The gate's failure limit is off (auth.failure_limit 0): it takes a
# budget before PAM runs, so 8 logins of one user in flight at once would
# otherwise meet per_user_per_minute (5) and be answered 429.
# Then a hyperfine table of one exec each of (a), (a2) and (b)'s programs
# (bench/exec_times.sh). The backend for every row is nginx answering a
# fixed JSON body. Everything
# started here is stopped on exit; temporary files live under /tmp.
#
# Run as root from a build directory (or `make bench`):
#   top_srcdir=/work/main top_builddir=. bash /work/main/bench/compare.sh [SECONDS]
#   ... compare.sh --smoke      1-s runs of (a)-(d) only, no AD: checks that
#                               every row answers 200 and prints the table
#   AIG_BENCH_SKIP_PAM=1 ...     full rows, but without the (e) rows and the AD
set -eu
: "${top_srcdir:?set top_srcdir (the source tree)}" "${top_builddir:?set top_builddir (the build tree)}"

smoke=false
if [ "${1:-}" = --smoke ]; then
	smoke=true
	shift
fi
secs=${1:-10}
$smoke && secs=1
conns=8
pam_conns=${AIG_BENCH_PAM_CONNS:-8}
www=www-data
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

die() {
	echo "compare.sh: $*" >&2
	exit 1
}
log() { echo "compare.sh: $*" >&2; }

top_srcdir=$(cd "$top_srcdir" && pwd -P)
top_builddir=$(cd "$top_builddir" && pwd -P)
[ "$(id -u)" = 0 ] || die "run as root (the servers run as $www, PAM reads /etc/pam.d)"
for c in wrk nginx lighttpd gcc curl hyperfine openssl; do
	command -v "$c" >/dev/null || die "$c is not installed"
done
/usr/bin/python3 -c 'import flask, jwt, jwt.algorithms, cryptography, requests, gunicorn' 2>/dev/null ||
	die "/usr/bin/python3 lacks flask, jwt, cryptography, requests or gunicorn (Debian: python3-flask python3-jwt python3-cryptography python3-requests gunicorn)"
gate_bin=$top_builddir/cgi/aigate.cgi
pam_so=$top_builddir/pam_aigate/.libs/pam_aigate.so
tool=$top_builddir/tests/integration/jwt_tool
floor_bin=$top_builddir/bench/crypto_floor
fcgi_hello_bin=$top_builddir/bench/fcgi_hello
fcgi_hop_bin=$top_builddir/bench/fcgi_hop
[ -x "$gate_bin" ] || die "$gate_bin is missing: build first (make)"
[ -x "$floor_bin" ] || die "$floor_bin is missing: build first (make)"
[ -x "$tool" ] || make -C "$top_builddir" tests/integration/jwt_tool >/dev/null ||
	die "cannot build tests/integration/jwt_tool"
$smoke || [ -f "$pam_so" ] || die "$pam_so is missing: build first (make)"
web_sh=$top_srcdir/tests/testbed/web.sh
ad_sh=$top_srcdir/tests/testbed/ad.sh

W=$(mktemp -d /tmp/aigate-compare.XXXXXX)
chmod 0755 "$W"
nginx_pid=
gunicorn_pid=
ad_started=false
svc="aigate-bench-$$"
cleanup() {
	local d
	for d in "$W"/srv-*; do
		[ -d "$d" ] && "$web_sh" stop "$d" >/dev/null 2>&1
	done
	if [ -n "$gunicorn_pid" ]; then
		kill -TERM "$gunicorn_pid" 2>/dev/null && wait "$gunicorn_pid" 2>/dev/null
	fi
	if [ -n "$nginx_pid" ]; then
		kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	fi
	if $ad_started; then "$ad_sh" stop "$W/ad" >/dev/null 2>&1; fi
	rm -rf "$W"
	return 0
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)
# The source tree's commit (a tree from `git archive` may carry it in
# .tarball-version); "-dirty" when the tree has changes not committed.
commit=$(git -C "$top_srcdir" describe --always --dirty --abbrev=10 2>/dev/null ||
	head -c 40 "$top_srcdir/.tarball-version" 2>/dev/null || echo unknown)

# wait_http URL: true once URL answers HTTP at all (up to 10 s).
wait_http() {
	for _ in $(seq 100); do
		curl -s -o /dev/null --noproxy '*' --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# --- the files the CGI reads (owned by root, readable by www-data) --------
mkdir -p "$W/libexec/aigate" "$W/etc/aigate" "$W/keys" "$W/state" "$W/log" \
	"$W/cgi" "$W/lib" "$W/fcgi" "$W/other"
cp "$gate_bin" "$W/libexec/aigate/aigate.cgi"
# The extension modules (aigate-pam.so: Basic; aigate-ext.so: libldap;
# aigate-openssl.so: TLS) sit beside the gate.
for ext in aigate-ext.so aigate-pam.so aigate-openssl.so; do
	[ ! -f "$top_builddir/cgi/.libs/$ext" ] || cp "$top_builddir/cgi/.libs/$ext" "$W/libexec/aigate/"
done
gcc -O2 -static -o "$W/cgi/hello.cgi" "$top_srcdir/bench/hello_cgi.c"
gcc -O2 -static -o "$W/stdin_exec" "$top_srcdir/bench/stdin_exec.c"
cp "$floor_bin" "$W/cgi/floor.cgi"
gcc -O2 -static -o "$W/maxrss" "$top_srcdir/bench/maxrss.c"
"$tool" keygen "$W/keys"
"$tool" keygen "$W/other"
cp "$W/keys/jwks.json" "$W/etc/aigate/"
openssl pkey -in "$W/keys/rsa.pem" -pubout -out "$W/etc/aigate/floor.pem"
# The policy as shipped, with a rate limit high enough never to refuse.
sed 's/"per_minute": 60, "burst": 10/"per_minute": 1000000, "burst": 1000000/' \
	"$top_srcdir/policies/policy.json" >"$W/etc/aigate/policy.json"
grep -q '"per_minute": 1000000' "$W/etc/aigate/policy.json" ||
	die "policies/policy.json changed: the inference rate limit could not be raised"
chown "$www" "$W/state" "$W/log" "$W/fcgi"
chmod -R a+rX "$W/libexec" "$W/etc" "$W/cgi"

body='{"input":{"messages":[{"type":"human","content":"hello there"}]},"config":{"configurable":{"model":"small"}}}'
printf '%s' "$body" >"$W/body.json"
now=$(date +%s)
claims="{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 3600)),\"iat\":$now,\"email\":\"bench@corp.example.com\",\"groups\":[\"AI_Users\"]}"
token=$("$tool" sign "$W/keys/rsa.pem" rsa1 RS256 "$claims")
forged=$("$tool" sign "$W/other/rsa.pem" rsa1 RS256 "$claims")

# lua AUTH FILE: the wrk script: POST the body with AUTH; at the end one
# line "RESULT req/s p50_ms p99_ms status_errors socket_errors requests".
lua() {
	cat >"$2" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$1"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, summary.requests))
end
LUA
}
lua "Bearer $token" "$W/bearer.lua"

# --- the backend: nginx, fixed answer ---------------------------------------
mkdir -p "$W/nginx/tmp"
bport=$("$web_sh" port)
cat >"$W/nginx/nginx.conf" <<NGINX
worker_processes 2;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $W/nginx/tmp/body;
    proxy_temp_path $W/nginx/tmp/proxy;
    fastcgi_temp_path $W/nginx/tmp/fastcgi;
    uwsgi_temp_path $W/nginx/tmp/uwsgi;
    scgi_temp_path $W/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$bport;
        default_type application/json;
        location / { return 200 '{"output":"ok"}'; }
    }
}
NGINX
setsid nginx -p "$W/nginx/" -e "$W/nginx/error.log" -c "$W/nginx/nginx.conf" \
	-g 'daemon off;' </dev/null >"$W/nginx/out.log" 2>&1 &
nginx_pid=$!
wait_http "http://127.0.0.1:$bport/" || { cat "$W/nginx/out.log" "$W/nginx/error.log" >&2; die "nginx did not start"; }
backend=http://127.0.0.1:$bport

# gate_config FILE AUTH_METHODS [LDAP_JSON]: aigate.json for the rows.
gate_config() {
	local ldap=${3:-'{"uri": ["ldaps://127.0.0.1"], "domain": "corp.example.com", "base_dn": "DC=corp,DC=example,DC=com"}'}
	cat >"$1" <<JSON
{"ldap": $ldap,
 "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
         "jwks_file": "$W/etc/aigate/jwks.json"},
 "auth": {"methods": $2, "pam_service": "$svc",
          "failure_limit": {"per_ip_per_minute": 0, "per_user_per_minute": 0}},
 "backend": {"url": "$backend"},
 "policy_file": "$W/etc/aigate/policy.json", "state_dir": "$W/state",
 "audit": {"file": "$W/log/audit.jsonl", "syslog": false}}
JSON
	chmod 0644 "$1"
}
gate_config "$W/etc/aigate/aigate.json" '["bearer"]'

# lighttpd NAME SITE_LINES: lighttpd on a spare port with the given site
# configuration; sets $url.
lighttpd_start() {
	local dir=$W/srv-$1
	mkdir -p "$dir/htdocs"
	{
		echo 'server.document-root = "@DIR@/htdocs"'
		printf '%s\n' "$2"
	} >"$W/site-$1.conf"
	"$web_sh" start lighttpd "$dir" "$W/site-$1.conf" >/dev/null 2>"$W/web-$1.log" ||
		{ cat "$W/web-$1.log" >&2; die "lighttpd ($1) did not start"; }
	url=$(. "$dir/web.env" && echo "$AIG_WEB_URL")
}
lighttpd_stop() { "$web_sh" stop "$W/srv-$1" >/dev/null 2>&1; }

# expect_status CODE URL AUTH: one POST of the body; dies unless CODE.
expect_status() {
	local code
	code=$(curl -s -o "$W/last.b" -w '%{http_code}' --noproxy '*' --max-time 30 \
		-X POST -H 'Content-Type: application/json' -H "Authorization: $3" \
		--data-binary @"$W/body.json" "$2") || true
	[ "$code" = "$1" ] ||
		die "$2 answered $code, not $1: $(head -c 300 "$W/last.b")"
}

# --- results ---------------------------------------------------------------
declare -A R_NAME R_RPS R_P50 R_P99 R_ERR R_RSS R_NOTE R_CPU
rows=()

# cpu_stat: the machine's busy and total CPU ticks; cpu_busy A B: the
# percentage of all CPUs busy between the two.
cpu_stat() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }
cpu_busy() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}

# bench ROW NAME URL LUA CONNS: one wrk run; aborts unless all answers are 2xx.
bench() {
	local row=$1 name=$2 u=$3 script=$4 c=$5 out res cpu0
	log "row ($row) $name: wrk -t2 -c$c -d${secs}s $u"
	cpu0=$(cpu_stat)
	out=$(wrk -t2 -c"$c" -d"${secs}s" --timeout 10s -s "$script" "$u") ||
		die "wrk failed for row ($row)"
	R_CPU[$row]=$(cpu_busy "$cpu0" "$(cpu_stat)")
	res=$(printf '%s\n' "$out" | sed -n 's/^RESULT //p')
	[ -n "$res" ] || die "no result from wrk for row ($row): $out"
	set -- $res
	[ "$6" -gt 0 ] || die "row ($row): no request completed"
	[ "$4" -eq 0 ] || die "row ($row) failed: $4 of $6 answers were not 2xx (a failed benchmark)"
	rows+=("$row")
	R_NAME[$row]=$name
	R_RPS[$row]=$1
	R_P50[$row]=$2
	R_P99[$row]=$3
	R_ERR[$row]=$(($4 + $5))
	R_NOTE[$row]=
	[ "$5" -eq 0 ] || R_NOTE[$row]="$5 socket errors"
}

# cgi_rss PROGRAM AUTH CONFIG: peak RSS in KiB of one exec of PROGRAM as
# lighttpd runs it (as www-data) for a POST of the body to /ai/chat/invoke;
# dies unless it answers 200.
cgi_rss() {
	local kib st
	kib=$(env -i PATH=/usr/bin:/bin GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		SERVER_SOFTWARE=lighttpd SERVER_NAME=127.0.0.1 SERVER_ADDR=127.0.0.1 \
		SERVER_PORT=80 REMOTE_ADDR=127.0.0.1 REMOTE_PORT=40000 \
		REQUEST_METHOD=POST REQUEST_URI=/ai/chat/invoke SCRIPT_NAME=/ai \
		PATH_INFO=/chat/invoke QUERY_STRING= REDIRECT_STATUS=200 \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
		HTTP_HOST=127.0.0.1 HTTP_AUTHORIZATION="$2" AIGATE_CONFIG="$3" \
		AIG_FLOOR_PEM="$W/etc/aigate/floor.pem" \
		"$W/maxrss" "$(id -u "$www")" "$(id -g "$www")" "$W/rss.out" "$1" \
		<"$W/body.json") || die "one exec of $1 failed"
	st=$(sed -n '/^\r\{0,1\}$/q; s/^Status: *\([0-9]*\).*/\1/Ip' "$W/rss.out")
	[ "${st:-200}" = 200 ] && [ -s "$W/rss.out" ] ||
		die "one exec of $1 answered ${st:-nothing}, not 200"
	echo "$kib"
}
# vmhwm PID...: the sum of their VmHWM in KiB.
vmhwm() {
	local p s=0 v
	for p in "$@"; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# cpu_ticks PID...: their user+system CPU time in clock ticks.
cpu_ticks() {
	local p s=0 v
	for p in "$@"; do
		v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

lighttpd_cgi_site=$(sed -e "s|@LIBEXECDIR@|$W/libexec|g" -e "s|@SYSCONFDIR@|$W/etc|g" \
	"$top_srcdir/contrib/lighttpd/aigate.conf.in"
echo "alias.url += ( \"/hello\" => \"$W/cgi/hello.cgi\" )"
echo '$HTTP["url"] =~ "^/hello" { cgi.assign = ( "" => "" ) }'
echo "alias.url += ( \"/floor\" => \"$W/cgi/floor.cgi\" )"
echo '$HTTP["url"] =~ "^/floor" { cgi.assign = ( "" => "" )'
echo "  setenv.add-environment = ( \"AIG_FLOOR_PEM\" => \"$W/etc/aigate/floor.pem\" ) }")

# --- (a) and (b): lighttpd mod_cgi -------------------------------------------
lighttpd_start cgi "$lighttpd_cgi_site"
expect_status 200 "$url/hello" "Bearer $token"
expect_status 200 "$url/floor" "Bearer $token"
expect_status 401 "$url/floor" "Bearer $forged"
expect_status 200 "$url/ai/chat/invoke" "Bearer $token"
expect_status 401 "$url/ai/chat/invoke" "Bearer $forged"
bench a 'static hello CGI, lighttpd mod_cgi (floor)' "$url/hello" "$W/bearer.lua" "$conns"
R_RSS[a]=$(mib "$(cgi_rss "$W/cgi/hello.cgi" "Bearer $token" "$W/etc/aigate/aigate.json")")
bench a2 'crypto floor (RS256 verify only), mod_cgi' "$url/floor" "$W/bearer.lua" "$conns"
R_RSS[a2]=$(mib "$(cgi_rss "$W/cgi/floor.cgi" "Bearer $token" "$W/etc/aigate/aigate.json")")
audit0=$(wc -l <"$W/log/audit.jsonl")
bench b 'aigate.cgi, lighttpd mod_cgi, JWT' "$url/ai/chat/invoke" "$W/bearer.lua" "$conns"
audit_b=$(($(wc -l <"$W/log/audit.jsonl") - audit0))
R_RSS[b]=$(mib "$(cgi_rss "$W/libexec/aigate/aigate.cgi" "Bearer $token" "$W/etc/aigate/aigate.json")")
lighttpd_stop cgi

# --- one exec of each CGI program, timed by hyperfine ------------------------
# As the web server's user, as every other row: the gate uses the state
# files under state_dir only when they are its user's. The script is
# copied where that user can read it (the tree may be under /root).
cp "$top_srcdir/bench/exec_times.sh" "$W/exec_times.sh"
exec_table=$(AIG_FLOOR_PEM=$W/etc/aigate/floor.pem AIGATE_CONFIG=$W/etc/aigate/aigate.json \
	HTTP_AUTHORIZATION="Bearer $token" CONTENT_LENGTH=${#body} \
	setpriv --reuid="$www" --regid="$www" --clear-groups -- \
	bash "$W/exec_times.sh" "$W/stdin_exec" "$W/body.json" \
	"$W/cgi/hello.cgi" "$W/cgi/floor.cgi" "$W/libexec/aigate/aigate.cgi" $($smoke && echo 20 || echo 500)) ||
	die "bench/exec_times.sh failed"

# --- (c): lighttpd mod_fastcgi, two persistent aigate.cgi processes ----------
mkdir -p "$W/fcgi/lighttpd"
chown "$www" "$W/fcgi/lighttpd"
lighttpd_start fcgi "$(sed -e "s|@LIBEXECDIR@|$W/libexec|g" -e "s|@SYSCONFDIR@|$W/etc|g" \
	-e "s|@RUNSTATEDIR@|$W/fcgi|g" "$top_srcdir/contrib/lighttpd/aigate-fastcgi.conf.in")"
fcgi_pids() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$W/libexec/aigate/aigate.cgi" ] && echo "${p#/proc/}"
	done
	return 0
}
code=$(curl -s -o "$W/last.b" -w '%{http_code}' --noproxy '*' --max-time 30 -X POST \
	-H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
	--data-binary @"$W/body.json" "$url/ai/chat/invoke") || true
[ "$code" = 200 ] || die "(c): aigate.cgi under mod_fastcgi answered $code, not 200 (is its FastCGI mode in this build?): $(head -c 300 "$W/last.b"; tail -n 5 "$W/srv-fcgi/error.log")"
expect_status 401 "$url/ai/chat/invoke" "Bearer $forged"
audit0=$(wc -l <"$W/log/audit.jsonl")
bench c 'aigate.cgi, lighttpd mod_fastcgi (2 procs), JWT' "$url/ai/chat/invoke" "$W/bearer.lua" "$conns"
# The backend hop's share of (c): the audit records' backend_ms against
# their latency_ms (the gate's whole time for the request).
hop_c=$(tail -n +$((audit0 + 1)) "$W/log/audit.jsonl" | /usr/bin/python3 -c '
import json, sys
b = l = n = 0
for line in sys.stdin:
    r = json.loads(line); b += r["backend_ms"]; l += r["latency_ms"]; n += 1
print("%.3f %.3f %d" % (b / n, l / n, n) if n else "0 0 0")')
sed -e 's/^wrk.method = "POST"/wrk.method = "GET"/' -e '/^wrk.body/d' \
	-e '/Content-Type/d' "$W/bearer.lua" >"$W/whoami.lua"
expect_get_200() {
	local code
	code=$(curl -s -o "$W/last.b" -w '%{http_code}' --noproxy '*' --max-time 30 \
		-H "Authorization: Bearer $token" "$1") || true
	[ "$code" = 200 ] || die "$1 answered $code, not 200: $(head -c 300 "$W/last.b")"
}
expect_get_200 "$url/ai/_aigate/whoami"
bench c3 'aigate.cgi, mod_fastcgi, GET whoami, no backend' "$url/ai/_aigate/whoami" "$W/whoami.lua" "$conns"
R_RSS[c3]=-
fpids=$(fcgi_pids)
[ -n "$fpids" ] || die "no FastCGI aigate.cgi process found after row (c)"
R_RSS[c]=$(mib "$(vmhwm $fpids)")
fcgi_each=$(for p in $fpids; do printf '%s ' "$(mib "$(vmhwm "$p")")"; done)
lighttpd_stop fcgi

# --- (c2): a libfcgi hello under the same mod_fastcgi, same max-procs --------
fcgi_procs=$(sed -n 's/.*"max-procs" *=> *\([0-9]*\).*/\1/p' "$top_srcdir/contrib/lighttpd/aigate-fastcgi.conf.in")
[ -n "$fcgi_procs" ] || die "no max-procs in contrib/lighttpd/aigate-fastcgi.conf.in"
# fcgi_floor ROW NAME BIN [ENV]: a floor responder BIN under the same
# mod_fastcgi and max-procs as the gate, with lighttpd's bin-environment
# ENV (a "KEY" => "VALUE" list), benched on the gate's URL and body.
fcgi_floor() {
	local row=$1 name=$2 bin=$3 env=${4:-}
	if [ ! -x "$bin" ]; then
		log "no $bin (built without FastCGI): row ($row) skipped"
		return 0
	fi
	cp "$bin" "$W/cgi/$row"
	chmod a+rx "$W/cgi/$row"
	lighttpd_start "fcgi$row" "server.modules += ( \"mod_fastcgi\" )
fastcgi.server += ( \"/ai\" => ((
    \"socket\" => \"$W/fcgi/lighttpd/$row.sock\",
    \"bin-path\" => \"$W/cgi/$row\",${env:+
    \"bin-environment\" => ( $env ),}
    \"max-procs\" => $fcgi_procs,
    \"check-local\" => \"disable\", \"fix-root-scriptname\" => \"disable\"
)))"
	expect_status 200 "$url/ai/chat/invoke" "Bearer $token"
	bench "$row" "$name ($fcgi_procs procs)" "$url/ai/chat/invoke" "$W/bearer.lua" "$conns"
	R_RSS[$row]=-
	lighttpd_stop "fcgi$row"
}
fcgi_floor c2 "libfcgi hello, lighttpd mod_fastcgi" "$fcgi_hello_bin"

# --- (c4): the backend hop alone, same mod_fastcgi, same max-procs ---------
fcgi_floor c4 "libfcgi hop floor: body to the backend and back" "$fcgi_hop_bin" \
	"\"AIG_HOP_BACKEND\" => \"127.0.0.1:$bport\""

# --- (d): the seed design's proxy under gunicorn -----------------------------
gport=$("$web_sh" port)
SEED_JWKS=$W/etc/aigate/jwks.json SEED_ISSUER=https://issuer.test SEED_AUDIENCE=aigate \
	SEED_POLICY=$W/etc/aigate/policy.json SEED_BACKEND=$backend \
	setsid /usr/bin/python3 -m gunicorn --workers 2 --worker-class sync \
	--bind "127.0.0.1:$gport" --chdir "$top_srcdir/bench" seed_proxy:app \
	</dev/null >"$W/gunicorn.log" 2>&1 &
gunicorn_pid=$!
wait_http "http://127.0.0.1:$gport/" || { cat "$W/gunicorn.log" >&2; die "gunicorn did not start"; }
expect_status 200 "http://127.0.0.1:$gport/chat/invoke" "Bearer $token"
expect_status 401 "http://127.0.0.1:$gport/chat/invoke" "Bearer $forged"
bench d 'seed proxy: Flask+PyJWT+requests, gunicorn 2 sync' \
	"http://127.0.0.1:$gport/chat/invoke" "$W/bearer.lua" "$conns"
gpids="$gunicorn_pid $(pgrep -P "$gunicorn_pid" | tr '\n' ' ')"
R_RSS[d]=$(mib "$(vmhwm $gpids)")
kill -TERM "$gunicorn_pid" 2>/dev/null || true
wait "$gunicorn_pid" 2>/dev/null || true
gunicorn_pid=

# --- (e): Basic through PAM against the Samba AD DC --------------------------
pam_note=
if ! $smoke && [ "${AIG_BENCH_SKIP_PAM:-0}" != 1 ]; then
	log "starting the Samba AD DC (tests/testbed/ad.sh; waits for the AD lock if another run holds it)"
	"$ad_sh" start "$W/ad" >"$W/ad.log" 2>&1 || { cat "$W/ad.log" >&2; die "the AD test bed did not start"; }
	ad_started=true
	. "$W/ad/ad.env"
	mkdir -p "$W/pametc/aigate" "$W/pametc/pam.d"
	cp "$AIG_AD_CA" "$W/pametc/aigate/ad-ca.pem"
	cp "$pam_so" "$(dirname "$pam_so")/aigate-ldap.so" "$W/lib/"
	gate_config "$W/pametc/aigate/aigate.json" '["bearer", "basic"]' \
		"{\"uri\": [\"$AIG_AD_URI\"], \"domain\": \"$AIG_AD_DOMAIN\", \"base_dn\": \"$AIG_AD_BASE\",
          \"ca_file\": \"$W/pametc/aigate/ad-ca.pem\", \"timeout_ms\": 5000}"
	# the PAM service in a directory of its own (auth.pam_confdir, as
	# docs/performance.md recommends for CGI): libpam reads nothing else
	sed -i 's|"pam_service": "'"$svc"'"|"pam_service": "'"$svc"'", "pam_confdir": "'"$W/pametc/pam.d"'"|' \
		"$W/pametc/aigate/aigate.json"
	chmod -R a+rX "$W/pametc" "$W/lib"
	pam_conf() { # EXTRA_ARGS
		printf 'auth     required %s config=%s %s\naccount  required %s config=%s %s\n' \
			"$W/lib/pam_aigate.so" "$W/pametc/aigate/aigate.json" "$1" \
			"$W/lib/pam_aigate.so" "$W/pametc/aigate/aigate.json" "$1" >"$W/pametc/pam.d/$svc"
	}
	basic="Basic $(printf 'bob:%s' "$AIG_AD_PASSWORD" | base64 -w0)"
	lua "$basic" "$W/basic.lua"
	lighttpd_start pam "$(sed -e "s|@LIBEXECDIR@|$W/libexec|g" -e "s|@SYSCONFDIR@|$W/pametc|g" \
		"$top_srcdir/contrib/lighttpd/aigate.conf.in")"
	samba_pids() { ps -o pid= -s "$(cat "$W/ad/samba.pid")" 2>/dev/null | tr -d ' '; }
	hz=$(getconf CLK_TCK)
	# pam_row ROW NAME: one PAM row, with the AD's CPU use during it.
	pam_row() {
		local t0 t1 s0 s1
		expect_status 200 "$url/ai/chat/invoke" "$basic"
		expect_status 401 "$url/ai/chat/invoke" "Basic $(printf 'bob:wrong' | base64 -w0)"
		expect_status 200 "$url/ai/chat/invoke" "$basic"
		t0=$(date +%s%N)
		s0=$(cpu_ticks $(samba_pids))
		bench "$1" "$2" "$url/ai/chat/invoke" "$W/basic.lua" "$pam_conns"
		s1=$(cpu_ticks $(samba_pids))
		t1=$(date +%s%N)
		R_RSS[$1]=$(mib "$(cgi_rss "$W/libexec/aigate/aigate.cgi" "$basic" "$W/pametc/aigate/aigate.json")")
		pam_note="$pam_note  ($1): Samba (the AD DC, one process) used $(awk -v t=$((s1 - s0)) -v hz="$hz" -v ns=$((t1 - t0)) \
			'BEGIN { printf "%.0f", 100 * t / hz / (ns / 1e9) }')% of one core during the run.
"
	}
	pam_conf ""
	pam_row e1 "aigate.cgi, mod_cgi, Basic/PAM -> AD, no cache"
	# (e2), (e3), (f): pam_aigate's caches need a state key (state_key_file)
	# that the gate's user can read
	(umask 077 && openssl rand -out "$W/state.key" 32)
	chown "$www" "$W/state.key"
	sed -i "s|\"state_dir\": \"$W/state\",|\"state_dir\": \"$W/state\", \"state_key_file\": \"$W/state.key\",|" \
		"$W/pametc/aigate/aigate.json"
	pam_conf "groups_cache"
	pam_row e2 "aigate.cgi, mod_cgi, Basic/PAM -> AD, groups_cache"
	[ -s "$W/state/ldap-groups.mdb" ] ||
		pam_note="$pam_note  (e2): WARNING: no group cache in state_dir after the run: groups_cache did not take effect.
"
	pam_conf "cached_auth=300"
	pam_row e3 "aigate.cgi, mod_cgi, Basic/PAM, cached_auth=300"
	[ -s "$W/state/pam-creds.mdb" ] ||
		pam_note="$pam_note  (e3): WARNING: no credential cache in state_dir after the run: cached_auth did not take effect.
"
	lighttpd_stop pam
	pam_conf ""
	mkdir -p "$W/fcgi/lighttpd-pam"
	chown "$www" "$W/fcgi/lighttpd-pam"
	lighttpd_start fpam "$(sed -e "s|@LIBEXECDIR@|$W/libexec|g" -e "s|@SYSCONFDIR@|$W/pametc|g" \
		-e "s|@RUNSTATEDIR@/lighttpd|$W/fcgi/lighttpd-pam|g" "$top_srcdir/contrib/lighttpd/aigate-fastcgi.conf.in")"
	pam_row f0 "aigate.cgi, mod_fastcgi (2 procs), Basic/PAM -> AD"
	pam_conf "keep_connection"
	pam_row f1 "... the same, pam_aigate keep_connection"
	pam_conf ""
	sed -i 's|"pam_service": "'"$svc"'"|"pam_service": "'"$svc"'", "basic_cache_s": 300|' \
		"$W/pametc/aigate/aigate.json"
	pam_row f "aigate.cgi, mod_fastcgi (2 procs), Basic, basic_cache_s"
	lighttpd_stop fpam
fi
load_end=$(loadavg)

# --- the table -------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
echo
echo "aigate: one run, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit, $(nproc) CPUs"
echo "wrk -t2 -c$conns -d${secs}s (rows e: -c$pam_conns), POST ${#body}-byte JSON body; backend nginx (fixed answer)"
$smoke && echo "SMOKE RUN: 1-s rows, (e) skipped; the figures are not a benchmark"
echo "load average at start: $load_start"
printf '%-55s %9s %8s %8s %7s %8s %7s %7s\n' row req/s "p50 ms" "p99 ms" errors "RSS MiB" "/ (a)" "/ (d)"
for r in "${rows[@]}"; do
	printf '%-55s %9s %8s %8s %7s %8s %7s %7s\n' "($r) ${R_NAME[$r]}" "${R_RPS[$r]}" \
		"${R_P50[$r]}" "${R_P99[$r]}" "${R_ERR[$r]}" "${R_RSS[$r]}" \
		"$(ratio "${R_RPS[$r]}" "${R_RPS[a]}")" "$(ratio "${R_RPS[$r]}" "${R_RPS[d]}")"
done
echo "load average at end:   $load_end"
echo
echo "errors: non-2xx answers + socket errors (connect, read, write, timeout); a non-2xx answer aborts the run."
for r in "${rows[@]}"; do
	[ -z "${R_NOTE[$r]}" ] || echo "  ($r): ${R_NOTE[$r]}"
done
echo "RSS MiB: (a), (b), (e) the peak RSS (ru_maxrss) of one exec of the CGI program, run once"
echo "  as www-data with the same CGI environment and body, from a static launcher (bench/maxrss.c);"
echo "  one per request in flight: up to $conns at once under this load;"
echo "  (c) the sum of VmHWM of the FastCGI aigate.cgi processes after the run (each: ${fcgi_each% });"
echo "  (d) the sum of VmHWM of the gunicorn master and its two workers after the run."
printf 'machine CPU busy during each run (all %s CPUs, wrk and servers included):' "$(nproc)"
for r in "${rows[@]}"; do printf ' (%s) %s%%' "$r" "${R_CPU[$r]}"; done
echo
echo
echo "exec time of one request, CGI programs (bench/exec_times.sh):"
printf '%s\n' "$exec_table" | grep -v '^EXECRATIO'
echo
set -- $hop_c
echo "(c) backend hop: $1 ms of the gate's $2 ms per request (mean over $3 audit records: backend_ms / latency_ms)."
[ -z "${R_RPS[c2]:-}" ] || [ -z "${R_RPS[c3]:-}" ] ||
	echo "(c3) without the backend hop: $(ratio "${R_RPS[c3]}" "${R_RPS[c2]}") x (c2); with it (c): $(ratio "${R_RPS[c]}" "${R_RPS[c2]}") x (c2)."
[ -z "${R_RPS[c4]:-}" ] || [ -z "${R_RPS[c2]:-}" ] ||
	echo "(c4) the hop alone: $(ratio "${R_RPS[c4]}" "${R_RPS[c2]}") x (c2); the gate with its hop (c): $(ratio "${R_RPS[c]}" "${R_RPS[c4]}") x (c4)."
echo "(b) wrote $audit_b audit lines for $(awk -v r="${R_RPS[b]}" -v s="$secs" 'BEGIN { printf "%.0f", r * s }') requests counted by wrk."
[ -z "$pam_note" ] || printf '%s' "$pam_note"

if ! $smoke; then
	goal() { # TEXT CONDITION(awk)
		if awk "BEGIN { exit !($2) }"; then echo "  met     $1"; else echo "  MISSED  $1"; fi
	}
	echo
	echo "issue 9's goals:"
	goal "(b) req/s >= (d): ${R_RPS[b]} vs ${R_RPS[d]}" "${R_RPS[b]} >= ${R_RPS[d]}"
	goal "(b) p99 <= (d) p99: ${R_P99[b]} ms vs ${R_P99[d]} ms" "${R_P99[b]} <= ${R_P99[d]}"
	goal "(c) req/s >= 5 x (d): ${R_RPS[c]} vs $(awk -v d="${R_RPS[d]}" 'BEGIN { printf "%.1f", 5 * d }')" "${R_RPS[c]} >= 5 * ${R_RPS[d]}"
	goal "(c) p99 <= (d) p99: ${R_P99[c]} ms vs ${R_P99[d]} ms" "${R_P99[c]} <= ${R_P99[d]}"
	if [ -n "${R_RPS[e3]:-}" ] && [ -n "${R_RPS[f]:-}" ]; then
		echo "issue 16's goals (repeated Basic logins within the caches):"
		goal "(e3) req/s >= 0.7 x (b): ${R_RPS[e3]} vs ${R_RPS[b]} ($(ratio "${R_RPS[e3]}" "${R_RPS[b]}") x)" "${R_RPS[e3]} >= 0.7 * ${R_RPS[b]}"
		goal "(f) req/s >= 0.8 x (c): ${R_RPS[f]} vs ${R_RPS[c]} ($(ratio "${R_RPS[f]}" "${R_RPS[c]}") x)" "${R_RPS[f]} >= 0.8 * ${R_RPS[c]}"
	fi
fi
if ! $smoke; then
	xr=$(printf '%s\n' "$exec_table" | sed -n 's/^EXECRATIO //p')
	echo
	echo "issue 21's goals:"
	goal "aigate.cgi exec <= 1.3 x crypto floor (hyperfine medians): $xr" "$xr <= 1.3"
	goal "(b) req/s >= 0.45 x (a): $(ratio "${R_RPS[b]}" "${R_RPS[a]}")" "${R_RPS[b]} >= 0.45 * ${R_RPS[a]}"
	[ -z "${R_RPS[c2]:-}" ] ||
		goal "(c) req/s >= 0.7 x (c2): $(ratio "${R_RPS[c]}" "${R_RPS[c2]}")" "${R_RPS[c]} >= 0.7 * ${R_RPS[c2]}"
	[ -z "${R_RPS[c4]:-}" ] ||
		echo "  (not a goal: (c) against the hop floor (c4): $(ratio "${R_RPS[c]}" "${R_RPS[c4]}") x)"
	goal "(c) req/s >= 5 x (d): $(ratio "${R_RPS[c]}" "${R_RPS[d]}")" "${R_RPS[c]} >= 5 * ${R_RPS[d]}"
fi
