#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_cgi.sh - the CGI request reader's fuzz target (fuzz_target.sh).
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" cgi_request
