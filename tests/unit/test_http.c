/* SPDX-License-Identifier: Apache-2.0 */
/* test_http.c - the HTTP/1.1 client (http/) against real servers on
 * 127.0.0.1: the LangServe fixture (tests/fixtures/langserve_backend.py),
 * a hostile raw server (tests/fixtures/raw_http_server.py) for malformed,
 * oversized, cut, slow and reset answers, and the raw server over TLS with
 * a CA and certificates made here (right name, wrong name, another CA,
 * expired). Plus what is refused before anything is sent: URLs, methods,
 * headers. And keep-alive: when a kept connection carries the next
 * request and when it must not, seen from the server (which connection
 * answered, what it accepted and read) and from here (the descriptors
 * left open). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "aig_http.h"
#include "aig_test_pki.h"
#include "aig_test.h"

extern char **environ;

#define MAX_SERVERS 8

static char tmpdir[] = "/tmp/aig-test-http-XXXXXX";
static char ca_pem[300], other_ca_pem[300], ack_dir[300];
static pid_t servers[MAX_SERVERS];
static int n_servers;
static int raw_port, ls_port, tls_port, tls_wrong_port, tls_expired_port;
static int ka_port; /* a raw server that logs to ka_log */
static char ka_log[300];

/* ------------------------------------------------------------ servers */

/* Starts a fixture (args: NULL-terminated) whose first stdout line is
 * PORT=<n>; returns the port or -1. */
static int start(const char *const *args)
{
	posix_spawn_file_actions_t fa;
	char *argv[16] = {NULL};
	int fds[2], port = -1, i;
	pid_t pid = -1;
	FILE *f;

	if (n_servers == MAX_SERVERS || pipe(fds) != 0)
		return -1;
	for (i = 0; args[i] != NULL && i < 15; i++)
		if ((argv[i] = strdup(args[i])) == NULL)
			abort();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (pid > 0 && f != NULL && fscanf(f, "PORT=%d", &port) != 1)
		port = -1;
	if (f != NULL)
		fclose(f);
	if (pid > 0)
		servers[n_servers++] = pid;
	return port;
}

static int start_raw_log(const char *host, const char *cert_name,
			 const char *log)
{
	char script[400], cert[400], key[400];
	const char *argv[16] = {"python3", script,	"--host",
				host,	   "--ack-dir", ack_dir};
	int n = 6;
	const char *top = getenv("top_srcdir");

	if (log != NULL) {
		argv[n++] = "--log";
		argv[n++] = log;
	}

	snprintf(script, sizeof(script), "%s/tests/fixtures/raw_http_server.py",
		 top ? top : ".");
	if (cert_name != NULL) {
		snprintf(cert, sizeof(cert), "%s/%s.pem", tmpdir, cert_name);
		snprintf(key, sizeof(key), "%s/%s.key", tmpdir, cert_name);
		argv[n++] = "--cert";
		argv[n++] = cert;
		argv[n++] = "--key";
		argv[n++] = key;
	}
	argv[n] = NULL;
	return start(argv);
}

static int start_raw(const char *host, const char *cert_name)
{
	return start_raw_log(host, cert_name, NULL);
}

static int start_langserve(void)
{
	char script[400];
	const char *argv[] = {"python3", script,       "--port", "0",
			      "--quiet", "--lifetime", "300",	 NULL};
	const char *top = getenv("top_srcdir");

	snprintf(script, sizeof(script),
		 "%s/tests/fixtures/langserve_backend.py", top ? top : ".");
	return start(argv);
}

static void stop_servers(void)
{
	while (n_servers > 0) {
		kill(servers[--n_servers], SIGTERM);
		waitpid(servers[n_servers], NULL, 0);
	}
}

/* A port nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		abort();
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* ---------------------------------------------------------------- PKI */

static void make_pki(void)
{
	struct mint_pki pki;

	mint_pki_make(tmpdir, &pki);
	snprintf(ca_pem, sizeof(ca_pem), "%s", pki.ca_pem);
	snprintf(other_ca_pem, sizeof(other_ca_pem), "%s", pki.other_ca_pem);
	mint_server(tmpdir, "good", pki.ca_key, pki.ca,
		    "DNS:localhost,IP:127.0.0.1", -3600, 86400);
	mint_server(tmpdir, "wrong", pki.ca_key, pki.ca, "DNS:other.example",
		    -3600, 86400);
	mint_server(tmpdir, "expired", pki.ca_key, pki.ca,
		    "DNS:localhost,IP:127.0.0.1", -86400 * 2, -86400);
	mint_pki_free(&pki);
}

/* ----------------------------------------------------------- exchanges */

/* What a handler heard. */
struct heard {
	int status, headers_done, body_calls;
	char headers[16384];
	char *body;
	size_t body_len;
	int stop_at_body; /* > 0: AIG_HTTP_STOP at that on_body call */
	bool acks;	  /* create ack files for the raw server's sse */
	int events_acked;
	double first_body_s;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int on_header(void *ctx, int status, const char *name, const char *value)
{
	struct heard *h = ctx;
	size_t n = strlen(h->headers);

	h->status = status;
	snprintf(h->headers + n, sizeof(h->headers) - n, "%s: %s\n", name,
		 value);
	return AIG_HTTP_GO_ON;
}

static int on_headers_done(void *ctx, int status)
{
	struct heard *h = ctx;

	h->status = status;
	h->headers_done++;
	return AIG_HTTP_GO_ON;
}

/* Counts the whole events received ("\r\n\r\n"), and tells the raw
 * server each one arrived. */
static void ack_events(struct heard *h)
{
	const char *p = h->body;
	char path[400];
	int n = 0;

	while ((p = strstr(p, "\r\n\r\n")) != NULL) {
		p += 4;
		n++;
	}
	for (; h->events_acked < n; h->events_acked++) {
		snprintf(path, sizeof(path), "%s/%d", ack_dir, h->events_acked);
		close(open(path, O_CREAT | O_WRONLY, 0600));
	}
}

static int on_body(void *ctx, const char *data, size_t len)
{
	struct heard *h = ctx;
	char *nb = realloc(h->body, h->body_len + len + 1);

	if (nb == NULL)
		abort();
	if (h->body_calls++ == 0)
		h->first_body_s = now_s();
	h->body = nb;
	memcpy(h->body + h->body_len, data, len);
	h->body_len += len;
	h->body[h->body_len] = '\0';
	if (h->acks)
		ack_events(h);
	return h->stop_at_body == h->body_calls ? AIG_HTTP_STOP
						: AIG_HTTP_GO_ON;
}

static struct aig_http_client *client, *client_ca, *client_other_ca;
static struct aig_error err;

/* GETs url (+ path) with client c into h; err gets the message. */
static int get(struct aig_http_client *c, const char *url, const char *path,
	       struct heard *h)
{
	struct aig_http_handler handler = {on_header, on_headers_done, on_body,
					   h};
	struct aig_http_request req = {0};

