/* SPDX-License-Identifier: Apache-2.0 */
/* forward.c - the hop to the LangChain backend (aigate.cgi(8)), on the gate's
 * own HTTP/1.1 client (http/aig_http.h: http-parser parses every byte of
 * the answer, OpenSSL's libssl does TLS).
 *
 * Why not libcurl, which made this hop before: aigate.cgi is a CGI
 * program and every request pays its start-up. Mean per exec of programs
 * that print a CGI header and exit, differing only in what they link and
 * initialise (bench/bench_hop_start.sh: hyperfine -N -w 50 -r 1000;
 * 2026-11-25, 2 CPUs, load about 2):
 *
 *   1 static hello, the floor                                  0.4 ms
 *   2 hello + libcurl (shared: 31 libraries), curl_global_init 4.9 ms
 *   3 hello + libhttp_parser.a, libssl.a, libcrypto.a,
 *     OPENSSL_init_ssl(NO_LOAD_CONFIG), one SSL_CTX            2.3 ms
 *   4 3 with the shared libraries                              3.0 ms
 *   5 3 linked, no SSL_CTX made (an http:// backend)           0.6 ms
 *   6 3 + the system CA bundle read whole                     20.4 ms
 *   7 3 + the system CA directory searched by hash             2.3 ms
 *
 * So: libcurl costs a CGI over 4 ms before any work, and cannot follow
 * the gate's static link (Debian ships no archives for its dependencies).
 * With the hop on http-parser and libssl, an http:// backend costs next
 * to nothing (5: libssl is linked but not started), and an https:// one
 * about 1.7 ms for OpenSSL's SSL_CTX (3), made only then. The CA bundle
 * would add 18 ms (6): http/tls.c searches the system directory by hash
 * instead, where it has hash links (7). A FastCGI process pays the
 * loading once, and keeps its aig_http_client (f->client), so that an
 * https:// backend's SSL_CTX is made once too, and its connection to the
 * backend between requests (keep-alive; aig_http.h says when it is
 * dropped). A CGI process uses the same kept client (so it sends no
 * Connection: close) and closes the connection when it frees the client
 * at its exit; a client made here for one request (no f->client) sends
 * Connection: close.
 *
 * The response is written to the client as it arrives: headers with the
 * first body byte (or at the end for an empty body), then each piece with
 * fwrite+fflush, so server-sent events are never held back. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aig_cgi.h"
#include "aig_http.h"
#include "cgi_int.h"

#define CONTENT_TYPE_MAX 256

struct hop {
	struct aig_forward *f;
	int status;
	char content_type[CONTENT_TYPE_MAX];
	bool garbage; /* the backend's Content-Type cannot be passed on */
	struct aig_outfilter of; /* the output rules (outfilter.c) */
	long long length;	 /* Content-Length we send, or -1 */
};

/* Copies s, writing every byte outside `keep` (and outside letters and
 * digits) as %XX. *out is new. */
static bool encode(const char *s, const char *keep, char **out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0, n = strlen(s);
	char *buf = malloc(3 * n + 1);

	*out = NULL;
	if (buf == NULL)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != 0 && strchr(keep, c))) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	*out = buf;
	return true;
}

bool aig_url_encode_path(const char *path, char **out)
{
	return encode(path, "-._~/:@!$&'()*+,;=", out);
}

/* QUERY_STRING arrives still encoded: its escapes ('%') are kept, and
 * whatever a URL cannot hold as it is (space, '#', quotes, non-ASCII...)
 * is escaped, so that the backend gets the query the client sent. */
static bool encode_query(const char *query, char **out)
{
	return encode(query, "-._~/:@!$&'()*+,;=?%", out);
}

/* Writes and flushes at once: server-sent events must not wait in a
 * buffer. */
static bool write_all(FILE *out, const char *p, size_t n)
{
	return fwrite(p, 1, n, out) == n && fflush(out) == 0;
}

/* The CGI header block for the backend's answer; flushed now, or with
 * the body bytes that follow it (one write instead of two). */
static bool send_headers(struct hop *h, bool flush)
{
	char head[CONTENT_TYPE_MAX + 320 + AIG_AUTH_REPLY_MAX], length[48] = "";
	int n;

	if (h->f->headers_sent)
		return true;
	if (h->length >= 0)
		snprintf(length, sizeof(length), "Content-Length: %lld\r\n",
			 h->length);
	n = snprintf(head, sizeof(head),
		     "Status: %d %s\r\n%s%s%s%sX-Request-Id: %s\r\n"
		     "%sCache-Control: no-store\r\n\r\n",
		     h->status, aig_http_reason(h->status),
		     h->content_type[0] ? "Content-Type: " : "",
		     h->content_type, h->content_type[0] ? "\r\n" : "", length,
		     h->f->request_id,
		     h->f->extra_headers ? h->f->extra_headers : "");
	h->f->headers_sent = true;
	h->f->status = h->status;
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    fwrite(head, 1, (size_t)n, h->f->out) != (size_t)n ||
	    (flush && fflush(h->f->out) != 0)) {
		h->f->client_gone = true;
		return false;
	}
	return true;
}

