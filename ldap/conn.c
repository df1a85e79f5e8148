/* SPDX-License-Identifier: Apache-2.0 */
/* conn.c - sessions: server list, failover, verified TLS, error mapping.
 *
 * libldap reads ldap.conf, ~/.ldaprc, ./ldaprc and LDAP* environment
 * variables once per process into its global options, and every new handle
 * starts as a copy of them (TLS file names excepted). So every option that
 * could weaken or redirect a connection is set here on the handle itself,
 * and the handle gets its own TLS context (LDAP_OPT_X_TLS_NEWCTX) built
 * from those options only. ldap_set_option(NULL, ...) is never called: it
 * would change the host process. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ldap_int.h"

/* The system store when ldap.ca_file is not given (Debian's bundle):
 * libldap's GnuTLS backend loads no default trust of its own. */
#ifndef AIG_SYSTEM_CA_FILE
#define AIG_SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif

#define AIG_MIN_SERVER_MS 50 /* never try a server with less than this */

int aig_ldap_new(const struct aig_config *cfg, const struct aig_log *log,
		 struct aig_ldap **out, struct aig_error *err)
{
	struct aig_ldap *s;

	*out = NULL;
	if (cfg == NULL || cfg->ldap.base_dn == NULL)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "no ldap section in the configuration");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	s->cfg = cfg;
	s->log = log;
	if (cfg->ldap.has_service_bind &&
	    cfg->ldap.service_bind.sasl_mech == AIG_SASL_EXTERNAL) {
		int rc = aig_ldap_set_client_cert(
			s, cfg->ldap.service_bind.cert_file,
			cfg->ldap.service_bind.key_file, err);

		if (rc != AIG_OK) {
			aig_ldap_free(s);
			return rc;
		}
	}
	*out = s;
	return AIG_OK;
}

void aig_ldap_forget_user(struct aig_ldap *s)
{
	free(s->user_dn);
	s->user_dn = NULL;
	free(s->user_name);
	s->user_name = NULL;
}

bool aig_ldap_connected(const struct aig_ldap *s)
{
	return s->ld != NULL;
}

void aig_ldap_set_log(struct aig_ldap *s, const struct aig_log *log)
{
	s->log = log;
}

const char *aig_ldap_bound_user_name(const struct aig_ldap *s)
{
	return s->user_name;
}

void aig_ldap_disconnect(struct aig_ldap *s)
{
	s->deadline_ms = 0; /* the unbind request must not be cut short */
	if (s->ld != NULL)
		ldap_unbind_ext_s(s->ld, NULL, NULL);
	s->ld = NULL;
	s->no_whoami = false; /* the next connection may reach another server */
	free(s->uri);
	s->uri = NULL;
	aig_ldap_forget_user(s);
}