	memset(&err, 0, sizeof(err));
	req.method = "GET";
	req.url = url;
	req.path = path;
	req.timeout_ms = 20000;
	return aig_http_exchange(c, &req, &handler, &err);
}

static void heard_clear(struct heard *h)
{
	free(h->body);
	memset(h, 0, sizeof(*h));
}

static int raw(const char *path, struct heard *h)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", raw_port);
	return get(client, url, path, h);
}

/* ----------------------------------------------------- refused inputs */

static int try_request(struct aig_http_request *req)
{
	memset(&err, 0, sizeof(err));
	if (req->method == NULL)
		req->method = "GET";
	if (req->timeout_ms == 0)
		req->timeout_ms = 1000;
	return aig_http_exchange(client, req, NULL, &err);
}

/* Every status the part can return, common ones included, has a name of
 * its own (not the catch-all "error", not another status's); numbers
 * outside the common range and the part's own have none. */
static void test_status_range(void)
{
	int v[AIG_STATUS_RANGE * 2], n = 0, i, j, bad = 0;

	for (i = AIG_OK; i < AIG_ERR__COMMON_MAX; i++)
		v[n++] = i;
	for (i = AIG_HTTP_ERR_TIMEOUT; i < AIG_HTTP_ERR__MAX; i++)
		v[n++] = i;
	for (i = 0; i < n; i++) {
		bad += strcmp(aig_http_status_name(v[i]), "error") == 0;
		for (j = 0; j < i; j++)
			bad += strcmp(aig_http_status_name(v[i]),
				      aig_http_status_name(v[j])) == 0;
	}
	ok(bad == 0 && AIG_HTTP_ERR_TIMEOUT == AIG_HTTP_STATUS_BASE,
	   "http: %d statuses from %d, each named once", n,
	   (int)AIG_HTTP_STATUS_BASE);
	ok(strcmp(aig_http_status_name(AIG_ERR__COMMON_MAX), "error") == 0 &&
		   strcmp(aig_http_status_name(AIG_HTTP_ERR__MAX), "error") ==
			   0 &&
		   strcmp(aig_http_status_name(AIG_LDAP_STATUS_BASE),
			  "error") == 0,
	   "http: no name outside its ranges");
}

static void test_refused_inputs(void)
{
	static const char *bad_urls[] = {
		"ftp://127.0.0.1/x",	   "http://user:pw@127.0.0.1/",
		"http://127.0.0.1:0/",	   "not a url",
		"/relative/path",	   "http://[::1/",
		"http://127.0.0.1:99999/", "http://[fe80::1%25eth0]/",
		"http://127.0.0.1/a b",
	};
	struct aig_http_header h1 = {"X-Evil", "a\r\nX-Injected: 1"};
	struct aig_http_header h2 = {"Bad Name", "x"};
	struct aig_http_header h3 = {"Host", "evil.example"};
	struct aig_http_header h4 = {"X-Tab", "a\tb"};
	struct aig_http_header h5 = {"X-Del", "a\x7f"};
	struct aig_http_header h6 = {"Transfer-Encoding", "chunked"};
	char url[64];
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
		struct aig_http_request req = {.url = bad_urls[i]};

		if (try_request(&req) != AIG_ERR_INVALID ||
		    strstr(err.msg, "user:pw") != NULL) {
			printf("# %s: %s\n", bad_urls[i], err.msg);
			bad++;
		}
	}
	ok(bad == 0, "bad URLs refused before connecting, never quoted");
	{
		char long_url[400];
		struct aig_http_request req = {.url = long_url};

		snprintf(long_url, sizeof(long_url), "http://%0300d/", 0);
		memset(long_url + 7, 'a', 300);
		ok(try_request(&req) == AIG_ERR_INVALID,
		   "a 300-byte host name refused (%s)", err.msg);
	}

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	{
		struct aig_http_request req = {.url = url, .https_only = true};

		ok(try_request(&req) == AIG_ERR_INVALID,
		   "https_only refuses http:// (%s)", err.msg);
	}
#define REFUSED(what, ...)                                                     \
	do {                                                                   \
		struct aig_http_request req = {.url = url, __VA_ARGS__};       \
		ok(try_request(&req) == AIG_ERR_INVALID, what " (%s)",         \
		   err.msg);                                                   \
	} while (0)
	REFUSED("a method with a space", .method = "GE T");
	REFUSED("an empty method", .method = "");
	REFUSED("a timeout of -1", .timeout_ms = -1);
	REFUSED("a value with CR LF", .headers = &h1, .n_headers = 1);
	ok(strstr(err.msg, "X-Injected") == NULL,
	   "the message does not quote the header (%s)", err.msg);
	REFUSED("a name with a space", .headers = &h2, .n_headers = 1);
	REFUSED("a Host header of the caller", .headers = &h3, .n_headers = 1);
	REFUSED("a value with a tab", .headers = &h4, .n_headers = 1);
	REFUSED("a value with DEL", .headers = &h5, .n_headers = 1);
	REFUSED("Transfer-Encoding", .headers = &h6, .n_headers = 1);
	REFUSED("a path with '?'", .path = "/a?b");
	REFUSED("a path with LF", .path = "/a\nb");
	REFUSED("a query with a space", .path = "/a", .query = "x=1 2");
	REFUSED("a path without a leading '/'", .path = "no-slash");
#undef REFUSED
	{
		struct aig_http_request req = {.url = url};

		ok(try_request(&req) == AIG_HTTP_ERR_CONNECT &&
			   strstr(err.msg, "refused") != NULL,
		   "nothing listening: cannot connect (%s)", err.msg);
	}
}

/* ---------------------------------------------------- what is sent */

