## SPDX-License-Identifier: Apache-2.0
## jwt/: the JWT/JWKS verifier (libaigjwt): JWS, JWK, JWKS, claims, the
## shared JWKS cache and its HTTPS fetch. One public header, aig_jwt.h.
noinst_LTLIBRARIES += jwt/libaigjwt.la
jwt_libaigjwt_la_SOURCES = jwt/aig_jwt.h jwt/jwt_int.h jwt/b64url.c \
	jwt/aig_alb.h jwt/alb.c jwt/alb_keys.c \
	jwt/jwk.c jwt/jwks.c jwt/jwt.c jwt/claims.c jwt/jwks_cache.c \
	jwt/jwks_fetch.c jwt/verifier.c
jwt_libaigjwt_la_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_HTTP_CPPFLAGS)
jwt_libaigjwt_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)
# For the parts that include aig_jwt.h.
AIG_JWT_CPPFLAGS = -I$(top_srcdir)/jwt
# No LIBADD (see common/local.mk): linking it takes $(LIBAIGJWT_DEPS).
LIBAIGJWT_DEPS = http/libaighttp.la common/libaigcommon.la $(AIG_HTTP_LIBS) \
	$(JANSSON_LIBS) $(HOGWEED_LIBS) $(NETTLE_LIBS)

check_PROGRAMS += tests/unit/test_jwt
UNIT_TESTS += tests/unit/test_jwt
TESTS += tests/unit/test_jwt
tests_unit_test_jwt_SOURCES = tests/unit/test_jwt.c
tests_unit_test_jwt_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_JWT_CPPFLAGS)
tests_unit_test_jwt_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_jwt_LDADD = $(AIG_TEST_LIBS) jwt/libaigjwt.la \
	$(LIBAIGJWT_DEPS)

check_PROGRAMS += tests/unit/test_jwt_wycheproof
UNIT_TESTS += tests/unit/test_jwt_wycheproof
TESTS += tests/unit/test_jwt_wycheproof
tests_unit_test_jwt_wycheproof_SOURCES = tests/unit/test_jwt_wycheproof.c
tests_unit_test_jwt_wycheproof_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_JWT_CPPFLAGS)
tests_unit_test_jwt_wycheproof_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_unit_test_jwt_wycheproof_LDADD = $(AIG_TEST_LIBS) jwt/libaigjwt.la $(LIBAIGJWT_DEPS)
EXTRA_DIST += tests/data/wycheproof/LICENSE tests/data/wycheproof/README.md \
	tests/data/wycheproof/json_web_signature_test.json \
	tests/data/wycheproof/rsa_signature_2048_sha256_test.json \
	tests/data/wycheproof/rsa_pss_2048_sha256_mgf1_32_test.json \
	tests/data/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json \
	tests/data/wycheproof/ecdsa_secp384r1_sha384_p1363_test.json

# The HTTPS fetch and the shared cache, against a local HTTPS server.
check_PROGRAMS += tests/unit/test_jwks_fetch
UNIT_TESTS += tests/unit/test_jwks_fetch
TESTS += tests/unit/test_jwks_fetch
tests_unit_test_jwks_fetch_SOURCES = tests/unit/test_jwks_fetch.c
tests_unit_test_jwks_fetch_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_JWT_CPPFLAGS)
tests_unit_test_jwks_fetch_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(CRYPTO_CFLAGS)
tests_unit_test_jwks_fetch_LDADD = $(AIG_TEST_LIBS) jwt/libaigjwt.la $(LIBAIGJWT_DEPS)
EXTRA_DIST += tests/unit/jwks_server.py

