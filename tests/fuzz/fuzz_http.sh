#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_http.sh - the HTTP response reader's fuzz target (fuzz_target.sh).
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" http_response
