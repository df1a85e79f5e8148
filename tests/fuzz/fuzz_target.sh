#!/bin/sh
# fuzz_target.sh NAME MAX_LEN RUNS - one fuzz target in `make check`: the
# seed corpus tests/fuzz/corpus/NAME through the plain driver
# (tests/fuzz/fuzz_NAME_plain), then, when clang built the libFuzzer
# binary tests/fuzz/fuzz_NAME, a short run of it (AIG_FUZZ_SECONDS, 10 by
# default) from a scratch copy of the corpus. Run by the per-target
# scripts (fuzz_cgi.sh, fuzz_http.sh) and fuzz_units.sh.
set -eu
name=$1
max_len=$2
runs=$3
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
corpus=$top_srcdir/tests/fuzz/corpus/$name
fuzz=$top_builddir/tests/fuzz
seconds=${AIG_FUZZ_SECONDS:-10}

echo "# corpus $name through the plain driver"
"$fuzz/fuzz_${name}_plain" "$corpus"
if [ ! -x "$fuzz/fuzz_$name" ]; then
	echo "# clang's libFuzzer binary not built: corpus run only"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_$name.XXXXXX")
trap 'rm -rf "$work" "$work.log"' EXIT INT TERM
cp "$corpus"/* "$work/"
echo "# libFuzzer: fuzz_$name for ${seconds}s"
if ! "$fuzz/fuzz_$name" -max_total_time="$seconds" -runs="$runs" \
	-max_len="$max_len" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$fuzz/fuzz_$name-" "$work" >"$work.log" 2>&1; then
	tail -n 60 "$work.log"
	exit 1
fi
tail -n 12 "$work.log" | sed 's/^/# /'
