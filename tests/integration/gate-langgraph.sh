#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-langgraph.sh SERVER - a real LangGraph.js server (langgraphjs dev, in
# memory, the echo graph of tests/langgraph) behind aigate.cgi under SERVER
# (lighttpd, lighttpd-fastcgi, apache, apache-fcgid), with the shipped
# policy's "langgraph" section: threads, runs and store per user. Two AD
# users (bob, jsmith: AI_Users) and an admin (alice: AI_Admins) sign in with
# Basic through PAM against a fresh Samba AD DC; tests/langgraph/drive.mjs
# drives the gate with @langchain/langgraph-sdk's Client and prints the
# cases. A bearer token names a user with a '.' (bob.smith), whom the
# per-user store must refuse; stateless runs that keep their thread must
# leave it to the caller, whatever owner they name; a run named under the
# caller's thread must be that thread's. The packages come from
# tests/langgraph/setup.sh (npm ci of the pinned lock file;
# contrib/install-deps.sh ran it).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
server=${1:?usage: gate-langgraph.sh lighttpd|apache|lighttpd-fastcgi|apache-fcgid}
web_server=${server%%-*}
fastcgi=
[ "$server" = "$web_server" ] || fastcgi=yes
if [ -n "$fastcgi" ] && [ "${AIG_WITH_FCGI:-yes}" = no ]; then
	echo "1..0 # SKIP aigate was configured --without-fcgi"
	exit 77
fi

. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"
in_ad_testbed gate-langgraph "$@"
modules=$("$top_srcdir/tests/langgraph/setup.sh")
web=$(mktemp -d /tmp/aigate-lg.XXXXXX)
chmod 0755 "$web"
svc="aigate-test-$$"
lg_pid=
la_pid=
# stop_group PID: ends PID's process group and waits (up to 5 s) until it
# is gone: the LangGraph server writes its state under the graph's
# directory as it shuts down, so removing that directory sooner can fail
stop_group() {
	[ -n "$1" ] || return 0
	kill -- "-$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 -- "-$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$1" 2>/dev/null || true
}
cleanup() {
	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
	# the CLI's children (tsx, the API workers) are in its process group
	stop_group "$lg_pid"
	stop_group "$la_pid"
	rm -f "/etc/pam.d/$svc"
	rm -rf "$web" 2>/dev/null || { sleep 1 && rm -rf "$web"; }
}
trap cleanup EXIT
pw=$AIG_AD_PASSWORD

# --- the LangGraph server: the graph in a directory of its own, beside the
# installed packages
mkdir -p "$web/graph"
cp "$top_srcdir/tests/langgraph/echo_graph.mjs" "$top_srcdir/tests/langgraph/langgraph.json" \
	"$top_srcdir/tests/langgraph/drive.mjs" "$web/graph/"
ln -s "$modules/node_modules" "$web/graph/node_modules"
lport=$("$top_srcdir/tests/testbed/web.sh" port)
(cd "$web/graph" && exec setsid node node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs \
	dev --no-browser --host 127.0.0.1 --port "$lport") >"$web/langgraph.log" 2>&1 &
lg_pid=$!
for _ in $(seq 120); do
	curl -sf "http://127.0.0.1:$lport/ok" >/dev/null 2>&1 && break
	kill -0 "$lg_pid" 2>/dev/null || break
	sleep 0.5
done
curl -sf "http://127.0.0.1:$lport/ok" >/dev/null ||
	{ tail -n 30 "$web/langgraph.log"; echo "Bail out! the LangGraph server did not start"; exit 99; }

# --- the gate's files, readable by www-data (as in gate.sh)
mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/lib" "$web/state" \
	"$web/log" "$web/srv" "$web/run/lighttpd" "$web/run/fcgid"