void aig_ldap_free(struct aig_ldap *s)
{
	if (s == NULL)
		return;
	aig_ldap_disconnect(s);
	free(s->cert_file);
	free(s->key_file);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int aig_ldap_set_client_cert(struct aig_ldap *s, const char *cert_file,
			     const char *key_file, struct aig_error *err)
{
	char *c = NULL, *k = NULL;
	int rc;

	if ((rc = aig_ldap_strdup(cert_file, &c, err)) != AIG_OK ||
	    (rc = aig_ldap_strdup(key_file, &k, err)) != AIG_OK)
		goto out;
	free(s->cert_file);
	free(s->key_file);
	s->cert_file = c;
	s->key_file = k;
	c = k = NULL;
out:
	free(c);
	free(k);
	return rc;
}

const char *aig_ldap_server_uri(const struct aig_ldap *s)
{
	return s->uri;
}

const char *aig_ldap_diagnostic(const struct aig_ldap *s)
{
	return s->diag;
}

unsigned aig_ldap_ad_code(const struct aig_ldap *s)
{
	return s->ad_code;
}

unsigned aig_ldap_op_count(const struct aig_ldap *s)
{
	return s->ops;
}

/* ------------------------------------------------------- error mapping */

static int status_of(struct aig_ldap *s, int rc, bool is_bind)
{
	switch (rc) {
	case LDAP_INVALID_CREDENTIALS:
		return is_bind ? aig_ldap_ad_code_status(s->ad_code)
			       : AIG_LDAP_ERR_BAD_CREDENTIALS;
	case LDAP_SERVER_DOWN:
	case LDAP_TIMEOUT:
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY: return AIG_ERR_UNAVAILABLE;
	case LDAP_CONNECT_ERROR: return AIG_LDAP_ERR_TLS;
	case LDAP_NO_MEMORY: return AIG_ERR_NOMEM;
	case LDAP_LOCAL_ERROR:
	case LDAP_ENCODING_ERROR:
	case LDAP_DECODING_ERROR:
	case LDAP_PARAM_ERROR:
	case LDAP_FILTER_ERROR: return AIG_ERR_INTERNAL;
	default: return AIG_LDAP_ERR_SERVER;
	}
}

int aig_ldap_fail(struct aig_ldap *s, int rc, bool is_bind, const char *what,
		  struct aig_error *err)
{
	char *msg = NULL, esc[AIG_LDAP_DIAG_MAX];
	int status;

	s->diag[0] = '\0';
	s->ad_code = AIG_AD_NONE;
	if (s->ld != NULL &&
	    ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) ==
		    LDAP_OPT_SUCCESS &&
	    msg != NULL) {
		snprintf(s->diag, sizeof(s->diag), "%s", msg);
		s->ad_code = aig_ldap_ad_code_parse(msg);
	}
	ldap_memfree(msg);
	status = status_of(s, rc, is_bind);
	aig_log_escape(esc, sizeof(esc), s->diag, strlen(s->diag));
	aig_log_msg(s->log, 6 /* LOG_INFO */, "ldap: %s on %s: %s%s%s", what,
		    s->uri ? s->uri : "(none)", ldap_err2string(rc),
		    esc[0] ? ": " : "", esc);
	return aig_error_set(err, status, "%s: %s (%s)%s%s", what,
			     aig_ldap_status_name(status), ldap_err2string(rc),
			     esc[0] ? ": " : "", esc);
}

long aig_ldap_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void aig_ldap_op_timeout(struct aig_ldap *s, struct timeval *tv)
{
	tv->tv_sec = s->cfg->ldap.timeout_ms / 1000;
	tv->tv_usec = (s->cfg->ldap.timeout_ms % 1000) * 1000;
	s->deadline_ms = aig_ldap_now_ms() + s->cfg->ldap.timeout_ms;
}

/* ---------------------------------------------------- the deadline layer
 *
 * libldap 2.5 bounds the TLS handshake by LDAP_OPT_NETWORK_TIMEOUT in
 * theory; with GnuTLS it spins on a non-blocking read forever when the
 * server accepts TCP and then says nothing (seen on Debian 12's 2.5.13).
 * So a layer of our own sits between TLS and TCP: each read or write
 * first waits (poll) until s->deadline_ms at most, and then fails with
 * ETIMEDOUT instead of ever answering "try again". */

static int wait_fd(Sockbuf_IO_Desc *sbiod, short events)
{
	struct aig_ldap *s = sbiod->sbiod_pvt;
	struct pollfd p = {-1, events, 0};
	ber_socket_t fd = -1;
	long left;
	int n;

	if (s->deadline_ms == 0 ||
	    ber_sockbuf_ctrl(sbiod->sbiod_sb, LBER_SB_OPT_GET_FD, &fd) != 1)
		return 0;
	p.fd = fd;
	do {
		left = s->deadline_ms - aig_ldap_now_ms();
		n = left > 0 ? poll(&p, 1, (int)left) : 0;
	} while (n < 0 && errno == EINTR);
	if (n == 0) {
		s->timed_out = true;
		errno = ETIMEDOUT;
		return -1;
	}
	return 0;
}

static ber_slen_t dl_read(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	if (wait_fd(sbiod, POLLIN) < 0)
		return -1;
	return LBER_SBIOD_READ_NEXT(sbiod, buf, len);
}

