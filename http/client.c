/* client.c - one request, one response, one connection: the steps of
 * aig_http_exchange(), and the client handle that keeps the SSL_CTX
 * between requests. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "http_int.h"

#define READ_CHUNK 16384

struct aig_http_client {
	char *ca_file;	      /* NULL: the system store */
	SSL_CTX *ctx;	      /* made at the first https:// request */
	BIO_METHOD *bio_meth; /* likewise */
};

const char *aig_http_status_name(int status)
{
	switch (status) {
	case AIG_HTTP_ERR_TIMEOUT: return "timed out";
	case AIG_HTTP_ERR_CONNECT: return "cannot connect";
	case AIG_HTTP_ERR_TLS: return "TLS failure";
	case AIG_HTTP_ERR_IO: return "connection failed";
	case AIG_HTTP_ERR_PROTOCOL: return "bad response";
	case AIG_HTTP_ERR_STOPPED: return "stopped";
	default: return aig_status_name(status);
	}
}

int aig_http_client_new(const char *ca_file, struct aig_http_client **out,
			struct aig_error *err)
{
	struct aig_http_client *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL ||
	    (ca_file != NULL && (c->ca_file = strdup(ca_file)) == NULL)) {
		free(c);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	*out = c;
	return AIG_OK;
}

void aig_http_client_free(struct aig_http_client *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	BIO_meth_free(c->bio_meth);
	free(c->ca_file);
	free(c);
}

static int tls_ready(struct aig_http_client *c, struct aig_error *err)
{
	int rc = AIG_OK;

	/* no-op if the program did it first; else the config stays unread */
	if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1) {
		ERR_clear_error();
		return aig_error_set(err, AIG_ERR_INTERNAL,
				     "OpenSSL cannot be initialised");
	}
	if (c->bio_meth == NULL)
		rc = aig_http_tls_bio_method_new(&c->bio_meth, err);
	if (rc == AIG_OK && c->ctx == NULL)
		rc = aig_http_tls_ctx_new(c->ca_file, &c->ctx, err);
	return rc;
}

/* Reads and parses until the final response has ended. */
static int receive(struct aig_http_conn *conn, bool head,
		   const struct aig_http_handler *h, struct aig_error *err)
{
	struct aig_http_resp *r = malloc(sizeof(*r));
	char buf[READ_CHUNK];
	size_t got;
	int rc;

	if (r == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	aig_http_resp_init(r, h, head);
	do {
		rc = aig_http_conn_recv(conn, buf, sizeof(buf), &got, err);
		if (rc == AIG_OK)
			rc = aig_http_resp_feed(r, buf, got, conn->where, err);
	} while (rc == AIG_OK && !aig_http_resp_done(r));
	conn->complete = rc == AIG_OK;
	free(r);
	return rc;
}

int aig_http_exchange(struct aig_http_client *c,
		      const struct aig_http_request *req,
		      const struct aig_http_handler *h, struct aig_error *err)
{
	struct aig_http_url u;
	struct aig_http_conn conn;
	char *head = NULL;
	size_t head_len;
	int rc;

	aig_http_conn_init(&conn, req->timeout_ms, req->stop, "");
	if ((rc = aig_http_url_parse(req, &u, err)) != AIG_OK)
		return rc;
	conn.where = u.where;
	if (req->timeout_ms <= 0)
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "HTTP request: timeout_ms must be > 0");
	if (rc == AIG_OK)
		rc = aig_http_head_make(req, &u, &head, &head_len, err);
	if (rc == AIG_OK && u.tls)
		rc = tls_ready(c, err);
	if (rc == AIG_OK)
		rc = aig_http_conn_open(&conn, &u, err);
	if (rc == AIG_OK && u.tls)
		rc = aig_http_tls_start(&conn, c->ctx, c->bio_meth, &u, err);
	if (rc == AIG_OK)
		rc = aig_http_conn_send(&conn, head, head_len, err);
	if (rc == AIG_OK && req->body != NULL)
		rc = aig_http_conn_send(&conn, req->body, req->body_len, err);
	if (rc == AIG_OK)
		rc = receive(&conn, strcmp(req->method, "HEAD") == 0, h, err);
	aig_http_conn_close(&conn);
	free(head);
	aig_http_url_free(&u);
	return rc;
}
