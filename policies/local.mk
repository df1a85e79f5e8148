## SPDX-License-Identifier: Apache-2.0
## policies/: the access-policy engine (issue 5). One convenience library,
## linked by the CGI, aigatectl and the tests; the fuzz targets compile the
## sources directly with clang's libFuzzer.
noinst_LTLIBRARIES += policies/libaigpolicy.la
# For the parts that include aig_policy.h.
AIG_POLICY_CPPFLAGS = -I$(top_srcdir)/policies
policies_libaigpolicy_la_SOURCES = policies/aig_policy.h \
	policies/policy_int.h policies/arena.c policies/glob.c \
	policies/pointer.c policies/load.c policies/decide.c policies/body.c \
	policies/aig_output.h policies/output.c policies/outstream.c \
	policies/aig_route.h policies/route.c \
	policies/langgraph.c
policies_libaigpolicy_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(PCRE2_CFLAGS)
# Convenience libraries link nothing: the final link lists them and the
# system libraries they need ($(PCRE2_LIBS) $(JANSSON_LIBS) here).

# The shipped policy and the examples (the unit test loads each).
EXTRA_DIST += policies/policy.json policies/examples/read-only-analysts.json \
	policies/examples/model-tiers.json \
	policies/examples/langgraph-server.json \
	policies/examples/prompt-guard-strict.json
dist_man_MANS += man/aigate-policy.json.5

check_PROGRAMS += tests/unit/test_policy
UNIT_TESTS += tests/unit/test_policy
TESTS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
tests_unit_test_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
tests_unit_test_policy_LDADD = $(AIG_TEST_LIBS) policies/libaigpolicy.la \
	common/libaigcommon.la $(PCRE2_LIBS) $(JANSSON_LIBS)

# Deferred JIT (aig_policy_defer_jit()): a process of its own.
check_PROGRAMS += tests/unit/test_policy_jit
UNIT_TESTS += tests/unit/test_policy_jit
TESTS += tests/unit/test_policy_jit
tests_unit_test_policy_jit_SOURCES = tests/unit/test_policy_jit.c
tests_unit_test_policy_jit_CPPFLAGS = $(tests_unit_test_policy_CPPFLAGS)
tests_unit_test_policy_jit_CFLAGS = $(tests_unit_test_policy_CFLAGS)
tests_unit_test_policy_jit_LDADD = $(tests_unit_test_policy_LDADD)

## The fuzz targets: the corpus through plain drivers (any compiler, under
## the sanitizers when configured so), and with clang a short libFuzzer run
## of each, compiled from the sources themselves, not the libtool library.
check_PROGRAMS += tests/fuzz/fuzz_policy_load_plain tests/fuzz/fuzz_policy_body_plain \
	tests/fuzz/fuzz_output_plain
tests_fuzz_fuzz_policy_load_plain_SOURCES = tests/fuzz/fuzz_policy_load.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_policy_load_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
tests_fuzz_fuzz_policy_load_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(PCRE2_CFLAGS) -DFUZZ_CORPUS='"policy_load"'
tests_fuzz_fuzz_policy_load_plain_LDADD = $(tests_unit_test_policy_LDADD)
tests_fuzz_fuzz_policy_body_plain_SOURCES = tests/fuzz/fuzz_policy_body.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_policy_body_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
tests_fuzz_fuzz_policy_body_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(PCRE2_CFLAGS) -DFUZZ_CORPUS='"policy_body"'
tests_fuzz_fuzz_policy_body_plain_LDADD = $(tests_unit_test_policy_LDADD)

tests_fuzz_fuzz_output_plain_SOURCES = tests/fuzz/fuzz_output.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_output_plain_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
tests_fuzz_fuzz_output_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	$(PCRE2_CFLAGS) -DFUZZ_CORPUS='"output"'
tests_fuzz_fuzz_output_plain_LDADD = $(tests_unit_test_policy_LDADD)

dist_check_SCRIPTS += tests/fuzz/fuzz_policy.sh
TESTS += tests/fuzz/fuzz_policy.sh
EXTRA_DIST += tests/fuzz/corpus/policy_load tests/fuzz/corpus/policy_body \
	tests/fuzz/corpus/output