chown www-data "$web/run/lighttpd" "$web/run/fcgid" "$web/state" "$web/log"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
cp "$top_builddir/pam_aigate/.libs/pam_aigate.so" "$top_builddir/pam_aigate/.libs/aigate-ldap.so" "$web/lib/"
cp "$AIG_AD_CA" "$web/etc/aigate/ad-ca.pem"
# the shipped policy, its rate limits raised for the many calls below
/usr/bin/python3 - "$top_srcdir/policies/policy.json" "$web/etc/aigate/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for r in p["rules"]:
    if "rate" in r:
        r["rate"] = {"per_minute": 100000, "burst": 10000}
    # an operator who lets users join runs by id: the gate still refuses
    if r["name"] == "langgraph-runs":
        r["paths"] += ["/runs/*/stream", "/runs/crons", "/runs/crons/search"]
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown www-data "$web/etc/aigate/state.key"
# bearer tokens too, for a user name no AD account here has (bob.smith)
tool=$top_builddir/tests/integration/jwt_tool
mkdir -p "$web/keys"
"$tool" keygen "$web/keys"
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["$AIG_AD_URI"], "domain": "$AIG_AD_DOMAIN", "base_dn": "$AIG_AD_BASE",
           "ca_file": "$web/etc/aigate/ad-ca.pem", "timeout_ms": 2000},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256"],
          "user_claim": "preferred_username", "groups_claim": "groups"},
  "auth": {"methods": ["basic", "bearer"], "pam_service": "$svc", "realm": "aigate"},
  "backend": {"url": "http://127.0.0.1:$lport", "timeout_ms": 10000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state",
  "state_key_file": "$web/etc/aigate/state.key",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
chmod -R a+rX "$web/libexec" "$web/etc" "$web/lib"
cat >"/etc/pam.d/$svc" <<PAM
auth     required $web/lib/pam_aigate.so config=$web/etc/aigate/aigate.json
account  required $web/lib/pam_aigate.so config=$web/etc/aigate/aigate.json
PAM

# --- the web server, with the shipped snippet
gate_site_conf "$web_server" "aigate${server#"$web_server"}"
gate_web_start "$web_server"
gate=$url

expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $(basic bob "$pw")" "$gate/assistants/echo")" \
	200 "bob reads an assistant through the gate"

# --- the cases, with the SDK
out=$(cd "$web/graph" && LG_GATE="$gate" LG_BACKEND="http://127.0.0.1:$lport" \
	LG_OWNER="$(basic bob "$pw")" LG_OTHER="$(basic jsmith "$pw")" \
	LG_ADMIN="$(basic alice "$pw")" LG_OWNER_NAME=bob LG_OTHER_NAME=jsmith LG_ADMIN_NAME=alice \
	node drive.mjs 2>&1) || true
tap_relay "$out"
expect_match "$out" '# all passed' "the SDK driver ran to its end"

# --- a user name with a '.': LangGraph splits GET's namespace parameter
# at every '.', so "bob.smith" would name bob's ["bob", "smith"]
now=$(date +%s)
dotted=$("$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
	"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 600)),\"iat\":$now,\"preferred_username\":\"bob.smith\",\"groups\":[\"AI_Users\"]}")
expect_eq "$(call PUT /store/items -H "Authorization: $(basic bob "$pw")" -H 'Content-Type: application/json' \
	-d '{"namespace": ["bob", "smith"], "key": "k", "value": {"note": "bob-only-7f3a"}}')" 204 \
	"bob puts an item under [bob, smith]"
expect_eq "$(call GET '/store/items?namespace=bob.smith&key=k' -H "Authorization: $(basic bob "$pw")")" 200 \
	"bob reads it back with namespace=bob.smith"
expect_match "$(body)" 'bob-only-7f3a' "... and gets his item"
expect_eq "$(call GET '/store/items?namespace=bob.smith&key=k' -H "Authorization: Bearer $dotted")" 403 \
	"user bob.smith asking for namespace=bob.smith (bob's [bob, smith]) is refused"
expect_no_match "$(body)" 'bob-only-7f3a' "... and sees nothing of bob's item"
expect_match "$(audit_of)" '"user":"bob.smith".*"decision":"deny","reason":"user name holds' \
	"... audited as a denial: the name holds a '.'"
expect_eq "$(call PUT /store/items -H "Authorization: Bearer $dotted" -H 'Content-Type: application/json' \
	-d '{"namespace": ["bob.smith"], "key": "k", "value": {}}')" 403 \
	"user bob.smith has no store namespace of its own: PUT is refused at the gate"
expect_eq "$(call GET /threads/00000000-0000-4000-8000-000000000000 -H "Authorization: Bearer $dotted")" 404 \
	"... while the rest of LangGraph still answers bob.smith (a thread not theirs: 404)"

# --- stateless runs that keep their thread: the run's metadata becomes the
# thread's, so the owner in it must be the caller's, not one sent by them
run_json='{"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "planted"}]}, "on_completion": "keep", "metadata": {"owner": "bob"}}'
as_jsmith=(-H "Authorization: $(basic jsmith "$pw")" -H 'Content-Type: application/json')
expect_eq "$(call POST /runs "${as_jsmith[@]}" -d "$run_json")" 200 "jsmith starts a stateless run that keeps its thread, claiming bob as owner"
tid=$(body | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["thread_id"])')
expect_eq "$(call GET "/threads/$tid" -H "Authorization: $(basic bob "$pw")")" 404 \
	"... the kept thread is not in bob's hands: 404 for bob"
expect_eq "$(call GET "/threads/$tid" -H "Authorization: $(basic jsmith "$pw")")" 200 "... but jsmith's"
expect_match "$(body)" '"owner": *"jsmith"' "... owned by jsmith, as the gate recorded"
expect_eq "$(call POST /runs/batch "${as_jsmith[@]}" -d "[$run_json, $run_json]")" 200 \
	"jsmith starts a batch of two such runs"
tids=$(body | /usr/bin/python3 -c 'import json, sys; print(" ".join(r["thread_id"] for r in json.load(sys.stdin)))')
codes=
for t in $tids; do codes="$codes $(call GET "/threads/$t" -H "Authorization: $(basic bob "$pw")")"; done
expect_eq "$codes" " 404 404" "... neither kept thread is bob's"
expect_eq "$(call POST /runs/batch "${as_jsmith[@]}" -d '[1]')" 403 \
	"a batch whose run is no object is refused (the rule's model pointer cannot follow it)"

# --- a run named under the caller's own thread must be that thread's:
# LangGraph joins a stream by the run's id alone, and replays a resumable
# run from its start
as_bob=(-H "Authorization: $(basic bob "$pw")" -H 'Content-Type: application/json')
call POST /threads "${as_bob[@]}" -d '{}' >/dev/null
bob_tid=$(body | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["thread_id"])')
call POST "/threads/$bob_tid/runs" "${as_bob[@]}" -d '{"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "bob-run-secret-5c1e"}]}, "stream_mode": ["values"], "stream_resumable": true}' >/dev/null
bob_rid=$(body | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])')
call POST /threads "${as_jsmith[@]}" -d '{}' >/dev/null
js_tid=$(body | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["thread_id"])')
expect_eq "$(call GET "/threads/$bob_tid/runs/$bob_rid/join" -H "Authorization: $(basic bob "$pw")")" 200 \
	"bob joins his own run"
