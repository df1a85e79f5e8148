## SPDX-License-Identifier: Apache-2.0
# The PAM module: a libtool module exporting only pam_sm_* (export.sym),
# built on the ldap/ and common/ convenience libraries.
noinst_LTLIBRARIES += pam_aigate/libaigpam.la
# For its tests (aig_pam.h includes aig_ldap.h).
AIG_PAM_CPPFLAGS = -I$(top_srcdir)/pam_aigate $(AIG_LDAP_CPPFLAGS)
pam_aigate_libaigpam_la_SOURCES = pam_aigate/aig_pam.h \
	pam_aigate/options.c pam_aigate/work.c pam_aigate/groups_cache.c \
	pam_aigate/cred_cache.c pam_aigate/keep.c
pam_aigate_libaigpam_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
pam_aigate_libaigpam_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LDAP_CFLAGS)
# Convenience libraries do not link each other; the final link lists them.
pam_aigate_libaigpam_la_LIBADD = $(PAM_LIBS)

pam_LTLIBRARIES += pam_aigate/pam_aigate.la pam_aigate/aigate-ldap.la
# pam_aigate.so links the parts of ldap/ without libldap, and stand-ins
# (ldap/lazy.c) for the rest: the directory code is the module
# aigate-ldap.so, installed beside it and loaded only when a login needs
# the DC (ldap/ldap_ops.h), so that a login answered from the credential
# cache does not load libldap, GnuTLS, Cyrus SASL and MIT krb5.
pam_aigate_pam_aigate_la_SOURCES = pam_aigate/pam_aigate.c ldap/lazy.c \
	ldap/ldap_ops.h
pam_aigate_pam_aigate_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
pam_aigate_pam_aigate_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LDAP_CFLAGS)
# -z nodelete: libpam dlclose()s modules at pam_end(); libldap, GnuTLS
# and Cyrus SASL would then be unloaded and set up again by the next
# pam_start(), leaking their one-time global state each time in a host
# that authenticates many times (Apache, a CGI in FastCGI mode).
pam_aigate_pam_aigate_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -no-undefined -Wl,-z,nodelete \
	-export-symbols $(top_srcdir)/pam_aigate/export.sym
pam_aigate_pam_aigate_la_LIBADD = pam_aigate/libaigpam.la \
	ldap/libaigldapcore.la common/libaigcommon.la $(PAM_LIBS) \
	$(JANSSON_LIBS) $(NETTLE_LIBS) $(XCRYPT_LIBS)
# The directory code for pam_aigate.so: one exported symbol, the table of
# ldap/ldap_ops.h; never unloaded either.
pam_aigate_aigate_ldap_la_SOURCES = ldap/ops.c ldap/ldap_ops.h
pam_aigate_aigate_ldap_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
pam_aigate_aigate_ldap_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LDAP_CFLAGS)
pam_aigate_aigate_ldap_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -no-undefined -Wl,-z,nodelete \
	-export-symbols-regex '^aig_ldap_ops_v1$$'
pam_aigate_aigate_ldap_la_LIBADD = ldap/libaigldap.la common/libaigcommon.la \
	$(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

# libtool's .la file has no use in a PAM module directory.
install-data-hook: install-pam-hook
install-pam-hook:
	rm -f $(DESTDIR)$(pamdir)/pam_aigate.la $(DESTDIR)$(pamdir)/aigate-ldap.la
uninstall-hook: uninstall-pam-hook
uninstall-pam-hook:
	rm -f $(DESTDIR)$(pamdir)/pam_aigate.so $(DESTDIR)$(pamdir)/aigate-ldap.so
.PHONY: install-pam-hook uninstall-pam-hook
EXTRA_DIST += pam_aigate/export.sym

# The AD result -> PAM code table and the module arguments, without root,
# AD or a PAM stack (the internals of aig_pam.h, not exported by the .so).
check_PROGRAMS += tests/unit/test_pam
UNIT_TESTS += tests/unit/test_pam
TESTS += tests/unit/test_pam
tests_unit_test_pam_SOURCES = tests/unit/test_pam.c
tests_unit_test_pam_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_PAM_CPPFLAGS)
tests_unit_test_pam_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LDAP_CFLAGS)
tests_unit_test_pam_LDADD = $(AIG_TEST_LIBS) pam_aigate/libaigpam.la \
	ldap/libaigldap.la common/libaigcommon.la $(PAM_LIBS) $(LMDB_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS) $(XCRYPT_LIBS)

# Integration: the module through the real libpam against Samba AD DC.
check_PROGRAMS += tests/integration/pam_driver
tests_integration_pam_driver_SOURCES = tests/integration/pam_driver.c
tests_integration_pam_driver_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) $(LMDB_CFLAGS)
tests_integration_pam_driver_LDADD = $(PAM_LIBS) $(LMDB_LIBS) -lpthread
TESTS += tests/integration/pam.sh tests/integration/pam_credcache.sh
EXTRA_DIST += tests/integration/pam.sh tests/integration/pam_credcache.sh \
	tests/integration/tcp_count.py
dist_man_MANS += man/pam_aigate.8
