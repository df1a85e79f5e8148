/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_int.h - what the files of http/ share, and what the fuzz target
 * drives (the response parser alone, without a socket). Not installed,
 * not for other parts: they use aig_http.h.
 */
#ifndef AIG_HTTP_INT_H
#define AIG_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <http_parser.h>

#include "aig_http.h"

/* "host:port" or "[v6]:port", for messages and the Host header. */
#define AIG_HTTP_WHERE_MAX 300

/* ------------------------------------------------------------- url.c */

/* A request's URL, taken apart. Strings owned: free with
 * aig_http_url_free(). */
struct aig_http_url {
	bool tls;	 /* https:// */
	bool ip_literal; /* host is an IPv4 or IPv6 address */
	char *host;	 /* without brackets */
	unsigned port;	 /* given, or 80/443 */
	char *target;	 /* the request target, starting with '/' */
	char where[AIG_HTTP_WHERE_MAX];	      /* host:port, for messages */
	char host_header[AIG_HTTP_WHERE_MAX]; /* port only when not default */
};

/* Parses req->url with http_parser_parse_url() and builds the request
 * target from it and req->path/query (aig_http.h says how). Returns
 * AIG_OK, AIG_ERR_INVALID (the message never quotes the URL) or
 * AIG_ERR_NOMEM. u is cleared first. */
int aig_http_url_parse(const struct aig_http_request *req,
		       struct aig_http_url *u, struct aig_error *err);

void aig_http_url_free(struct aig_http_url *u);

/* The request line and header block for req to u, checked, with
 * Connection: close when close is true; then the body when it is at most
 * join_max bytes (*joined says so), so that a usual request goes out in
 * one send(2) or TLS record. *head is new (caller frees) and *len its
 * length. AIG_ERR_INVALID for a bad method, header name or value (the
 * message gives the header's index, never its text); AIG_ERR_NOMEM. */
int aig_http_head_make(const struct aig_http_request *req,
		       const struct aig_http_url *u, bool close,
		       size_t join_max, char **head, size_t *len, bool *joined,
		       struct aig_error *err);

/* ------------------------------------------------------ conn.c, tls.c */

struct aig_http_conn;

/* One connection and the deadline of the exchange it carries. Start with
 * aig_http_conn_init(), end with aig_http_conn_close(). A kept connection
 * (client.c) carries the next exchange after aig_http_conn_arm(); it must
 * not move in memory while open: the TLS BIO points at it. */
struct aig_http_conn {
	int fd;
	void *ssl; /* the TLS session (an OpenSSL SSL), NULL for http:// */
	const struct aig_http_tls_ops *tls; /* what works ssl; with it */
	struct timespec deadline;	    /* CLOCK_MONOTONIC */
	int timeout_ms;
	const volatile sig_atomic_t *stop;
	const char *where; /* borrowed from the URL */
	bool complete;	   /* a whole response came: close with close_notify */
	bool eof;	   /* a read found the end of the stream */
	size_t wrote;	   /* bytes written to the socket (TLS: records) */
};

void aig_http_conn_init(struct aig_http_conn *c, int timeout_ms,
			const volatile sig_atomic_t *stop, const char *where);

/* A new deadline, stop flag and where for the next exchange; complete,
 * eof and wrote cleared; fd and ssl kept. */
void aig_http_conn_arm(struct aig_http_conn *c, int timeout_ms,
		       const volatile sig_atomic_t *stop, const char *where);

/* Whether an open, idle connection has nothing to read: no TLS bytes
 * buffered, and poll(2) sees neither data, nor the end of the stream, nor
 * an error. Data on an idle connection is the server closing it or
 * sending what nobody asked for: either way it must not be used. */
bool aig_http_conn_quiet(const struct aig_http_conn *c);

/* Closes the connection (after a TLS close_notify attempt that does not
 * wait). Safe on a connection never opened. */
void aig_http_conn_close(struct aig_http_conn *c);

/* AIG_HTTP_ERR_STOPPED if *stop is set, AIG_HTTP_ERR_TIMEOUT (message
 * naming `doing`) if the deadline has passed, else AIG_OK. */
int aig_http_conn_check(const struct aig_http_conn *c, const char *doing,
			struct aig_error *err);

/* Waits until c->fd is ready for events (POLLIN/POLLOUT), or until is
 * reached (AIG_HTTP_ERR_TIMEOUT, message naming `doing`), or *stop is set
 * (AIG_HTTP_ERR_STOPPED). Polls in slices of at most a second. */
int aig_http_conn_wait(struct aig_http_conn *c, short events,
		       const struct timespec *until, const char *doing,
		       struct aig_error *err);

