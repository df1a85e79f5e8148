#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# demo-check.sh - runs README command 1 (contrib/demo.sh) up to its printed
# curl lines, executes those lines as printed, checks each answer, and
# stops the demo. It installs into /usr/local and /etc like the demo
# does, so contrib/run-tests.sh runs it as its own step (not in make check).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd -P)
. "$top/tests/integration/assert.sh"
out=$(mktemp /tmp/aigate-demo-check.XXXXXX)
trap '"$top/contrib/demo.sh" stop >/dev/null 2>&1; rm -f "$out"' EXIT

"$top/contrib/demo.sh" >"$out" 2>&1
st=$?
ok "$st" "contrib/demo.sh starts the demo (exit $st)"
[ "$st" = 0 ] || { tail -n 30 "$out"; finish; }

# The lines to try: every printed line that starts with a command.
mapfile -t lines < <(grep -E '^  (curl|for|tail) ' "$out" | sed 's/^  //')
expect_eq "${#lines[@]}" 11 "the demo prints 11 command lines"
want=(
	'"status":"ok"'
	'"content":"echo: hello"'
	'"status":"accepted"'
	'"error":"forbidden"'
	'"error":"forbidden"'
	'"error":"invalid_input"'
	'event: end'
	'^(200 )+429 ' # refills at 1/s: a slow machine may see a 200 later
	'summary: hi'
	'"user":"bob".*"auth":"basic"'
	'"request_id":"[0-9a-f]{32}"'
)
what=(
	"health answers ok"
	"bob (nested AI_Users) may invoke the chat chain"
	"alice (AI_Admins) may deploy"
	"bob may not deploy"
	"mallory is refused"
	"a denied prompt is refused"
	"the stream reaches its end event"
	"the rate limit lets the burst through, then 429"
	"a JWT from the demo issuer is accepted"
	"whoami names bob"
	"the audit trail has records"
)
for i in "${!lines[@]}"; do
	[ "$i" -lt "${#want[@]}" ] || break
	got=$(timeout 30 bash -c "${lines[$i]}" 2>&1)
	expect_match "$got" "${want[$i]}" "${what[$i]}: ${lines[$i]:0:60}..."
done
finish
