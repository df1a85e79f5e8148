noinst_LTLIBRARIES += cgi/libaigcgi.la
cgi_libaigcgi_la_SOURCES = cgi/aig_cgi.h cgi/request.c cgi/response.c \
	cgi/basic.c
cgi_libaigcgi_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(PAM_CFLAGS)
cgi_libaigcgi_la_LIBADD = $(PAM_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test_cgi_request
UNIT_TESTS += tests/unit/test_cgi_request
TESTS += tests/unit/test_cgi_request
tests_unit_test_cgi_request_SOURCES = tests/unit/test_cgi_request.c
tests_unit_test_cgi_request_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_cgi_request_LDADD = cgi/libaigcgi.la common/libaigcommon.la