/* Resolves u->host and connects to each address in turn, non-blocking,
 * within the deadline (shared among the addresses left). */
int aig_http_conn_open(struct aig_http_conn *c, const struct aig_http_url *u,
		       struct aig_error *err);

/* Sends n bytes (send(2) with MSG_NOSIGNAL, or SSL_write_ex). */
int aig_http_conn_send(struct aig_http_conn *c, const char *p, size_t n,
		       struct aig_error *err);

/* Receives up to cap bytes into buf; *got is 0 at the end of the stream
 * (an orderly close, or TLS close_notify). A TLS stream closed without
 * close_notify is AIG_HTTP_ERR_PROTOCOL (it may have been cut). */
int aig_http_conn_recv(struct aig_http_conn *c, char *buf, size_t cap,
		       size_t *got, struct aig_error *err);

/* ---------------------------------------------------- tls.c, tls_get.c */

/* What a connection does over TLS, on OpenSSL (tls.c). Behind a table so
 * that a program can have it from a module: aigate.cgi loads it from
 * aigate-openssl.so for a request that makes a TLS connection, and a
 * request that does not then neither maps nor relocates OpenSSL
 * (docs/performance.md). Every other program links tls.c. */
struct aig_http_tls_ops {
	/* sizeof(struct aig_http_conn) and of struct aig_http_url where
	 * the table was built: a module's must be the program's */
	size_t conn_size, url_size;
	/* A client's TLS context in *tls: TLS 1.2 or later, peer always
	 * verified against ca_file or the system store, no renegotiation;
	 * OpenSSL started without its configuration file. AIG_HTTP_ERR_TLS
	 * if the CA store cannot be loaded. Freed with client_free. */
	int (*client_new)(const char *ca_file, void **tls,
			  struct aig_error *err);
	void (*client_free)(void *tls);
	/* Runs the TLS handshake on the connected c->fd: SNI and host name
	 * check for a name, IP check for an address literal. Sets c->ssl
	 * and c->tls (also on failure: close them with conn close). */
	int (*start)(struct aig_http_conn *c, void *tls,
		     const struct aig_http_url *u, struct aig_error *err);
	/* aig_http_conn_send() and _recv() on a TLS connection. */
	int (*send)(struct aig_http_conn *c, const char *p, size_t n,
		    struct aig_error *err);
	int (*recv)(struct aig_http_conn *c, char *buf, size_t cap, size_t *got,
		    struct aig_error *err);
	/* Whether TLS bytes are buffered, unread. */
	bool (*pending)(const struct aig_http_conn *c);
	/* Frees c->ssl, after one close_notify attempt that does not wait
	 * when c->complete. */
	void (*close)(struct aig_http_conn *c);
};

/* -------------------------------------------------------- response.c */

/* The response reader: http-parser in HTTP_RESPONSE mode and the caps of
 * aig_http.h. Holds no heap memory; init, then feed until done. */
struct aig_http_resp {
	http_parser parser;
	const struct aig_http_handler *h; /* borrowed; may be NULL */
	bool head;			  /* the request was HEAD: no body */
	bool in_value;	   /* the last header callback was for a value */
	bool headers_done; /* the final response's header block ended */
	bool done;	   /* the final response ended */
	bool stopped;	   /* a handler callback asked to stop */
	bool any;	   /* some byte was received */
	bool trailing;	   /* bytes followed the final response's end */
	const char *fault; /* a cap or check failed: why (static) */
	unsigned interim;  /* 1xx responses skipped */
	size_t n_headers, block, status_len, name_len, value_len;
	/* the header being read: name, NUL, value, NUL */
	char line[AIG_HTTP_MAX_HEADER_LINE + 2];
};

void aig_http_resp_init(struct aig_http_resp *r,
			const struct aig_http_handler *h, bool head);

/* Parses len more bytes; len 0 means the connection ended. Returns AIG_OK
 * (see aig_http_resp_done() whether the response is complete; what
 * follows its end is ignored, and noted), AIG_HTTP_ERR_STOPPED or
 * AIG_HTTP_ERR_PROTOCOL (message prefixed with where). */
int aig_http_resp_feed(struct aig_http_resp *r, const char *data, size_t len,
		       const char *where, struct aig_error *err);

bool aig_http_resp_done(const struct aig_http_resp *r);

/* Whether the connection may carry another request after this response:
 * it is complete, HTTP/1.1 without Connection: close, framed by its
 * Content-Length or chunked coding (or bodiless: HEAD, 204, 304), and no
 * byte followed it in what was fed. What arrives later is for
 * aig_http_conn_quiet() to see. */
bool aig_http_resp_reusable(const struct aig_http_resp *r);

#endif /* AIG_HTTP_INT_H */
