#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_policy.sh - the policy loader's and body reader's fuzz targets
# (fuzz_target.sh).
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" policy_load policy_body
