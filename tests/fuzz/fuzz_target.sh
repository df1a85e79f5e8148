#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_target.sh TARGET... - the one runner of aigate's fuzz targets in
# `make check`, called by the thin per-part scripts (fuzz_cgi.sh,
# fuzz_http.sh, fuzz_log.sh, fuzz_policy.sh, fuzz_units.sh,
# run-fuzz-jwt.sh). For each TARGET: the seed corpus
# tests/fuzz/corpus/TARGET through its plain driver (under valgrind or the
# sanitizers, as the build is), then, when clang built the libFuzzer
# binary tests/fuzz/fuzz_TARGET, a run of it from a scratch copy of the
# corpus (libFuzzer adds inputs to its first corpus directory).
#
# AIG_FUZZ_SECONDS, when set, is how long each libFuzzer run lasts;
# unset, each target takes its short default from the table below (a
# few seconds, so that `make check` stays short). Longer, by hand:
#   AIG_FUZZ_SECONDS=600 tests/fuzz/fuzz_target.sh jwt   (or make fuzz-jwt)
# An input that fails is kept as build/tests/fuzz/fuzz_TARGET-crash-*.
# Every target runs even when one fails; the run fails if any did.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
fuzz=$top_builddir/tests/fuzz

# target, plain driver, -max_len, -runs (-1: no limit), default seconds,
# -timeout, -rss_limit_mb
table() {
	cat <<'TARGETS'
cgi_request fuzz_cgi_request_plain 8192 500000 10 5 1024
http_response fuzz_http_response_plain 16384 2000000 10 5 1024
log_escape fuzz_log_escape_plain 4096 500000 10 5 1024
json_write fuzz_json_write_plain 4096 500000 10 5 1024
policy_load fuzz_policy_load_plain 16384 500000 10 5 1024
policy_body fuzz_policy_body_plain 16384 500000 10 5 1024
output fuzz_output_plain 16384 500000 10 5 1024
jwt fuzz_jwt_replay 20000 -1 10 10 2048
config fuzz_config_plain 8192 2000000 3 5 1024
groups fuzz_groups_plain 4096 2000000 3 5 1024
path fuzz_path_plain 4096 2000000 3 5 1024
ldap_escape fuzz_ldap_escape_plain 2048 2000000 3 5 1024
glob fuzz_glob_plain 1024 2000000 3 5 1024
base64 fuzz_base64_plain 2048 2000000 3 5 1024
basic fuzz_basic_plain 2048 2000000 3 5 1024
TARGETS
}

# run_one TARGET PLAIN MAX_LEN RUNS SECONDS TIMEOUT RSS
run_one() {
	name=$1
	corpus=$top_srcdir/tests/fuzz/corpus/$name
	seconds=${AIG_FUZZ_SECONDS:-$5}
	echo "# corpus $name through the plain driver"
	"$fuzz/$2" "$corpus" || return 1
	if [ ! -x "$fuzz/fuzz_$name" ]; then
		echo "# fuzz_$name: clang's libFuzzer binary not built: corpus run only"
		return 0
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_$name.XXXXXX") || return 1
	cp "$corpus"/* "$work/"
	echo "# libFuzzer: fuzz_$name for ${seconds}s"
	if ! "$fuzz/fuzz_$name" -max_total_time="$seconds" -runs="$4" \
		-max_len="$3" -timeout="$6" -rss_limit_mb="$7" \
		-print_final_stats=1 -artifact_prefix="$fuzz/fuzz_$name-" \
		"$work" >"$work.log" 2>&1; then
		tail -n 60 "$work.log"
		echo "# fuzz_$name failed; the input is kept as $fuzz/fuzz_$name-*"
		rm -rf "$work" "$work.log"
		return 1
	fi
	tail -n 12 "$work.log" | sed 's/^/# /'
	rm -rf "$work" "$work.log"
}

case ${AIG_FUZZ_SECONDS:-1} in
'' | *[!0-9]* | 0)
	echo "AIG_FUZZ_SECONDS: a whole number of seconds, not '$AIG_FUZZ_SECONDS'" >&2
	exit 99
	;;
esac
[ $# -gt 0 ] || { echo "usage: $0 TARGET..." >&2; exit 99; }

work=""
trap '[ -z "$work" ] || rm -rf "$work" "$work.log"' EXIT
trap 'exit 130' INT TERM
failed=""
for target in "$@"; do
	row=$(table | while read -r n rest; do
		[ "$n" = "$target" ] && echo "$n $rest"
	done)
	if [ -z "$row" ]; then
		echo "fuzz_target.sh: no fuzz target '$target'" >&2
		exit 99
	fi
	# shellcheck disable=SC2086 # the row's fields are words
	if ! run_one $row; then
		echo "# fuzz_$target FAILED"
		failed="$failed $target"
	fi
done
if [ -n "$failed" ]; then
	echo "# failed:$failed"
	exit 1
fi
