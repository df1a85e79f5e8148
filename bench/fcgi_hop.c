/* SPDX-License-Identifier: Apache-2.0 */
/* fcgi_hop.c - the floor for the gate's FastCGI row with its backend hop:
 * a libfcgi responder that forwards each request's body, as the gate
 * does, to the backend on one kept HTTP/1.1 connection and passes the
 * answer back, and does nothing else (no login, no policy, no audit). Run
 * by the same lighttpd with the same max-procs as the gate (compare.sh,
 * row (c4)); AIG_HOP_BACKEND is the backend's "127.0.0.1:PORT".
 *
 * A benchmark fixture, not a proxy: it expects the backend to answer
 * with a Content-Length (compare.sh's nginx does), and any other answer
 * is a 502. */
#include <arpa/inet.h>
#include <fcgiapp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODY_MAX 65536
#define ANSWER_MAX 65536

static struct sockaddr_in backend;
static int conn = -1;

static int parse_backend(const char *s)
{
	char host[64];
	unsigned port;

	if (s == NULL || sscanf(s, "%63[^:]:%u", host, &port) != 2 ||
	    port == 0 || port > 65535)
		return -1;
	backend.sin_family = AF_INET;
	backend.sin_port = htons((unsigned short)port);
	return inet_pton(AF_INET, host, &backend.sin_addr) == 1 ? 0 : -1;
}

static int connect_backend(void)
{
	int one = 1;

	if (conn >= 0)
		return conn;
	conn = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (conn < 0)
		return -1;
	setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(conn, (struct sockaddr *)&backend, sizeof(backend)) != 0) {
		close(conn);
		conn = -1;
	}
	return conn;
}

static void drop_backend(void)
{
	if (conn >= 0)
		close(conn);
	conn = -1;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one answer into buf; its body starts at *body, *blen bytes long.
 * Returns the status, or -1. */
static int read_answer(int fd, char *buf, size_t size, char **body,
		       size_t *blen)
{
	size_t got = 0;
	char *end = NULL, *cl;
	long len = -1;
	int status;

	while (end == NULL) {
		ssize_t r = recv(fd, buf + got, size - 1 - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end == NULL && got == size - 1)
			return -1;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	for (cl = buf; (cl = strchr(cl, '\n')) != NULL && cl < end; cl++)
		if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
			len = strtol(cl + 16, NULL, 10);
	*body = end + 4;
	if (len < 0 || (size_t)len > size - 1 - (size_t)(*body - buf))
		return -1;
	while ((size_t)(buf + got - *body) < (size_t)len) {
		ssize_t r = recv(fd, buf + got, size - 1 - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	*blen = (size_t)len;
	return status;
}

/* The request to the backend, its answer passed back; 502 on failure. */
static void forward(FCGX_Stream *in, FCGX_Stream *out, FCGX_ParamArray env)
{
	static char req[BODY_MAX + 1024], ans[ANSWER_MAX];
	const char *path = FCGX_GetParam("PATH_INFO", env);
	char *body = NULL;
	size_t blen = 0;
	int head, n = 0, got, status = -1, tries;

	head = snprintf(req, 1024,
			"POST %s HTTP/1.1\r\nHost: backend\r\n"
			"Content-Type: application/json\r\n",
			path != NULL && *path == '/' ? path : "/");
	while ((got = FCGX_GetStr(req + 1024 + n, BODY_MAX - n, in)) > 0)
		n += got;
	head += snprintf(req + head, (size_t)(1024 - head),
			 "Content-Length: %d\r\n\r\n", n);
	memmove(req + head, req + 1024, (size_t)n);
	for (tries = 0; tries < 2 && status < 0; tries++) {
		int fd = connect_backend();

		if (fd >= 0 && send_all(fd, req, (size_t)(head + n)) == 0)
			status =
				read_answer(fd, ans, sizeof(ans), &body, &blen);
		if (status < 0)
			drop_backend(); /* a kept connection the backend closed
					 */
	}
	if (status < 0) {
		FCGX_PutS("Status: 502 Bad Gateway\r\n\r\n", out);
		return;
	}
	/* libfcgi's own printf knows no %zu: the head is made here */
	head = snprintf(req, sizeof(req),
			"Status: %d\r\nContent-Type: application/json\r\n"
			"Content-Length: %zu\r\n\r\n",
			status, blen);
	FCGX_PutStr(req, head, out);
	FCGX_PutStr(body, (int)blen, out);
}

int main(void)
{
	FCGX_Stream *in, *out, *errs;
	FCGX_ParamArray env;

	if (parse_backend(getenv("AIG_HOP_BACKEND")) != 0) {
		fputs("fcgi_hop: AIG_HOP_BACKEND must be 127.0.0.1:PORT\n",
		      stderr);
		return 2;
	}
	while (FCGX_Accept(&in, &out, &errs, &env) >= 0)
		forward(in, out, env);
	return 0;
}
