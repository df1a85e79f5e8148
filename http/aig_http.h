/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_http.h - aigate's HTTP/1.1 client for its two hops: the gate's
 * forward to the LangChain backend (aigate.cgi(8)) and the JWKS fetch. One
 * request per connection, or, when the client is told to, a connection
 * kept for the next request (aig_http_client_keep_alive()); http:// and
 * https:// only.
 *
 * Every byte of the response is parsed by http-parser (Node.js's parser,
 * Debian's libhttp-parser-dev); TLS is OpenSSL's libssl with the peer
 * always verified. Nothing here reads the environment (no proxy, ever),
 * loads the OpenSSL configuration file, installs signal handlers or keeps
 * process-wide state: a client handle holds the one SSL_CTX.
 *
 * Functions return AIG_OK, a common AIG_ERR_* or an AIG_HTTP_ERR_* below;
 * the last argument is an optional struct aig_error (first error wins)
 * whose message names what happened and where (host and port), never the
 * request's path, query, headers or body, nor anything the server sent
 * beyond a status code.
 */
#ifndef AIG_HTTP_H
#define AIG_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "aig_common.h"

/* Caps on the response's header block; a response over any of them is
 * AIG_HTTP_ERR_PROTOCOL. A line is a header's name and value. */
#define AIG_HTTP_MAX_HEADER_LINE 8192
#define AIG_HTTP_MAX_HEADER_BLOCK 65536
#define AIG_HTTP_MAX_HEADERS 100

enum aig_http_status {
	/* the deadline (timeout_ms) passed: connect, TLS, send or receive */
	AIG_HTTP_ERR_TIMEOUT = AIG_HTTP_STATUS_BASE,
	/* the name did not resolve, or no address accepted the connection */
	AIG_HTTP_ERR_CONNECT,
	/* the TLS handshake failed or the certificate was not verified for
	 * the URL's host */
	AIG_HTTP_ERR_TLS,
	/* the connection was reset or failed while sending or receiving */
	AIG_HTTP_ERR_IO,
	/* the response was malformed, over a cap, or cut short */
	AIG_HTTP_ERR_PROTOCOL,
	/* *stop was set, or a handler callback asked to stop */
	AIG_HTTP_ERR_STOPPED,
	AIG_HTTP_ERR__MAX
};
_Static_assert(AIG_HTTP_ERR_TIMEOUT == AIG_HTTP_STATUS_BASE &&
		       AIG_HTTP_ERR__MAX <=
			       AIG_HTTP_STATUS_BASE + AIG_STATUS_RANGE,
	       "HTTP statuses outside their range");

/* A short English name for any status (common or HTTP); static string. */
const char *aig_http_status_name(int status);

/* ---------------------------------------------------------------- client */

struct aig_http_client;

/* A client: where https:// peers are verified from. ca_file (PEM; copied)
 * is the only trust anchor when given, else the system store (OpenSSL's
 * certificate directory searched by hash where it has hash links, as on
 * Debian; else its bundle file, read whole). The SSL_CTX is made at the
 * first https:// request (after
 * OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG), a no-op if the program
 * initialised OpenSSL first) and kept for the next ones, so a long-lived
 * process (FastCGI) sets TLS up once; http:// alone never starts libssl.
 * Not for two threads at once. *out is new: free with
 * aig_http_client_free(). Errors: AIG_ERR_NOMEM. */
int aig_http_client_new(const char *ca_file, struct aig_http_client **out,
			struct aig_error *err);

/* Frees the client and its SSL_CTX, and closes its kept connection. c may
 * be NULL. */
void aig_http_client_free(struct aig_http_client *c);

/* Keep-alive: what a long-lived process (FastCGI) sets on its client. */
#define AIG_HTTP_KEEP_IDLE_MS 1000
#define AIG_HTTP_KEEP_MAX_REQUESTS 1000

/* Lets c keep the connection of an exchange open for the next one to the
 * same scheme, host (as written in the URL) and port: requests then go
 * without Connection: close. idle_ms <= 0 or max_requests 0 turns this
 * off, as a new client has it, and closes a kept connection.
 *
 * One connection is kept at most, only after a whole HTTP/1.1 response
 * framed by its Content-Length or chunked coding (not ended by the
 * close), with no Connection: close and no byte after it, that no
 * deadline, stop flag or callback cut short; a new exchange uses it only
 * if it sent nothing since (poll(2), and no TLS bytes buffered), was
 * idle less than idle_ms and carried fewer than max_requests requests.
 * Anything else closes it: a response can never be read from bytes
 * that belong to another request, nor a request smuggled after one whose
 * end is in doubt. A TLS connection was verified at its handshake for the
 * URL's host; the host is part of what must match.
 *
 * AIG_HTTP_KEEP_IDLE_MS is below the keep-alive timeout of the servers
 * a backend runs on (gunicorn 2 s, uvicorn, Apache httpd and Node.js 5 s,
 * nginx 75 s), so that our side closes first and rarely meets a server
 * closing the connection as a request goes out; a process busy enough
 * for keep-alive to matter never waits that long. After
 * AIG_HTTP_KEEP_MAX_REQUESTS (nginx's keepalive_requests) the connection
 * is made anew, and the name resolved again.
 *
 * A server may still close a kept connection just as a request is sent
 * on it. If it fails before a byte of the response came, and not by the
 * deadline or the stop flag, the request is sent once more on a new
 * connection within the same deadline, when that is safe:
 *  - sending failed before a byte of the request left: no server can
 *    have acted on it; any method;
 *  - reading found the end of the stream or a reset: the server closed
 *    the connection before reading the request, or read it and closed
 *    without a word; we cannot tell, so only an idempotent method (GET,
 *    HEAD, OPTIONS, TRACE, PUT, DELETE) is sent again. A POST then fails
 *    (AIG_HTTP_ERR_IO or _PROTOCOL) rather than reach the server twice:
 *    RFC 9110 §9.2.2 lets a user agent retry it (browsers and curl do),
 *    but "a proxy MUST NOT automatically retry non-idempotent requests",
 *    and the gate is one. The idle limit above keeps this case to a
 *    server closing on its own at the very moment (a restart). */
void aig_http_client_keep_alive(struct aig_http_client *c, int idle_ms,
				unsigned max_requests);

/* ------------------------------------------------------------ a request */

/* One request header. Both strings borrowed; name is a token (RFC 9110),
 * value has no control character (CR, LF, NUL, ...) nor DEL. */
struct aig_http_header {
	const char *name;
	const char *value;
};

/* Return values of the handler callbacks. */
#define AIG_HTTP_GO_ON 0
#define AIG_HTTP_STOP 1

/* What the caller hears of the response, in order, each as soon as it is
 * parsed. Interim (1xx) responses and trailers are not passed on. Every
 * callback may be NULL; each returns AIG_HTTP_GO_ON, or AIG_HTTP_STOP to
 * abandon the transfer (aig_http_exchange() then returns
 * AIG_HTTP_ERR_STOPPED). Strings and data are borrowed for the call. */
struct aig_http_handler {
	/* One response header: name as sent (a token), value without
	 * surrounding whitespace, both NUL-terminated; a control character
	 * other than tab in either makes the response AIG_HTTP_ERR_PROTOCOL.
	 * status is the final response's status code (200-599). */
	int (*on_header)(void *ctx, int status, const char *name,
			 const char *value);
	/* The end of the header block of the final response. */
	int (*on_headers_done)(void *ctx, int status);
	/* Body bytes, chunked coding removed, as they arrive: a server-sent
	 * event is passed on before the next is read. */
	int (*on_body)(void *ctx, const char *data, size_t len);
	void *ctx; /* borrowed, passed to each */
};

struct aig_http_request {
	const char *method; /* "GET", "POST", ...: a token */
	/* http://host[:port][/prefix] or https://...; host a name, an IPv4
	 * or a bracketed IPv6 literal; no userinfo; a fragment is not sent */
	const char *url;
	/* NULL: the request target is the URL's path and query. Else path
	 * (already percent-encoded, no '?' or '#') is appended to the URL's
	 * path without its trailing '/', then "?" query when query is
	 * neither NULL nor "" (already encoded); the URL has no query then. */
	const char *path;
	const char *query;
	/* The only request headers besides Host, Connection (close unless
	 * the client keeps connections) and Content-Length, which are not
	 * among them, nor Transfer-Encoding. */
	const struct aig_http_header *headers;
	size_t n_headers;
	/* NULL: no body and no Content-Length. Else body_len bytes and
	 * Content-Length: body_len (0 included). */
	const char *body;
	size_t body_len;
	/* One deadline, > 0, for connecting, TLS, sending and receiving.
	 * Name resolution (getaddrinfo) is bounded by the resolver's own
	 * timeouts instead; an IP literal needs none. */
	int timeout_ms;
	bool https_only; /* refuse an http:// URL */
	/* Set by a signal handler when the transfer is no longer wanted;
	 * checked on EINTR and at least once a second. May be NULL. */
	const volatile sig_atomic_t *stop;
};

/* Sends req to its URL over a new connection made with c (or the one c
 * kept, see above), and streams the response to h (may be NULL: the
 * response is read and dropped), until the end of the final response.
 * HEAD responses have no body. Everything borrowed; c is not NULL, and
 * not used from h's callbacks.
 * Returns AIG_OK when a whole response was received (whatever its status
 * code); AIG_ERR_INVALID for a bad URL, method, header or timeout (nothing
 * sent); AIG_ERR_NOMEM; or an AIG_HTTP_ERR_*. Callbacks may have been
 * called before an error: a response can be cut short after its headers. */
int aig_http_exchange(struct aig_http_client *c,
		      const struct aig_http_request *req,
		      const struct aig_http_handler *h, struct aig_error *err);

/* ------------------------------------------------------------------ TLS */

/* TLS is a table of operations on OpenSSL (http/tls.c), which a program
 * may take from a loaded module rather than link: aigate.cgi loads it
 * from aigate-openssl.so, so that a request without TLS neither maps nor
 * relocates OpenSSL. Opaque here. */
struct aig_http_tls_ops;

/* tls.c's table, in the programs and modules that link tls.c. */
extern const struct aig_http_tls_ops aig_http_tls_openssl;

/* The table a client uses, asked for at its first https:// request: the
 * library's (http/tls_get.c) returns &aig_http_tls_openssl; a program
 * that defines its own aig_http_tls_get() gets neither tls_get.c nor
 * tls.c from the library. NULL with err set (AIG_ERR_UNAVAILABLE) when
 * it cannot be had. */
const struct aig_http_tls_ops *aig_http_tls_get(struct aig_error *err);

/* Whether ops was built with this program's connection and URL structures
 * (a module from the same sources). */
bool aig_http_tls_fits(const struct aig_http_tls_ops *ops);

#endif /* AIG_HTTP_H */
