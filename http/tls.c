/* SPDX-License-Identifier: Apache-2.0 */
/* tls.c - the https:// part of a connection, on OpenSSL's libssl.
 *
 * The peer is always verified (there is no switch to turn it off):
 * TLS 1.2 or later, the chain against the caller's CA file or the system
 * store, and the name (or IP address) of the URL against the certificate.
 * Nothing here loads the OpenSSL configuration file.
 *
 * The socket is wrapped in a BIO of our own rather than BIO_s_socket(),
 * whose write(2) would raise SIGPIPE on a closed connection: ours uses
 * send(2) with MSG_NOSIGNAL, so the library does not depend on the
 * program ignoring SIGPIPE. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http_int.h"

/* The latest OpenSSL error's reason, for a message; clears the queue so
 * that nothing is left for the next user of OpenSSL in this thread. */
static const char *ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, len, "%s", r ? r : "no detail");
	ERR_clear_error();
	return buf;
}

/* Whether dir holds a certificate named by its subject hash ("5ad8a5d6.0",
 * as c_rehash and Debian's update-ca-certificates make them). */
static bool has_hash_links(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	size_t i;

	while (d != NULL && !found && (e = readdir(d)) != NULL) {
		for (i = 0; i < 8 && isxdigit((unsigned char)e->d_name[i]); i++)
			;
		found = i == 8 && e->d_name[8] == '.' &&
			isdigit((unsigned char)e->d_name[9]);
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/* The system store, as OpenSSL was built to find it (never from the
 * environment): its certificate directory, where it has hash links, is
 * searched for the one issuer a chain needs; else its bundle file is read
 * whole, some 140 certificates that cost a CGI process about 18 ms
 * (bench/bench_hop_start.sh). */
static bool load_system_store(SSL_CTX *ctx)
{
	const char *dir = X509_get_default_cert_dir();

	if (has_hash_links(dir))
		return SSL_CTX_load_verify_dir(ctx, dir) == 1;
	return SSL_CTX_load_verify_file(ctx, X509_get_default_cert_file()) == 1;
}

static int ctx_new(const char *ca_file, SSL_CTX **out, struct aig_error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char why[256];
	int ok;

	*out = NULL;
	if (ctx == NULL)
		return aig_error_set(err, AIG_ERR_INTERNAL,
				     "TLS: cannot make a context: %s",
				     ssl_reason(why, sizeof(why)));
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(ctx,
			    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1;
	if (ok && ca_file != NULL)
		ok = SSL_CTX_load_verify_file(ctx, ca_file) == 1;
	else if (ok)
		ok = load_system_store(ctx);
	if (!ok && ca_file != NULL && access(ca_file, R_OK) != 0)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (!ok)
		ssl_reason(why, sizeof(why));
	ERR_clear_error();
	if (!ok) {
		SSL_CTX_free(ctx);
		return aig_error_set(
			err, AIG_HTTP_ERR_TLS, "TLS: cannot load the %s: %s",
			ca_file ? "CA file" : "system CA store", why);
	}
	*out = ctx;
	return AIG_OK;
}

/* ------------------------------------------------------------ the BIO */

static int bio_write(BIO *b, const char *buf, int len)
{
	struct aig_http_conn *c = BIO_get_data(b);
	ssize_t n = send(c->fd, buf, (size_t)len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n > 0)
		c->wrote += (size_t)n;
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
	const struct aig_http_conn *c = BIO_get_data(b);
	ssize_t n = recv(c->fd, buf, (size_t)len, 0);

	BIO_clear_retry_flags(b);
	if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF); /* see BIO_CTRL_EOF */
	else if (n < 0 &&
		 (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

/* libssl asks BIO_CTRL_EOF to tell a peer that closed without
 * close_notify (a possibly cut response) from a read that failed. */
static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH: return 1;
	case BIO_CTRL_EOF: return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	default: return 0;
	}
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* A BIO method over a socket that sends with MSG_NOSIGNAL. */
static int bio_method_new(BIO_METHOD **out, struct aig_error *err)
{
	/* no BIO_get_new_index(): its process-wide supply of about a hundred
	 * would run out in a long-lived process making a client per request;
	 * the type only matters to BIO_find_type() (SSL_get_fd()), unused */
	BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "aigate socket");

	*out = NULL;
	if (m == NULL || !BIO_meth_set_write(m, bio_write) ||
	    !BIO_meth_set_read(m, bio_read) ||
	    !BIO_meth_set_ctrl(m, bio_ctrl) ||
	    !BIO_meth_set_create(m, bio_create)) {
		BIO_meth_free(m);
		ERR_clear_error();
		return aig_error_set(err, AIG_ERR_INTERNAL,
				     "TLS: cannot make a BIO method");
	}
	*out = m;
	return AIG_OK;
}

/* ------------------------------------------------------ a client's TLS */

/* What a client keeps between its connections. */
struct tls_client {
	SSL_CTX *ctx;
	BIO_METHOD *bio_meth;
};

static void client_free(void *tls)
{
	struct tls_client *t = tls;

	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	BIO_meth_free(t->bio_meth);
	free(t);
}

static int client_new(const char *ca_file, void **out, struct aig_error *err)
{
	struct tls_client *t;
	int rc;

	*out = NULL;
	/* no-op if the program did it first; else the config stays unread */
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1) {
		ERR_clear_error();
		return aig_error_set(err, AIG_ERR_INTERNAL,
				     "OpenSSL cannot be initialised");
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = bio_method_new(&t->bio_meth, err);
	if (rc == AIG_OK)
		rc = ctx_new(ca_file, &t->ctx, err);
	if (rc != AIG_OK) {
		client_free(t);
		return rc;
	}
	*out = t;
	return AIG_OK;
}

/* ---------------------------------------------------------- handshake */

/* What a failed TLS call means; waits and returns AIG_OK when it is to be
 * retried. */
static int after(struct aig_http_conn *c, int ret, const char *doing,
		 struct aig_error *err)
{
	char why[256];
	long vr;

	switch (SSL_get_error((SSL *)c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return aig_http_conn_wait(c, POLLIN, &c->deadline, doing, err);
	case SSL_ERROR_WANT_WRITE:
		return aig_http_conn_wait(c, POLLOUT, &c->deadline, doing, err);
	case SSL_ERROR_SYSCALL:
		if (errno == ECONNRESET || errno == EPIPE) {
			ERR_clear_error();
			return aig_error_set(err, AIG_HTTP_ERR_IO,
					     "%s: %s: connection %s by the "
					     "server",
					     c->where, doing,
					     errno == EPIPE ? "closed"
							    : "reset");
		}
		break;
	default: break;
	}
	vr = SSL_get_verify_result((SSL *)c->ssl);
	if (vr != X509_V_OK) {
		ERR_clear_error();
		return aig_error_set(err, AIG_HTTP_ERR_TLS,
				     "%s: TLS certificate verification "
				     "failed: %s",
				     c->where,
				     X509_verify_cert_error_string(vr));
	}
	return aig_error_set(err, AIG_HTTP_ERR_TLS, "%s: %s failed: %s",
			     c->where, doing, ssl_reason(why, sizeof(why)));
}

/* Whose certificate we expect: SNI and the name check for a name, the
 * address check for an IP literal (which is never sent as SNI). */
static bool set_peer(SSL *ssl, const struct aig_http_url *u)
{
	if (u->ip_literal)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
						     u->host) == 1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set_tlsext_host_name(ssl, u->host) == 1 &&
	       SSL_set1_host(ssl, u->host) == 1;
}

static int start(struct aig_http_conn *c, void *tls,
		 const struct aig_http_url *u, struct aig_error *err)
{
	const struct tls_client *t = tls;
	BIO *bio = NULL;
	SSL *ssl;
	char why[256];
	int ret, rc;

	c->tls = &aig_http_tls_openssl;
	c->ssl = ssl = SSL_new(t->ctx);
	bio = ssl ? BIO_new(t->bio_meth) : NULL;
	if (bio == NULL || !set_peer(ssl, u)) {
		BIO_free(bio);
		return aig_error_set(err, AIG_HTTP_ERR_TLS,
				     "%s: TLS cannot be set up: %s", c->where,
				     ssl_reason(why, sizeof(why)));
	}
	BIO_set_data(bio, c);	    /* c stays where it is while open */
	SSL_set_bio(ssl, bio, bio); /* ssl owns bio */
	SSL_set_connect_state(ssl);
	for (;;) {
		if ((rc = aig_http_conn_check(c, "TLS handshake", err)) !=
		    AIG_OK)
			return rc;
		ERR_clear_error();
		errno = 0;
		if ((ret = SSL_do_handshake(ssl)) == 1)
			return AIG_OK;
		if ((rc = after(c, ret, "TLS handshake", err)) != AIG_OK)
			return rc;
	}
}

/* -------------------------------------------------- send and receive */

static int send_all(struct aig_http_conn *c, const char *p, size_t n,
		    struct aig_error *err)
{
	size_t k;
	int ret, rc;

	while (n > 0) {
		if ((rc = aig_http_conn_check(c, "sending", err)) != AIG_OK)
			return rc;
		/* a retried SSL_write_ex gets the same arguments */
		ERR_clear_error();
		errno = 0;
		ret = SSL_write_ex((SSL *)c->ssl, p, n, &k);
		if (ret == 1) {
			p += k;
			n -= k;
		} else if ((rc = after(c, ret, "sending", err)) != AIG_OK) {
			return rc;
		}
	}
	return AIG_OK;
}

static int recv_some(struct aig_http_conn *c, char *buf, size_t cap,
		     size_t *got, struct aig_error *err)
{
	int ret, rc;

	for (;;) {
		if ((rc = aig_http_conn_check(c, "receiving", err)) != AIG_OK)
			return rc;
		ERR_clear_error();
		errno = 0;
		if ((ret = SSL_read_ex((SSL *)c->ssl, buf, cap, got)) == 1)
			return AIG_OK;
		*got = 0;
		if (SSL_get_error((SSL *)c->ssl, ret) ==
		    SSL_ERROR_ZERO_RETURN) {
			c->eof = true;
			return AIG_OK; /* close_notify: the orderly end */
		}
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING ||
		    (SSL_get_error((SSL *)c->ssl, ret) == SSL_ERROR_SYSCALL &&
		     errno == 0)) {
			c->eof = true;
			ERR_clear_error();
			return aig_error_set(err, AIG_HTTP_ERR_PROTOCOL,
					     "%s: the TLS connection closed "
					     "without close_notify: the "
					     "response may be cut short",
					     c->where);
		}
		if ((rc = after(c, ret, "receiving", err)) != AIG_OK)
			return rc;
	}
}

static bool pending(const struct aig_http_conn *c)
{
	return SSL_has_pending((const SSL *)c->ssl) == 1;
}

static void close_tls(struct aig_http_conn *c)
{
	/* one try, not waited for: the response is in already. Never after
	 * a failure (a fatal TLS error forbids it). */
	if (c->complete)
		SSL_shutdown((SSL *)c->ssl);
	ERR_clear_error();
	SSL_free((SSL *)c->ssl);
	c->ssl = NULL;
}

const struct aig_http_tls_ops aig_http_tls_openssl = {
	.conn_size = sizeof(struct aig_http_conn),
	.url_size = sizeof(struct aig_http_url),
	.client_new = client_new,
	.client_free = client_free,
	.start = start,
	.send = send_all,
	.recv = recv_some,
	.pending = pending,
	.close = close_tls,
};
