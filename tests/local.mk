## SPDX-License-Identifier: Apache-2.0
## tests/lib/: what the C tests share (aig_test.h: TAP, temporary
## directories, files and configurations from text; aig_test_pki.h: a
## test PKI; jwt_mint.h: keys and tokens). noinst, not check: the
## benchmarks mint tokens with it too. A test links $(AIG_TEST_LIBS)
## ahead of common/libaigcommon.la and compiles with $(AIG_TEST_CPPFLAGS).
noinst_LTLIBRARIES += tests/lib/libaigtest.la
tests_lib_libaigtest_la_SOURCES = tests/lib/aig_test.h tests/lib/tap.c \
	tests/lib/tmpdir.c tests/lib/files.c tests/lib/config_text.c \
	tests/lib/aig_test_pki.h tests/lib/pki.c tests/lib/jwt_mint.h \
	tests/lib/jwt_mint.c tests/lib/alb_mint.c
tests_lib_libaigtest_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS)
tests_lib_libaigtest_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_lib_libaigtest_la_LIBADD = $(CRYPTO_LIBS) $(NETTLE_LIBS) $(JANSSON_LIBS)
AIG_TEST_CPPFLAGS = -I$(top_srcdir)/tests/lib
AIG_TEST_LIBS = tests/lib/libaigtest.la

## Real-server test bed (tests/testbed/): a Samba AD DC, slapd, Apache and
## lighttpd on 127.0.0.1, started by the tests themselves (needs root).
EXTRA_DIST += tests/testbed/README.md tests/testbed/lib.sh tests/testbed/ad.sh \
	tests/testbed/slapd.sh tests/testbed/web.sh tests/testbed/web/hello.cgi \
	tests/testbed/web/lighttpd-sample.conf tests/testbed/web/apache-sample.conf \
	tests/integration/assert.sh tests/integration/gate-lib.sh
dist_check_SCRIPTS += tests/integration/testbed.sh \
	tests/integration/testbed-slapd.sh tests/integration/testbed-web.sh
TESTS += tests/integration/testbed.sh tests/integration/testbed-slapd.sh \
	tests/integration/testbed-web.sh
## One AD template per `make check` run (keyed on the make process that runs
## the tests), shared by every AD test of that run; see tests/testbed/ad.sh.
AM_TESTS_ENVIRONMENT += \
	AIG_TESTBED_RUN_ID="$${AIG_TESTBED_RUN_ID:-make$$PPID}"; \
	AIG_TESTBED_CACHE="$${AIG_TESTBED_CACHE:-$(abs_top_builddir)/tests/testbed-cache}"; \
	export AIG_TESTBED_RUN_ID AIG_TESTBED_CACHE;
clean-local: clean-testbed-cache
clean-testbed-cache:
	-rm -rf tests/testbed-cache
.PHONY: clean-testbed-cache

## The parts keep to their own headers and include paths (no servers).
dist_check_SCRIPTS += tests/layout.sh
UNIT_TESTS += tests/layout.sh
TESTS += tests/layout.sh

## Invariant-checking fuzz targets of the small parsers and encoders
## (tests/fuzz/fuzz_check.h: a broken invariant aborts). Each seed corpus
## runs through its plain driver under valgrind, or the sanitizers
## (UNIT_TESTS); tests/fuzz/fuzz_units.sh runs each target through
## fuzz_target.sh, the one runner of every part's fuzz targets: the corpus
## again, then, when clang built the libFuzzer binary (compiled from the
## sources themselves), AIG_FUZZ_SECONDS of it (a few by default).
FUZZ_UNITS_PLAIN = tests/fuzz/fuzz_config_plain tests/fuzz/fuzz_groups_plain \
	tests/fuzz/fuzz_path_plain tests/fuzz/fuzz_ldap_escape_plain \
	tests/fuzz/fuzz_glob_plain tests/fuzz/fuzz_base64_plain \
	tests/fuzz/fuzz_basic_plain
