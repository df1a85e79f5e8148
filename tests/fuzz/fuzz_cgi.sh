#!/bin/sh
# fuzz_cgi.sh - the CGI request reader's fuzz target in `make check`: the
# seed corpus through the plain driver, then (when clang built it) a short
# libFuzzer run from a scratch copy of the corpus.
set -eu
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
corpus=$top_srcdir/tests/fuzz/corpus/cgi_request
fuzz=$top_builddir/tests/fuzz
seconds=${AIG_FUZZ_SECONDS:-10}

echo "# corpus cgi_request through the plain driver"
"$fuzz/fuzz_cgi_request_plain" "$corpus"
if [ ! -x "$fuzz/fuzz_cgi_request" ]; then
	echo "# clang's libFuzzer binary not built: corpus run only"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_cgi.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$corpus"/* "$work/"
echo "# libFuzzer: fuzz_cgi_request for ${seconds}s"
if ! "$fuzz/fuzz_cgi_request" -max_total_time="$seconds" -runs=500000 \
	-max_len=8192 -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$fuzz/fuzz_cgi_request-" "$work" >"$work.log" 2>&1; then
	tail -n 60 "$work.log"
	exit 1
fi
tail -n 12 "$work.log" | sed 's/^/# /'
rm -f "$work.log"
