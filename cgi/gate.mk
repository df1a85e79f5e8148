## SPDX-License-Identifier: Apache-2.0
## The gate: request handling (libaigcgi) and the aigate.cgi program.
noinst_LTLIBRARIES += cgi/libaigcgi.la
# For cgi/'s own tests and benchmark: no other part includes a cgi/ header.
# gate.h includes aig_policy.h, so its readers see policies/ too.
AIG_CGI_CPPFLAGS = -I$(top_srcdir)/cgi $(AIG_POLICY_CPPFLAGS)
cgi_libaigcgi_la_SOURCES = cgi/aig_cgi.h cgi/cgi_int.h cgi/request.c \
	cgi/outcome.c cgi/response.c cgi/basic.c cgi/forward.c cgi/ratelimit.c \
	cgi/ratelimit_redis.c cgi/metrics.c cgi/mapfile.c cgi/state.c \
	cgi/gate.h cgi/gate.c cgi/audit.c cgi/warm.c cgi/aig_ext.h cgi/ext_load.c \
	cgi/outfilter.c cgi/quarantine.c cgi/route_step.c cgi/metrics_gate.c \
	cgi/basic_cache.h cgi/basic_cache.c \
	cgi/langgraph.c cgi/aig_identity.h cgi/identity.c cgi/identity_gate.c \
	cgi/sso.h cgi/spnego.c cgi/replay.c cgi/auth_sso.c \
	cgi/account_cache.h cgi/account_cache.c
cgi_libaigcgi_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_JWT_CPPFLAGS) \
	$(AIG_POLICY_CPPFLAGS) $(AIG_HTTP_CPPFLAGS)
cgi_libaigcgi_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LMDB_CFLAGS) $(HIREDIS_CFLAGS) $(CRYPTO_CFLAGS) \
	$(LDAP_CFLAGS) $(PCRE2_CFLAGS)
# No LIBADD (see common/local.mk): linking it takes $(LIBAIGCGI_DEPS).
# policies/: forward.c applies the policy's output rules (outfilter.c)
LIBAIGCGI_DEPS = policies/libaigpolicy.la common/libaigcommon.la \
	http/libaighttp.la $(JANSSON_LIBS) $(AIG_HTTP_LIBS) \
	$(LMDB_LIBS) $(HIREDIS_LIBS) $(PCRE2_LIBS) $(NETTLE_LIBS) -lm

# What needs libpam, libldap or MIT krb5 is in two modules that
# aigate.cgi loads only for a request that takes their path
# (cgi/aig_ext.h): installed beside aigate.cgi, exporting one symbol each.
# aigate-pam.so is Basic through PAM alone, so that a login that
# pam_aigate.so answers from its credential cache loads libpam and
# nothing of the directory's.
aigatelibexec_LTLIBRARIES = cgi/aigate-ext.la cgi/aigate-pam.la \
	cgi/aigate-openssl.la
cgi_aigate_ext_la_SOURCES = cgi/aig_ext.h cgi/ext.c cgi/negotiate.c
cgi_aigate_ext_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
cgi_aigate_ext_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LDAP_CFLAGS) $(PCRE2_CFLAGS) $(GSSAPI_CFLAGS)
cgi_aigate_ext_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^aig_gate_ext_v1$$'
cgi_aigate_ext_la_LIBADD = ldap/libaigldap.la common/libaigcommon.la \
	$(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS) $(GSSAPI_LIBS)
cgi_aigate_pam_la_SOURCES = cgi/aig_ext.h cgi/pam_check.c
cgi_aigate_pam_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS)
cgi_aigate_pam_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PAM_CFLAGS) \
	$(LDAP_CFLAGS)
cgi_aigate_pam_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^aig_gate_pam_v1$$'
cgi_aigate_pam_la_LIBADD = ldap/libaigldapcore.la common/libaigcommon.la \
	$(PAM_LIBS) $(JANSSON_LIBS) $(NETTLE_LIBS)