if HAVE_CLANG
# common/ is compiled whole (a shell glob, so that its new files come
# along); depending on its library rebuilds the fuzzers when it changes.
FUZZ_POLICY_SRCS = $(srcdir)/policies/arena.c $(srcdir)/policies/glob.c \
	$(srcdir)/policies/pointer.c $(srcdir)/policies/load.c \
	$(srcdir)/policies/decide.c $(srcdir)/policies/body.c \
	$(srcdir)/policies/output.c $(srcdir)/policies/outstream.c \
	$(srcdir)/policies/route.c $(srcdir)/policies/langgraph.c
FUZZ_POLICY_DEPS = $(FUZZ_POLICY_SRCS) $(srcdir)/policies/aig_policy.h \
	$(srcdir)/policies/aig_output.h \
	$(srcdir)/policies/policy_int.h common/libaigcommon.la
FUZZ_POLICY_CC = $(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I$(top_builddir) $(AM_CPPFLAGS) \
	$(AIG_POLICY_CPPFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
FUZZ_POLICY_BINS = tests/fuzz/fuzz_policy_load tests/fuzz/fuzz_policy_body \
	tests/fuzz/fuzz_output
CLEANFILES += $(FUZZ_POLICY_BINS)

tests/fuzz/fuzz_policy_load: $(srcdir)/tests/fuzz/fuzz_policy_load.c \
		$(FUZZ_POLICY_DEPS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_POLICY_CC) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_policy_load.c $(FUZZ_POLICY_SRCS) \
		$(srcdir)/common/*.c $(PCRE2_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

tests/fuzz/fuzz_policy_body: $(srcdir)/tests/fuzz/fuzz_policy_body.c \
		$(FUZZ_POLICY_DEPS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_POLICY_CC) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_policy_body.c $(FUZZ_POLICY_SRCS) \
		$(srcdir)/common/*.c $(PCRE2_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

tests/fuzz/fuzz_output: $(srcdir)/tests/fuzz/fuzz_output.c \
		$(FUZZ_POLICY_DEPS)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_POLICY_CC) -o $@ \
		$(srcdir)/tests/fuzz/fuzz_output.c $(FUZZ_POLICY_SRCS) \
		$(srcdir)/common/*.c $(PCRE2_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS) $(NETTLE_LIBS)

# built only for the test that runs them
tests/fuzz/fuzz_policy.log: $(FUZZ_POLICY_BINS)
endif

## The benchmark: built by make, run by hand.
noinst_PROGRAMS += bench/bench_policy
bench_bench_policy_SOURCES = bench/bench_policy.c
bench_bench_policy_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_POLICY_CPPFLAGS) \
	-DAIG_BENCH_POLICY='"$(abs_top_srcdir)/policies/policy.json"'
bench_bench_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
bench_bench_policy_LDADD = $(tests_unit_test_policy_LDADD)

bench-policy: bench/bench_policy$(EXEEXT)
	./bench/bench_policy$(EXEEXT)
.PHONY: bench-policy

## Output rules (aig_output.h): JSON answers and server-sent events.
check_PROGRAMS += tests/unit/test_output
UNIT_TESTS += tests/unit/test_output
TESTS += tests/unit/test_output
tests_unit_test_output_SOURCES = tests/unit/test_output.c
tests_unit_test_output_CPPFLAGS = $(tests_unit_test_policy_CPPFLAGS)
tests_unit_test_output_CFLAGS = $(tests_unit_test_policy_CFLAGS)
tests_unit_test_output_LDADD = $(tests_unit_test_policy_LDADD)

## bench/bench_output POLICY STREAM: the stream filter alone (run by
## bench/bench_output.sh beside the same stream through the gate).
noinst_PROGRAMS += bench/bench_output
bench_bench_output_SOURCES = bench/bench_output.c
bench_bench_output_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
bench_bench_output_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
bench_bench_output_LDADD = $(tests_unit_test_policy_LDADD)
EXTRA_DIST += bench/bench_output.sh
bench-output: bench/bench_output$(EXEEXT) cgi/aigate.cgi$(EXEEXT) \
		tests/integration/jwt_tool$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/bench_output.sh
.PHONY: bench-output

check_PROGRAMS += tests/unit/test_policy_langgraph
UNIT_TESTS += tests/unit/test_policy_langgraph
TESTS += tests/unit/test_policy_langgraph
tests_unit_test_policy_langgraph_SOURCES = tests/unit/test_policy_langgraph.c
tests_unit_test_policy_langgraph_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS) $(AIG_POLICY_CPPFLAGS)
tests_unit_test_policy_langgraph_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PCRE2_CFLAGS)
tests_unit_test_policy_langgraph_LDADD = $(tests_unit_test_policy_LDADD)