check_PROGRAMS += tests/fuzz/fuzz_config_plain tests/fuzz/fuzz_groups_plain \
	tests/fuzz/fuzz_path_plain tests/fuzz/fuzz_ldap_escape_plain \
	tests/fuzz/fuzz_glob_plain tests/fuzz/fuzz_base64_plain \
	tests/fuzz/fuzz_basic_plain
UNIT_TESTS += $(FUZZ_UNITS_PLAIN)
TESTS += $(FUZZ_UNITS_PLAIN)
FUZZ_UNITS_MAIN = tests/fuzz/fuzz_main.c tests/fuzz/fuzz_check.h

tests_fuzz_fuzz_config_plain_SOURCES = tests/fuzz/fuzz_config.c \
	$(FUZZ_UNITS_MAIN)
tests_fuzz_fuzz_config_plain_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS='"config"'
tests_fuzz_fuzz_config_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_config_plain_LDADD = common/libaigcommon.la $(JANSSON_LIBS)

tests_fuzz_fuzz_groups_plain_SOURCES = tests/fuzz/fuzz_groups.c \
	$(FUZZ_UNITS_MAIN)
tests_fuzz_fuzz_groups_plain_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS='"groups"'
tests_fuzz_fuzz_groups_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_groups_plain_LDADD = common/libaigcommon.la $(JANSSON_LIBS)

tests_fuzz_fuzz_path_plain_SOURCES = tests/fuzz/fuzz_path.c $(FUZZ_UNITS_MAIN)
tests_fuzz_fuzz_path_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_CGI_CPPFLAGS) \
	-DFUZZ_CORPUS='"path"'
tests_fuzz_fuzz_path_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_path_plain_LDADD = cgi/libaigcgi.la common/libaigcommon.la \
	$(LIBAIGCGI_DEPS)

tests_fuzz_fuzz_ldap_escape_plain_SOURCES = tests/fuzz/fuzz_ldap_escape.c \
	$(FUZZ_UNITS_MAIN)
tests_fuzz_fuzz_ldap_escape_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_LDAP_CPPFLAGS) \
	-DFUZZ_CORPUS='"ldap_escape"'
tests_fuzz_fuzz_ldap_escape_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_ldap_escape_plain_LDADD = ldap/libaigldap.la \
	common/libaigcommon.la $(JANSSON_LIBS)

tests_fuzz_fuzz_glob_plain_SOURCES = tests/fuzz/fuzz_glob.c $(FUZZ_UNITS_MAIN)
tests_fuzz_fuzz_glob_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_POLICY_CPPFLAGS) \
	-DFUZZ_CORPUS='"glob"'
tests_fuzz_fuzz_glob_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(PCRE2_CFLAGS)
tests_fuzz_fuzz_glob_plain_LDADD = policies/libaigpolicy.la \
	common/libaigcommon.la $(PCRE2_LIBS) $(JANSSON_LIBS)

tests_fuzz_fuzz_base64_plain_SOURCES = tests/fuzz/fuzz_base64.c \
	$(FUZZ_UNITS_MAIN)
tests_fuzz_fuzz_base64_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_JWT_CPPFLAGS) \
	-DFUZZ_CORPUS='"base64"'
tests_fuzz_fuzz_base64_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_base64_plain_LDADD = jwt/libaigjwt.la $(LIBAIGJWT_DEPS)

tests_fuzz_fuzz_basic_plain_SOURCES = tests/fuzz/fuzz_basic.c \
	$(FUZZ_UNITS_MAIN)
tests_fuzz_fuzz_basic_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_CGI_CPPFLAGS) \
	-DFUZZ_CORPUS='"basic"'
tests_fuzz_fuzz_basic_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_basic_plain_LDADD = cgi/libaigcgi.la common/libaigcommon.la \
	$(LIBAIGCGI_DEPS)

dist_check_SCRIPTS += tests/fuzz/fuzz_units.sh
TESTS += tests/fuzz/fuzz_units.sh
EXTRA_DIST += tests/fuzz/corpus/config tests/fuzz/corpus/groups \
	tests/fuzz/corpus/path tests/fuzz/corpus/ldap_escape \
	tests/fuzz/corpus/glob tests/fuzz/corpus/base64 tests/fuzz/corpus/basic

