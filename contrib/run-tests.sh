#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# README command 2: installs what is needed, builds aigate, and runs the
# whole test suite on real servers it starts itself:
#   1. formatting (clang-format, the committed .clang-format);
#   2. a normal build: `make check` (unit tests under valgrind, integration
#      tests against Samba AD DC, slapd, Apache and lighttpd);
#   3. a --enable-sanitizers build: the unit tests under ASan/UBSan;
#   4. `make distcheck`;
#   5. the benchmark harness in its smoke mode (bench/compare.sh --smoke);
#   6. the demo (README command 1), its printed curl lines run and checked;
#   7. the Debian packages (tests/packaging/debian.sh): built, lintian,
#      installed, the installed gate run end to end, removed and purged.
# Ends with a line "N passed, M failed". Run as root on Debian 12.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${AIGATE_BUILD_DIR:-$top/build}
cd "$top"

if [ "${AIGATE_SKIP_DEPS:-}" != 1 ]; then
	"$top/contrib/install-deps.sh" >"$top/install-deps.log" 2>&1 ||
		{ tail -n 30 "$top/install-deps.log"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0 failed=0
step() { # name, command...
	local name=$1; shift
	echo "=== $name"
	if "$@"; then
		echo "=== $name: ok"
	else
		echo "=== $name: FAILED"
		return 1
	fi
}
# Adds the PASS/FAIL counts of an automake test-suite.log summary.
count() { # dir
	local log=$1/test-suite.log p f e
	[ -f "$log" ] || { failed=$((failed + 1)); return; }
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -n1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
	grep -E '^(FAIL|ERROR):' "$log" || true
	# What each failing test said, so that a CI log alone tells why.
	local t
	for t in $(sed -n 's/^\(FAIL\|ERROR\): //p' "$log"); do
		[ -f "$1/$t.log" ] || t=${t%.*}
		[ -f "$1/$t.log" ] || continue
		echo "--- $t: its failed assertions and last lines"
		grep -E '^not ok' "$1/$t.log" | head -n 20 || true
		tail -n 25 "$1/$t.log"
	done
}
# The C sources: git's list in a checkout, else (a release tarball, a
# machine without git) every .c and .h under the tree but the build
# directories. A check that cannot run fails rather than passes.
c_sources() {
	if command -v git >/dev/null && git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files '*.c' '*.h'
	else
		(cd "$top" && find . -path ./build -prune -o -path ./build-asan -prune \
			-o -path "./aigate-*" -prune -o \( -name '*.c' -o -name '*.h' \) -print |
			grep -v '/config\.h$' | sed 's|^\./||')
	fi
}
check_format() {
	local files out
	command -v clang-format >/dev/null || { echo "clang-format is not installed"; return 1; }
	files=$(c_sources) || return 1
	[ -n "$files" ] || { echo "no C sources found to check"; return 1; }
	out=$(cd "$top" && printf '%s\n' "$files" | xargs clang-format --dry-run 2>&1) || return 1
	if printf '%s\n' "$out" | grep -q 'warning:'; then
		printf '%s\n' "$out" | grep 'warning:' | cut -d: -f1 | sort -u
		return 1
	fi
	echo "clang-format: $(printf '%s\n' "$files" | wc -l) files checked"
}

if step "clang-format" check_format; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

step "autogen" ./autogen.sh >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

rm -rf "$build" "$build-asan"
mkdir -p "$build" "$build-asan"
if step "build" sh -c "cd '$build' && '$top/configure' && make -j2"; then
	(cd "$build" && make -j2 check)
	count "$build"
	if step "distcheck" make -C "$build" -j2 distcheck \
		DISTCHECK_CONFIGURE_FLAGS="--with-pam-dir=\${libdir}/security"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
else
	failed=$((failed + 1))
fi
if step "sanitizer build" sh -c "cd '$build-asan' && '$top/configure' --enable-sanitizers >/dev/null && make -j2 >/dev/null"; then
	(cd "$build-asan" && make -j2 check-unit)
	count "$build-asan"
else
	failed=$((failed + 1))
fi

# The benchmark harness (bench/compare.sh --smoke: a second of each way
# of serving the gate, each must answer 200), so that it does not rot.
if [ -x "$build/cgi/aigate.cgi" ]; then
	if step "bench smoke" make -C "$build" bench-smoke; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
fi

# README command 1, end to end: the demo installs, starts and answers its
# own curl lines (it writes to /usr/local and /etc, hence not in make check).
if step "demo" bash "$top/tests/integration/demo-check.sh"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

# The Debian packages, built from a copy of this tree, installed and run
# end to end, then purged (it installs packages, hence its own step, last).
if [ "$(id -u)" != 0 ]; then
	echo "=== debian packages: skipped (needs root)"
elif step "debian packages" bash "$top/tests/packaging/debian.sh"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