static void test_request_bytes(void)
{
	struct aig_http_header hs[] = {{"X-Aigate-User", "bob"},
				       {"X-Groups", "AI Users,Straße"}};
	struct aig_http_handler handler;
	struct aig_http_request req = {0};
	struct heard h = {0};
	char url[64], want[512];
	int rc;

	handler = (struct aig_http_handler){on_header, on_headers_done, on_body,
					    &h};
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo/", raw_port);
	req.method = "POST";
	req.url = url;
	req.path = "/a%20b/c";
	req.query = "x=1&y=%2F";
	req.headers = hs;
	req.n_headers = 2;
	req.body = "{\"input\": 1}";
	req.body_len = strlen(req.body);
	req.timeout_ms = 20000;
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	snprintf(want, sizeof(want),
		 "POST /echo/a%%20b/c?x=1&y=%%2F HTTP/1.1\r\n"
		 "Host: 127.0.0.1:%d\r\nX-Aigate-User: bob\r\n"
		 "X-Groups: AI Users,Straße\r\nContent-Length: 12\r\n"
		 "Connection: close\r\n\r\n{\"input\": 1}",
		 raw_port);
	ok(rc == AIG_OK && h.body && strcmp(h.body, want) == 0,
	   "request line, Host, the caller's headers only, Content-Length, "
	   "Connection: close, body (%s)",
	   err.msg);
	if (h.body && strcmp(h.body, want) != 0)
		printf("# got:\n%s\n", h.body);
	heard_clear(&h);

	req.method = "DELETE";
	req.path = NULL;
	req.query = NULL;
	req.n_headers = 0;
	req.body = "";
	req.body_len = 0;
	handler.ctx = &h;
	memset(&err, 0, sizeof(err));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo?q=1#frag",
		 raw_port);
	rc = aig_http_exchange(client, &req, &handler, &err);
	snprintf(want, sizeof(want),
		 "DELETE /echo?q=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		 "Content-Length: 0\r\nConnection: close\r\n\r\n",
		 raw_port);
	ok(rc == AIG_OK && h.body && strcmp(h.body, want) == 0,
	   "the URL's own path and query; an empty body has Content-Length: "
	   "0; no fragment sent (%s)",
	   err.msg);
	heard_clear(&h);
}

static void test_ipv6(void)
{
	struct heard h = {0};
	char url[64], want[64];
	int port = start_raw("::1", NULL), rc;

	if (port < 0) {
		ok(1, "# SKIP no IPv6 loopback here");
		return;
	}
	snprintf(url, sizeof(url), "http://[::1]:%d", port);
	rc = get(client, url, "/echo", &h);
	snprintf(want, sizeof(want), "Host: [::1]:%d\r\n", port);
	ok(rc == AIG_OK && h.body && strstr(h.body, want) != NULL,
	   "an IPv6 literal: connected, Host bracketed with the port (%s)",
	   err.msg);
	heard_clear(&h);
}

/* ------------------------------------------------- good answers */

static void test_good_answers(void)
{
	struct heard h = {0};
	double t0;
	size_t i;
	int rc, bad;

	t0 = now_s();
	rc = raw("/ok", &h);
	ok(rc == AIG_OK && h.status == 200 && h.headers_done == 1 &&
		   strstr(h.headers, "Content-Type: text/plain\n") &&
		   h.body_len == 5 && memcmp(h.body, "hello", 5) == 0 &&
		   now_s() - t0 < 5,
	   "200 with Content-Length: done at the length, not at the close "
	   "(%s)",
	   err.msg);
	heard_clear(&h);

	rc = raw("/interim", &h);
	ok(rc == AIG_OK && h.status == 200 && h.headers_done == 1 &&
		   strstr(h.headers, "Link") == NULL && h.body_len == 2,
	   "100 and 103 skipped: one 200, without the 103's headers (%s)",
	   err.msg);
	heard_clear(&h);

	rc = raw("/trailers", &h);
	ok(rc == AIG_OK && strstr(h.headers, "X-Trailer: t") == NULL &&
		   h.body_len == 2 && memcmp(h.body, "ok", 2) == 0,
	   "chunked with a trailer: body decoded, trailer not a header (%s)",
	   err.msg);
	heard_clear(&h);

	rc = raw("/after", &h);
	ok(rc == AIG_OK && h.body_len == 2,
	   "bytes after the response's end are ignored (%s)", err.msg);
	heard_clear(&h);

	rc = raw("/close-delimited", &h);
	ok(rc == AIG_OK && h.body && strcmp(h.body, "until the end") == 0,
	   "a body ended by the close (%s)", err.msg);
	heard_clear(&h);

	rc = raw("/split-header", &h);
	ok(rc == AIG_OK && strstr(h.headers, "X-After: 1\n") &&
		   strlen(h.headers) > 8000 && h.body_len == 2,
	   "an 8000-byte header sent in 50-byte pieces arrives whole (%s)",
	   err.msg);
	heard_clear(&h);

	rc = raw("/max-headers", &h);
	ok(rc == AIG_OK && strstr(h.headers, "X-H98: v\n"),
	   "100 headers pass (%s)", err.msg);
	heard_clear(&h);

	rc = raw("/status/404", &h);
	ok(rc == AIG_OK && h.status == 404,
	   "a 404 is a response, not an error");
	heard_clear(&h);

	rc = raw("/big", &h);
	for (i = 0, bad = 0; rc == AIG_OK && i < h.body_len; i++)
		bad += (unsigned char)h.body[i] != i % 251;
	ok(rc == AIG_OK && h.body_len == 1u << 20 && bad == 0,
	   "1 MiB by Content-Length, byte for byte (%s)", err.msg);
	heard_clear(&h);

	rc = raw("/big-chunked", &h);
	for (i = 0, bad = 0; rc == AIG_OK && i < h.body_len; i++)
		bad += (unsigned char)h.body[i] != i % 251;
	ok(rc == AIG_OK && h.body_len == 1u << 20 && bad == 0,
	   "1 MiB chunked, byte for byte (%s)", err.msg);
	heard_clear(&h);
}

static void test_head(void)
{
	struct aig_http_handler handler;
	struct aig_http_request req = {0};
	struct heard h = {0};
	char url[64];
	double t0 = now_s();
	int rc;

	handler = (struct aig_http_handler){on_header, on_headers_done, on_body,
					    &h};
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/head", raw_port);
	req.method = "HEAD";
	req.url = url;
	req.timeout_ms = 20000;
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_OK && h.status == 200 && h.body_calls == 0 &&
		   now_s() - t0 < 5,
	   "HEAD: Content-Length: 10 and no body awaited (%s)", err.msg);
	heard_clear(&h);
}

