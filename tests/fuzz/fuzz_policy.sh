#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_policy.sh - the policy loader's, body reader's and output rules' fuzz
# targets (fuzz_target.sh).
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" policy_load policy_body output
