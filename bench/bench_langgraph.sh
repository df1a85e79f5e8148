#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench_langgraph.sh [SECONDS] - what LangGraph ownership costs: a run
# (POST /threads/{id}/runs/wait, the echo graph) on a thread the caller owns,
# through aigate.cgi in FastCGI mode under lighttpd, with the shipped
# policy's "langgraph" section (on) and without it (off), in the same run,
# rounds alternating off/on, each on a fresh thread; then the same for a
# cheap read (GET /threads/{id}/state), and the look-up the gate adds
# (GET /threads/{id} on the backend) on its own. wrk, one connection for the
# runs (a thread takes one run at a time), four for the reads. Bearer JWT
# (no AD needed). Run as root from a build directory:
#   top_srcdir=.. top_builddir=. bash ../bench/bench_langgraph.sh [SECONDS]
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
secs=${1:-8}
www=${AIG_WEB_USER:-www-data}
tool=$top_builddir/tests/integration/jwt_tool
[ -x "$tool" ] || make -C "$top_builddir" tests/integration/jwt_tool >/dev/null
modules=$("$top_srcdir/tests/langgraph/setup.sh")
W=$(mktemp -d /tmp/aigate-bench-lg.XXXXXX)
chmod 0755 "$W"
lg_pid=
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$W/srv" >/dev/null 2>&1 || true
	[ -z "$lg_pid" ] || kill -- "-$lg_pid" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

# --- the LangGraph server
mkdir -p "$W/graph"
cp "$top_srcdir/tests/langgraph/echo_graph.mjs" "$top_srcdir/tests/langgraph/langgraph.json" "$W/graph/"
ln -s "$modules/node_modules" "$W/graph/node_modules"
lport=$("$top_srcdir/tests/testbed/web.sh" port)
(cd "$W/graph" && exec setsid node node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs \
	dev --no-browser --host 127.0.0.1 --port "$lport") >"$W/langgraph.log" 2>&1 &
lg_pid=$!
for _ in $(seq 120); do
	curl -sf "http://127.0.0.1:$lport/ok" >/dev/null 2>&1 && break
	sleep 0.5
done

# --- the gate, FastCGI under lighttpd
mkdir -p "$W/libexec/aigate" "$W/etc/aigate" "$W/keys" "$W/state" "$W/log" \
	"$W/srv/htdocs" "$W/run/lighttpd"
cp "$top_builddir/cgi/aigate.cgi" "$W/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-openssl.so" "$W/libexec/aigate/"
"$tool" keygen "$W/keys" >/dev/null
cp "$W/keys/jwks.json" "$W/etc/aigate/"
/usr/bin/python3 - "$top_srcdir/policies/policy.json" "$W/etc/aigate" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for r in p["rules"]:
    if "rate" in r:
        del r["rate"]
json.dump(p, open(sys.argv[2] + "/policy-on.json", "w"), indent=1)
p.pop("langgraph")
json.dump(p, open(sys.argv[2] + "/policy-off.json", "w"), indent=1)
PY
cp "$W/etc/aigate/policy-on.json" "$W/etc/aigate/policy.json"
(umask 077 && openssl rand -out "$W/etc/aigate/state.key" 32)
cat >"$W/etc/aigate/aigate.json" <<JSON
{"ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com", "base_dn": "DC=corp,DC=example,DC=com"},
 "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
         "jwks_file": "$W/etc/aigate/jwks.json", "algorithms": ["RS256"],
         "user_claim": "email", "groups_claim": "groups"},
 "auth": {"methods": ["bearer"]},
 "backend": {"url": "http://127.0.0.1:$lport", "timeout_ms": 10000},
 "policy_file": "$W/etc/aigate/policy.json",
 "state_dir": "$W/state", "state_key_file": "$W/etc/aigate/state.key",
 "audit": {"file": "$W/log/audit.jsonl", "syslog": false}}
JSON
chown "$www" "$W/state" "$W/log" "$W/run/lighttpd" "$W/etc/aigate/state.key"
"$top_builddir/aigatectl/aigatectl" -c "$W/etc/aigate/aigate.json" check >&2 || true
chmod -R a+rX "$W/libexec" "$W/etc"
sed -e "s|@LIBEXECDIR@|$W/libexec|g" -e "s|@SYSCONFDIR@|$W/etc|g" \
	-e "s|@RUNSTATEDIR@|$W/run|g" "$top_srcdir/contrib/lighttpd/aigate-fastcgi.conf.in" >"$W/site.conf"