static ber_slen_t dl_write(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	if (wait_fd(sbiod, POLLOUT) < 0)
		return -1;
	return LBER_SBIOD_WRITE_NEXT(sbiod, buf, len);
}

static int dl_setup(Sockbuf_IO_Desc *sbiod, void *arg)
{
	sbiod->sbiod_pvt = arg;
	return 0;
}

static int dl_remove(Sockbuf_IO_Desc *sbiod)
{
	(void)sbiod;
	return 0;
}

static int dl_ctrl(Sockbuf_IO_Desc *sbiod, int opt, void *arg)
{
	return LBER_SBIOD_CTRL_NEXT(sbiod, opt, arg);
}

static int dl_close(Sockbuf_IO_Desc *sbiod)
{
	(void)sbiod;
	return 0;
}

/* ----------------------------------------------------------- the handle */

/* Called by libldap once TCP is up (before TLS): marks it, so that a later
 * failure is told apart from "unreachable", and makes sure the socket
 * does not leak into programs the host process executes. */
static int conn_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv,
		    struct sockaddr *addr, struct ldap_conncb *ctx)
{
	struct aig_ldap *s = ctx->lc_arg;
	ber_socket_t fd = -1;
	int flags;

	(void)ld;
	(void)srv;
	(void)addr;
	s->tcp_up = true;
	if (ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd) == 1 && fd >= 0 &&
	    (flags = fcntl(fd, F_GETFD)) >= 0 && !(flags & FD_CLOEXEC) &&
	    fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
		return -1;
	/* Between TCP (level 10, added after us) and TLS (20). */
	s->io.sbi_setup = dl_setup;
	s->io.sbi_remove = dl_remove;
	s->io.sbi_ctrl = dl_ctrl;
	s->io.sbi_read = dl_read;
	s->io.sbi_write = dl_write;
	s->io.sbi_close = dl_close;
	return ber_sockbuf_add_io(sb, &s->io, LBER_SBIOD_LEVEL_PROVIDER + 5,
				  s) == 0
		       ? 0
		       : -1;
}

static void conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	(void)ld;
	(void)sb;
	(void)ctx;
}

struct opt {
	int option;
	const void *value;
	const char *name;
	bool optional; /* may be unsupported by this libldap's TLS backend */
};

static int set_opts(struct aig_ldap *s, LDAP *ld, const struct opt *o, size_t n,
		    struct aig_error *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ldap_set_option(ld, o[i].option, o[i].value) !=
			    LDAP_OPT_SUCCESS &&
		    !o[i].optional) {
			aig_log_msg(s->log, 3, "ldap: cannot set %s",
				    o[i].name);
			return aig_error_set(err, AIG_ERR_INTERNAL,
					     "ldap: cannot set %s", o[i].name);
		}
	return AIG_OK;
}

/* Everything libldap would otherwise take from ldap.conf, ldaprc or the
 * environment, for this handle. net_ms bounds connect() and the TLS
 * handshake each. */
