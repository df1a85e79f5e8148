## Real-server test bed (tests/testbed/): a Samba AD DC, slapd, Apache and
## lighttpd on 127.0.0.1, started by the tests themselves (needs root).
EXTRA_DIST += tests/testbed/README.md tests/testbed/lib.sh tests/testbed/ad.sh \
	tests/testbed/slapd.sh tests/testbed/web.sh tests/testbed/web/hello.cgi \
	tests/testbed/web/lighttpd-sample.conf tests/testbed/web/apache-sample.conf \
	tests/integration/assert.sh
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
