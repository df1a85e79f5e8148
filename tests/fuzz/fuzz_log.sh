#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_log.sh - the fuzz targets of what aigate writes into its logs
# (fuzz_target.sh): the log escaping and the audit record's JSON writer.
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" log_escape json_write
