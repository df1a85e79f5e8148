#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_log.sh - the log escaping's fuzz target (fuzz_target.sh).
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" log_escape
