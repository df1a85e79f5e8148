#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-output.sh [SERVER...] - the policy's output rules end to end: the
# shipped policy's rules on answers from a backend that sends chosen
# chunks (tests/fixtures/chunk_backend.py), through each SERVER (default:
# lighttpd, lighttpd-fastcgi, apache, apache-fcgid, with the shipped
# snippets). Server-sent events with an AWS key split at every byte
# across two events (and, on lighttpd-fastcgi, across three), cut
# mid-line into reads; a near-miss stream byte for byte; a first event
# that reaches the client before the backend sends the second; an event
# held while it could begin a key; a private key mid-stream ending with
# the error event; JSON answers redacted (with their Content-Length) and
# refused (502); other types untouched. No AD needed: bearer tokens.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"
. "$top_srcdir/tests/integration/gate-lib.sh"

servers=${*:-lighttpd lighttpd-fastcgi apache apache-fcgid}
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (the web servers run as www-data)"
	exit 77
fi
web=$(mktemp -d /tmp/aigate-output.XXXXXX)
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
	"$web/log" "$web/sc" "$web/run/lighttpd" "$web/run/fcgid"
chown www-data "$web/state" "$web/log" "$web/run/lighttpd" "$web/run/fcgid"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
# the shipped policy, its rates raised for the many requests here
python3 - "$top_srcdir/policies/policy.json" >"$web/etc/aigate/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for r in p["rules"]:
    if "rate" in r:
        r["rate"] = {"per_minute": 1000000, "burst": 1000000}
json.dump(p, sys.stdout, indent=1)
PY
"$tool" keygen "$web/keys"
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
(umask 077 && openssl rand -out "$web/etc/aigate/state.key" 32)
chown www-data "$web/etc/aigate/state.key"

/usr/bin/python3 "$top_srcdir/tests/fixtures/chunk_backend.py" --dir "$web/sc" \
	--record "$web/log/backend.jsonl" >"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
for _ in $(seq 50); do
	grep -q '^PORT=' "$web/backend.out" 2>/dev/null && break
	sleep 0.1
done
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")
cat >"$web/etc/aigate/aigate.json" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com",
           "base_dn": "DC=corp,DC=example,DC=com"},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer"]},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 15000},
  "policy_file": "$web/etc/aigate/policy.json",
  "state_dir": "$web/state",
  "state_key_file": "$web/etc/aigate/state.key",
  "audit": {"file": "$web/log/audit.jsonl", "syslog": false}
}
JSON
chmod -R a+rX "$web/libexec" "$web/etc" "$web/sc"

now=$(date +%s)
tok=$("$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
	"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\",\"exp\":$((now + 3600)),\"iat\":$now,\"email\":\"eve@corp.example.com\",\"groups\":[\"AI_Users\"]}")

# --- the scenarios, written in one go (the backend's files)
key=AKIAIOSFODNN7EXAMPLE
expect_text="The key is [REDACTED] - keep it safe."
python3 - "$web" "$key" <<'PY'
import json, sys
web, key = sys.argv[1:]
pre, post = "The key is ", " - keep it safe."

def ev(c):
    return "event: data\ndata: " + json.dumps({"content": c, "type": "AIMessageChunk"}) + "\n\n"

def scenario(name, chunks, ct="text/event-stream", framing="chunked", **kw):
    with open("%s/sc/%s.json" % (web, name), "w") as f:
        json.dump(dict(content_type=ct, framing=framing, chunks=chunks, **kw), f)

for i in range(1, len(key)):
    a, b = ev(pre + key[:i]), ev(key[i:] + post)
    scenario("two%d" % i, [a, b])
    whole, cut = a + b, len(a) - 9  # the same bytes, cut mid-line
    scenario("cut%d" % i, [whole[:cut], whole[cut:cut + 20], whole[cut + 20:]])
    for j in range(i + 1, len(key)):
        scenario("three%d_%d" % (i, j),
                 [ev(pre + key[:i]), ev(key[i:j]), ev(key[j:] + post)])
near = []
for t in ("AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPLEX", "XAKIAIOSFODNN7EXAMPLE",
          "4111 1111 1111 1112", "1733500000000", "-----BEGIN PUBLIC KEY-----",
          "-----BEGIN CERTIFICATE-----", "call +1 555 0100 2000"):
    near += [ev(t[:5]), ev(t[5:])]
scenario("near", near)
with open(web + "/near.expect", "w") as f:
    f.write("".join(near))
scenario("deny", [ev("fine so far"), ev("here: -----BEGIN RSA "),
                  ev("PRIVATE KEY-----"), ev("MIIEowIBAAKCAQEA")])
scenario("jsonred", ['{"output": {"content": "key AKIAIOSFODNN7EXAMPLE and '
                     'card 4111 1111 1111 1111", "n": 1}}'],
         ct="application/json", framing="length")
scenario("jsondeny", ['{"output": "-----BEGIN OPENSSH PRIVATE KEY-----\\n'
                      'b3BlbnNzaC1rZXktdjEAAAAA"}'],
         ct="application/json", framing="length")
scenario("jsonclean", ['{"output": "nothing to see"}'], ct="application/json",
         framing="length")
scenario("plain", ["AKIAIOSFODNN7EXAMPLE as plain text"], ct="text/plain")
# the backend waits for web/go before the second chunk
scenario("first", [ev("Hello"), ev("IOSFODNN7EXAMPLE, bye")], wait_for=web + "/go")
scenario("held", [ev("the key: AKIA"), ev("IOSFODNN7EXAMPLE, bye")],
         wait_for=web + "/go")
