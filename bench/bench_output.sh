#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench_output.sh [ROUNDS] - a streamed answer of 1,000 server-sent events
# (LangServe /stream chunks, one HTTP chunk each) through the gate
# (lighttpd + FastCGI, tests/fixtures/chunk_backend.py behind it), with the
# shipped output rules and with none, the two runs interleaved, ROUNDS
# streams each (default 20). Prints events/s of each and their ratio, then
# bench/bench_output on the same stream: the filter alone, and the most
# events it held back at once. Needs root (the web server runs as
# www-data); everything on 127.0.0.1.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
rounds=${1:-20}
web=$(mktemp -d /tmp/aigate-bench-output.XXXXXX)
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
	"$web/log" "$web/sc" "$web/run/lighttpd" "$web/srv/htdocs"
chown www-data "$web/state" "$web/log" "$web/run/lighttpd"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
"$tool" keygen "$web/keys" >/dev/null
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown www-data "$web/etc/aigate/state.key"
# two policies: the shipped one (rates raised), and the same without output
python3 - "$top_srcdir/policies/policy.json" "$web" <<'PY'
import json, sys
src, web = sys.argv[1:]
p = json.load(open(src))
for r in p["rules"]:
    if "rate" in r:
        r["rate"] = {"per_minute": 1000000, "burst": 1000000}
json.dump(p, open(web + "/etc/aigate/with.json", "w"))
del p["output"]
json.dump(p, open(web + "/etc/aigate/none.json", "w"))
out = ""
for i in range(1000):
    out += "event: data\ndata: " + json.dumps({
        "content": "word%d " % i, "additional_kwargs": {}, "type": "AIMessageChunk",
        "id": "run-5c0e8400-e29b-41d4-a716-44665544%04d" % i}) + "\n\n"
open(web + "/stream.sse", "w").write(out)
chunks = out.split("\n\n")[:-1]
json.dump({"content_type": "text/event-stream",
           "chunks": [c + "\n\n" for c in chunks]}, open(web + "/sc/bench.json", "w"))
PY
/usr/bin/python3 "$top_srcdir/tests/fixtures/chunk_backend.py" --dir "$web/sc" \
	--lifetime 3600 >"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
for _ in $(seq 50); do
	grep -q '^PORT=' "$web/backend.out" 2>/dev/null && break
	sleep 0.1
done
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")
for mode in with none; do
	cat >"$web/etc/aigate/$mode-aigate.json" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com",
           "base_dn": "DC=corp,DC=example,DC=com"},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer"]},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 60000},
  "policy_file": "$web/etc/aigate/$mode.json",
  "state_dir": "$web/state",
  "state_key_file": "$web/etc/aigate/state.key",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
done
chmod -R a+rX "$web/libexec" "$web/etc" "$web/sc"
# one FastCGI mount per policy
sed -e "s|@LIBEXECDIR@|$web/libexec|g" -e "s|@SYSCONFDIR@|$web/etc|g" \
	-e "s|@RUNSTATEDIR@|$web/run|g" \
	"$top_srcdir/contrib/lighttpd/aigate-fastcgi.conf.in" >"$web/site.conf"
sed -i '1i server.document-root = "@DIR@/htdocs"' "$web/site.conf"
sed -i "s|$web/etc/aigate/aigate.json|$web/etc/aigate/with-aigate.json|" "$web/site.conf"
"$top_srcdir/tests/testbed/web.sh" start lighttpd "$web/srv" "$web/site.conf" >/dev/null
. "$web/srv/web.env"
now=$(date +%s)
tok=$("$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
	"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 3600)),\"iat\":$now,\"email\":\"eve@corp.example.com\",\"groups\":[\"AI_Users\"]}")
stream() { # MODE: one stream; prints its seconds
	curl -sS -N -o "$web/out" -w '%{time_total}\n' -X POST \
		-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		--data '{"input": "hi"}' "$AIG_WEB_URL/ai/bench/stream"
}
# the gate picks its configuration from AIGATE_CONFIG in the FastCGI
# parameters: switch the policy by pointing with.json's file at the other
use() { sed -i "s|\"policy_file\": \"[^\"]*\"|\"policy_file\": \"$web/etc/aigate/$1.json\"|" \
	"$web/etc/aigate/with-aigate.json"; }
declare -A total=([with]=0 [none]=0)
for _ in $(seq "$rounds"); do
	for mode in with none; do
		use "$mode"
		stream "$mode" >/dev/null # the first after a switch reloads
		t=$(stream "$mode")
		n=$(grep -c '^data: ' "$web/out" || true)
		[ "$n" = 1000 ] || { echo "bench: $mode stream had $n events" >&2; exit 1; }
		total[$mode]=$(echo "${total[$mode]} + $t" | bc -l)
	done
done
with=$(echo "1000 * $rounds / ${total[with]}" | bc -l)
none=$(echo "1000 * $rounds / ${total[none]}" | bc -l)
printf 'through the gate (lighttpd + FastCGI), 1000 events x %d streams each\n' "$rounds"
printf '  no output rules      %10.0f events/s\n' "$none"
printf '  shipped output rules %10.0f events/s\n' "$with"
printf '  ratio                %10.2f (goal >= 0.80)\n' "$(echo "$with / $none" | bc -l)"
"$top_builddir/bench/bench_output" "$top_srcdir/policies/policy.json" "$web/stream.sse" 200