sed -i '1i server.document-root = "@DIR@/htdocs"' "$W/site.conf"
"$top_srcdir/tests/testbed/web.sh" start lighttpd "$W/srv" "$W/site.conf" >/dev/null
. "$W/srv/web.env"
gate="$AIG_WEB_URL/ai"
now=$(date +%s)
token=$("$tool" sign "$W/keys/rsa.pem" rsa1 RS256 \
	"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 7200)),\"iat\":$now,\"email\":\"bench@corp.example.com\",\"groups\":[\"AI_Users\"]}")

policy() { # on|off: the gate reads the policy again when the file changes
	cp "$W/etc/aigate/policy-$1.json" "$W/etc/aigate/policy.new"
	chmod a+r "$W/etc/aigate/policy.new"
	mv "$W/etc/aigate/policy.new" "$W/etc/aigate/policy.json"
}
new_thread() { # made through the gate with ownership on: owned
	local out
	out=$(curl -sS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d '{}' "$gate/threads")
	/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["thread_id"])' "$out" ||
		{ echo "bench_langgraph: no thread made: $out" >&2; exit 1; }
}
cat >"$W/run.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"assistant_id":"echo","input":{"messages":[{"role":"user","content":"hello"}]}}'
wrk.headers["Content-Type"] = "application/json"
LUA
bad() { grep -E 'Non-2xx|Socket errors' <<<"$1" || true; }
rps() { # CONNS LUA URL [AUTH]
	local out
	out=$(wrk -t1 -c"$1" -d"${secs}s" --timeout 10s ${2:+-s "$2"} \
		${4:+-H "Authorization: $4"} "$3")
	[ -z "$(bad "$out")" ] || { echo "bench_langgraph: errors: $(bad "$out")" >&2; exit 1; }
	awk '/^Requests\/sec/ { print $2 }' <<<"$out"
}

declare -A RUN STATE
for round in 1 2; do
	for mode in off on; do
		policy on
		t=$(new_thread)
		policy "$mode"
		RUN[$mode]="${RUN[$mode]:-} $(rps 1 "$W/run.lua" "$gate/threads/$t/runs/wait" "Bearer $token")"
		STATE[$mode]="${STATE[$mode]:-} $(rps 4 "" "$gate/threads/$t/state" "Bearer $token")"
	done
done
policy on
t=$(new_thread)
lookup=$(rps 4 "" "http://127.0.0.1:$lport/threads/$t")
direct=$(rps 1 "$W/run.lua" "http://127.0.0.1:$lport/threads/$(new_thread)/runs/wait")

mean() { tr ' ' '\n' <<<"$1" | awk 'NF { s += $1; n++ } END { printf "%.1f", s / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ron=$(mean "${RUN[on]}") roff=$(mean "${RUN[off]}")
son=$(mean "${STATE[on]}") soff=$(mean "${STATE[off]}")
echo "LangGraph ownership, aigate.cgi FastCGI under lighttpd, wrk ${secs}s per row, 2 rounds each (mean)"
echo "commit $(git -C "$top_srcdir" describe --always --dirty 2>/dev/null || echo unknown), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %10s %10s %7s\n' "row" "off req/s" "on req/s" "on/off"
printf '%-52s %10s %10s %7s\n' "POST /threads/{id}/runs/wait (echo graph), -c1" "$roff" "$ron" "$(ratio "$ron" "$roff")"
printf '%-52s %10s %10s %7s\n' "GET /threads/{id}/state, -c4" "$soff" "$son" "$(ratio "$son" "$soff")"
printf '%-52s %10s\n' "backend alone: GET /threads/{id} (the look-up), -c4" "$lookup"
printf '%-52s %10s\n' "backend alone: POST .../runs/wait, -c1" "$direct"
echo "rounds: runs off [${RUN[off]# }] on [${RUN[on]# }]; state off [${STATE[off]# }] on [${STATE[on]# }]"
