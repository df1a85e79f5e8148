/* SPDX-License-Identifier: Apache-2.0 */
/* client.c - the steps of aig_http_exchange(), and the client handle
 * that keeps the TLS context between requests and, when asked, the last
 * connection (keep-alive).
 *
 * One connection at most is kept: every user of a client talks to one
 * server at a time (a FastCGI process serves one request at a time, to
 * the one backend), so a pool would only add code. It is kept after a
 * response that frames itself and leaves nothing behind
 * (aig_http_resp_reusable()), and dropped at the first doubt: anything to
 * read while idle, any failure, the stop flag, the deadline. A response
 * is thus never read from bytes that belong to another request. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define READ_CHUNK 16384
/* A body up to this size goes out with the head (http_int.h). */
#define JOIN_MAX 65536

struct aig_http_client {
	char *ca_file; /* NULL: the system store */
	/* the TLS context (tls->client_new), made at the first https://
	 * request, with the table of the functions that work it */
	void *tls;
	const struct aig_http_tls_ops *tls_ops;
	/* aig_http_client_keep_alive(); idle_ms 0: nothing is kept */
	int idle_ms;
	unsigned max_requests;
	/* The connection of the exchange under way or, between exchanges,
	 * the one kept (open when conn.fd >= 0): to kept_where (host:port,
	 * exact) over TLS or not, used by `requests` requests, idle since
	 * idle_since. Here rather than on the stack: its TLS BIO points at
	 * it. */
	struct aig_http_conn conn;
	bool kept_tls;
	char kept_where[AIG_HTTP_WHERE_MAX];
	unsigned requests;
	struct timespec idle_since;
};

/* What an attempt left to decide with. */
struct outcome {
	bool wrote;    /* a byte of the request reached the socket */
	bool any;      /* a byte of the response arrived */
	bool eof;      /* a read found the end of the stream */
	bool reusable; /* aig_http_resp_reusable() */
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
	aig_http_conn_init(&c->conn, 1, NULL, "");
	*out = c;
	return AIG_OK;
}

/* Closes the kept connection, if any. */
static void drop(struct aig_http_client *c)
{
	aig_http_conn_close(&c->conn);
	c->requests = 0;
}

void aig_http_client_keep_alive(struct aig_http_client *c, int idle_ms,
				unsigned max_requests)
{
	if (idle_ms <= 0 || max_requests == 0)
		idle_ms = 0, max_requests = 0;
	if (idle_ms == 0)
		drop(c);
	c->idle_ms = idle_ms;
	c->max_requests = max_requests;
}

void aig_http_client_free(struct aig_http_client *c)
{
	if (c == NULL)
		return;
	drop(c);
	if (c->tls != NULL)
		c->tls_ops->client_free(c->tls);
	free(c->ca_file);
	free(c);
}

bool aig_http_tls_fits(const struct aig_http_tls_ops *ops)
{
	return ops->conn_size == sizeof(struct aig_http_conn) &&
	       ops->url_size == sizeof(struct aig_http_url);
}

static int tls_ready(struct aig_http_client *c, struct aig_error *err)
{
	if (c->tls_ops == NULL && (c->tls_ops = aig_http_tls_get(err)) == NULL)
		return AIG_ERR_UNAVAILABLE;
	if (c->tls == NULL)
		return c->tls_ops->client_new(c->ca_file, &c->tls, err);
	return AIG_OK;
}

/* Reads and parses until the final response has ended. */
static int receive(struct aig_http_conn *conn, bool head,
		   const struct aig_http_handler *h, struct outcome *o,
		   struct aig_error *err)
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
	o->any = r->any;
	o->reusable = rc == AIG_OK && aig_http_resp_reusable(r);
	free(r);
	return rc;
}

static long long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Whether the kept connection may carry a request to u: same scheme, host
 * and port (a TLS connection was verified for that host only), within
 * its limits, and quiet. Else it is closed. */
static bool take_kept(struct aig_http_client *c, const struct aig_http_url *u)
{
	if (c->conn.fd < 0)
		return false;
	if (c->kept_tls == u->tls && strcmp(c->kept_where, u->where) == 0 &&
	    c->requests < c->max_requests &&
	    ms_since(&c->idle_since) < c->idle_ms &&
	    aig_http_conn_quiet(&c->conn))
		return true;
	drop(c);
	return false;
}

