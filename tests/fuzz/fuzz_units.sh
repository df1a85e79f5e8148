#!/bin/sh
# fuzz_units.sh - the invariant-checking fuzz targets of the small parsers
# and encoders (config, groups, path, ldap_escape, glob, base64, basic),
# each through fuzz_target.sh: its seed corpus through the plain driver,
# then, when clang built it, a short libFuzzer run. AIG_FUZZ_SECONDS is
# per target, 3 by default here so that the seven stay short. Every
# target runs even when one fails; the test fails if any did.
set -u
: "${AIG_FUZZ_SECONDS:=3}"
export AIG_FUZZ_SECONDS
runner=${top_srcdir:-.}/tests/fuzz/fuzz_target.sh
failed=""

# name, -max_len, -runs
while read -r name max_len runs; do
	if ! /bin/sh "$runner" "$name" "$max_len" "$runs"; then
		echo "# fuzz_$name FAILED"
		failed="$failed $name"
	fi
done <<'TARGETS'
config 8192 2000000
groups 4096 2000000
path 4096 2000000
ldap_escape 2048 2000000
glob 1024 2000000
base64 2048 2000000
basic 2048 2000000
TARGETS

if [ -n "$failed" ]; then
	echo "# failed:$failed"
	exit 1
fi
