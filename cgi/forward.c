/* forward.c - the hop to the LangChain backend, with libcurl (SPEC §5).
 *
 * Why libcurl: it is the well-kept HTTP client every distribution ships
 * and reviews; the hop needs TLS to https backends, timeouts, chunked
 * and streamed bodies. Its start-up cost (about 3.7 ms of shared-library
 * loading, PERF-NOTES.md) is the issue 9 question; the hop is kept in
 * this one file so that the choice can change without touching the rest.
 *
 * The response is written to the client as it arrives: headers on the
 * first body byte (or at the end for an empty body), then each chunk
 * with write(2), so server-sent events are never held back. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aig_cgi.h"

#define CONTENT_TYPE_MAX 256

struct hop {
	struct aig_forward *f;
	CURL *curl;
	long status;
	char content_type[CONTENT_TYPE_MAX];
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

/* The CGI header block for the backend's answer. */
static bool send_headers(struct hop *h)
{
	char head[CONTENT_TYPE_MAX + 256];
	int n;

	if (h->f->headers_sent)
		return true;
	n = snprintf(head, sizeof(head),
		     "Status: %ld %s\r\n%s%s%sX-Request-Id: %s\r\n"
		     "Cache-Control: no-store\r\n\r\n",
		     h->status, aig_http_reason((int)h->status),
		     h->content_type[0] ? "Content-Type: " : "",
		     h->content_type, h->content_type[0] ? "\r\n" : "",
		     h->f->request_id);
	h->f->headers_sent = true;
	h->f->status = (int)h->status;
	if (n < 0 || !write_all(h->f->out, head, (size_t)n)) {
		h->f->client_gone = true;
		return false;
	}
	return true;
}

/* Keeps the status and a clean Content-Type from the backend's headers;
 * every other header of the backend stays behind. */
static size_t on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct hop *h = arg;
	size_t len = size * n, i, o = 0;

	if (len > 13 && strncasecmp(buf, "Content-Type:", 13) == 0) {
		for (i = 13; i < len && buf[i] == ' '; i++)
			;
		for (; i < len && o + 1 < sizeof(h->content_type); i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c == '\r' || c == '\n')
				break;
			if (c < 0x20 || c >= 0x7f)
				return 0; /* garbage: 502 */
			h->content_type[o++] = (char)c;
		}
		h->content_type[o] = '\0';
	} else if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) {
		h->content_type[0] = '\0'; /* a new response (after 100) */
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *arg)
{
	struct hop *h = arg;
	size_t len = size * n;

	if (!h->f->headers_sent) {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &h->status);
		if (h->status < 100 || h->status > 599 || !send_headers(h))
			return 0;
	}
	if (!write_all(h->f->out, buf, len)) {
		h->f->client_gone = true; /* stops the backend transfer */
		return 0;
	}
	h->f->bytes_out += len;
	return len;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Header lines for the backend: ours only. A value with a control
 * character cannot be sent (it would split the header). */
static bool add_header(struct curl_slist **list, const char *name,
		       const char *value)
{
	size_t len = strlen(name) + strlen(value) + 3;
	struct curl_slist *n = NULL;
	char *line;
	const char *p;

	for (p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	line = malloc(len);
	if (line != NULL) {
		snprintf(line, len, "%s: %s", name, value);
		n = curl_slist_append(*list, line);
		free(line);
	}
	if (n == NULL)
		return false;
	*list = n;
	return true;
}

/* Polled by libcurl about once a second, and on every chunk: a nonzero
 * answer abandons the transfer. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct hop *h = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (h->f->stop != NULL && *h->f->stop) {
		h->f->client_gone = true;
		return 1;
	}
	return 0;
}

static struct curl_slist *make_headers(const struct aig_forward *f)
{
	struct curl_slist *list = NULL;
	bool ok = add_header(&list, "X-Aigate-User", f->user) &&
		  add_header(&list, "X-Aigate-Groups", f->groups) &&
		  add_header(&list, "X-Request-Id", f->request_id);

	/* Remove what libcurl would add on its own. */
	ok = ok && (list = curl_slist_append(list, "Expect:")) != NULL;
	if (ok && f->content_type != NULL)
		ok = add_header(&list, "Content-Type", f->content_type);
	else if (ok)
		ok = (list = curl_slist_append(list, "Content-Type:")) != NULL;
	if (!ok) {
		curl_slist_free_all(list);
		return NULL;
	}
	return list;
}