PY
chmod a+r "$web/sc"/*

# --- helpers
post() { # PATH: the answer into $web/b, headers $web/last.h; prints the status
	curl -sS -N -o "$web/b" -D "$web/last.h" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		--data '{"input": "hi"}' "$url$1"
}
contents() { # the joined "content" of the events in $web/b
	python3 - "$web/b" <<'PY'
import json, sys
out = ""
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if line.startswith("data: "):
        try:
            v = json.loads(line[6:])
        except ValueError:
            continue
        if isinstance(v, dict) and isinstance(v.get("content"), str):
            out += v["content"]
print(out)
PY
}
# first_then_go NAME: streams NAME; prints what reached the client while
# the backend waited (before $web/go existed), then lets it go on
first_then_go() {
	rm -f "$web/go" "$web/b"
	curl -sS -N -o "$web/b" -X POST -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data '{}' "$url/$1/stream" &
	local cpid=$! seen=""
	for _ in $(seq 40); do
		grep -q 'data: ' "$web/b" 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.3 # anything held would have come by now
	seen=$(cat "$web/b" 2>/dev/null || true)
	touch "$web/go"
	wait "$cpid" || true
	printf '%s' "$seen"
}

run_server() {
	local server=$1 web_server=${1%%-*}
	gate_site_conf "$web_server" "aigate${server#"$web_server"}"
	gate_web_start "$web_server"

	local i bad=0 n=0 got
	for i in $(seq 1 $((${#key} - 1))); do
		for s in two cut; do
			n=$((n + 1))
			code=$(post "/$s$i/stream")
			got=$(contents)
			if [ "$code" != 200 ] || [ "$got" != "$expect_text" ] ||
				grep -q 'IOSFODNN\|AKIA' "$web/b"; then
				bad=$((bad + 1))
				echo "# $server $s$i: $code $got"
			fi
		done
	done
	expect_eq "$bad" 0 "$server: a key split at each of $((${#key} - 1)) places across two events, and cut mid-line: none of $n answers shows it"
	if [ "$server" = lighttpd-fastcgi ]; then
		bad=0 n=0
		for f in "$web"/sc/three*.json; do
			f=${f##*/}
			n=$((n + 1))
			code=$(post "/${f%.json}/stream")
			got=$(contents)
			if [ "$code" != 200 ] || [ "$got" != "$expect_text" ]; then
				bad=$((bad + 1))
				echo "# $server ${f%.json}: $code $got"
			fi
		done
		expect_eq "$bad" 0 "$server: split across three events at every pair of places: all $n caught"
	fi

	expect_eq "$(post /near/stream)" 200 "$server: a near-miss stream passes"
	expect_eq "$(md5sum <"$web/b")" "$(md5sum <"$web/near.expect")" "$server: ... byte for byte"

	got=$(first_then_go first)
	expect_match "$got" 'Hello' "$server: with output rules, the first event reaches the client before the backend sends the second"
	got=$(first_then_go held)
	expect_no_match "$got" 'AKIA|key' "$server: an event that could begin a key is held while the backend waits"
	expect_eq "$(contents)" "the key: [REDACTED], bye" "$server: ... then the key is redacted across the two events"

	expect_eq "$(post /deny/stream)" 200 "$server: a stream refused mid-way has begun (200)"
	expect_match "$(cat "$web/b")" 'fine so far' "$server: ... what came before the key went out"
	expect_no_match "$(cat "$web/b")" 'BEGIN|PRIVATE|MIIE' "$server: ... nothing of the key, nor after it"
	expect_eq "$(tail -c 47 "$web/b")" "$(printf 'event: error\ndata: {"error":"output_refused"}')" "$server: ... and it ends with the error event"
	expect_match "$(audit_of)" '"output":\{"action":"deny","list":"deny","pattern":0\}' "$server: ... the audit record names the pattern"

	expect_eq "$(post /jsonred/invoke)" 200 "$server: a JSON answer with a key and a card number"
	expect_eq "$(cat "$web/b")" '{"output":{"content":"key [REDACTED] and card [REDACTED]","n":1}}' "$server: ... has both redacted"
	# the gate sends the redacted body's length; Apache's mod_cgid frames
	# a CGI's answer with chunked coding instead
	framing="$(header Content-Length)/$(header Transfer-Encoding)"
	if [ "$server" = apache ] && [ "$framing" = /chunked ]; then
		framing=$(stat -c %s "$web/b")/
	fi
	expect_eq "$framing" "$(stat -c %s "$web/b")/" "$server: ... and a Content-Length that is the redacted body's"
	expect_match "$(audit_of)" '"output":\{"action":"redact","list":"redact","pattern":0,"redactions":2\}' "$server: ... audited as 2 redactions"
	expect_no_match "$(audit_of)" 'AKIA|4111' "$server: ... the audit record has no matched text"

	expect_eq "$(post /jsondeny/invoke)" 502 "$server: a JSON answer with a private key is 502"
	expect_match "$(cat "$web/b")" '"error": *"output_refused"' "$server: ... output_refused"
	expect_no_match "$(cat "$web/b")" 'PRIVATE|b3Bl' "$server: ... without the key"
	expect_eq "$(post /jsonclean/invoke)" 200 "$server: a clean JSON answer passes"
	expect_eq "$(cat "$web/b")" '{"output": "nothing to see"}' "$server: ... unchanged"
	expect_eq "$(post /plain/stream)" 200 "$server: text/plain passes"
	expect_eq "$(cat "$web/b")" 'AKIAIOSFODNN7EXAMPLE as plain text' "$server: ... untouched (not JSON, not SSE)"

	"$top_srcdir/tests/testbed/web.sh" stop "$web/srv" >/dev/null 2>&1 || true
}

for s in $servers; do
	run_server "$s"
done
finish