static int set_handle_options(struct aig_ldap *s, LDAP *ld, long net_ms,
			      struct aig_error *err)
{
	static const int v3 = LDAP_VERSION3, never = LDAP_DEREF_NEVER,
			 nolimit = LDAP_NO_LIMIT,
			 demand = LDAP_OPT_X_TLS_DEMAND,
			 tls_mode = LDAP_OPT_X_TLS_NEVER, newctx = 0,
			 tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2,
			 cbinding = LDAP_OPT_X_SASL_CBINDING_TLS_ENDPOINT;
	const struct aig_config *cfg = s->cfg;
	struct timeval net = {net_ms / 1000, (net_ms % 1000) * 1000};
	int timelimit = (cfg->ldap.timeout_ms + 999) / 1000;
	const char *ca =
		cfg->ldap.ca_file ? cfg->ldap.ca_file : AIG_SYSTEM_CA_FILE;
	const struct opt o[] = {
		{LDAP_OPT_PROTOCOL_VERSION, &v3, "protocol version", false},
		{LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals", false},
		{LDAP_OPT_DEREF, &never, "deref", false},
		{LDAP_OPT_SIZELIMIT, &nolimit, "sizelimit", false},
		{LDAP_OPT_TIMELIMIT, &timelimit, "timelimit", false},
		{LDAP_OPT_NETWORK_TIMEOUT, &net, "network timeout", false},
		{LDAP_OPT_TIMEOUT, &net, "timeout", false},
		{LDAP_OPT_SOCKET_BIND_ADDRESSES, NULL, "bind addresses", true},
		{LDAP_OPT_X_TLS, &tls_mode, "TLS mode", false},
		{LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "TLS require cert",
		 false},
		/* TLS_REQSAN never would skip the host name check altogether
		 * in libldap; demand is what RFC 6125 asks for. */
		{LDAP_OPT_X_TLS_REQUIRE_SAN, &demand, "TLS require SAN", false},
		{LDAP_OPT_X_TLS_CACERTFILE, ca, "TLS CA file", false},
		{LDAP_OPT_X_TLS_CACERTDIR, NULL, "TLS CA dir", false},
		{LDAP_OPT_X_TLS_CERTFILE, s->cert_file, "TLS cert file", false},
		{LDAP_OPT_X_TLS_KEYFILE, s->key_file, "TLS key file", false},
		/* No cipher suite: libldap 2.5's GnuTLS backend then leaks
		 * the default priority it replaces (8 kB per connection,
		 * valgrind). A new handle starts without ldaprc's suite
		 * anyway; the library default ("NORMAL") and the system's
		 * crypto policy apply. */
		{LDAP_OPT_X_TLS_CIPHER_SUITE, NULL, "TLS cipher suite", false},
		{LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12, "TLS min version", true},
		{LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON, "SASL nocanon", false},
		/* TLS is always on: a SASL security layer on top of it is
		 * refused by AD ("Sign or Seal are not allowed if TLS is
		 * used"), and would add nothing. */
		{LDAP_OPT_X_SASL_SECPROPS,
		 "noanonymous,noplain,minssf=0,maxssf=0", "SASL secprops",
		 false},
		/* SASL binds are tied to this TLS channel (RFC 5929
		 * tls-server-end-point, as AD's LDAP channel binding wants):
		 * without it AD treats GSSAPI over TLS as unprotected. */
		{LDAP_OPT_X_SASL_CBINDING, &cbinding, "SASL channel binding",
		 true},
		/* last: the context is built from the options above */
		{LDAP_OPT_X_TLS_NEWCTX, &newctx, "a new TLS context", false},
	};
	int rc;

	if ((rc = set_opts(s, ld, o, sizeof(o) / sizeof(o[0]), err)) != AIG_OK)
		return rc;
	s->conncb.lc_add = conn_add;
	s->conncb.lc_del = conn_del;
	s->conncb.lc_arg = s;
	return set_opts(s, ld,
			&(struct opt){LDAP_OPT_CONNECT_CB, &s->conncb,
				      "connect cb", false},
			1, err);
}

/* ------------------------------------------------------- server choice */

/* One candidate: "ldaps://host:port" or "ldap://..." (StartTLS). */
static int srv_uri(const struct aig_config *cfg, const struct aig_ldap_srv *r,
		   char **out, struct aig_error *err)
{
	/* AD publishes _ldap._tcp with port 389; LDAPS is on 636. */
	unsigned port = cfg->ldap.starttls ? r->port
			: r->port == 389   ? 636
					   : r->port;
	char buf[300];

	snprintf(buf, sizeof(buf), "%s://%s:%u",
		 cfg->ldap.starttls ? "ldap" : "ldaps", r->host, port);
	return aig_ldap_strdup(buf, out, err);
}

static int candidates(struct aig_ldap *s, struct aig_strv *out,
		      struct aig_error *err)
{
	const struct aig_config *cfg = s->cfg;
	struct aig_ldap_srv *v = NULL;
	size_t i, n = 0;
	int rc = AIG_OK;