if HAVE_CLANG
# common/ is compiled whole (a shell glob), as for the policy fuzzers.
FUZZ_UNITS_CC = $(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I$(top_builddir) $(AM_CPPFLAGS) \
	$(JANSSON_CFLAGS)
FUZZ_UNITS_DEPS = $(srcdir)/tests/fuzz/fuzz_check.h common/libaigcommon.la
FUZZ_UNITS_BINS = tests/fuzz/fuzz_config tests/fuzz/fuzz_groups \
	tests/fuzz/fuzz_path tests/fuzz/fuzz_ldap_escape tests/fuzz/fuzz_glob \
	tests/fuzz/fuzz_base64 tests/fuzz/fuzz_basic
CLEANFILES += $(FUZZ_UNITS_BINS)

tests/fuzz/fuzz_config: $(FUZZ_UNITS_DEPS) $(srcdir)/tests/fuzz/fuzz_config.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_UNITS_CC) -o $@ $(srcdir)/tests/fuzz/fuzz_config.c \
		$(srcdir)/common/*.c $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

tests/fuzz/fuzz_groups: $(FUZZ_UNITS_DEPS) $(srcdir)/tests/fuzz/fuzz_groups.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_UNITS_CC) -o $@ $(srcdir)/tests/fuzz/fuzz_groups.c \
		$(srcdir)/common/*.c $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

FUZZ_PATH_SRCS = $(srcdir)/cgi/request.c $(srcdir)/cgi/forward.c \
	$(srcdir)/cgi/outcome.c $(srcdir)/cgi/response.c $(srcdir)/http/*.c \
	$(srcdir)/cgi/outfilter.c $(FUZZ_POLICY_SRCS)
tests/fuzz/fuzz_path: $(FUZZ_UNITS_DEPS) $(srcdir)/tests/fuzz/fuzz_path.c \
		cgi/libaigcgi.la http/libaighttp.la
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_UNITS_CC) $(AIG_CGI_CPPFLAGS) $(AIG_HTTP_CPPFLAGS) \
		$(SSL_CFLAGS) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_path.c $(FUZZ_PATH_SRCS) \
		$(srcdir)/common/*.c $(AIG_HTTP_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS) \
		$(PCRE2_LIBS)

tests/fuzz/fuzz_ldap_escape: $(FUZZ_UNITS_DEPS) \
		$(srcdir)/tests/fuzz/fuzz_ldap_escape.c $(srcdir)/ldap/util.c \
		$(srcdir)/ldap/dn.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_UNITS_CC) $(AIG_LDAP_CPPFLAGS) $(LDAP_CFLAGS) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_ldap_escape.c $(srcdir)/ldap/util.c \
		$(srcdir)/ldap/dn.c \
		$(srcdir)/common/*.c $(LDAP_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

tests/fuzz/fuzz_glob: $(FUZZ_UNITS_DEPS) $(srcdir)/tests/fuzz/fuzz_glob.c \
		$(srcdir)/policies/glob.c $(srcdir)/policies/arena.c \
		$(srcdir)/policies/policy_int.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_UNITS_CC) $(AIG_POLICY_CPPFLAGS) $(PCRE2_CFLAGS) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_glob.c $(srcdir)/policies/glob.c \
		$(srcdir)/policies/arena.c $(srcdir)/common/*.c $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

tests/fuzz/fuzz_base64: $(FUZZ_UNITS_DEPS) \
		$(srcdir)/tests/fuzz/fuzz_base64.c $(srcdir)/jwt/b64url.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_UNITS_CC) $(AIG_JWT_CPPFLAGS) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_base64.c \
		$(srcdir)/jwt/b64url.c $(srcdir)/common/*.c $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

tests/fuzz/fuzz_basic: $(FUZZ_UNITS_DEPS) $(srcdir)/tests/fuzz/fuzz_basic.c \
		$(srcdir)/cgi/basic.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_UNITS_CC) $(AIG_CGI_CPPFLAGS) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_basic.c \
		$(srcdir)/cgi/basic.c $(srcdir)/common/*.c $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

# built only for the test that runs them
tests/fuzz/fuzz_units.log: $(FUZZ_UNITS_BINS)
endif