/* backend_url + encoded path + "?" + query. */
static char *make_url(const struct aig_forward *f)
{
	size_t blen = strlen(f->backend_url);
	char *path = NULL, *query = NULL, *url = NULL;
	size_t n;

	while (blen > 0 && f->backend_url[blen - 1] == '/')
		blen--;
	if (aig_url_encode_path(f->path, &path) &&
	    encode_query(f->query, &query)) {
		n = blen + strlen(path) + strlen(query) + 2;
		url = malloc(n);
		if (url != NULL)
			snprintf(url, n, "%.*s%s%s%s", (int)blen,
				 f->backend_url, path, query[0] ? "?" : "",
				 query);
	}
	free(path);
	free(query);
	return url;
}

static bool set_options(CURL *c, struct hop *h, const char *url,
			struct curl_slist *headers)
{
	const struct aig_forward *f = h->f;
	bool ok = true;

	/* No proxy, whatever the environment says (httpoxy); http(s) only;
	 * never follow a redirect: the client gets it as it is. */
	ok &= curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOPROXY, "*") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") ==
	      CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)f->timeout_ms) ==
	      CURLE_OK;
	ok &= curl_easy_setopt(
		      c, CURLOPT_CONNECTTIMEOUT_MS,
		      (long)(f->timeout_ms < 10000 ? f->timeout_ms : 10000)) ==
	      CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) ==
	      CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_HEADERDATA, h) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEDATA, h) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 16384L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) ==
	      CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_XFERINFODATA, h) == CURLE_OK;
	if (strcmp(f->method, "HEAD") == 0)
		ok &= curl_easy_setopt(c, CURLOPT_NOBODY, 1L) == CURLE_OK;
	else if (strcmp(f->method, "GET") != 0)
		ok &= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, f->method) ==
		      CURLE_OK;
	if (f->body_len > 0 || strcmp(f->method, "POST") == 0) {
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)f->body_len) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDS,
				       f->body ? f->body : "") == CURLE_OK;
	}
	return ok;
}

static void classify(struct aig_forward *f, CURLcode rc)
{
	static const struct aig_http_error timeout = {
		504, "gateway_timeout", "the backend did not answer in time"};
	static const struct aig_http_error broken = {
		502, "bad_gateway",
		"the backend could not be reached or "
		"sent an invalid response"};

	f->herr = rc == CURLE_OPERATION_TIMEDOUT ? timeout : broken;
	if (!f->headers_sent)
		f->status = f->herr.status;
}

bool aig_forward(struct aig_forward *f)
{
	struct hop h = {f, NULL, 0, ""};
	struct curl_slist *headers = NULL;
	struct timespec t0;
	char *url = NULL;
	CURLcode rc = CURLE_FAILED_INIT;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	f->headers_sent = f->client_gone = false;
	f->bytes_out = 0;
	h.curl = curl_easy_init();
	url = make_url(f);
	headers = make_headers(f);
	if (h.curl != NULL && url != NULL && headers != NULL &&
	    set_options(h.curl, &h, url, headers))
		rc = curl_easy_perform(h.curl);
	if (rc == CURLE_OK && !f->headers_sent) { /* an empty body */
		curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &h.status);
		if (h.status >= 100 && h.status <= 599)
			send_headers(&h);
		else
			rc = CURLE_WEIRD_SERVER_REPLY;
	}
	if (rc != CURLE_OK && !f->client_gone)
		classify(f, rc);
	f->backend_ms = ms_since(&t0);
	curl_slist_free_all(headers);
	free(url);
	curl_easy_cleanup(h.curl);
	return f->headers_sent;
}