/* Keeps a clean Content-Type from the backend's headers (the last one
 * wins; longer than CONTENT_TYPE_MAX - 1 is cut); every other header of
 * the backend stays behind. */
static int on_header(void *arg, int status, const char *name, const char *value)
{
	struct hop *h = arg;
	size_t o = 0;

	(void)status;
	if (strcasecmp(name, "Content-Type") != 0)
		return AIG_HTTP_GO_ON;
	for (; value[o] != '\0' && o + 1 < sizeof(h->content_type); o++) {
		unsigned char c = (unsigned char)value[o];

		if (c < 0x20 || c >= 0x7f) {
			h->garbage = true; /* 502 */
			return AIG_HTTP_STOP;
		}
		h->content_type[o] = (char)c;
	}
	h->content_type[o] = '\0';
	return AIG_HTTP_GO_ON;
}

/* Checked stream bytes on their way to the client: written now, flushed
 * by on_body once the piece it got is through the rules. */
static int filtered(void *arg, const char *data, size_t len)
{
	struct hop *h = arg;

	if (!send_headers(h, false) || fwrite(data, 1, len, h->f->out) != len) {
		h->f->client_gone = true;
		return 1;
	}
	h->f->bytes_out += len;
	return 0;
}

static int on_headers_done(void *arg, int status)
{
	struct hop *h = arg;

	h->status = status;
	aig_outfilter_begin(&h->of, h->f->output,
			    h->content_type[0] ? h->content_type : NULL,
			    filtered, h);
	return AIG_HTTP_GO_ON;
}

/* Body bytes, flushed at once, but for those that end a body of known
 * length: they go out with the end of the request, in one write with it
 * (under FastCGI with the end-request record, fcgi.c). */
static bool write_body(struct hop *h, const char *data, size_t len)
{
	if (h->length >= 0 && (long long)(h->f->bytes_out + len) >= h->length)
		return fwrite(data, 1, len, h->f->out) == len;
	return write_all(h->f->out, data, len);
}

/* The headers go out with the first body byte (or at the end for an empty
 * body), so that a backend that fails before its body is still a 502 or
 * 504 of the gate. */
