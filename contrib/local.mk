## SPDX-License-Identifier: Apache-2.0
## contrib/: web server snippets (from templates), pam.d, installed under
## $(datadir)/aigate; the sample configuration under $(sysconfdir)/aigate.
contribdir = $(datadir)/aigate
lighttpdconfdir = $(contribdir)/lighttpd
lighttpdconf_DATA = contrib/lighttpd/aigate.conf \
	contrib/lighttpd/aigate-fastcgi.conf contrib/lighttpd/aigate-spawn-fcgi.conf
apacheconfdir = $(contribdir)/apache
apacheconf_DATA = contrib/apache/aigate.conf contrib/apache/aigate-fcgid.conf \
	contrib/apache/aigate-suexec.conf
systemddir = $(contribdir)/systemd
systemd_DATA = contrib/systemd/aigate-fcgi.service
pamdconfdir = $(contribdir)/pam.d
pamdconf_DATA = contrib/pam.d/aigate
EXTRA_DIST += contrib/lighttpd/aigate.conf.in contrib/apache/aigate.conf.in \
	contrib/lighttpd/aigate-fastcgi.conf.in \
	contrib/apache/aigate-fcgid.conf.in \
	contrib/lighttpd/aigate-spawn-fcgi.conf.in \
	contrib/apache/aigate-suexec.conf.in \
	contrib/apache/aigate-gssapi.conf.in contrib/lighttpd/aigate-gssapi.conf.in \
	contrib/systemd/aigate-fcgi.service.in \
	contrib/pam.d/aigate contrib/install-deps.sh contrib/run-tests.sh \
	contrib/fresh-debian-test.sh \
	contrib/demo.sh
CLEANFILES += contrib/lighttpd/aigate.conf contrib/apache/aigate.conf \
	contrib/lighttpd/aigate-fastcgi.conf contrib/apache/aigate-fcgid.conf \
	contrib/lighttpd/aigate-spawn-fcgi.conf contrib/apache/aigate-suexec.conf \
	contrib/systemd/aigate-fcgi.service

# The snippets name the installed paths; the tests make their own copies
# from the same templates (tests/integration/gate.sh, gate-load.sh,
# gate-throttle.sh, gate-own-user.sh).
contrib_subst = sed -e 's|@LIBEXECDIR@|$(libexecdir)|g' \
	-e 's|@SYSCONFDIR@|$(sysconfdir)|g' -e 's|@RUNSTATEDIR@|$(runstatedir)|g'
contrib/lighttpd/aigate.conf: contrib/lighttpd/aigate.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/lighttpd && \
	$(contrib_subst) $(srcdir)/contrib/lighttpd/aigate.conf.in > $@
contrib/lighttpd/aigate-fastcgi.conf: contrib/lighttpd/aigate-fastcgi.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/lighttpd && \
	$(contrib_subst) $(srcdir)/contrib/lighttpd/aigate-fastcgi.conf.in > $@
contrib/apache/aigate.conf: contrib/apache/aigate.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/apache && \
	$(contrib_subst) $(srcdir)/contrib/apache/aigate.conf.in > $@
contrib/apache/aigate-fcgid.conf: contrib/apache/aigate-fcgid.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/apache && \
	$(contrib_subst) $(srcdir)/contrib/apache/aigate-fcgid.conf.in > $@
contrib/lighttpd/aigate-spawn-fcgi.conf: contrib/lighttpd/aigate-spawn-fcgi.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/lighttpd && \
	$(contrib_subst) $(srcdir)/contrib/lighttpd/aigate-spawn-fcgi.conf.in > $@
contrib/apache/aigate-suexec.conf: contrib/apache/aigate-suexec.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/apache && \
	$(contrib_subst) $(srcdir)/contrib/apache/aigate-suexec.conf.in > $@
contrib/systemd/aigate-fcgi.service: contrib/systemd/aigate-fcgi.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	$(contrib_subst) $(srcdir)/contrib/systemd/aigate-fcgi.service.in > $@

# Samples under $(sysconfdir)/aigate: installed once, never overwritten.
EXTRA_DIST += contrib/aigate.json
install-data-hook: install-sample-config
install-sample-config:
	$(MKDIR_P) $(DESTDIR)$(sysconfdir)/aigate
	test -e $(DESTDIR)$(sysconfdir)/aigate/aigate.json || \
		$(INSTALL_DATA) $(srcdir)/contrib/aigate.json \
			$(DESTDIR)$(sysconfdir)/aigate/aigate.json
	test -e $(DESTDIR)$(sysconfdir)/aigate/policy.json || \
		$(INSTALL_DATA) $(srcdir)/policies/policy.json \
			$(DESTDIR)$(sysconfdir)/aigate/policy.json
uninstall-hook: uninstall-sample-config
uninstall-sample-config:
	for f in aigate.json policy.json; do \
		cmp -s $(srcdir)/contrib/$$f $(DESTDIR)$(sysconfdir)/aigate/$$f 2>/dev/null && \
			rm -f $(DESTDIR)$(sysconfdir)/aigate/$$f; \
		cmp -s $(srcdir)/policies/$$f $(DESTDIR)$(sysconfdir)/aigate/$$f 2>/dev/null && \
			rm -f $(DESTDIR)$(sysconfdir)/aigate/$$f; \
	done; true
.PHONY: install-sample-config uninstall-sample-config

# A Grafana dashboard over /_aigate/metrics (import it, pick the
# Prometheus data source that scrapes the gate).
grafanadir = $(contribdir)/grafana
dist_grafana_DATA = contrib/grafana/aigate.json

# Packages: debian/ (Debian 12) and contrib/rpm/aigate.spec (Amazon Linux
# 2023, RHEL); docs/packaging.md. tests/packaging/debian.sh installs
# packages, so contrib/run-tests.sh runs it as its own step; rpm.sh only
# makes a source RPM.
EXTRA_DIST += debian contrib/rpm/aigate.spec docs/packaging.md \
	tests/packaging/debian.sh
TESTS += tests/packaging/rpm.sh
dist_check_SCRIPTS += tests/packaging/rpm.sh
prometheusdir = $(contribdir)/prometheus
dist_prometheus_DATA = contrib/prometheus/aigate-rules.yml
