## SPDX-License-Identifier: Apache-2.0
## bench/: `make bench` runs bench/compare.sh (issue 9's table: the static
## floor CGI, aigate.cgi under mod_cgi and mod_fastcgi, the seed design's
## Python proxy, Basic through PAM against the test bed's AD), one row after
## another on 127.0.0.1; BENCH_SECONDS per row (default 10). Needs root.
## `make bench-smoke`: 1-s rows without the AD, only that each answers 200.

# The floors of compare.sh's CGI and FastCGI rows. crypto_floor: one RS256
# verify in a program linked as aigate.cgi is (the same archives and
# flags, cgi/gate.mk); fcgi_hello: a libfcgi responder that only answers;
# fcgi_hop: one that only forwards the body to the backend and back.
noinst_PROGRAMS += bench/crypto_floor
bench_crypto_floor_SOURCES = bench/crypto_floor.c
bench_crypto_floor_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS)
bench_crypto_floor_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed $(GATE_LDFLAGS)
bench_crypto_floor_LDADD = $(GATE_LIBS)
# bench/bench_jit_crossover: the body size from which PCRE2's JIT pays in
# a one-request process (AIG_POLICY_JIT_MIN_BODY).
noinst_PROGRAMS += bench/bench_jit_crossover
bench_bench_jit_crossover_SOURCES = bench/bench_jit_crossover.c
bench_bench_jit_crossover_CFLAGS = $(AM_CFLAGS) $(PCRE2_CFLAGS)
bench_bench_jit_crossover_LDADD = $(PCRE2_LIBS)
BENCH_FCGI_HELLO =
if HAVE_FCGI
noinst_PROGRAMS += bench/fcgi_hello
bench_fcgi_hello_SOURCES = bench/fcgi_hello.c
bench_fcgi_hello_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS)
bench_fcgi_hello_LDADD = $(FCGI_LIBS)
BENCH_FCGI_HELLO += bench/fcgi_hello$(EXEEXT)
noinst_PROGRAMS += bench/fcgi_hop
bench_fcgi_hop_SOURCES = bench/fcgi_hop.c
bench_fcgi_hop_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS)
bench_fcgi_hop_LDADD = $(FCGI_LIBS)
BENCH_FCGI_HELLO += bench/fcgi_hop$(EXEEXT)
endif

BENCH_SECONDS = 10
BENCH_DEPS = cgi/aigate.cgi$(EXEEXT) cgi/aigate-ext.la cgi/aigate-pam.la \
	cgi/aigate-openssl.la \
	pam_aigate/pam_aigate.la pam_aigate/aigate-ldap.la tests/integration/jwt_tool$(EXEEXT) \
	bench/crypto_floor$(EXEEXT) $(BENCH_FCGI_HELLO)
bench: $(BENCH_DEPS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/compare.sh $(BENCH_SECONDS)
bench-smoke: $(BENCH_DEPS)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	    $(SHELL) $(srcdir)/bench/compare.sh --smoke
.PHONY: bench bench-smoke
EXTRA_DIST += bench/compare.sh bench/seed_proxy.py bench/hello_cgi.c \
	bench/maxrss.c bench/exec_times.sh bench/stdin_exec.c