static int on_body(void *arg, const char *data, size_t len)
{
	struct hop *h = arg;

	if (h->of.kind != AIG_OUTPUT_PASS) {
		int rc = aig_outfilter_body(&h->of, data, len);

		if (h->f->headers_sent && !h->f->client_gone &&
		    fflush(h->f->out) != 0)
			h->f->client_gone = true;
		return rc == AIG_OK && !h->f->client_gone ? AIG_HTTP_GO_ON
							  : AIG_HTTP_STOP;
	}
	if (!send_headers(h, false))
		return AIG_HTTP_STOP;
	if (!write_body(h, data, len)) {
		h->f->client_gone = true; /* stops the backend transfer */
		return AIG_HTTP_STOP;
	}
	h->f->bytes_out += len;
	return AIG_HTTP_GO_ON;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The gate's own outcome for a hop that failed before a response started:
 * 504 for the deadline, 502 for everything else (see aigate.cgi(8)). */
static void classify(struct aig_forward *f, const struct hop *h, int rc)
{
	if (f->headers_sent)
		return; /* the backend's answer stands */
	if (rc == AIG_HTTP_ERR_TIMEOUT)
		f->outcome = AIG_OUT_GATEWAY_TIMEOUT;
	else if (rc == AIG_HTTP_ERR_CONNECT)
		f->outcome = AIG_OUT_BACKEND_UNREACHABLE;
	else if (rc == AIG_HTTP_ERR_TLS)
		f->outcome = AIG_OUT_BACKEND_TLS;
	else if (rc == AIG_HTTP_ERR_IO)
		f->outcome = AIG_OUT_BACKEND_CONNECTION;
	else if (rc == AIG_HTTP_ERR_PROTOCOL || h->garbage)
		f->outcome = AIG_OUT_BACKEND_INVALID;
	else
		f->outcome = AIG_OUT_BAD_GATEWAY;
}

/* Sends the request to the backend and streams its answer to f->out. */
static int exchange(struct aig_forward *f, struct hop *h, const char *path,
		    const char *query)
{
	struct aig_http_header headers[7] = {
		{"X-Aigate-User", f->user},
		{"X-Aigate-Groups", f->groups},
		{"X-Request-Id", f->request_id},
	};
	size_t n = 3;
	struct aig_http_handler handler = {on_header, on_headers_done, on_body,
					   h};
	struct aig_http_request req = {0};
	struct aig_http_client *own = NULL;
	int rc = AIG_OK;

	req.method = f->method;
	req.url = f->backend_url;
	req.path = path;
	req.query = query;
	if (f->content_type != NULL)
		headers[n++] = (struct aig_http_header){"Content-Type",
							f->content_type};
	if (f->sandbox)
		headers[n++] =
			(struct aig_http_header){"X-Aigate-Sandbox", "1"};
	if (f->identity != NULL)
		headers[n++] = (struct aig_http_header){"X-Aigate-Identity",
							f->identity};
	if (f->last_event_id != NULL) /* a server-sent events reconnect */
		headers[n++] = (struct aig_http_header){"Last-Event-ID",
							f->last_event_id};
	req.headers = headers;
	req.n_headers = n;
	/* a POST always says its length, 0 included */
	if (f->body_len > 0 || strcmp(f->method, "POST") == 0) {
		req.body = f->body != NULL ? f->body : "";
		req.body_len = f->body_len;
	}
	req.timeout_ms = f->timeout_ms;
	req.stop = f->stop;
	/* an https backend is verified against the system store */
	if (f->client == NULL) {
		rc = aig_http_client_new(NULL, &own, &f->err);
	} else { /* the process's: its connection serves the next request */
		aig_http_client_keep_alive(f->client, AIG_HTTP_KEEP_IDLE_MS,
					   AIG_HTTP_KEEP_MAX_REQUESTS);
	}
	if (rc == AIG_OK)
		rc = aig_http_exchange(f->client ? f->client : own, &req,
				       &handler, &f->err);
	aig_http_client_free(own);
	return rc;
}

/* The end of an answer under output rules: what a stream held goes out;
 * a JSON answer goes out whole with its Content-Length, or is refused
 * (nothing sent yet: the gate answers 502). */
static void finish_filtered(struct aig_forward *f, struct hop *h)
{
	const char *body = NULL;
	size_t len = 0;
	int rc = aig_outfilter_end(&h->of, &body, &len);

	if (h->of.kind == AIG_OUTPUT_SSE) {
		if (!f->headers_sent) /* an empty stream */
			send_headers(h, true);
		else if (!f->client_gone && fflush(f->out) != 0)
			f->client_gone = true;
		return;
	}
	if (rc != AIG_OK) {
		f->outcome = h->of.rep.denied ? AIG_OUT_OUTPUT_REFUSED
					      : AIG_OUT_BACKEND_INVALID;
		return;
	}
	h->length = len > 0 ? (long long)len : -1;
	if (send_headers(h, len == 0) && len > 0) {
		/* the whole answer: it goes out with the end of the request */
		if (fwrite(body, 1, len, f->out) == len)
			f->bytes_out += len;
		else
			f->client_gone = true;
	}
}

bool aig_forward(struct aig_forward *f)
{
	struct hop h = {f, 0, "", false, {0}, -1};
	struct timespec t0;
	char *path = NULL, *query = NULL;
	int rc = AIG_ERR_NOMEM;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	f->headers_sent = f->client_gone = false;
	f->bytes_out = 0;
	f->status = 0;
	f->outcome = AIG_OUT_PENDING;
	if (aig_url_encode_path(f->path, &path) &&
	    encode_query(f->query, &query))
		rc = exchange(f, &h, path, query);
	if (rc == AIG_OK && h.of.kind != AIG_OUTPUT_PASS)
		finish_filtered(f, &h);
	else if (rc == AIG_OK && !f->headers_sent) /* an empty body */
		send_headers(&h, true);
	f->output_report = h.of.rep;
	f->output_checked = h.of.checked;
	aig_outfilter_free(&h.of);
	if (rc == AIG_HTTP_ERR_STOPPED && f->stop != NULL && *f->stop)
		f->client_gone = true; /* the web server said so */
	if (rc != AIG_OK && !f->client_gone && !h.of.rep.denied)
		classify(f, &h, rc);
	if (rc != AIG_OK && !f->headers_sent && h.of.failed == AIG_ERR_TOO_BIG)
		f->outcome = AIG_OUT_OUTPUT_REFUSED;
	if (f->headers_sent)
		f->outcome = AIG_OUT_FORWARDED;
	f->backend_ms = ms_since(&t0);
	free(path);
	free(query);
	return f->headers_sent;
}
