## SPDX-License-Identifier: Apache-2.0
## bench/: `make bench` runs bench/compare.sh (issue 9's table: the static
## floor CGI, aigate.cgi under mod_cgi and mod_fastcgi, the seed design's
## Python proxy, Basic through PAM against the test bed's AD), one row after
## another on 127.0.0.1; BENCH_SECONDS per row (default 10). Needs root.
## `make bench-smoke`: 1-s rows without the AD, only that each answers 200.
BENCH_SECONDS = 10
BENCH_DEPS = cgi/aigate.cgi$(EXEEXT) cgi/aigate-ext.la \
	pam_aigate/pam_aigate.la tests/integration/jwt_tool$(EXEEXT)
bench: $(BENCH_DEPS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/compare.sh $(BENCH_SECONDS)
bench-smoke: $(BENCH_DEPS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/compare.sh --smoke
.PHONY: bench bench-smoke
EXTRA_DIST += bench/compare.sh bench/seed_proxy.py bench/hello_cgi.c \
	bench/maxrss.c
