#!/bin/sh
# Runs the libFuzzer build of fuzz_jwt for FUZZ_SECONDS (10 in make check;
# `make fuzz-jwt FUZZ_SECONDS=600` for longer) on a copy of the seed
# corpus. A crash, a leak or an ASan/UBSan report fails the test; the
# input that caused it is kept in the build directory.
set -u
bin=${top_builddir:-.}/tests/fuzz/fuzz_jwt
[ -x "$bin" ] || { echo "$bin not built" >&2; exit 99; }
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-jwt.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$top_srcdir"/tests/fuzz/corpus/jwt/* "$work"/
"$bin" -max_total_time="${FUZZ_SECONDS:-10}" -timeout=10 -rss_limit_mb=2048 \
	-max_len=20000 -print_final_stats=1 \
	-artifact_prefix="${top_builddir:-.}/tests/fuzz/" "$work" \
	>"$work/log" 2>&1
rc=$?
tail -n 20 "$work/log"
exit $rc
