#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fuzz_units.sh - the invariant-checking fuzz targets of the small parsers
# and encoders (fuzz_target.sh): config, groups, path, ldap_escape, glob,
# base64, basic.
exec /bin/sh "${top_srcdir:-.}/tests/fuzz/fuzz_target.sh" config groups \
	path ldap_escape glob base64 basic
