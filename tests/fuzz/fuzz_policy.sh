#!/bin/sh
# fuzz_policy.sh - the policy fuzz targets in `make check`: the seed corpus
# through the plain drivers (any compiler), then, when clang built the
# libFuzzer binaries, a short fuzzing run of each from a scratch copy of
# the corpus (libFuzzer adds inputs to its first corpus directory).
set -eu
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
corpus=$top_srcdir/tests/fuzz/corpus
fuzz=$top_builddir/tests/fuzz
seconds=${AIG_FUZZ_SECONDS:-10}

for t in load body; do
	echo "# corpus policy_$t through the plain driver"
	"$fuzz/fuzz_policy_${t}_plain" "$corpus/policy_$t"
done

if [ ! -x "$fuzz/fuzz_policy_load" ] || [ ! -x "$fuzz/fuzz_policy_body" ]; then
	echo "# clang's libFuzzer binaries not built: corpus run only"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_policy.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
for t in load body; do
	mkdir "$work/$t"
	cp "$corpus/policy_$t"/* "$work/$t/"
	echo "# libFuzzer: fuzz_policy_$t for ${seconds}s"
	if ! "$fuzz/fuzz_policy_$t" -max_total_time="$seconds" -runs=500000 \
		-max_len=16384 -timeout=5 -rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="$fuzz/fuzz_policy_$t-" \
		"$work/$t" >"$work/$t.log" 2>&1; then
		tail -n 60 "$work/$t.log"
		echo "# fuzz_policy_$t failed; the input is kept as $fuzz/fuzz_policy_$t-*"
		exit 1
	fi
	tail -n 12 "$work/$t.log" | sed 's/^/# /'
done
