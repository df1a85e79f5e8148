noinst_LTLIBRARIES += common/libaigcommon.la
common_libaigcommon_la_SOURCES = common/aig_common.h common/error.c \
	common/log.c common/file.c common/json.c common/reqid.c common/config.c \
	common/utf8.c common/audit.c common/groups.c \
	common/base64.c common/statekey.c
common_libaigcommon_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS)
# No LIBADD: convenience libraries do not carry system libraries either
# (libtool would put them on aigate.cgi's link line ahead of the static
# archives it uses); whoever links this library adds $(JANSSON_LIBS), and
# $(CRYPTO_LIBS) if it uses the state key (statekey.c).

check_PROGRAMS += tests/unit/test_common
UNIT_TESTS += tests/unit/test_common
TESTS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c tests/unit/tap.h
tests_unit_test_common_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_common_LDADD = common/libaigcommon.la $(JANSSON_LIBS) \
	$(CRYPTO_LIBS)
dist_man_MANS += man/aigate.json.5