	for (i = 0; i < cfg->ldap.uri.n && rc == AIG_OK; i++)
		rc = aig_ldap_strv_add(out, cfg->ldap.uri.v[i],
				       strlen(cfg->ldap.uri.v[i]), err);
	if (rc != AIG_OK || cfg->ldap.uri.n > 0 || cfg->ldap.dns_srv == NULL)
		return rc;
	if ((rc = aig_ldap_srv_lookup(cfg->ldap.dns_srv, cfg->ldap.timeout_ms,
				      &v, &n, err)) != AIG_OK)
		return rc;
	for (i = 0; i < n && rc == AIG_OK; i++) {
		char *u = NULL;

		if ((rc = srv_uri(cfg, &v[i], &u, err)) == AIG_OK)
			rc = aig_ldap_strv_add(out, u, strlen(u), err);
		free(u);
	}
	free(v);
	return rc;
}

int aig_ldap_srv_dcs(const struct aig_config *cfg, struct aig_ldap_srv_dc **out,
		     size_t *n, struct aig_error *err)
{
	struct aig_ldap_srv *v = NULL;
	struct aig_ldap_srv_dc *dc = NULL;
	size_t i, count = 0;
	char *u = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (cfg->ldap.dns_srv == NULL)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "ldap.dns_srv is not set");
	if ((rc = aig_ldap_srv_lookup(cfg->ldap.dns_srv, cfg->ldap.timeout_ms,
				      &v, &count, err)) != AIG_OK)
		return rc;
	if ((dc = calloc(count, sizeof(*dc))) == NULL) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((rc = srv_uri(cfg, &v[i], &u, err)) != AIG_OK)
			goto out;
		snprintf(dc[i].host, sizeof(dc[i].host), "%s", v[i].host);
		dc[i].port = v[i].port;
		snprintf(dc[i].uri, sizeof(dc[i].uri), "%s", u);
		free(u);
		u = NULL;
	}
	*out = dc;
	*n = count;
	dc = NULL;
out:
	free(dc);
	free(v);
	return rc;
}

/* Accepts only a plain ldap:// or ldaps:// URL naming one server. */
static int check_uri(const char *uri, bool *ldaps, struct aig_error *err)
{
	LDAPURLDesc *lud = NULL;
	int rc = AIG_OK;

	if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS ||
	    (strcmp(lud->lud_scheme, "ldaps") != 0 &&
	     strcmp(lud->lud_scheme, "ldap") != 0) ||
	    lud->lud_host == NULL || lud->lud_host[0] == '\0' ||
	    lud->lud_exts != NULL)
		rc = aig_error_set(err, AIG_ERR_CONFIG,
				   "ldap.uri: not a single ldap(s):// server: "
				   "%.200s",
				   uri);
	else
		*ldaps = strcmp(lud->lud_scheme, "ldaps") == 0;
	ldap_free_urldesc(lud);
	return rc;
}

/* Connects ld to its server: TCP, then TLS (LDAPS at once, or StartTLS).
 * ldap_connect() reports every failure as "server down"; what tells them
 * apart: whether TCP came up (connect callback), and whether libldap left
 * a TLS message or the step simply ran out of time. */
static int open_one(struct aig_ldap *s, LDAP *ld, bool ldaps, const char *uri,
		    long net_ms, struct aig_error *err)
{
	int rc;

	/* connect() is bounded by libldap (NETWORK_TIMEOUT), the TLS
	 * handshake by the deadline layer. */
	s->timed_out = false;
	s->deadline_ms = aig_ldap_now_ms() + (ldaps ? 2 : 3) * net_ms;
	rc = ldap_connect(ld);

	if (rc == LDAP_SUCCESS && !ldaps) {
		s->ops++;
		rc = ldap_start_tls_s(ld, NULL, NULL);
		if (rc == LDAP_SUCCESS)
			return AIG_OK;
		if (rc == LDAP_TIMEOUT || rc == LDAP_SERVER_DOWN ||
		    s->timed_out)
			return aig_error_set(err, AIG_ERR_UNAVAILABLE,
					     "%s: no answer to StartTLS (%s)",
					     uri, ldap_err2string(rc));
		/* A refused StartTLS fails closed, as a TLS failure. */
		return aig_ldap_fail(s, LDAP_CONNECT_ERROR, false, "StartTLS",
				     err);
	}
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	if (!s->tcp_up)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "%s: cannot connect", uri);
	if (s->timed_out)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "%s: no answer in time", uri);
	return aig_ldap_fail(s, LDAP_CONNECT_ERROR, false, "TLS handshake",
			     err);
}

