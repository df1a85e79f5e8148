#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# gate-load.sh - aigate.cgi under load and concurrency, end to end, with
# Bearer tokens minted here (no AD): lighttpd and Apache, each with the
# shipped snippet (contrib/SERVER/aigate.conf.in), in front of the LangServe
# fixture; Redis started here on a spare port. Checks:
#   1. 500 concurrent allowed requests (50 at a time) through lighttpd: the
#      audit file holds exactly one valid JSON line per request made, with
#      distinct request ids, and not a trace of the prompt;
#   2. the rate limit (LMDB) under 4 concurrent clients: allowed = burst +
#      refill over the measured window, the rest 429 with Retry-After;
#   3. the same across lighttpd and Apache sharing one Redis bucket;
#   4. a client that goes away mid-stream stops the CGI and its backend
#      transfer (under lighttpd and under Apache);
#   5. nothing of the request (CRLF attempts, Host, X-Request-Id) comes back
#      in the response headers.
# Helper: gate_load.py (threads, standard library). Timings are printed as
# "# ..." lines. Bounded: every client has a timeout, the whole run a
# watchdog ($AIG_LOAD_TIMEOUT, default 240 s). With AIG_SYSLOG_FILE naming
# a file that receives /dev/log, the syslog summaries are checked too.
# AIG_LOAD_KEEP=1 keeps the work directory (logs, audit files).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/integration/assert.sh"

py=/usr/bin/python3
driver=$top_srcdir/tests/integration/gate_load.py
tool=$top_builddir/tests/integration/jwt_tool
websh=$top_srcdir/tests/testbed/web.sh
t_begin=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
note() { echo "# $*"; }