/* ----------------------------------------------------- hostile answers */

static void test_hostile(void)
{
	static const struct {
		const char *path, *msg, *what;
		int headers_done; /* the headers were whole and passed on */
	} cases[] = {
		{"/bad-status", "malformed", "a malformed status line", 0},
		{"/not-http", "malformed", "not HTTP at all", 0},
		{"/long-header", "8 KiB", "a 9000-byte header line", 0},
		{"/many-headers", "100", "101 headers", 0},
		{"/big-block", "64 KiB", "a 71 KB header block", 0},
		{"/bad-chunk", "malformed", "a bad chunk size", 1},
		{"/trunc-chunk", "cut short", "a chunked body cut short", 1},
		{"/trunc-length", "cut short",
		 "a Content-Length body cut short", 1},
		{"/nul-header", "malformed", "a NUL in a header value", 0},
		{"/space-name", "header name", "a space in a header name", 0},
		{"/both-lengths", "malformed",
		 "Content-Length and Transfer-Encoding both", 0},
		{"/switch", "protocol switch", "101 Switching Protocols", 0},
		{"/interim-flood", "interim", "eleven 100 Continue", 0},
		{"/status/999", "out of range", "status 999", 0},
		{"/status/099", "out of range", "status 99", 0},
		{"/empty", "without a response", "closed without a byte", 0},
	};
	struct heard h = {0};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = raw(cases[i].path, &h);
		ok(rc == AIG_HTTP_ERR_PROTOCOL &&
			   strstr(err.msg, cases[i].msg) != NULL &&
			   h.headers_done == cases[i].headers_done,
		   "%s: bad response%s (%s)", cases[i].what,
		   cases[i].headers_done ? " after the headers"
					 : ", no headers passed on",
		   err.msg);
		heard_clear(&h);
	}

	rc = raw("/reset", &h);
	ok(rc == AIG_HTTP_ERR_IO && strstr(err.msg, "reset") != NULL,
	   "a reset before the answer (%s)", err.msg);
	heard_clear(&h);

	rc = raw("/reset-mid", &h);
	ok((rc == AIG_HTTP_ERR_IO || rc == AIG_HTTP_ERR_PROTOCOL) &&
		   h.headers_done == 1,
	   "a reset in the body, after the headers: an error (%s)", err.msg);
	heard_clear(&h);
}

static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void test_time(void)
{
	struct aig_http_handler handler;
	struct aig_http_request req = {0};
	struct sigaction sa, old;
	struct itimerval it = {{0, 0}, {0, 300000}};
	struct heard h = {0};
	char url[64];
	double t0;
	int rc;

	handler = (struct aig_http_handler){on_header, on_headers_done, on_body,
					    &h};
	req.method = "GET";
	req.url = url;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", raw_port);
	req.timeout_ms = 600;
	t0 = now_s();
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_HTTP_ERR_TIMEOUT && now_s() - t0 >= 0.55 &&
		   now_s() - t0 < 3,
	   "a server that does not answer: timeout after 600 ms (%.2f s, "
	   "%s)",
	   now_s() - t0, err.msg);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow-body", raw_port);
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_HTTP_ERR_TIMEOUT && h.headers_done == 1 && h.body_len == 3,
	   "a body that stalls: headers and 3 bytes passed on, then "
	   "timeout (%s)",
	   err.msg);
	heard_clear(&h);

	/* SIGTERM from the web server, as the CGI gets it */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	stop_flag = 0;
	req.stop = &stop_flag;
	req.timeout_ms = 30000;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", raw_port);
	t0 = now_s();
	setitimer(ITIMER_REAL, &it, NULL);
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_HTTP_ERR_STOPPED && now_s() - t0 < 2.5,
	   "the stop flag set by a signal 300 ms in: stopped after %.2f s "
	   "(%s)",
	   now_s() - t0, err.msg);
	sigaction(SIGALRM, &old, NULL);

	h.stop_at_body = 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow-body", raw_port);
	stop_flag = 0;
	t0 = now_s();
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_HTTP_ERR_STOPPED && h.body_calls == 1 && now_s() - t0 < 5,
	   "a callback that answers stop ends the transfer (%s)", err.msg);
	heard_clear(&h);
}

/* Each event reaches the callback before the server sends the next: the
 * server waits for the callback's ack file. */
static void test_event_stream(struct aig_http_client *c, const char *url,
			      const char *what)
{
	struct heard h = {0};
	char cmd[400];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -f %s/*", ack_dir);
	if (system(cmd) != 0)
		abort();
	h.acks = true;
	rc = get(c, url, "/sse", &h);
	ok(rc == AIG_OK && h.events_acked == 3 && h.body_calls >= 3 &&
		   strstr(h.headers, "text/event-stream"),
	   "%s: 3 events, each passed on before the next was sent (%s)", what,
	   err.msg);
	heard_clear(&h);
}

/* --------------------------------------------------------- LangServe */

static void test_langserve(void)
{
	struct aig_http_header hs[] = {{"Content-Type", "application/json"},
				       {"X-Aigate-User", "bob"}};
	struct aig_http_handler handler;
	struct aig_http_request req = {0};
	struct heard h = {0};
	const char *body = "{\"input\": {\"messages\": [{\"type\": \"human\", "
			   "\"content\": \"hello there\"}]}}";
	char url[64];
	int rc;

	handler = (struct aig_http_handler){on_header, on_headers_done, on_body,
					    &h};
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ls_port);
	req.method = "POST";
	req.url = url;
	req.path = "/chat/invoke";
	req.headers = hs;
	req.n_headers = 2;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = 20000;
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_OK && h.status == 200 &&
		   strstr(h.headers, "application/json") && h.body &&
		   strstr(h.body, "echo: hello there"),
	   "LangServe /chat/invoke (%s)", err.msg);
	heard_clear(&h);

	req.path = "/chat/stream";
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_OK && h.status == 200 &&
		   strstr(h.headers, "text/event-stream") && h.body &&
		   strstr(h.body, "event: data") &&
		   strstr(h.body, "event: end"),
	   "LangServe /chat/stream, chunked server-sent events (%s)", err.msg);
	heard_clear(&h);

	req.path = "/_fixture/echo";
	req.query = "x=1&y=%2F";
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(client, &req, &handler, &err);
	ok(rc == AIG_OK && h.body && strstr(h.body, "\"x-aigate-user\"") &&
		   strstr(h.body, "x=1&y=%2F") && strstr(h.body, "hello there"),
	   "LangServe echo: headers, raw query and body arrived (%s)", err.msg);
	heard_clear(&h);
}

