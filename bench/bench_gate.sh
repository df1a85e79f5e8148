#!/bin/bash
# bench_gate.sh - issue 7's figure: requests per second and p50/p99 of the
# allowed JWT path through aigate.cgi (RS256 token, policy decision, body
# checks, LMDB rate limit, audit, metrics, forward) beside a static "hello"
# CGI under the same lighttpd, in the same run, with wrk (2 threads, 8
# connections, POST with a bearer token). The backend is the LangServe
# fixture answering a fixed body. Run as root from a build directory:
#   top_srcdir=.. top_builddir=. bash ../bench/bench_gate.sh [SECONDS]
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
secs=${1:-10}
web=$(mktemp -d /tmp/aigate-bench-gate.XXXXXX)
chmod 0755 "$web"
backend_pid=
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	[ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
	rm -rf "$web"
}
trap cleanup EXIT
tool=$top_builddir/tests/integration/jwt_tool
mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/keys" "$web/state" \
	"$web/log" "$web/srv/htdocs" "$web/cgi"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/"
gcc -O2 -static -o "$web/cgi/hello.cgi" "$top_srcdir/bench/hello_cgi.c"
"$tool" keygen "$web/keys"
cp "$web/keys/jwks.json" "$web/etc/aigate/"
sed 's/"per_minute": 60, "burst": 10/"per_minute": 1000000, "burst": 1000000/' \
	"$top_srcdir/policies/policy.json" >"$web/etc/aigate/policy.json"
chown www-data "$web/state" "$web/log"
chmod -R a+rX "$web/libexec" "$web/etc" "$web/cgi"

/usr/bin/python3 "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 \
	--quiet --lifetime 600 --fixed '{"output":"ok"}' >"$web/backend.out" 2>&1 &
backend_pid=$!
for _ in $(seq 50); do grep -q '^PORT=' "$web/backend.out" && break; sleep 0.1; done
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")
cat >"$web/etc/aigate/aigate.json" <<JSON
{"ldap": {"uri": ["ldaps://127.0.0.1"], "domain": "corp.example.com",
          "base_dn": "DC=corp,DC=example,DC=com"},
 "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
         "jwks_file": "$web/etc/aigate/jwks.json"},
 "auth": {"methods": ["bearer"]},
 "backend": {"url": "http://127.0.0.1:$bport"},
 "policy_file": "$web/etc/aigate/policy.json", "state_dir": "$web/state",
 "audit": {"file": "$web/log/audit.jsonl", "syslog": false}}
JSON
chmod 0644 "$web/etc/aigate/aigate.json"
{
	echo 'server.document-root = "@DIR@/htdocs"'
	sed -e "s|@LIBEXECDIR@|$web/libexec|g" -e "s|@SYSCONFDIR@|$web/etc|g" \
		"$top_srcdir/contrib/lighttpd/aigate.conf.in"
	echo "alias.url += ( \"/hello\" => \"$web/cgi/hello.cgi\" )"
	echo '$HTTP["url"] =~ "^/hello" { cgi.assign = ( "" => "" ) }'
} >"$web/site.conf"
"$top_srcdir/tests/testbed/web.sh" start lighttpd "$web/srv" "$web/site.conf" >/dev/null
. "$web/srv/web.env"

now=$(date +%s)
token=$("$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
	"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 3600)),\"email\":\"bench@corp.example.com\",\"groups\":[\"AI_Users\"]}")
cat >"$web/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"input":{"messages":[{"type":"human","content":"hello there"}]},"config":{"configurable":{"model":"small"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
LUA
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H "Authorization: Bearer $token" --data '{"input":"x"}' "$AIG_WEB_URL/ai/chat/invoke")
[ "$code" = 200 ] || { echo "the gate answered $code, not 200" >&2; exit 1; }

run() { wrk -t2 -c8 -d"${secs}s" -s "$web/post.lua" "$1" | sed -n 's/^RESULT //p'; }
hello=$(run "$AIG_WEB_URL/hello")
gate=$(run "$AIG_WEB_URL/ai/chat/invoke")
printf '%-44s %10s %9s %9s %7s\n' "lighttpd mod_cgi, wrk -t2 -c8 -d${secs}s" "req/s" "p50 ms" "p99 ms" "errors"
printf '%-44s %10s %9s %9s %7s\n' "static hello CGI (floor)" $hello
printf '%-44s %10s %9s %9s %7s\n' "aigate.cgi, JWT allowed, forwarded" $gate
awk -v a="${gate%% *}" -v b="${hello%% *}" 'BEGIN { printf "%-44s %10.2f\n", "ratio aigate / hello (req/s)", a / b }'
echo "audit lines written: $(wc -l <"$web/log/audit.jsonl")"
