## SPDX-License-Identifier: Apache-2.0
## aigatectl/: administration and diagnostics (aigatectl(8)). The
## subcommands are a convenience library, linked by the program and by its
## unit test; main.c is the program's alone.
noinst_LTLIBRARIES += aigatectl/libaigctl.la
aigatectl_libaigctl_la_SOURCES = aigatectl/ctl.h aigatectl/util.c \
	aigatectl/password.c aigatectl/audit.c aigatectl/policy.c \
	aigatectl/directory.c aigatectl/jwks.c aigatectl/negotiate.c
aigatectl_libaigctl_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS) \
	$(AIG_JWT_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
aigatectl_libaigctl_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LDAP_CFLAGS) $(PCRE2_CFLAGS) $(CRYPTO_CFLAGS) $(GSSAPI_CFLAGS)

# Convenience libraries do not link each other: the final link lists them
# all, with the system libraries they need.
AIGATECTL_LIBS = aigatectl/libaigctl.la jwt/libaigjwt.la \
	policies/libaigpolicy.la ldap/libaigldap.la common/libaigcommon.la \
	$(LDAP_LIBS) $(SASL_LIBS) $(GSSAPI_LIBS) $(LMDB_LIBS) $(PCRE2_LIBS) \
	http/libaighttp.la $(AIG_HTTP_LIBS) $(JANSSON_LIBS)

sbin_PROGRAMS += aigatectl/aigatectl
aigatectl_aigatectl_SOURCES = aigatectl/main.c
aigatectl_aigatectl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
aigatectl_aigatectl_LDADD = $(AIGATECTL_LIBS)

dist_man_MANS += man/aigatectl.8

# The pure parts: time parsing, audit counts, terminal-safe text, tables.
check_PROGRAMS += tests/unit/test_aigatectl
UNIT_TESTS += tests/unit/test_aigatectl
TESTS += tests/unit/test_aigatectl
tests_unit_test_aigatectl_SOURCES = tests/unit/test_aigatectl.c
tests_unit_test_aigatectl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/aigatectl \
	$(AIG_TEST_CPPFLAGS)
tests_unit_test_aigatectl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_aigatectl_LDADD = $(AIG_TEST_LIBS) $(AIGATECTL_LIBS)

# Every subcommand through the real binary, against the test bed's Samba
# AD DC (needs root; skips without it).
TESTS += tests/integration/aigatectl.sh
dist_check_SCRIPTS += tests/integration/aigatectl.sh
