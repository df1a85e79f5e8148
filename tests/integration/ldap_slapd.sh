#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ldap_slapd.sh - ldap/ against a fresh slapd (tests/testbed/slapd.sh):
# nested groups by memberof with a membership cycle, StartTLS, SASL
# EXTERNAL with a client certificate, hostile logins.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
command -v slapd >/dev/null 2>&1 || { echo "slapd not installed"; exit 77; }
work=$(mktemp -d /tmp/aigate-ldap-slapd.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
# libldap 2.5.13's GnuTLS backend never frees the client key and
# certificate it imports for each connection that presents one (SASL
# EXTERNAL): not ours, so LeakSanitizer is told (sanitizer builds only).
printf 'leak:gnutls_x509_privkey_init\nleak:gnutls_x509_crt_init\nleak:libtasn1.so\n' \
	>"$work/lsan.supp"
export LSAN_OPTIONS="suppressions=$work/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
"$top_srcdir/tests/testbed/slapd.sh" run "$work/bed" -- \
	"$top_builddir/tests/integration/ldap_driver" slapd
