## SPDX-License-Identifier: Apache-2.0
# Two convenience libraries. libaigldapcore.la: the parts without libldap
# (util.c, the state files), all that pam_aigate.so links itself.
# libaigldap.la: all of ldap/ (it takes in libaigldapcore.la), for
# everything else and for the module aigate-ldap.so, which pam_aigate.so
# loads when a login needs the DC (ldap/ldap_ops.h).
noinst_LTLIBRARIES += ldap/libaigldapcore.la ldap/libaigldap.la
# For the parts that include aig_ldap.h.
AIG_LDAP_CPPFLAGS = -I$(top_srcdir)/ldap
ldap_libaigldapcore_la_SOURCES = ldap/aig_ldap.h ldap/ldap_int.h \
	ldap/util.c ldap/cache.c ldap/statedir.c ldap/credstore.c \
	ldap/mdb_int.h ldap/mdb.c
ldap_libaigldapcore_la_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) $(LMDB_CFLAGS) \
	$(JANSSON_CFLAGS)
ldap_libaigldapcore_la_LIBADD = $(LMDB_LIBS)
ldap_libaigldap_la_SOURCES = ldap/aig_ldap.h ldap/ldap_int.h ldap/gss.h \
	ldap/rootdse.c ldap/dn.c \
	ldap/srv.c ldap/conn.c ldap/bind.c ldap/auth.c \
	ldap/proof.c ldap/gss.c \
	ldap/search.c ldap/passwd.c ldap/admin.c ldap/user.c
ldap_libaigldap_la_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) $(SASL_CFLAGS) $(GSSAPI_CFLAGS) \
	$(LMDB_CFLAGS) $(JANSSON_CFLAGS)
# common/ is not added here: whoever links this library links it too
# (adding it to both convenience libraries duplicates its symbols).
ldap_libaigldap_la_LIBADD = ldap/libaigldapcore.la $(LDAP_LIBS) \
	$(SASL_LIBS) $(LMDB_LIBS) $(GSSAPI_LIBS) $(RESOLV_LIBS)

check_PROGRAMS += tests/unit/test_ldap
UNIT_TESTS += tests/unit/test_ldap
TESTS += tests/unit/test_ldap
tests_unit_test_ldap_SOURCES = tests/unit/test_ldap.c
tests_unit_test_ldap_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
tests_unit_test_ldap_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) $(JANSSON_CFLAGS) \
	$(LMDB_CFLAGS)
tests_unit_test_ldap_LDADD = $(AIG_TEST_LIBS) ldap/libaigldap.la \
	common/libaigcommon.la \
	$(JANSSON_LIBS) $(LMDB_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

# Integration tests against the real test bed (tests/testbed/).
check_PROGRAMS += tests/integration/ldap_driver
tests_integration_ldap_driver_SOURCES = tests/integration/ldap_driver.c
tests_integration_ldap_driver_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
tests_integration_ldap_driver_CFLAGS = $(AM_CFLAGS) $(LDAP_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_integration_ldap_driver_LDADD = $(AIG_TEST_LIBS) ldap/libaigldap.la \
	common/libaigcommon.la $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)
TESTS += tests/integration/ldap_ad.sh tests/integration/ldap_slapd.sh
dist_check_SCRIPTS += tests/integration/ldap_ad.sh \
	tests/integration/ldap_slapd.sh

# bench/bench_ldap: operations and latency per "authenticate and get
# groups" beside a bare bind (run it under tests/testbed/ad.sh run).
noinst_PROGRAMS += bench/bench_ldap
bench_bench_ldap_SOURCES = bench/bench_ldap.c
bench_bench_ldap_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
bench_bench_ldap_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LDAP_CFLAGS)
bench_bench_ldap_LDADD = ldap/libaigldap.la common/libaigcommon.la \
	$(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS) $(LDAP_LIBS)
