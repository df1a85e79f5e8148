## SPDX-License-Identifier: Apache-2.0
## aigatectl/: administration and diagnostics (aigatectl(8)). The
## subcommands are a convenience library, linked by the program and by its
## unit test; main.c is the program's alone.
noinst_LTLIBRARIES += aigatectl/libaigctl.la
aigatectl_libaigctl_la_SOURCES = aigatectl/ctl.h aigatectl/util.c \
	aigatectl/password.c aigatectl/audit.c aigatectl/policy.c \
	aigatectl/directory.c aigatectl/jwks.c aigatectl/seal.h \
	aigatectl/seal.c aigatectl/seal_crypto.c aigatectl/seal_rec.c \
	aigatectl/seal_verify.c aigatectl/token.c aigatectl/check_deep.c \
	aigatectl/quarantine.c \
	aigatectl/cache.c aigatectl/negotiate.c
aigatectl_libaigctl_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS) \
	$(AIG_JWT_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
aigatectl_libaigctl_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LDAP_CFLAGS) $(PCRE2_CFLAGS) $(CRYPTO_CFLAGS) $(ZLIB_CFLAGS) \
	$(GSSAPI_CFLAGS)

# Convenience libraries do not link each other: the final link lists them
# all, with the system libraries they need.
AIGATECTL_LIBS = aigatectl/libaigctl.la jwt/libaigjwt.la \
	policies/libaigpolicy.la ldap/libaigldap.la common/libaigcommon.la \
	$(LDAP_LIBS) $(SASL_LIBS) $(GSSAPI_LIBS) $(LMDB_LIBS) $(PCRE2_LIBS) \
	http/libaighttp.la $(AIG_HTTP_LIBS) $(JANSSON_LIBS) $(ZLIB_LIBS) \
	$(CRYPTO_LIBS) $(HOGWEED_LIBS) $(NETTLE_LIBS)

sbin_PROGRAMS += aigatectl/aigatectl
aigatectl_aigatectl_SOURCES = aigatectl/main.c
aigatectl_aigatectl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
aigatectl_aigatectl_LDADD = $(AIGATECTL_LIBS)

dist_man_MANS += man/aigatectl.8 man/aigate-audit-seal.8

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

# The audit seal (aigate-audit-seal(8)): each kind of tampering detected
# and named; an intruder with the current key state re-sealing the past.
TESTS += tests/integration/audit-seal.sh
dist_check_SCRIPTS += tests/integration/audit-seal.sh
# ... on a live gate (FastCGI, lighttpd) under 200 concurrent requests,
# sealing every second, the real logrotate rotating twice; the key files'
# modes against the web server's user (needs root; skips without it).
TESTS += tests/integration/audit-seal-load.sh
dist_check_SCRIPTS += tests/integration/audit-seal-load.sh
EXTRA_DIST += tests/integration/audit_seal_forge.py

# Sealing on a schedule and rotating (aigate-audit-seal(8)): a systemd
# timer and service, a cron line, a logrotate snippet; under
# $(datadir)/aigate beside the other snippets.
sealsystemddir = $(datadir)/aigate/systemd
sealsystemd_DATA = contrib/systemd/aigate-audit-seal.service \
	contrib/systemd/aigate-audit-seal.timer
sealcrondir = $(datadir)/aigate/cron
sealcron_DATA = contrib/cron/aigate-audit-seal
seallogrotatedir = $(datadir)/aigate/logrotate
seallogrotate_DATA = contrib/logrotate/aigate
EXTRA_DIST += contrib/systemd/aigate-audit-seal.service.in \
	contrib/systemd/aigate-audit-seal.timer contrib/cron/aigate-audit-seal.in \
	contrib/logrotate/aigate.in
CLEANFILES += contrib/systemd/aigate-audit-seal.service \
	contrib/cron/aigate-audit-seal contrib/logrotate/aigate
# The user the gate appends to the audit file as (the logrotate snippet's
# `create`); a package whose gate runs as the web server's user sets
# AIG_AUDIT_USER=www-data on make's command line.
AIG_AUDIT_USER = aigate
seal_subst = sed -e 's|@SBINDIR@|$(sbindir)|g' \
	-e 's|@SYSCONFDIR@|$(sysconfdir)|g' \
	-e 's|@AUDIT_FILE@|/var/log/aigate/audit.jsonl|g' \
	-e 's|@AUDIT_USER@|$(AIG_AUDIT_USER)|g'
contrib/systemd/aigate-audit-seal.service: \
		contrib/systemd/aigate-audit-seal.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	$(seal_subst) $(srcdir)/contrib/systemd/aigate-audit-seal.service.in > $@
contrib/cron/aigate-audit-seal: contrib/cron/aigate-audit-seal.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/cron && \
	$(seal_subst) $(srcdir)/contrib/cron/aigate-audit-seal.in > $@
contrib/logrotate/aigate: contrib/logrotate/aigate.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/logrotate && \
	$(seal_subst) $(srcdir)/contrib/logrotate/aigate.in > $@

# `make bench-seal`: seal MB/s against sha256sum of the same file, and the
# gate's FastCGI req/s with and without a seal every second (needs root).
bench-seal: aigatectl/aigatectl$(EXEEXT) cgi/aigate.cgi$(EXEEXT) \
		cgi/aigate-ext.la cgi/aigate-pam.la cgi/aigate-openssl.la tests/integration/jwt_tool$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/bench_audit_seal.sh $(BENCH_SECONDS)
.PHONY: bench-seal
EXTRA_DIST += bench/bench_audit_seal.sh

# The seal's pure parts: key evolution and MAC against vectors, the state
# file, the digest record's parser against hostile lines.
check_PROGRAMS += tests/unit/test_audit_seal
UNIT_TESTS += tests/unit/test_audit_seal
TESTS += tests/unit/test_audit_seal
tests_unit_test_audit_seal_SOURCES = tests/unit/test_audit_seal.c
tests_unit_test_audit_seal_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/aigatectl $(AIG_TEST_CPPFLAGS)
tests_unit_test_audit_seal_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_audit_seal_LDADD = $(AIG_TEST_LIBS) $(AIGATECTL_LIBS)

# token verify: exit statuses, and the Wycheproof JWS vectors through it.
TESTS += tests/integration/token-verify.sh
EXTRA_DIST += tests/integration/token-verify.sh \
	tests/integration/token_verify_wycheproof.py
