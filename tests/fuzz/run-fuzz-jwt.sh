#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run-fuzz-jwt.sh - the JWT parser's fuzz target (fuzz_target.sh); in
# `make check` when clang built it outside a sanitizer build, and by
# `make fuzz-jwt` (AIG_FUZZ_SECONDS=600 unless set).
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" jwt
