## The gate: request handling (libaigcgi) and the aigate.cgi program.
noinst_LTLIBRARIES += cgi/libaigcgi.la
cgi_libaigcgi_la_SOURCES = cgi/aig_cgi.h cgi/cgi_int.h cgi/request.c \
	cgi/response.c cgi/basic.c cgi/forward.c cgi/ratelimit.c \
	cgi/ratelimit_redis.c cgi/metrics.c cgi/state.c
cgi_libaigcgi_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PAM_CFLAGS) \
	$(CURL_CFLAGS) $(LMDB_CFLAGS) $(HIREDIS_CFLAGS)
cgi_libaigcgi_la_LIBADD = $(PAM_LIBS) $(JANSSON_LIBS) $(CURL_LIBS) \
	$(LMDB_LIBS) $(HIREDIS_LIBS) -lm

aigatelibexec_PROGRAMS += cgi/aigate.cgi
cgi_aigate_cgi_SOURCES = cgi/main.c cgi/gate.h cgi/gate.c cgi/audit.c \
	cgi/warm.c cgi/fcgi.c
cgi_aigate_cgi_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS) \
	$(LDAP_CFLAGS) $(PCRE2_CFLAGS) $(LMDB_CFLAGS)
cgi_aigate_cgi_LDADD = cgi/libaigcgi.la cgi/libaigjwt.la \
	policies/libaigpolicy.la ldap/libaigldap.la common/libaigcommon.la \
	$(CRYPTO_LIBS) $(FCGI_LIBS)

check_PROGRAMS += tests/unit/test_cgi_request
UNIT_TESTS += tests/unit/test_cgi_request
TESTS += tests/unit/test_cgi_request
tests_unit_test_cgi_request_SOURCES = tests/unit/test_cgi_request.c
tests_unit_test_cgi_request_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_cgi_request_LDADD = cgi/libaigcgi.la common/libaigcommon.la

# End to end: aigate.cgi under lighttpd and Apache, with the test bed's
# Samba AD DC, the LangServe fixture, Redis, and minted tokens.
check_PROGRAMS += tests/integration/jwt_tool
tests_integration_jwt_tool_SOURCES = tests/integration/jwt_tool.c
tests_integration_jwt_tool_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS) -I$(top_srcdir)/tests/unit
tests_integration_jwt_tool_LDADD = tests/unit/libjwtmint.la $(CRYPTO_LIBS) \
	$(JANSSON_LIBS)
TESTS += tests/integration/gate-lighttpd.sh tests/integration/gate-apache.sh \
	tests/integration/gate-lighttpd-fastcgi.sh \
	tests/integration/gate-apache-fcgid.sh \
	tests/fixtures/test_langserve_backend.sh
EXTRA_DIST += tests/integration/gate.sh tests/integration/gate-lighttpd.sh \
	tests/integration/gate-apache.sh tests/fixtures/langserve_backend.py \
	tests/integration/gate-lighttpd-fastcgi.sh \
	tests/integration/gate-apache-fcgid.sh \
	tests/integration/demo-check.sh \
	tests/fixtures/test_langserve_backend.sh

## Fuzzing the request reader: the corpus through a plain driver always;
## with clang, a short libFuzzer run (sources compiled directly).
check_PROGRAMS += tests/fuzz/fuzz_cgi_request_plain
tests_fuzz_fuzz_cgi_request_plain_SOURCES = tests/fuzz/fuzz_cgi_request.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_cgi_request_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-DFUZZ_CORPUS='"cgi_request"'
tests_fuzz_fuzz_cgi_request_plain_LDADD = cgi/libaigcgi.la \
	common/libaigcommon.la
dist_check_SCRIPTS += tests/fuzz/fuzz_cgi.sh
TESTS += tests/fuzz/fuzz_cgi.sh
EXTRA_DIST += tests/fuzz/corpus/cgi_request
if HAVE_CLANG
FUZZ_CGI_SRCS = $(srcdir)/cgi/request.c $(srcdir)/cgi/basic.c \
	$(srcdir)/cgi/response.c
tests/fuzz/fuzz_cgi_request: $(srcdir)/tests/fuzz/fuzz_cgi_request.c \
		$(FUZZ_CGI_SRCS) common/libaigcommon.la
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I$(top_builddir) $(AM_CPPFLAGS) \
		$(JANSSON_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_cgi_request.c \
		$(FUZZ_CGI_SRCS) $(srcdir)/common/*.c $(PAM_LIBS) $(JANSSON_LIBS)
CLEANFILES += tests/fuzz/fuzz_cgi_request
tests/fuzz/fuzz_cgi.log: tests/fuzz/fuzz_cgi_request
endif

check_PROGRAMS += tests/unit/test_cgi_state
UNIT_TESTS += tests/unit/test_cgi_state
TESTS += tests/unit/test_cgi_state
tests_unit_test_cgi_state_SOURCES = tests/unit/test_cgi_state.c
tests_unit_test_cgi_state_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_cgi_state_LDADD = cgi/libaigcgi.la common/libaigcommon.la
dist_man_MANS += man/aigate.cgi.8
EXTRA_DIST += docs/deploying.md

# Load, concurrency, Redis sharing, client disconnects (no AD needed).
TESTS += tests/integration/gate-load.sh
EXTRA_DIST += tests/integration/gate-load.sh tests/integration/gate_load.py