/* --------------------------------------------------------------- TLS */

static void test_tls(void)
{
	struct aig_http_client *c = NULL;
	struct heard h = {0};
	char url[64];
	int rc;

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", tls_port);
	rc = get(client_ca, url, "/ok", &h);
	ok(rc == AIG_OK && h.body && strcmp(h.body, "hello") == 0,
	   "https to 127.0.0.1 with the test CA: verified (IP SAN) (%s)",
	   err.msg);
	heard_clear(&h);

	rc = get(client_ca, url, "/sni", &h);
	ok(rc == AIG_OK && h.body && strcmp(h.body, "-") == 0,
	   "no SNI for an IP literal (%s)", h.body ? h.body : err.msg);
	heard_clear(&h);

	snprintf(url, sizeof(url), "https://localhost:%d", tls_port);
	rc = get(client_ca, url, "/sni", &h);
	ok(rc == AIG_OK && h.body && strcmp(h.body, "localhost") == 0,
	   "https to localhost: verified, SNI sent (%s)",
	   h.body ? h.body : err.msg);
	heard_clear(&h);

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", tls_port);
	test_event_stream(client_ca, url, "over TLS");
	rc = get(client_ca, url, "/close-delimited", &h);
	ok(rc == AIG_OK && h.body && strcmp(h.body, "until the end") == 0,
	   "over TLS, a body ended by close_notify (%s)", err.msg);
	heard_clear(&h);
	rc = get(client_ca, url, "/no-notify", &h);
	ok(rc == AIG_HTTP_ERR_PROTOCOL && strstr(err.msg, "close_notify"),
	   "over TLS, a close without close_notify may be a cut: refused "
	   "(%s)",
	   err.msg);
	heard_clear(&h);
	rc = get(client_ca, url, "/trunc-length", &h);
	ok(rc == AIG_HTTP_ERR_PROTOCOL && strstr(err.msg, "cut short"),
	   "over TLS, a Content-Length body cut short (%s)", err.msg);
	heard_clear(&h);

	snprintf(url, sizeof(url), "https://localhost:%d", tls_wrong_port);
	rc = get(client_ca, url, "/ok", &h);
	ok(rc == AIG_HTTP_ERR_TLS && strstr(err.msg, "verification failed") &&
		   strstr(err.msg, "hostname mismatch") && h.body_calls == 0,
	   "a certificate for another name: refused (%s)", err.msg);
	heard_clear(&h);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", tls_wrong_port);
	rc = get(client_ca, url, "/ok", &h);
	ok(rc == AIG_HTTP_ERR_TLS && strstr(err.msg, "IP address mismatch"),
	   "a certificate without the IP: refused (%s)", err.msg);
	heard_clear(&h);

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", tls_port);
	rc = get(client_other_ca, url, "/ok", &h);
	ok(rc == AIG_HTTP_ERR_TLS && strstr(err.msg, "verification failed") &&
		   strstr(err.msg, "certificate"),
	   "a server from another CA: refused (%s)", err.msg);
	heard_clear(&h);
	rc = get(client, url, "/ok", &h);
	ok(rc == AIG_HTTP_ERR_TLS && strstr(err.msg, "verification failed"),
	   "the system store does not know the test CA: refused (%s)", err.msg);
	heard_clear(&h);

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", tls_expired_port);
	rc = get(client_ca, url, "/ok", &h);
	ok(rc == AIG_HTTP_ERR_TLS && strstr(err.msg, "expired"),
	   "an expired certificate: refused (%s)", err.msg);
	heard_clear(&h);

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", ls_port);
	rc = get(client_ca, url, "/ok", &h);
	ok(rc == AIG_HTTP_ERR_TLS && strstr(err.msg, "TLS handshake failed"),
	   "https to a plain HTTP server: TLS fails (%s)", err.msg);
	heard_clear(&h);

	if (aig_http_client_new("/nonexistent/ca.pem", &c, NULL) != AIG_OK)
		abort();
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", tls_port);
	rc = get(c, url, "/ok", &h);
	ok(rc == AIG_HTTP_ERR_TLS && strstr(err.msg, "CA file"),
	   "a CA file that cannot be read: refused (%s)", err.msg);
	heard_clear(&h);
	aig_http_client_free(c);
}

/* --------------------------------------------------------- keep-alive */

/* The descriptors open here; *sockets (may be NULL) gets how many are
 * sockets, inode (may be NULL) the last socket's "socket:[N]". */
static int count_fds(int *sockets, char *inode, size_t inode_len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], link[64];
	ssize_t n;
	int count = 0;

	if (d == NULL)
		abort();
	if (sockets != NULL)
		*sockets = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		count++;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0 || strncmp(link, "socket:", 7) != 0)
			continue;
		link[n] = '\0';
		if (sockets != NULL)
			++*sockets;
		if (inode != NULL)
			snprintf(inode, inode_len, "%s", link);
	}
	closedir(d);
	return count;
}

static int fds(void)
{
	return count_fds(NULL, NULL, 0);
}

/* Lines of the keep-alive server's log: "accept" lines when target is
 * NULL, else "request" lines for exactly that target. */
static int logged(const char *target)
{
	FILE *f = fopen(ka_log, "r");
	char line[600], want[400];
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (target == NULL) {
			n += strncmp(line, "accept ", 7) == 0;
		} else if (sscanf(line, "request %*d %399s", want) == 1) {
			n += strcmp(want, target) == 0;
		}
	}
	fclose(f);
	return n;
}

/* Which server, connection and request on it answered a ka* case. */
struct ka {
	int rc, port, conn, req;
};

/* method url path (body NULL: none) with c, timeout 10 s; the answer's
 * "port=P conn=N req=I" taken apart (all -1 if it was not one). */