web=$(mktemp -d /tmp/aigate-load.XXXXXX)
chmod 0755 "$web"
backend_pid= redis_pid= curl_pid= watchdog_pid=
cleanup() {
	[ -z "$curl_pid" ] || kill "$curl_pid" 2>/dev/null || true
	"$websh" stop "$web/srv-l" >/dev/null 2>&1 || true
	"$websh" stop "$web/srv-a" >/dev/null 2>&1 || true
	[ -z "$backend_pid" ] || kill "$backend_pid" 2>/dev/null || true
	[ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true
	[ -z "$watchdog_pid" ] || kill "$watchdog_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ -n "${AIG_LOAD_KEEP:-}" ]; then echo "# kept $web"; else rm -rf "$web"; fi
}
trap cleanup EXIT
trap 'echo "not ok - interrupted (watchdog or signal)"; exit 1' TERM INT
(
	sleep "${AIG_LOAD_TIMEOUT:-240}"
	echo "# watchdog: gate-load.sh ran over ${AIG_LOAD_TIMEOUT:-240} s" >&2
	kill -TERM $$
) </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

wait_for() { # TENTHS CMD...: true once CMD succeeds, polled every 0.1 s
	local n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# --- the files the CGI reads, owned by root, readable by www-data
mkdir -p "$web/libexec/aigate" "$web/etc/aigate" "$web/keys" "$web/state" \
	"$web/log" "$web/srv-l/htdocs" "$web/srv-a"
cp "$top_builddir/cgi/aigate.cgi" "$web/libexec/aigate/aigate.cgi"
cp "$top_builddir/cgi/.libs/aigate-ext.so" "$top_builddir/cgi/.libs/aigate-pam.so" "$top_builddir/cgi/.libs/aigate-openssl.so" "$web/libexec/aigate/"
cgi=$web/libexec/aigate/aigate.cgi
"$tool" keygen "$web/keys" >/dev/null
cp "$web/keys/jwks.json" "$web/etc/aigate/jwks.json"
policy() { # NAME PER_MINUTE BURST: the shipped policy, inference rate changed
	$py - "$top_srcdir/policies/policy.json" "$web/etc/aigate/$1" "$2" "$3" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
r = [r for r in p["rules"] if r["name"] == "inference"][0]
r["rate"] = {"per_minute": int(sys.argv[3]), "burst": int(sys.argv[4])}
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
}
policy policy-load.json 100000 100000
policy policy-rl.json 60 10
chown www-data "$web/state" "$web/log"
chmod -R a+rX "$web/libexec" "$web/etc"

# --- the LangServe fixture: 500 ms between two SSE events
$py "$top_srcdir/tests/fixtures/langserve_backend.py" --port 0 --lifetime 600 \
	--record "$web/backend.jsonl" --stream-delay-ms 500 \
	>"$web/backend.out" 2>"$web/backend.err" &
backend_pid=$!
wait_for 50 grep -q '^PORT=' "$web/backend.out" || { echo "not ok - the fixture did not start"; exit 1; }
bport=$(sed -n 's/^PORT=//p' "$web/backend.out")

# --- Redis, ours alone, on a spare port, no persistence
rport=$("$websh" port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
	--daemonize no --dir "$web" >"$web/redis.log" 2>&1 &
redis_pid=$!
wait_for 50 sh -c "redis-cli -p $rport ping 2>/dev/null | grep -q PONG" ||
	{ echo "not ok - redis-server did not start"; exit 1; }

config() { # POLICY AUDIT_FILE STORE
	cat >"$web/etc/aigate/aigate.json.new" <<JSON
{
  "ldap": {"uri": ["ldaps://127.0.0.1:1"], "domain": "corp.example.com",
           "base_dn": "DC=corp,DC=example,DC=com", "timeout_ms": 500},
  "jwt": {"issuer": "https://issuer.test", "audience": ["aigate"],
          "jwks_file": "$web/etc/aigate/jwks.json", "algorithms": ["RS256", "ES256"],
          "user_claim": "email", "groups_claim": "groups"},
  "auth": {"methods": ["bearer"], "realm": "aigate"},
  "backend": {"url": "http://127.0.0.1:$bport", "timeout_ms": 20000},
  "policy_file": "$web/etc/aigate/$1",
  "state_dir": "$web/state",
  "ratelimit": {"store": "$3"},
  "audit": {"file": "$web/log/$2", "syslog": true}
}
JSON
	chmod 0644 "$web/etc/aigate/aigate.json.new"
	mv "$web/etc/aigate/aigate.json.new" "$web/etc/aigate/aigate.json"
}
config policy-load.json audit-load.jsonl lmdb

# --- both web servers, each with its shipped snippet, one configuration
for s in lighttpd apache; do
	d=$web/srv-l
	[ "$s" = lighttpd ] || d=$web/srv-a
	sed -e "s|@LIBEXECDIR@|$web/libexec|g" -e "s|@SYSCONFDIR@|$web/etc|g" \
		"$top_srcdir/contrib/$s/aigate.conf.in" >"$web/site-$s.conf"
	[ "$s" != lighttpd ] || sed -i '1i server.document-root = "@DIR@/htdocs"' "$web/site-$s.conf"
	"$websh" start "$s" "$d" "$web/site-$s.conf" >/dev/null
done
lurl=$(. "$web/srv-l/web.env" && echo "$AIG_WEB_URL")
aurl=$(. "$web/srv-a/web.env" && echo "$AIG_WEB_URL")
note "set-up (fixture, redis, lighttpd, apache) $(elapsed "$t_begin") s"
syslog_at=$(stat -c %s "${AIG_SYSLOG_FILE:-/dev/null}" 2>/dev/null || echo 0)

now=$(date +%s)
token() { # EMAIL
	"$tool" sign "$web/keys/rsa.pem" rsa1 RS256 \
		"$(printf '{"iss":"https://issuer.test","aud":"aigate","exp":%s,"iat":%s,"email":"%s","groups":["AI_Users"]}' \
			$((now + 900)) "$now" "$1")"
}
marker=zebra-prompt-marker
invoke() { # TEXT
	printf '{"input":{"messages":[{"type":"human","content":"%s"}]},"config":{"configurable":{"model":"small"}}}' "$1"
}
js() { # JSON EXPR: prints EXPR evaluated over the JSON object d
	$py -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
audit_check() { # FILE: "LINES VALID DISTINCT" (VALID: parse as full records)
	$py - "$1" <<'PY'
import json, sys
n = valid = 0
ids = set()
for line in open(sys.argv[1], "rb"):
    n += 1
    try:
        r = json.loads(line)
        for k in ("ts", "request_id", "client", "user", "method", "path",
                  "decision", "status", "latency_ms"):
            r[k]
        if line.endswith(b"\n"):
            valid += 1
        ids.add(r["request_id"])
    except (ValueError, KeyError, TypeError):
        pass
print(n, valid, len(ids))
PY
}

# ======================================================================
# 1. 500 concurrent requests through lighttpd: one audit line each
load_user=load-$$@corp.example.com
t_load=$(token "$load_user")
made=0
code=$(curl -sS --max-time 10 -o "$web/warm.b" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' -H "Authorization: Bearer $t_load" \
	-d "$(invoke 'warm up')" "$lurl/ai/chat/invoke")
made=$((made + 1))
expect_eq "$code" 200 "lighttpd: a first allowed invoke (set-up works)"
invoke "please answer $marker number one" >"$web/load-body.json"
t0=$(date +%s.%N)
sum=$($py "$driver" load --url "$lurl/ai/chat/invoke" --total 500 --concurrency 50 \
	--header "Authorization: Bearer $t_load" --body @"$web/load-body.json" \
	--ids "$web/load-ids.txt" --timeout 30)
made=$((made + 500))
note "500 requests, 50 at a time, through lighttpd in $(elapsed "$t0") s: $(js "$sum" '"%s req/s, p50 %s ms, p99 %s ms, max %s ms" % (d["rps"], d["p50_ms"], d["p99_ms"], d["max_ms"])')"
expect_eq "$(js "$sum" 'd["status"]')" "{'200': 500}" "500 concurrent allowed requests: all 200 (errors: $(js "$sum" 'd["errors"], d["error_sample"]'))"
expect_eq "$(js "$sum" 'd["request_ids_distinct"]')" 500 "... each answer with its own X-Request-Id"
read -r lines valid distinct <<<"$(audit_check "$web/log/audit-load.jsonl")"
expect_eq "$lines" "$made" "the audit file holds exactly one line per request ($made = 500 + 1 warm-up)"
expect_eq "$valid" "$lines" "... each a whole JSON record ($valid of $lines)"
expect_eq "$distinct" "$lines" "... with distinct request ids ($distinct)"
missing=$($py - "$web/log/audit-load.jsonl" "$web/load-ids.txt" "$load_user" <<'PY'
import json, sys
audited = {json.loads(l)["request_id"]: json.loads(l) for l in open(sys.argv[1])}
bad = [i.strip() for i in open(sys.argv[2])
       if i.strip() not in audited or audited[i.strip()]["status"] != 200
       or audited[i.strip()]["decision"] != "allow"
       or audited[i.strip()]["user"] != sys.argv[3]]
print(len(bad))
PY
)
expect_eq "$missing" 0 "... and every X-Request-Id answered is audited as allow/200 for its user"
seen=$(grep -c "$marker" "$web/backend.jsonl" || true)
expect_eq "$seen" 500 "the backend received the marked prompt 500 times"
expect_eq "$(grep -c "$marker" "$web/log/audit-load.jsonl" || true)" 0 "the prompt's text appears nowhere in the audit file"
expect_eq "$(grep -c -e "$marker" -e 'eyJ' "$web/srv-l/error.log" || true)" 0 "... nor in lighttpd's error log (the CGI's stderr)"
# syslog: only where the caller names a file that receives /dev/log
if [ -n "${AIG_SYSLOG_FILE:-}" ] && [ -r "$AIG_SYSLOG_FILE" ]; then
	syslog_new() { tail -c +$((syslog_at + 1)) "$AIG_SYSLOG_FILE"; }
	syslog_done() { [ "$(syslog_new | grep -ac "user=\"$load_user\"")" -ge "$made" ]; }
	wait_for 20 syslog_done || true
	new=$(syslog_new)
	expect_eq "$(grep -ac "user=\"$load_user\"" <<<"$new" || true)" "$made" "syslog ($AIG_SYSLOG_FILE): one summary line per request"
	expect_eq "$(grep -ac -e "$marker" -e 'eyJ' <<<"$new" || true)" 0 "... and no prompt text or token in it"
else
	note "syslog not checked (set AIG_SYSLOG_FILE to a file that receives /dev/log)"
fi

# ======================================================================
# 2. the rate limit, LMDB, 4 concurrent clients, one user
burst=10
rate_check() { # LABEL SUMMARY
	local label=$1 sum=$2 allowed w_in w_out lo hi blo bhi
	allowed=$(js "$sum" 'd["status"].get("200", 0)')
	w_in=$(js "$sum" 'd["w_inner"]')
	w_out=$(js "$sum" 'd["w_outer"]')
	# The bucket starts full at the first request the gate counts and
	# refills 1/s: allowed <= burst + floor(refill over the server's
	# window) <= burst + floor(w_outer) (first request sent .. last answer),
	# and, since the clients keep asking, every whole token refilled before
	# the last 429'd request was taken: allowed >= burst + floor(w_inner)
	# (first answer .. last 429'd request sent).
	# (5 ms of slack for the two clocks: the gate's CLOCK_REALTIME or
	# Redis TIME against the driver's monotonic clock)
	lo=$(awk -v w="$w_in" -v b=$burst 'BEGIN { w -= 0.005; print b + (w > 0 ? int(w) : 0) }')
	hi=$(awk -v w="$w_out" -v b=$burst 'BEGIN { print b + int(w + 0.005) }')
	# the brief's looser form: [burst + floor(W), burst + ceil(W) + 1]
	blo=$(awk -v w="$w_out" -v b=$burst 'BEGIN { print b + int(w) }')
	bhi=$(awk -v w="$w_out" -v b=$burst 'BEGIN { c = int(w); if (c < w) c++; print b + c + 1 }')
	note "$label: $(js "$sum" 'd["sent"]') requests in $(js "$sum" 'd["elapsed"]') s ($(js "$sum" 'd["rps"]') req/s), statuses $(js "$sum" 'd["status"]'), window inner $w_in s / outer $w_out s"
	ok "$([ "$allowed" -ge "$lo" ] && [ "$allowed" -le "$hi" ] && echo 0 || echo 1)" \
		"$label: $allowed allowed, within burst + refill [$lo, $hi] (brief's form [$blo, $bhi])"
	expect_eq "$(js "$sum" 'sorted(d["status"])')" "['200', '429']" "$label: the others are all 429 (no errors: $(js "$sum" 'd["errors"]'))"
	expect_eq "$(js "$sum" 'd["bad_retry_after"]')" 0 "$label: every 429 carries Retry-After in whole seconds"
}
config policy-rl.json audit-rl.jsonl lmdb
t_rl=$(token "rl-lmdb-$$@corp.example.com")
sum=$($py "$driver" load --url "$lurl/ai/chat/invoke" --total 2000 --concurrency 4 --duration 3 \
	--header "Authorization: Bearer $t_rl" --body "$(invoke 'rate me')" --timeout 15)
rate_check "LMDB, 4 clients, lighttpd" "$sum"
n429=$(grep -c '"status":429' "$web/log/audit-rl.jsonl" || true)
expect_eq "$n429" "$(js "$sum" 'd["status"].get("429", 0)')" "LMDB: each 429 is audited"

# ======================================================================
# 3. one Redis bucket for lighttpd and Apache together
if [ "${AIG_WITH_REDIS:-yes}" = no ]; then
	echo "# SKIP 3. (Redis): aigate was configured --without-redis"
else
config policy-rl.json audit-redis.jsonl "redis://127.0.0.1:$rport/0"
t_rd=$(token "rl-redis-$$@corp.example.com")
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$aurl/ai/_aigate/whoami" \
	-H "Authorization: Bearer $t_rd")
expect_eq "$code" 200 "Apache: whoami with a Bearer token (set-up works)"
sum=$($py "$driver" load --url "$lurl/ai/chat/invoke" --url "$aurl/ai/chat/invoke" \
	--total 2000 --concurrency 4 --duration 3 \
	--header "Authorization: Bearer $t_rd" --body "$(invoke 'rate me too')" --timeout 15)
rate_check "Redis, 4 clients alternating lighttpd/Apache" "$sum"
n429=$(grep -c '"status":429' "$web/log/audit-redis.jsonl" || true)
expect_eq "$n429" "$(js "$sum" 'd["status"].get("429", 0)')" "Redis: each 429 is audited (by either server)"
note "per server: $(js "$sum" 'd["per_url"]')"
expect_eq "$(js "$sum" 'all(v.get("200", 0) > 0 and v.get("429", 0) > 0 for v in d["per_url"].values()) and len(d["per_url"]) == 2')" \
	True "Redis: both servers allowed some and refused some (one bucket, not one each)"
keys=$(redis-cli -p "$rport" --scan 2>/dev/null | grep -c "rl-redis-$$" || true)
expect_eq "$keys" 1 "Redis holds one bucket for that user"
fi

# ======================================================================
# 4. a client that goes away stops the CGI and the backend transfer
config policy-load.json audit-stream.jsonl lmdb
: >"$web/log/audit-stream.jsonl"
chown www-data "$web/log/audit-stream.jsonl"
t_st=$(token streamer@corp.example.com)
words="one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
full=8.5 # 18 events (metadata, 16 words, end), 17 gaps of 500 ms
cgi_gone() { ! pgrep -f "$cgi" >/dev/null; }
stream_audited() { [ "$(wc -l <"$web/log/audit-stream.jsonl")" -gt "$before" ]; }
backend_conns() { ss -Htn state established "( sport = :$bport )" | wc -l; }
for s in lighttpd apache; do
	url=$lurl
	[ "$s" = lighttpd ] || url=$aurl
	wait_for 100 cgi_gone || true
	before=$(wc -l <"$web/log/audit-stream.jsonl")
	: >"$web/stream-$s.out"
	t0=$(date +%s.%N)
	curl -sS -N --max-time 30 -o "$web/stream-$s.out" -X POST \
		-H 'Content-Type: application/json' -H "Authorization: Bearer $t_st" \
		-d "$(invoke "$words")" "$url/ai/chat/stream" 2>/dev/null &
	curl_pid=$!
	wait_for 50 grep -q '^event: data' "$web/stream-$s.out" || true
	t_first=$(elapsed "$t0")
	expect_match "$(cat "$web/stream-$s.out")" '^event: data' "$s: the stream's first data event arrived ($t_first s)"
	cgipid=$(pgrep -f "$cgi" | head -n1 || true)
	kill "$curl_pid" 2>/dev/null || true
	wait "$curl_pid" 2>/dev/null || true
	curl_pid=
	t_kill=$(date +%s.%N)
	if wait_for 30 cgi_gone; then
		ok 0 "$s: the CGI (pid $cgipid) exited $(elapsed "$t_kill") s after the client went away (the whole stream takes $full s)"
	else
		ev=""
		if [ -n "$cgipid" ] && [ -e "/proc/$cgipid" ]; then
			ev="; its stdout: $(readlink "/proc/$cgipid/fd/1" 2>/dev/null), waiting in $(cat "/proc/$cgipid/wchan" 2>/dev/null)"
		fi
		wait_for 150 cgi_gone || true
		ok 1 "$s: the CGI (pid $cgipid) did not exit within 3 s of the client going away (it ran $(elapsed "$t_kill") s more; the whole stream takes $full s$ev)"
	fi
	expect_eq "$(backend_conns)" 0 "$s: ... and its connection to the backend is closed"
	wait_for 10 stream_audited || true
	rec=$(sed -n "$((before + 1))p" "$web/log/audit-stream.jsonl")
	if [ -z "$rec" ]; then
		ok 1 "$s: the cut stream is audited (no audit record at all: the CGI ended before auditing; killed by the web server's SIGTERM?)"
		continue
	fi
	ok 0 "$s: the cut stream is audited"
	note "$s: $(js "$rec" '"audit: status %s, bytes_out %s, latency_ms %.0f, backend_ms %.0f, reason %r" % (d["status"], d["bytes_out"], d["latency_ms"], d["backend_ms"], d["reason"])')"
	expect_eq "$(js "$rec" 'd["latency_ms"] < 5000')" True "$s: ... its latency shows the gate stopped early ($(js "$rec" 'round(d["latency_ms"])') ms of a ${full} s stream)"
	expect_eq "$(js "$rec" 'd["reason"]')" "client went away" "$s: ... with reason \"client went away\""
done

# ======================================================================
# 5. nothing from the request is echoed in the response headers
t_hd=$(token headers@corp.example.com)
echoed='injected-marker|evil-host-marker|spoofed-request-id-marker|^Set-Cookie|^Location'
raw() { # PORT (request on stdin): the answer's head, CRs removed
	$py "$driver" raw 127.0.0.1 "$1" | tr -d '\r'
}
body=$(invoke 'headers please')
for s in lighttpd apache; do
	url=$lurl
	[ "$s" = lighttpd ] || url=$aurl
	port=${url##*:}
	# reaches the gate: an allowed invoke, a weird Host, spoofed ids, a
	# Set-Cookie and %0d%0a attempts in header values
	head=$(printf 'POST /ai/chat/invoke HTTP/1.1\r\nHost: evil-host-marker.example:8080\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nX-Inject: a%%0d%%0aSet-Cookie: injected-marker=1\r\nSet-Cookie: injected-marker=2\r\nX-Request-Id: spoofed-request-id-marker\r\nX-Forwarded-Host: evil-host-marker.example\r\nConnection: close\r\n\r\n%s' \
		"$t_hd" "${#body}" "$body" | raw "$port")
	expect_match "$head" '^HTTP/1\.[01] 200' "$s: an invoke with a weird Host and injection attempts in headers is allowed"
	expect_match "$head" '^X-Request-Id: [0-9a-f]{32}$' "$s: ... with the gate's own X-Request-Id, not the client's"
	expect_no_match "$head" "$echoed" "$s: ... and nothing of the request in the answer's headers"
	head=$(printf 'GET /ai/_aigate/whoami HTTP/1.1\r\nHost: evil-host-marker.example\r\nX-Request-Id: spoofed-request-id-marker\r\nX-Inject: x%%0d%%0aLocation: http://injected-marker/\r\nConnection: close\r\n\r\n' | raw "$port")
	expect_match "$head" '^WWW-Authenticate: Bearer realm="aigate"' "$s: a 401's challenge names the configured realm"
	expect_no_match "$head" "$echoed" "$s: ... not the Host, and echoes nothing else"
	# %0d%0a in the query and in the path: the server or the gate refuses
	# (lighttpd rejects encoded control characters itself); nothing echoed
	head=$(printf 'POST /ai/chat/invoke?x=%%0d%%0aSet-Cookie:%%20injected-marker=3 HTTP/1.1\r\nHost: evil-host-marker.example\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"$t_hd" "${#body}" "$body" | raw "$port")
	expect_no_match "$head" "$echoed" "$s: a CRLF in the query: nothing echoed ($(head -n1 <<<"$head"))"
	head=$(printf 'GET /ai/chat/invoke%%0d%%0aSet-Cookie:%%20injected-marker=4 HTTP/1.1\r\nHost: evil-host-marker.example\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$t_hd" | raw "$port")
	expect_no_match "$head" "$echoed" "$s: a CRLF in the path: nothing echoed ($(head -n1 <<<"$head"))"
done

note "total $(elapsed "$t_begin") s"
finish