expect_match "$(body)" 'bob-run-secret-5c1e' "... and reads its answer"
for tail in stream join; do
	expect_eq "$(call GET "/threads/$js_tid/runs/$bob_rid/$tail" -H "Authorization: $(basic jsmith "$pw")" \
		-H 'Last-Event-ID: -1')" 404 "jsmith names bob's run under his own thread (/$tail): 404"
	expect_no_match "$(body)" 'bob-run-secret' "... and reads nothing of bob's run (/$tail)"
done
expect_match "$(audit_of)" '"user":"jsmith".*"decision":"deny","reason":"not a run of the thread","status":404' \
	"... audited as a denial"

# --- the signed identity: a second LangGraph server that runs the example
# handler of contrib/langgraph, and the gate signing for it
mkdir -p "$web/graph-auth"
cp "$top_srcdir/tests/langgraph/echo_graph.mjs" "$top_srcdir/contrib/langgraph/aigate_auth.mjs" \
	"$top_srcdir/tests/langgraph/identity.mjs" "$web/graph-auth/"
printf '{"node_version": "20", "graphs": {"echo": "./echo_graph.mjs:graph"}, "auth": {"path": "./aigate_auth.mjs:auth"}, "env": {}}\n' \
	>"$web/graph-auth/langgraph.json"
ln -s "$modules/node_modules" "$web/graph-auth/node_modules"
aport=$("$top_srcdir/tests/testbed/web.sh" port)
(cd "$web/graph-auth" && AIGATE_JWKS_URL="$gate/_aigate/jwks.json" AIGATE_AUDIENCE=langgraph-test \
	exec setsid node node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs \
	dev --no-browser --host 127.0.0.1 --port "$aport") >"$web/langgraph-auth.log" 2>&1 &
la_pid=$!
for _ in $(seq 120); do
	curl -sf "http://127.0.0.1:$aport/ok" >/dev/null 2>&1 && break
	kill -0 "$la_pid" 2>/dev/null || break
	sleep 0.5
done
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$gate/_aigate/jwks.json")" 404 \
	"no backend.identity: /_aigate/jwks.json is 404"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$web/etc/aigate/identity.key" 2>/dev/null
chown www-data "$web/etc/aigate/identity.key"
chmod 0400 "$web/etc/aigate/identity.key"
sed -i "s|\"backend\": {\"url\": \"http://127.0.0.1:$lport\", \"timeout_ms\": 10000}|\"backend\": {\"url\": \"http://127.0.0.1:$aport\", \"timeout_ms\": 10000, \"identity\": {\"key_file\": \"$web/etc/aigate/identity.key\", \"audience\": \"langgraph-test\", \"ttl_s\": 30}}|" \
	"$web/etc/aigate/aigate.json"
expect_match "$(cat "$web/etc/aigate/aigate.json")" '"identity"' "the gate now signs for the second server"
out=$(cd "$web/graph-auth" && LG_GATE="$gate" LG_BACKEND="http://127.0.0.1:$aport" \
	LG_OWNER="$(basic bob "$pw")" LG_KEY_FILE="$web/etc/aigate/identity.key" LG_AUDIENCE=langgraph-test \
	node identity.mjs 2>&1) || true
tap_relay "$out"
expect_match "$out" '# all passed' "the identity driver ran to its end"

# --- what the gate wrote down
audit=$(cat "$web/log/audit.jsonl")
expect_match "$audit" '"user":"jsmith".*"decision":"deny","reason":"not the thread.s owner","status":404' \
	"a refused thread is audited as a denial with status 404"
expect_no_match "$audit" "$pw" "no password in the audit file"

finish
