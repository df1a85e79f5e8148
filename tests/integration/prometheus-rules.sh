#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# prometheus-rules.sh - contrib/prometheus/aigate-rules.yml: promtool
# checks the file and runs tests/prometheus/aigate-rules.test.yml (every
# alert fired and not fired), and every metric the rules name is one the
# gate writes (cgi/metrics.c, cgi/metrics_gate.c; gate-route.sh reads them
# from a live /_aigate/metrics).
set -eu
: "${top_srcdir:?}"
. "$top_srcdir/tests/integration/assert.sh"
if ! command -v promtool >/dev/null 2>&1; then
	echo "1..0 # SKIP promtool not installed (Debian's prometheus package)"
	exit 77
fi
rules=$top_srcdir/contrib/prometheus/aigate-rules.yml
out=$(promtool check rules "$rules" 2>&1) && st=0 || st=1
ok "$st" "promtool check rules: $(echo "$out" | tail -n1)"
out=$(cd "$top_srcdir/tests/prometheus" && promtool test rules aigate-rules.test.yml 2>&1) && st=0 || st=1
[ "$st" = 0 ] || echo "$out" | sed 's/^/# /'
ok "$st" "promtool test rules: each alert fired and not fired"
for m in $(grep -o 'aigate_[a-z_]*' "$rules" | sort -u); do
	grep -q "\"$m" "$top_srcdir/cgi/metrics.c" "$top_srcdir/cgi/metrics_gate.c" && st=0 || st=1
	ok "$st" "the gate writes $m"
done
finish