static struct ka ka_ex(struct aig_http_client *c, const char *method,
		       const char *url, const char *path, const char *body,
		       struct heard *h)
{
	struct aig_http_handler handler = {on_header, on_headers_done, on_body,
					   h};
	struct aig_http_request req = {0};
	struct ka k = {0, -1, -1, -1};

	memset(&err, 0, sizeof(err));
	req.method = method;
	req.url = url;
	req.path = path;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.timeout_ms = 10000;
	k.rc = aig_http_exchange(c, &req, &handler, &err);
	if (k.rc == AIG_OK && h->body != NULL &&
	    sscanf(h->body, "port=%d conn=%d req=%d", &k.port, &k.conn,
		   &k.req) != 3)
		k.port = k.conn = k.req = -1;
	return k;
}

/* The same, for when only what came back matters. */
static struct ka ka_get(struct aig_http_client *c, const char *url,
			const char *path)
{
	struct heard h = {0};
	struct ka k = ka_ex(c, "GET", url, path, NULL, &h);

	heard_clear(&h);
	return k;
}

static struct ka ka_post(struct aig_http_client *c, const char *url,
			 const char *path)
{
	struct heard h = {0};
	struct ka k = ka_ex(c, "POST", url, path, "{\"input\": 1}", &h);

	heard_clear(&h);
	return k;
}

static struct aig_http_client *ka_client(const char *ca, int idle_ms,
					 unsigned max)
{
	struct aig_http_client *c = NULL;

	if (aig_http_client_new(ca, &c, NULL) != AIG_OK)
		abort();
	aig_http_client_keep_alive(c, idle_ms, max);
	return c;
}

static void test_keep_alive_reuse(const char *url, int base)
{
	struct aig_http_client *c = ka_client(NULL, 5000, 1000);
	struct heard h = {0};
	struct ka k, first;
	char *big;
	int i, bad = 0, accepts = logged(NULL);

	k = ka_ex(c, "GET", url, "/echo", NULL, &h);
	ok(k.rc == AIG_OK && h.body && strstr(h.body, "GET /echo HTTP/1.1") &&
		   strstr(h.body, "Connection") == NULL,
	   "a keeping client sends no Connection header (%s)", err.msg);
	heard_clear(&h);
	first = ka_get(c, url, "/ka");
	for (i = 0; i < 18; i++) {
		k = i % 2 ? ka_get(c, url, "/ka") : ka_post(c, url, "/ka");
		bad += k.rc != AIG_OK || k.conn != first.conn ||
		       k.req != first.req + i + 1;
	}
	ok(first.rc == AIG_OK && first.req == 2 && bad == 0 &&
		   logged(NULL) == accepts + 1 && fds() == base + 1,
	   "20 requests (GET, POST) through one client: one connection "
	   "accepted, request n on it answers the nth, one descriptor kept "
	   "(%s)",
	   err.msg);

	/* a body too big to go with the head: sent after it */
	big = malloc(100001);
	if (big == NULL)
		abort();
	memset(big, 'b', 100000);
	big[100000] = '\0';
	k = ka_ex(c, "POST", url, "/echo", big, &h);
	ok(k.rc == AIG_OK && h.body_len > 100000 &&
		   strstr(h.body, "Content-Length: 100000\r\n\r\nbbb") &&
		   ka_get(c, url, "/ka").conn == first.conn,
	   "a 100 kB body after its head, on the kept connection, which "
	   "stays (%s)",
	   err.msg);
	heard_clear(&h);
	free(big);

	k = ka_get(c, url, "/ka-chunked");
	ok(k.rc == AIG_OK && k.conn == first.conn &&
		   ka_get(c, url, "/ka").conn == first.conn,
	   "a chunked response keeps the connection (%s)", err.msg);

	aig_http_client_keep_alive(c, 0, 0);
	ok(fds() == base, "keep-alive turned off: the kept connection closed");
	k = ka_ex(c, "GET", url, "/echo", NULL, &h);
	ok(k.rc == AIG_OK && h.body &&
		   strstr(h.body, "\r\nConnection: close\r\n") && fds() == base,
	   "then Connection: close again, nothing kept (%s)", err.msg);
	heard_clear(&h);
	aig_http_client_keep_alive(c, 5000, 1000);
	ka_get(c, url, "/ka");
	ok(fds() == base + 1, "on again: a connection kept");
	aig_http_client_free(c);
	ok(fds() == base, "aig_http_client_free closes the kept connection");
}

/* Responses after which the connection must not carry another request. */
static void test_keep_alive_refused(const char *url, int base)
{
	static const struct {
		const char *path, *what;
	} cases[] = {
		{"/ka-close", "Connection: close from the server (which would "
			      "have answered again)"},
		{"/ka-after", "a whole response after the response, in the "
			      "same write"},
		{"/ka-http10", "HTTP/1.0 with Connection: keep-alive"},
		{"/ka-eof", "a body ended by the close"},
	};
	struct aig_http_client *c = ka_client(NULL, 5000, 1000);
	struct heard h = {0};
	struct ka k, next;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = ka_get(c, url, cases[i].path);
		ok(k.rc == AIG_OK && fds() == base,
		   "%s: answered, nothing kept (%s)", cases[i].what, err.msg);
		next = ka_ex(c, "GET", url, "/ka", NULL, &h);
		ok(next.rc == AIG_OK && next.conn != k.conn && next.req == 1,
		   "%s: the next request on a new connection (%s)",
		   cases[i].what, err.msg);
		heard_clear(&h);
	}

	k = ka_get(c, url, "/ka-late");
	usleep(250000);
	next = ka_ex(c, "GET", url, "/ka", NULL, &h);
	ok(k.rc == AIG_OK && next.rc == AIG_OK && next.conn != k.conn &&
		   next.req == 1,
	   "bytes sent on the idle connection: seen before sending, next "
	   "request on a new connection (%s)",
	   err.msg);
	heard_clear(&h);
	aig_http_client_free(c);
	ok(fds() == base, "no descriptor left");
}

/* The server closes a kept connection: before the request (seen by the
 * check before sending), or as it arrives (a second try, when safe). */