/* During the connection, operations (StartTLS) are bounded by the
 * server's share too; afterwards by ldap.timeout_ms. */
static int op_timeout_reset(struct aig_ldap *s, LDAP *ld, struct aig_error *err)
{
	struct timeval op;

	aig_ldap_op_timeout(s, &op);
	return set_opts(s, ld,
			&(struct opt){LDAP_OPT_TIMEOUT, &op, "timeout", false},
			1, err);
}

/* Tries one server with net_ms for each network step. */
static int try_server(struct aig_ldap *s, const char *uri, long net_ms,
		      struct aig_error *err)
{
	LDAP *ld = NULL;
	bool ldaps = false;
	int rc;

	s->tcp_up = false;
	if ((rc = check_uri(uri, &ldaps, err)) != AIG_OK)
		return rc;
	if (!ldaps && !s->cfg->ldap.starttls)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "%s: ldap:// needs \"starttls\": true",
				     uri);
	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS || ld == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM,
				     "ldap_initialize failed");
	s->ld = ld; /* so that aig_ldap_fail() can read the diagnostic */
	if ((rc = set_handle_options(s, ld, net_ms, err)) != AIG_OK ||
	    (rc = open_one(s, ld, ldaps, uri, net_ms, err)) != AIG_OK ||
	    (rc = op_timeout_reset(s, ld, err)) != AIG_OK)
		goto out;
	rc = aig_ldap_strdup(uri, &s->uri, err);
out:
	if (rc != AIG_OK) {
		s->ld = NULL;
		ldap_unbind_ext_s(ld, NULL, NULL);
	}
	return rc;
}

/* The bound of each network step of the next server: what is left
 * divided among the servers not yet tried, and among its steps, each of
 * which may wait that long: connect() and the handshake for LDAPS, and
 * the StartTLS request too for ldap://. */
static long share_ms(long left, size_t servers_left, bool ldaps)
{
	long ms = left / (long)servers_left / (ldaps ? 2 : 3);

	return ms < AIG_MIN_SERVER_MS ? AIG_MIN_SERVER_MS : ms;
}

int aig_ldap_connect(struct aig_ldap *s, struct aig_error *err)
{
	struct aig_strv uris = {NULL, 0};
	struct aig_error last = {0};
	long deadline = aig_ldap_now_ms() + s->cfg->ldap.timeout_ms;
	bool tls_failed = false;
	size_t i;
	int rc;

	if (s->ld != NULL)
		return AIG_OK;
	if ((rc = candidates(s, &uris, err)) != AIG_OK)
		goto out;
	rc = AIG_ERR_UNAVAILABLE;
	for (i = 0; i < uris.n && rc != AIG_OK; i++) {
		long left = deadline - aig_ldap_now_ms();
		bool ldaps = strncmp(uris.v[i], "ldaps:", 6) == 0;

		if (left < AIG_MIN_SERVER_MS)
			break;
		aig_error_clear(&last);
		rc = try_server(s, uris.v[i], share_ms(left, uris.n - i, ldaps),
				&last);
		if (rc == AIG_LDAP_ERR_TLS)
			tls_failed = true;
		if (rc != AIG_OK)
			aig_log_msg(s->log, 4, "ldap: %s", last.msg);
		if (rc == AIG_ERR_CONFIG || rc == AIG_ERR_NOMEM ||
		    rc == AIG_ERR_INTERNAL)
			break;
	}
	if (rc == AIG_OK)
		goto out;
	if (tls_failed && rc != AIG_ERR_CONFIG && rc != AIG_ERR_NOMEM)
		rc = AIG_LDAP_ERR_TLS;
	aig_error_set(err, rc, "no directory server could be used%s%s",
		      last.msg[0] ? "; last: " : "", last.msg);
out:
	aig_ldap_strv_free(&uris);
	return rc;
}
