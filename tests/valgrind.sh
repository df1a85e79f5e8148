#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs a unit test binary under valgrind (leaks and memory errors are
# failures). In a sanitizer build (AIG_SANITIZERS=yes) the binary already
# carries ASan/UBSan, so it runs as is.
set -eu
if [ "${AIG_SANITIZERS:-no}" = yes ] || ! command -v valgrind >/dev/null 2>&1; then
	[ "${AIG_SANITIZERS:-no}" = yes ] || { echo "valgrind not found" >&2; exit 99; }
	exec "$@"
fi
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=97 \
	--track-fds=no "$@"