# aigate-openssl.so is TLS (http/tls.c and the connection code it calls),
# the identity key and quarantine: what needs OpenSSL. aigate.cgi links
# none of it (cgi/openssl_load.c), so that a request without TLS neither
# maps nor relocates OpenSSL: 0.4 ms of every exec (docs/performance.md).
cgi_aigate_openssl_la_SOURCES = cgi/aig_ext.h cgi/openssl_ext.c \
	cgi/identity.c cgi/quarantine.c http/tls.c http/conn.c
cgi_aigate_openssl_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_JWT_CPPFLAGS) \
	$(AIG_POLICY_CPPFLAGS) $(AIG_HTTP_CPPFLAGS)
cgi_aigate_openssl_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(SSL_CFLAGS) $(CRYPTO_CFLAGS) $(PCRE2_CFLAGS)
cgi_aigate_openssl_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-export-symbols-regex '^aig_gate_openssl_v1$$'
cgi_aigate_openssl_la_LIBADD = common/libaigcommon.la $(JANSSON_LIBS) \
	$(NETTLE_LIBS) $(OPENSSL_MODULE_LIBS)

aigatelibexec_PROGRAMS += cgi/aigate.cgi
cgi_aigate_cgi_SOURCES = cgi/main.c cgi/fcgi.c cgi/gate.h cgi/openssl_load.c
cgi_aigate_cgi_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_JWT_CPPFLAGS) \
	$(AIG_POLICY_CPPFLAGS) $(AIG_HTTP_CPPFLAGS)
cgi_aigate_cgi_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS) \
	$(LDAP_CFLAGS) $(PCRE2_CFLAGS) $(LMDB_CFLAGS)
# Linked with the static archives Debian ships ($(GATE_LIBS), configure):
# a CGI pays its shared libraries' loading and relocation on every
# request. --as-needed drops the shared ones the archives replaced.
cgi_aigate_cgi_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed $(GATE_LDFLAGS)
cgi_aigate_cgi_LDADD = cgi/libaigcgi.la jwt/libaigjwt.la \
	policies/libaigpolicy.la http/libaighttp.la common/libaigcommon.la \
	$(GATE_LIBS)

check_PROGRAMS += tests/unit/test_cgi_request
UNIT_TESTS += tests/unit/test_cgi_request
TESTS += tests/unit/test_cgi_request
tests_unit_test_cgi_request_SOURCES = tests/unit/test_cgi_request.c
tests_unit_test_cgi_request_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_CGI_CPPFLAGS)
tests_unit_test_cgi_request_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_cgi_request_LDADD = $(AIG_TEST_LIBS) cgi/libaigcgi.la common/libaigcommon.la \
	$(LIBAIGCGI_DEPS)

# Whole requests through aig_gate_run() from a variable array, with
# tokens minted at test time (no web server, no extension module).
check_PROGRAMS += tests/unit/test_cgi_gate
UNIT_TESTS += tests/unit/test_cgi_gate
TESTS += tests/unit/test_cgi_gate
tests_unit_test_cgi_gate_SOURCES = tests/unit/test_cgi_gate.c
tests_unit_test_cgi_gate_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_CGI_CPPFLAGS) \
	$(AIG_POLICY_CPPFLAGS)
tests_unit_test_cgi_gate_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS) $(LMDB_CFLAGS) $(PCRE2_CFLAGS)
tests_unit_test_cgi_gate_LDADD = $(bench_bench_decision_LDADD)

# End to end: aigate.cgi under lighttpd and Apache, with the test bed's
# Samba AD DC, the LangServe fixture, Redis, and minted tokens.
check_PROGRAMS += tests/integration/jwt_tool
tests_integration_jwt_tool_SOURCES = tests/integration/jwt_tool.c
tests_integration_jwt_tool_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS) $(AIG_TEST_CPPFLAGS)
tests_integration_jwt_tool_LDADD = $(AIG_TEST_LIBS) $(CRYPTO_LIBS) \
	$(JANSSON_LIBS)