/* Keeps the connection of a finished exchange, or closes it. */
static void keep_or_close(struct aig_http_client *c,
			  const struct aig_http_url *u, bool keep)
{
	if (!keep || c->idle_ms == 0 || c->requests >= c->max_requests) {
		drop(c);
		return;
	}
	c->kept_tls = u->tls;
	snprintf(c->kept_where, sizeof(c->kept_where), "%s", u->where);
	clock_gettime(CLOCK_MONOTONIC, &c->idle_since);
	/* borrowed from this exchange */
	c->conn.where = "";
	c->conn.stop = NULL;
}

/* One try on c->conn, opened first unless kept: sends the request (head,
 * and the body unless joined to it) and reads the response. */
static int attempt(struct aig_http_client *c, const struct aig_http_url *u,
		   bool kept, const struct aig_http_request *req,
		   const char *head, size_t head_len, bool joined,
		   const struct aig_http_handler *h, struct outcome *o,
		   struct aig_error *err)
{
	struct aig_http_conn *conn = &c->conn;
	int rc = AIG_OK;

	memset(o, 0, sizeof(*o));
	if (!kept) {
		drop(c);
		rc = aig_http_conn_open(conn, u, err);
		if (rc == AIG_OK && u->tls)
			rc = c->tls_ops->start(conn, c->tls, u, err);
	}
	if (rc == AIG_OK) {
		c->requests++;
		rc = aig_http_conn_send(conn, head, head_len, err);
	}
	if (rc == AIG_OK && req->body != NULL && !joined)
		rc = aig_http_conn_send(conn, req->body, req->body_len, err);
	if (rc == AIG_OK)
		rc = receive(conn, strcmp(req->method, "HEAD") == 0, h, o, err);
	o->wrote = conn->wrote > 0;
	o->eof = conn->eof;
	return rc;
}

static bool idempotent(const char *method)
{
	static const char *const m[] = {"GET",	 "HEAD", "OPTIONS",
					"TRACE", "PUT",	 "DELETE"};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(method, m[i]) == 0)
			return true;
	return false;
}

/* Whether a request that failed on a kept connection goes again on a new
 * one (aig_http.h says when and why): nothing of the response came, the
 * deadline and the stop flag were not the cause, and either sending
 * failed before a byte left, or an idempotent request found the
 * connection closed or reset. Never after a TLS or protocol fault. */
static bool again_ok(int rc, const struct outcome *o, const char *method)
{
	if (rc == AIG_OK || o->any)
		return false;
	if (!o->wrote)
		return rc == AIG_HTTP_ERR_IO;
	return idempotent(method) && (rc == AIG_HTTP_ERR_IO ||
				      (rc == AIG_HTTP_ERR_PROTOCOL && o->eof));
}

int aig_http_exchange(struct aig_http_client *c,
		      const struct aig_http_request *req,
		      const struct aig_http_handler *h, struct aig_error *err)
{
	struct aig_error first = {0};
	struct aig_http_url u;
	struct outcome o = {0};
	char *head = NULL;
	size_t head_len;
	bool joined, kept = false, again = false;
	int rc;

	if ((rc = aig_http_url_parse(req, &u, err)) != AIG_OK)
		return rc;
	if (req->timeout_ms <= 0)
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "HTTP request: timeout_ms must be > 0");
	if (rc == AIG_OK)
		rc = aig_http_head_make(req, &u, c->idle_ms == 0, JOIN_MAX,
					&head, &head_len, &joined, err);
	if (rc == AIG_OK && u.tls)
		rc = tls_ready(c, err);
	if (rc == AIG_OK) {
		aig_http_conn_arm(&c->conn, req->timeout_ms, req->stop,
				  u.where);
		kept = take_kept(c, &u);
	}
	if (kept) {
		/* its error is ours only if there is no second try */
		rc = attempt(c, &u, true, req, head, head_len, joined, h, &o,
			     &first);
		again = again_ok(rc, &o, req->method);
		if (rc != AIG_OK && !again)
			aig_error_set(err, rc, "%s", first.msg);
	}
	/* a new connection: at first, or once after the kept one failed,
	 * within what is left of the deadline */
	if ((rc == AIG_OK && !kept) || again)
		rc = attempt(c, &u, false, req, head, head_len, joined, h, &o,
			     err);
	keep_or_close(c, &u, rc == AIG_OK && o.reusable);
	free(head);
	aig_http_url_free(&u);
	return rc;
}