static void test_keep_alive_closed(const char *url, int base)
{
	struct aig_http_client *c = ka_client(NULL, 5000, 1000);
	struct ka k, next;

	k = ka_get(c, url, "/ka-idle-close");
	usleep(300000);
	next = ka_post(c, url, "/ka/after-idle");
	ok(k.rc == AIG_OK && next.rc == AIG_OK && next.conn != k.conn &&
		   next.req == 1 && logged("/ka/after-idle") == 1,
	   "the server closed the idle connection: the POST goes on a new "
	   "one, read once (%s)",
	   err.msg);

	k = ka_get(c, url, "/ka-close-unread");
	next = ka_get(c, url, "/ka/race-get");
	ok(k.rc == AIG_OK && next.rc == AIG_OK && next.conn != k.conn &&
		   next.req == 1 && logged("/ka/race-get") == 1,
	   "closed unread as the GET arrived (a reset): sent again on a new "
	   "connection, read once (%s)",
	   err.msg);
	k = ka_get(c, url, "/ka-close-unread");
	next = ka_post(c, url, "/ka/race-post");
	ok(k.rc == AIG_OK &&
		   (next.rc == AIG_HTTP_ERR_IO ||
		    next.rc == AIG_HTTP_ERR_PROTOCOL) &&
		   logged("/ka/race-post") == 0 && fds() == base,
	   "the same for a POST: not sent again (a proxy must not), an "
	   "error, nothing kept (%s)",
	   err.msg);

	k = ka_get(c, url, "/ka-read-close");
	next = ka_get(c, url, "/ka/read-get");
	ok(k.rc == AIG_OK && next.rc == AIG_OK && next.req == 1 &&
		   logged("/ka/read-get") == 2,
	   "read, then closed without a byte: a GET is sent again, and was "
	   "read twice: idempotent, RFC 9110 §9.2.2 (%s)",
	   err.msg);
	k = ka_get(c, url, "/ka-read-close");
	next = ka_post(c, url, "/ka/read-post");
	ok(k.rc == AIG_OK && next.rc == AIG_HTTP_ERR_PROTOCOL &&
		   logged("/ka/read-post") == 1,
	   "a POST is not: read once, an error (%s)", err.msg);

	ka_get(c, url, "/ka");
	next = ka_get(c, url, "/reset/ka-once");
	ok(next.rc == AIG_HTTP_ERR_IO && logged("/reset/ka-once") == 2 &&
		   fds() == base,
	   "a GET reset before a byte on the kept connection: sent again "
	   "once only, then the error (%s)",
	   err.msg);

	ka_get(c, url, "/ka");
	next = ka_get(c, url, "/reset-mid/ka");
	ok((next.rc == AIG_HTTP_ERR_IO || next.rc == AIG_HTTP_ERR_PROTOCOL) &&
		   logged("/reset-mid/ka") == 1 && fds() == base,
	   "a reset after part of the response: never sent again (%s)",
	   err.msg);
	aig_http_client_free(c);
}

/* The deadline, the stop flag and a callback that stops close it. */
static void test_keep_alive_cut(const char *url, int base)
{
	struct aig_http_client *c = ka_client(NULL, 5000, 1000);
	struct aig_http_handler handler;
	struct aig_http_request req = {0};
	struct heard h = {0};
	char full[300];
	struct ka k, next;
	int rc;

	handler = (struct aig_http_handler){on_header, on_headers_done, on_body,
					    &h};
	k = ka_get(c, url, "/ka");
	snprintf(full, sizeof(full), "%s/slow/ka", url);
	req.method = "GET";
	req.url = full;
	req.timeout_ms = 300;
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(c, &req, &handler, &err);
	ok(rc == AIG_HTTP_ERR_TIMEOUT && logged("/slow/ka") == 1 &&
		   fds() == base,
	   "a timeout on the kept connection: not sent again, closed (%s)",
	   err.msg);
	next = ka_get(c, url, "/ka");
	ok(next.rc == AIG_OK && next.conn != k.conn && next.req == 1,
	   "the next request on a new connection");

	h.stop_at_body = 1;
	snprintf(full, sizeof(full), "%s/ka", url);
	req.timeout_ms = 10000;
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(c, &req, &handler, &err);
	ok(rc == AIG_HTTP_ERR_STOPPED && fds() == base,
	   "a callback that stops: the connection closed (%s)", err.msg);
	heard_clear(&h);

	k = ka_get(c, url, "/ka");
	stop_flag = 1;
	req.stop = &stop_flag;
	memset(&err, 0, sizeof(err));
	rc = aig_http_exchange(c, &req, &handler, &err);
	stop_flag = 0;
	ok(rc == AIG_HTTP_ERR_STOPPED && fds() == base,
	   "the stop flag: the connection closed (%s)", err.msg);
	next = ka_get(c, url, "/ka");
	ok(next.rc == AIG_OK && next.conn != k.conn && next.req == 1,
	   "the next request on a new connection");
	heard_clear(&h);
	aig_http_client_free(c);
}

/* The idle limit, the request limit, and what a connection is kept for. */
static void test_keep_alive_limits(const char *url, int base)
{
	struct aig_http_client *c = ka_client(NULL, 200, 1000);
	struct ka a, b, d;
	char other[64], byname[64];
	int i, bad = 0;

	a = ka_get(c, url, "/ka");
	usleep(50000);
	b = ka_get(c, url, "/ka");
	usleep(300000);
	d = ka_get(c, url, "/ka");
	ok(a.rc == AIG_OK && b.conn == a.conn && d.rc == AIG_OK &&
		   d.conn != a.conn && d.req == 1,
	   "idle 50 ms of 200: kept; idle 300 ms: a new connection");

	aig_http_client_keep_alive(c, 5000, 3);
	a = ka_get(c, url, "/ka");
	for (i = 0; i < 5; i++) {
		b = ka_get(c, url, "/ka");
		bad += b.rc != AIG_OK || b.req != (a.req + i) % 3 + 1;
	}
	ok(bad == 0, "at most 3 requests on a connection");

	aig_http_client_keep_alive(c, 5000, 1000);
	snprintf(other, sizeof(other), "http://127.0.0.1:%d", raw_port);
	snprintf(byname, sizeof(byname), "http://localhost:%d", ka_port);
	a = ka_get(c, url, "/ka");
	b = ka_get(c, other, "/ka");
	ok(a.rc == AIG_OK && b.rc == AIG_OK && b.port == raw_port && b.req == 1,
	   "another port: its own connection (%s)", err.msg);
	d = ka_get(c, byname, "/ka");
	ok(d.rc == AIG_OK && d.port == ka_port && d.conn != a.conn &&
		   d.req == 1,
	   "the same server by another name: a connection of its own (%s)",
	   err.msg);
	aig_http_client_free(c);
	ok(fds() == base, "no descriptor left");
}