TESTS += tests/integration/gate-lighttpd.sh tests/integration/gate-apache.sh \
	tests/integration/gate-lighttpd-fastcgi.sh \
	tests/integration/gate-apache-fcgid.sh \
	tests/integration/gate-fcgi-params.sh \
	tests/integration/gate-throttle.sh \
	tests/integration/gate-own-user.sh \
	tests/fixtures/test_langserve_backend.sh
# HTTP Negotiate with the test bed's DC as the KDC: lighttpd and Apache,
# CGI and FastCGI.
TESTS += tests/integration/gate-negotiate.sh \
	tests/integration/gate-negotiate-apache.sh \
	tests/integration/gate-negotiate-lighttpd-fastcgi.sh \
	tests/integration/gate-negotiate-apache-fcgid.sh \
	tests/integration/gate-remote-user.sh \
	tests/integration/gate-remote-user-lighttpd.sh
# an AP-REQ from a ticket resealed with other times (gate-negotiate.sh)
check_PROGRAMS += tests/integration/stale_apreq
tests_integration_stale_apreq_SOURCES = tests/integration/stale_apreq.c
tests_integration_stale_apreq_CFLAGS = $(AM_CFLAGS) $(GSSAPI_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_integration_stale_apreq_LDADD = $(GSSAPI_LIBS) $(CRYPTO_LIBS)
EXTRA_DIST += tests/integration/gate-negotiate.sh \
	tests/integration/gate-remote-user.sh \
	tests/integration/gate-remote-user-lighttpd.sh \
	tests/integration/gate-negotiate-apache.sh \
	tests/integration/gate-negotiate-lighttpd-fastcgi.sh \
	tests/integration/gate-negotiate-apache-fcgid.sh \
	tests/integration/negotiate_client.py
EXTRA_DIST += tests/integration/gate.sh tests/integration/gate-lighttpd.sh \
	tests/integration/gate-apache.sh tests/fixtures/langserve_backend.py \
	tests/integration/gate-lighttpd-fastcgi.sh \
	tests/integration/gate-apache-fcgid.sh \
	tests/integration/gate-fcgi-params.sh tests/fixtures/fcgi_client.py \
	tests/integration/demo-check.sh tests/integration/gate-throttle.sh \
	tests/integration/gate-own-user.sh \
	tests/fixtures/test_langserve_backend.sh

## Fuzzing the request reader: the corpus through a plain driver always;
## with clang, a short libFuzzer run (sources compiled directly).
check_PROGRAMS += tests/fuzz/fuzz_cgi_request_plain
tests_fuzz_fuzz_cgi_request_plain_SOURCES = tests/fuzz/fuzz_cgi_request.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_cgi_request_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_CGI_CPPFLAGS)
tests_fuzz_fuzz_cgi_request_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-DFUZZ_CORPUS='"cgi_request"'
tests_fuzz_fuzz_cgi_request_plain_LDADD = cgi/libaigcgi.la \
	common/libaigcommon.la $(LIBAIGCGI_DEPS)
dist_check_SCRIPTS += tests/fuzz/fuzz_cgi.sh
EXTRA_DIST += tests/fuzz/fuzz_target.sh
TESTS += tests/fuzz/fuzz_cgi.sh
EXTRA_DIST += tests/fuzz/corpus/cgi_request
if HAVE_CLANG
FUZZ_CGI_SRCS = $(srcdir)/cgi/request.c $(srcdir)/cgi/basic.c \
	$(srcdir)/cgi/outcome.c $(srcdir)/cgi/response.c
