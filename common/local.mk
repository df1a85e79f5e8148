## SPDX-License-Identifier: Apache-2.0
noinst_LTLIBRARIES += common/libaigcommon.la
common_libaigcommon_la_SOURCES = common/aig_common.h common/error.c \
	common/log.c common/file.c common/module.c common/json.c common/reqid.c common/config.c \
	common/utf8.c common/audit.c common/groups.c common/digits.c \
	common/base64.c common/statekey.c
common_libaigcommon_la_SOURCES += common/jsonread.c common/jsonwrite.c
common_libaigcommon_la_SOURCES += common/config_int.h common/config_alb.c
common_libaigcommon_la_SOURCES += common/config_sso.c
common_libaigcommon_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(NETTLE_CFLAGS)
# No LIBADD: convenience libraries do not carry system libraries either
# (libtool would put them on aigate.cgi's link line ahead of the static
# archives it uses); whoever links this library adds $(JANSSON_LIBS), and
# $(NETTLE_LIBS) if it uses the state key (statekey.c).

check_PROGRAMS += tests/unit/test_common
UNIT_TESTS += tests/unit/test_common
TESTS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c
tests_unit_test_common_CPPFLAGS = $(AM_CPPFLAGS) $(AIG_TEST_CPPFLAGS)
tests_unit_test_common_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_common_LDADD = $(AIG_TEST_LIBS) common/libaigcommon.la $(JANSSON_LIBS) \
	$(CRYPTO_LIBS) $(NETTLE_LIBS)
dist_man_MANS += man/aigate.json.5

## Fuzzing the log escaping (aig_log_escape, aig_log_quote): the corpus
## through a plain driver always; with clang, a short libFuzzer run.
check_PROGRAMS += tests/fuzz/fuzz_log_escape_plain
tests_fuzz_fuzz_log_escape_plain_SOURCES = tests/fuzz/fuzz_log_escape.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_log_escape_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-DFUZZ_CORPUS='"log_escape"'
tests_fuzz_fuzz_log_escape_plain_LDADD = common/libaigcommon.la \
	$(JANSSON_LIBS)
dist_check_SCRIPTS += tests/fuzz/fuzz_log.sh
TESTS += tests/fuzz/fuzz_log.sh
EXTRA_DIST += tests/fuzz/corpus/log_escape
if HAVE_CLANG
tests/fuzz/fuzz_log_escape: $(srcdir)/tests/fuzz/fuzz_log_escape.c \
		$(srcdir)/common/log.c $(srcdir)/common/utf8.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I$(top_builddir) $(AM_CPPFLAGS) \
		$(JANSSON_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_log_escape.c \
		$(srcdir)/common/log.c $(srcdir)/common/utf8.c
CLEANFILES += tests/fuzz/fuzz_log_escape
tests/fuzz/fuzz_log.log: tests/fuzz/fuzz_log_escape
endif

## Fuzzing the audit record's JSON writer (aig_jw_*) the same way; its
## runs are part of fuzz_log.sh.
check_PROGRAMS += tests/fuzz/fuzz_json_write_plain
tests_fuzz_fuzz_json_write_plain_SOURCES = tests/fuzz/fuzz_json_write.c \
	tests/fuzz/fuzz_main.c
tests_fuzz_fuzz_json_write_plain_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) \
	-DFUZZ_CORPUS='"json_write"'
tests_fuzz_fuzz_json_write_plain_LDADD = common/libaigcommon.la \
	$(JANSSON_LIBS) -lm
EXTRA_DIST += tests/fuzz/corpus/json_write
if HAVE_CLANG
tests/fuzz/fuzz_json_write: $(srcdir)/tests/fuzz/fuzz_json_write.c \
		$(srcdir)/common/jsonwrite.c $(srcdir)/common/utf8.c \
		$(srcdir)/common/digits.c
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I$(top_builddir) $(AM_CPPFLAGS) \
		$(JANSSON_CFLAGS) -o $@ $(srcdir)/tests/fuzz/fuzz_json_write.c \
		$(srcdir)/common/jsonwrite.c $(srcdir)/common/utf8.c \
		$(srcdir)/common/digits.c $(JANSSON_LIBS) -lm
CLEANFILES += tests/fuzz/fuzz_json_write
tests/fuzz/fuzz_log.log: tests/fuzz/fuzz_json_write
endif
