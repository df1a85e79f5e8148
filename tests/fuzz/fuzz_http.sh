#!/bin/sh
# fuzz_http.sh - the HTTP response reader's fuzz target in `make check`:
# the seed corpus through the plain driver, then (when clang built it) a
# short libFuzzer run from a scratch copy of the corpus.
set -eu
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
corpus=$top_srcdir/tests/fuzz/corpus/http_response
fuzz=$top_builddir/tests/fuzz
seconds=${AIG_FUZZ_SECONDS:-10}

echo "# corpus http_response through the plain driver"
"$fuzz/fuzz_http_response_plain" "$corpus"
if [ ! -x "$fuzz/fuzz_http_response" ]; then
	echo "# clang's libFuzzer binary not built: corpus run only"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_http.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$corpus"/* "$work/"
echo "# libFuzzer: fuzz_http_response for ${seconds}s"
if ! "$fuzz/fuzz_http_response" -max_total_time="$seconds" -runs=2000000 \
	-max_len=16384 -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$fuzz/fuzz_http_response-" "$work" >"$work.log" 2>&1; then
	tail -n 60 "$work.log"
	exit 1
fi
tail -n 12 "$work.log" | sed 's/^/# /'
rm -f "$work.log"