tests/fuzz/fuzz_cgi_request: $(srcdir)/tests/fuzz/fuzz_cgi_request.c \
		$(FUZZ_CGI_SRCS) common/libaigcommon.la
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I$(top_builddir) $(AM_CPPFLAGS) \
		$(AIG_CGI_CPPFLAGS) $(JANSSON_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_cgi_request.c \
		$(FUZZ_CGI_SRCS) $(srcdir)/common/*.c $(PAM_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)
CLEANFILES += tests/fuzz/fuzz_cgi_request
tests/fuzz/fuzz_cgi.log: tests/fuzz/fuzz_cgi_request
endif

check_PROGRAMS += tests/unit/test_cgi_state
UNIT_TESTS += tests/unit/test_cgi_state
TESTS += tests/unit/test_cgi_state
tests_unit_test_cgi_state_SOURCES = tests/unit/test_cgi_state.c
tests_unit_test_cgi_state_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_CGI_CPPFLAGS)
tests_unit_test_cgi_state_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LMDB_CFLAGS)
tests_unit_test_cgi_state_LDADD = $(AIG_TEST_LIBS) cgi/libaigcgi.la common/libaigcommon.la \
	$(LIBAIGCGI_DEPS)
# Single sign-on without a KDC: the SPNEGO reader, the replay record,
# auth.negotiate and auth.remote_user.
check_PROGRAMS += tests/unit/test_cgi_sso
UNIT_TESTS += tests/unit/test_cgi_sso
TESTS += tests/unit/test_cgi_sso
tests_unit_test_cgi_sso_SOURCES = tests/unit/test_cgi_sso.c
tests_unit_test_cgi_sso_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_CGI_CPPFLAGS)
tests_unit_test_cgi_sso_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LMDB_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_cgi_sso_LDADD = $(AIG_TEST_LIBS) cgi/libaigcgi.la common/libaigcommon.la \
	$(LIBAIGCGI_DEPS) $(CRYPTO_LIBS) $(NETTLE_LIBS)
dist_man_MANS += man/aigate.cgi.8
EXTRA_DIST += docs/deploying.md docs/performance.md

# Load, concurrency, Redis sharing, client disconnects (no AD needed).
TESTS += tests/integration/gate-load.sh
EXTRA_DIST += tests/integration/gate-load.sh tests/integration/gate_load.py

# bench/bench_decision [seconds]: what the gate's decision costs in a warm
# process (verify, policy, rate limit, audit), beside a bare OpenSSL RS256
# verify in the same run.
noinst_PROGRAMS += bench/bench_decision
bench_bench_decision_SOURCES = bench/bench_decision.c
bench_bench_decision_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) \
	$(AIG_CGI_CPPFLAGS) $(AIG_POLICY_CPPFLAGS) $(AIG_JWT_CPPFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
bench_bench_decision_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS) \
	$(LMDB_CFLAGS) $(PCRE2_CFLAGS)
bench_bench_decision_LDADD = cgi/libaigcgi.la jwt/libaigjwt.la \
	policies/libaigpolicy.la common/libaigcommon.la \
	$(AIG_TEST_LIBS) $(LIBAIGCGI_DEPS) $(LIBAIGJWT_DEPS) \
	$(PCRE2_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS) -ldl

# bench/negotiate.sh: the gate's decision for a fresh Negotiate token
# beside a bearer decision with a new token (bench/bench_negotiate), inside
# the test bed's AD. Needs root.
noinst_PROGRAMS += bench/bench_negotiate
bench_bench_negotiate_SOURCES = bench/bench_negotiate.c
bench_bench_negotiate_CPPFLAGS = $(bench_bench_decision_CPPFLAGS)
bench_bench_negotiate_CFLAGS = $(bench_bench_decision_CFLAGS)
bench_bench_negotiate_LDADD = $(bench_bench_decision_LDADD)
EXTRA_DIST += bench/negotiate.sh

# libtool's .la file has no use beside aigate.cgi.
install-exec-hook: install-ext-hook
install-ext-hook:
	rm -f $(DESTDIR)$(aigatelibexecdir)/aigate-ext.la \
		$(DESTDIR)$(aigatelibexecdir)/aigate-pam.la \
		$(DESTDIR)$(aigatelibexecdir)/aigate-openssl.la
uninstall-hook: uninstall-ext-hook
uninstall-ext-hook:
	rm -f $(DESTDIR)$(aigatelibexecdir)/aigate-ext.so \
		$(DESTDIR)$(aigatelibexecdir)/aigate-pam.so \
		$(DESTDIR)$(aigatelibexecdir)/aigate-openssl.so
.PHONY: install-ext-hook uninstall-ext-hook

# Behind an AWS ALB (auth.alb) and Cognito tokens, under both servers.
TESTS += tests/integration/gate-alb-lighttpd.sh \
	tests/integration/gate-alb-apache.sh
EXTRA_DIST += tests/integration/gate-alb.sh \
	tests/integration/gate-alb-lighttpd.sh \
	tests/integration/gate-alb-apache.sh
## The output rules end to end, under both servers, CGI and FastCGI.
TESTS += tests/integration/gate-output.sh
EXTRA_DIST += tests/integration/gate-output.sh tests/fixtures/chunk_backend.py
TESTS += tests/integration/gate-route.sh
EXTRA_DIST += tests/integration/gate-route.sh
TESTS += tests/integration/prometheus-rules.sh
EXTRA_DIST += tests/integration/prometheus-rules.sh \
	tests/prometheus/aigate-rules.test.yml

# auth.basic_cache_s through one FastCGI process against the test AD.
TESTS += tests/integration/gate-basic-cache.sh
EXTRA_DIST += tests/integration/gate-basic-cache.sh \
	tests/integration/basic_cache_client.py

# auth.basic_cache_s's table alone.
check_PROGRAMS += tests/unit/test_cgi_basic_cache
UNIT_TESTS += tests/unit/test_cgi_basic_cache
TESTS += tests/unit/test_cgi_basic_cache
tests_unit_test_cgi_basic_cache_SOURCES = tests/unit/test_cgi_basic_cache.c
tests_unit_test_cgi_basic_cache_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_CGI_CPPFLAGS)
tests_unit_test_cgi_basic_cache_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_cgi_basic_cache_LDADD = $(AIG_TEST_LIBS) cgi/libaigcgi.la \
	jwt/libaigjwt.la policies/libaigpolicy.la common/libaigcommon.la \
	$(LIBAIGCGI_DEPS) $(CRYPTO_LIBS) $(HOGWEED_LIBS) $(NETTLE_LIBS) $(PCRE2_LIBS)

# auth.negotiate.account_check_s's table alone.
check_PROGRAMS += tests/unit/test_cgi_account_cache
UNIT_TESTS += tests/unit/test_cgi_account_cache
TESTS += tests/unit/test_cgi_account_cache
tests_unit_test_cgi_account_cache_SOURCES = tests/unit/test_cgi_account_cache.c
tests_unit_test_cgi_account_cache_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_CGI_CPPFLAGS)
tests_unit_test_cgi_account_cache_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_cgi_account_cache_LDADD = $(AIG_TEST_LIBS) cgi/libaigcgi.la \
	jwt/libaigjwt.la policies/libaigpolicy.la common/libaigcommon.la \
	$(LIBAIGCGI_DEPS) $(CRYPTO_LIBS) $(HOGWEED_LIBS) $(NETTLE_LIBS) $(PCRE2_LIBS)

check_PROGRAMS += tests/unit/test_cgi_identity
UNIT_TESTS += tests/unit/test_cgi_identity
TESTS += tests/unit/test_cgi_identity
tests_unit_test_cgi_identity_SOURCES = tests/unit/test_cgi_identity.c
tests_unit_test_cgi_identity_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_CGI_CPPFLAGS) \
	$(AIG_JWT_CPPFLAGS)
tests_unit_test_cgi_identity_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_cgi_identity_LDADD = $(bench_bench_decision_LDADD)