static void test_keep_alive_tls(int base)
{
	struct aig_http_client *c = ka_client(ca_pem, 5000, 1000);
	struct ka a, b, d;
	char url[64], byip[64];
	int sockets;

	snprintf(url, sizeof(url), "https://localhost:%d", tls_port);
	snprintf(byip, sizeof(byip), "https://127.0.0.1:%d", tls_port);
	a = ka_get(c, url, "/ka");
	b = ka_get(c, url, "/ka");
	count_fds(&sockets, NULL, 0);
	ok(a.rc == AIG_OK && b.conn == a.conn && b.req == a.req + 1 &&
		   sockets == 1,
	   "TLS: the same name, the same connection, no new handshake (%s)",
	   err.msg);
	d = ka_get(c, byip, "/ka");
	ok(d.rc == AIG_OK && d.conn != a.conn && d.req == 1,
	   "TLS: another name for the same server, a connection verified "
	   "for it (%s)",
	   err.msg);

	a = ka_get(c, url, "/ka-after");
	b = ka_get(c, url, "/ka");
	ok(a.rc == AIG_OK && b.rc == AIG_OK && b.conn != a.conn && b.req == 1,
	   "TLS: bytes after the response, not reused (%s)", err.msg);
	a = ka_get(c, url, "/ka-late");
	usleep(250000);
	b = ka_get(c, url, "/ka");
	ok(a.rc == AIG_OK && b.rc == AIG_OK && b.conn != a.conn && b.req == 1,
	   "TLS: a record on the idle connection, not reused (%s)", err.msg);
	a = ka_get(c, url, "/ka-eof");
	ok(a.rc == AIG_OK && fds() == base,
	   "TLS: a body ended by close_notify, nothing kept (%s)", err.msg);
	a = ka_get(c, url, "/ka-idle-close");
	usleep(300000);
	b = ka_get(c, url, "/ka");
	ok(a.rc == AIG_OK && b.rc == AIG_OK && b.conn != a.conn && b.req == 1,
	   "TLS: the server closed the idle connection, a new one (%s)",
	   err.msg);
	a = ka_get(c, url, "/ka-close-unread");
	b = ka_get(c, url, "/ka");
	ok(a.rc == AIG_OK && b.rc == AIG_OK && b.conn != a.conn && b.req == 1,
	   "TLS: closed as the GET arrived, sent again on a new connection "
	   "(%s)",
	   err.msg);
	aig_http_client_free(c);
	ok(fds() == base, "TLS: no descriptor left");
}

/* python's http.server speaks HTTP/1.1 keep-alive: invoke, stream
 * (chunked), invoke on one socket. */
static void test_keep_alive_langserve(int base)
{
	struct aig_http_client *c = ka_client(NULL, 5000, 1000);
	struct heard h = {0};
	char url[64], first[64] = "", inode[64] = "";
	const char *paths[] = {"/chat/invoke", "/chat/stream", "/chat/invoke"};
	int i, bad = 0, sockets = 0;
	struct ka k;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ls_port);
	for (i = 0; i < 3; i++) {
		k = ka_ex(c, "POST", url, paths[i],
			  "{\"input\": {\"messages\": [{\"type\": \"human\", "
			  "\"content\": \"hi\"}]}}",
			  &h);
		count_fds(&sockets, inode, sizeof(inode));
		if (i == 0)
			snprintf(first, sizeof(first), "%s", inode);
		bad += k.rc != AIG_OK || h.status != 200 || sockets != 1 ||
		       strcmp(inode, first) != 0;
		heard_clear(&h);
	}
	ok(bad == 0, "LangServe: invoke, stream, invoke on one socket (%s, %s)",
	   first, err.msg);
	aig_http_client_free(c);
	ok(fds() == base, "LangServe: no descriptor left");
}

static void test_keep_alive(void)
{
	char url[64];
	int base = fds();

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ka_port);
	test_keep_alive_reuse(url, base);
	test_keep_alive_refused(url, base);
	test_keep_alive_closed(url, base);
	test_keep_alive_cut(url, base);
	test_keep_alive_limits(url, base);
	test_keep_alive_tls(base);
	test_keep_alive_langserve(base);
}

int main(void)
{
	char cmd[400];

	if (system("python3 -c 'import ssl' 2>/dev/null") != 0) {
		printf("1..0 # SKIP python3 not found\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	aig_test_tmpdir(tmpdir);
	snprintf(ack_dir, sizeof(ack_dir), "%s/acks", tmpdir);
	mkdir(ack_dir, 0700);
	make_pki();
	raw_port = start_raw("127.0.0.1", NULL);
	ls_port = start_langserve();
	tls_port = start_raw("127.0.0.1", "good");
	tls_wrong_port = start_raw("127.0.0.1", "wrong");
	tls_expired_port = start_raw("127.0.0.1", "expired");
	snprintf(ka_log, sizeof(ka_log), "%s/ka.log", tmpdir);
	ka_port = start_raw_log("127.0.0.1", NULL, ka_log);
	if (raw_port < 0 || ls_port < 0 || tls_port < 0 || tls_wrong_port < 0 ||
	    tls_expired_port < 0 || ka_port < 0 ||
	    aig_http_client_new(NULL, &client, NULL) != AIG_OK ||
	    aig_http_client_new(ca_pem, &client_ca, NULL) != AIG_OK ||
	    aig_http_client_new(other_ca_pem, &client_other_ca, NULL) !=
		    AIG_OK) {
		printf("Bail out! the test servers did not start\n");
		stop_servers();
		return 99;
	}
	test_status_range();
	test_refused_inputs();
	test_request_bytes();
	test_good_answers();
	test_head();
	test_hostile();
	test_time();
	snprintf(cmd, sizeof(cmd), "http://127.0.0.1:%d", raw_port);
	test_event_stream(client, cmd, "over TCP");
	test_langserve();
	test_tls();
	test_ipv6();
	test_keep_alive();

	aig_http_client_free(client);
	aig_http_client_free(client_ca);
	aig_http_client_free(client_other_ca);
	stop_servers();
	return tap_done();
}