# Fuzzing. The replay program runs the seed corpus in every build; with
# clang (and not in a sanitizer build, whose gcc ASan objects would not
# mix with clang's runtime) a libFuzzer build also runs for a few seconds
# in make check (tests/fuzz/fuzz_target.sh), and
# `make fuzz-jwt AIG_FUZZ_SECONDS=N` runs it longer.
check_PROGRAMS += tests/fuzz/fuzz_jwt_replay
UNIT_TESTS += tests/fuzz/fuzz_jwt_replay
TESTS += tests/fuzz/fuzz_jwt_replay
tests_fuzz_fuzz_jwt_replay_SOURCES = tests/fuzz/fuzz_jwt.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_jwt_replay_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_JWT_CPPFLAGS) \
	-DFUZZ_CORPUS='"jwt"'
tests_fuzz_fuzz_jwt_replay_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_jwt_replay_LDADD = jwt/libaigjwt.la $(LIBAIGJWT_DEPS)
EXTRA_DIST += tests/fuzz/run-fuzz-jwt.sh tests/fuzz/make_jwt_corpus.py \
	tests/fuzz/corpus/jwt

FUZZ_JWT_SRC = $(srcdir)/tests/fuzz/fuzz_jwt.c $(srcdir)/jwt/b64url.c \
	$(srcdir)/jwt/jwk.c $(srcdir)/jwt/jwks.c $(srcdir)/jwt/jwt.c \
	$(srcdir)/jwt/claims.c $(srcdir)/jwt/alb.c
if HAVE_CLANG
if !SANITIZERS
TESTS += tests/fuzz/run-fuzz-jwt.sh
tests/fuzz/run-fuzz-jwt.log: tests/fuzz/fuzz_jwt$(EXEEXT)
endif
tests/fuzz/fuzz_jwt$(EXEEXT): $(FUZZ_JWT_SRC) $(srcdir)/jwt/aig_jwt.h \
		$(srcdir)/jwt/jwt_int.h jwt/libaigjwt.la http/libaighttp.la \
		common/libaigcommon.la
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(LIBTOOL) --silent --tag=CC --mode=link $(CLANG) \
	    -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined $(DEFS) -I$(top_builddir) \
	    $(AM_CPPFLAGS) $(AIG_JWT_CPPFLAGS) $(JANSSON_CFLAGS) \
	    $(CRYPTO_CFLAGS) -o $@ \
	    $(FUZZ_JWT_SRC) jwt/libaigjwt.la http/libaighttp.la \
	    common/libaigcommon.la $(AIG_HTTP_LIBS) $(CRYPTO_LIBS) \
	    $(HOGWEED_LIBS) $(NETTLE_LIBS) $(JANSSON_LIBS)
CLEANFILES += tests/fuzz/fuzz_jwt$(EXEEXT)
endif
# From a normal (not --enable-sanitizers) build with clang.
fuzz-jwt:
	@test -n "$(CLANG)" || { echo "fuzz-jwt needs clang" >&2; exit 1; }
	$(MAKE) $(AM_MAKEFLAGS) tests/fuzz/fuzz_jwt$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	AIG_FUZZ_SECONDS=$${AIG_FUZZ_SECONDS:-600} \
	    $(SHELL) $(srcdir)/tests/fuzz/run-fuzz-jwt.sh
.PHONY: fuzz-jwt

# `bench/bench_jwt [seconds]` prints what a verification costs.
noinst_PROGRAMS += bench/bench_jwt
bench_bench_jwt_SOURCES = bench/bench_jwt.c
bench_bench_jwt_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_JWT_CPPFLAGS)
bench_bench_jwt_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)
bench_bench_jwt_LDADD = $(AIG_TEST_LIBS) jwt/libaigjwt.la \
	$(LIBAIGJWT_DEPS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

# AWS ALB tokens and Cognito claims, the keys by kid against a local
# HTTPS server.
check_PROGRAMS += tests/unit/test_alb
UNIT_TESTS += tests/unit/test_alb
TESTS += tests/unit/test_alb
tests_unit_test_alb_SOURCES = tests/unit/test_alb.c
tests_unit_test_alb_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_JWT_CPPFLAGS)
tests_unit_test_alb_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_alb_LDADD = $(AIG_TEST_LIBS) jwt/libaigjwt.la $(LIBAIGJWT_DEPS)
