## SPDX-License-Identifier: Apache-2.0
## http/: the HTTP/1.1 client of the gate's backend hop and the JWKS fetch
## (libaighttp): http-parser parses, libssl does TLS.
noinst_LTLIBRARIES += http/libaighttp.la
http_libaighttp_la_SOURCES = http/aig_http.h http/http_int.h http/client.c \
	http/url.c http/conn.c http/tls.c http/tls_get.c http/response.c
http_libaighttp_la_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS) $(CRYPTO_CFLAGS)
# No LIBADD (see common/local.mk): whoever links this library adds
# $(AIG_HTTP_LIBS), or aigate.cgi the static archives of $(GATE_LIBS).
AIG_HTTP_LIBS = $(HTTP_PARSER_LIBS) $(SSL_LIBS) $(CRYPTO_LIBS)
# For the parts that include aig_http.h.
AIG_HTTP_CPPFLAGS = -I$(top_srcdir)/http

# Against real servers on 127.0.0.1: the LangServe fixture, a hostile raw
# server, and TLS with a CA made at test time.
check_PROGRAMS += tests/unit/test_http
UNIT_TESTS += tests/unit/test_http
TESTS += tests/unit/test_http
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_HTTP_CPPFLAGS) \
	$(AIG_TEST_CPPFLAGS)
tests_unit_test_http_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_http_LDADD = $(AIG_TEST_LIBS) http/libaighttp.la \
	common/libaigcommon.la $(AIG_HTTP_LIBS) $(JANSSON_LIBS)
EXTRA_DIST += tests/fixtures/raw_http_server.py

## Fuzzing the response reader: the corpus through the shared replay
## driver always (under valgrind in check-unit); with clang, a short
## libFuzzer run (sources compiled directly).
check_PROGRAMS += tests/fuzz/fuzz_http_response_plain
UNIT_TESTS += tests/fuzz/fuzz_http_response_plain
TESTS += tests/fuzz/fuzz_http_response_plain
tests_fuzz_fuzz_http_response_plain_SOURCES = \
	tests/fuzz/fuzz_http_response.c tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_http_response_plain_CPPFLAGS = $(AM_CPPFLAGS) \
	$(AIG_HTTP_CPPFLAGS) -DFUZZ_CORPUS='"http_response"'
tests_fuzz_fuzz_http_response_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(SSL_CFLAGS)
tests_fuzz_fuzz_http_response_plain_LDADD = http/libaighttp.la \
	common/libaigcommon.la $(AIG_HTTP_LIBS) $(JANSSON_LIBS)
dist_check_SCRIPTS += tests/fuzz/fuzz_http.sh
TESTS += tests/fuzz/fuzz_http.sh
EXTRA_DIST += tests/fuzz/corpus/http_response
if HAVE_CLANG
FUZZ_HTTP_SRCS = $(srcdir)/http/response.c $(srcdir)/common/error.c
tests/fuzz/fuzz_http_response: $(srcdir)/tests/fuzz/fuzz_http_response.c \
		$(FUZZ_HTTP_SRCS) $(srcdir)/http/http_int.h $(srcdir)/http/aig_http.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I$(top_builddir) $(AM_CPPFLAGS) \
		$(AIG_HTTP_CPPFLAGS) $(JANSSON_CFLAGS) $(SSL_CFLAGS) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_http_response.c $(FUZZ_HTTP_SRCS) \
		$(HTTP_PARSER_LIBS)
CLEANFILES += tests/fuzz/fuzz_http_response
tests/fuzz/fuzz_http.log: tests/fuzz/fuzz_http_response
endif

# What the hop's libraries cost a CGI per exec (the figures at the top of
# cgi/forward.c): `bench/bench_hop_start.sh BUILD_DIR`.
EXTRA_DIST += bench/bench_hop_start.sh
