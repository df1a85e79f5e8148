/* SPDX-License-Identifier: Apache-2.0 */
/* conn.c - one TCP connection under one deadline: resolving, a
 * non-blocking connect to each address in turn, and sending and receiving
 * with poll(2). Every wait is cut into slices of at most a second so that
 * a stop flag set by a signal handler is seen quickly, even when the
 * signal arrived just before poll(2) and did not interrupt it. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_int.h"

#define SLICE_MS 1000

static void add_ms(struct timespec *t, long ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Milliseconds until t, rounded up; 0 once t has passed. */
static long ms_until(const struct timespec *t)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(t->tv_sec - now.tv_sec) * 1000000000LL +
	     (t->tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (long)((ns + 999999) / 1000000);
}

static bool stopped(const struct aig_http_conn *c)
{
	return c->stop != NULL && *c->stop;
}

void aig_http_conn_init(struct aig_http_conn *c, int timeout_ms,
			const volatile sig_atomic_t *stop, const char *where)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	aig_http_conn_arm(c, timeout_ms, stop, where);
}

void aig_http_conn_arm(struct aig_http_conn *c, int timeout_ms,
		       const volatile sig_atomic_t *stop, const char *where)
{
	c->timeout_ms = timeout_ms;
	c->stop = stop;
	c->where = where;
	c->complete = c->eof = false;
	c->wrote = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	add_ms(&c->deadline, timeout_ms);
}

bool aig_http_conn_quiet(const struct aig_http_conn *c)
{
	struct pollfd p = {c->fd, POLLIN, 0};

	if (c->fd < 0 || (c->ssl != NULL && c->tls->pending(c)))
		return false;
	/* POLLHUP and POLLERR are reported even when not asked for */
	return poll(&p, 1, 0) == 0;
}

void aig_http_conn_close(struct aig_http_conn *c)
{
	if (c->ssl != NULL)
		c->tls->close(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->complete = c->eof = false;
}

static int timed_out(const struct aig_http_conn *c, const char *doing,
		     struct aig_error *err)
{
	return aig_error_set(err, AIG_HTTP_ERR_TIMEOUT,
			     "%s: no answer within %d ms (%s)", c->where,
			     c->timeout_ms, doing);
}

static int stop_now(const struct aig_http_conn *c, struct aig_error *err)
{
	return aig_error_set(err, AIG_HTTP_ERR_STOPPED, "%s: transfer stopped",
			     c->where);
}

int aig_http_conn_check(const struct aig_http_conn *c, const char *doing,
			struct aig_error *err)
{
	if (stopped(c))
		return stop_now(c, err);
	if (ms_until(&c->deadline) == 0)
		return timed_out(c, doing, err);
	return AIG_OK;
}

int aig_http_conn_wait(struct aig_http_conn *c, short events,
		       const struct timespec *until, const char *doing,
		       struct aig_error *err)
{
	struct pollfd p = {c->fd, events, 0};
	long left;
	int n;

	for (;;) {
		if (stopped(c))
			return stop_now(c, err);
		if ((left = ms_until(until)) == 0)
			return timed_out(c, doing, err);
		n = poll(&p, 1, left > SLICE_MS ? SLICE_MS : (int)left);
		if (n > 0)
			return AIG_OK; /* errors show in the next call */
		if (n < 0 && errno != EINTR)
			return aig_error_set(err, AIG_HTTP_ERR_IO,
					     "%s: poll: %s", c->where,
					     strerror(errno));
	}
}

static int io_error(const struct aig_http_conn *c, const char *doing, int e,
		    struct aig_error *err)
{
	return aig_error_set(err, AIG_HTTP_ERR_IO, "%s: %s: %s", c->where,
			     doing,
			     e == ECONNRESET ? "connection reset by the server"
			     : e == EPIPE    ? "connection closed by the server"
					     : strerror(e));
}

/* One address until `until`: AIG_OK with c->fd connected, or the error
 * (*why its errno; ETIMEDOUT when the time ran out). */
static int connect_one(struct aig_http_conn *c, const struct addrinfo *ai,
		       const struct timespec *until, int *why,
		       struct aig_error *err)
{
	socklen_t len = sizeof(*why);
	int rc, one = 1;

	c->fd = socket(ai->ai_family,
		       ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       ai->ai_protocol);
	if (c->fd < 0)
		return *why = errno, AIG_HTTP_ERR_CONNECT;
	/* a request's last piece must not wait for the ACK of the one
	 * before (Nagle), which a server delays on a kept connection; a
	 * failure only costs time */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return AIG_OK;
	if (errno != EINPROGRESS && errno != EINTR)
		return *why = errno, AIG_HTTP_ERR_CONNECT;
	/* no message yet: the next address may still answer */
	rc = aig_http_conn_wait(c, POLLOUT, until, "connecting", NULL);
	if (rc == AIG_HTTP_ERR_TIMEOUT)
		return *why = ETIMEDOUT, AIG_HTTP_ERR_CONNECT;
	if (rc == AIG_HTTP_ERR_STOPPED)
		return stop_now(c, err);
	if (rc != AIG_OK)
		return io_error(c, "connecting", errno, err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, why, &len) != 0)
		*why = errno;
	return *why == 0 ? AIG_OK : AIG_HTTP_ERR_CONNECT;
}

static int resolve(const struct aig_http_url *u, struct addrinfo **res,
		   const char *where, struct aig_error *err)
{
	struct addrinfo hints;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (u->ip_literal ? AI_NUMERICHOST : 0);
	snprintf(port, sizeof(port), "%u", u->port);
	rc = getaddrinfo(u->host, port, &hints, res);
	if (rc != 0)
		return aig_error_set(err, AIG_HTTP_ERR_CONNECT,
				     "%s: cannot resolve the name: %s", where,
				     rc == EAI_SYSTEM ? strerror(errno)
						      : gai_strerror(rc));
	return AIG_OK;
}

int aig_http_conn_open(struct aig_http_conn *c, const struct aig_http_url *u,
		       struct aig_error *err)
{
	struct addrinfo *res = NULL, *ai;
	struct timespec until;
	int rc, why = 0, left = 0;

	if ((rc = resolve(u, &res, c->where, err)) != AIG_OK)
		return rc;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		left++;
	rc = AIG_HTTP_ERR_CONNECT;
	for (ai = res; ai != NULL && rc == AIG_HTTP_ERR_CONNECT;
	     ai = ai->ai_next) {
		/* each address gets its share of the time left */
		clock_gettime(CLOCK_MONOTONIC, &until);
		add_ms(&until, ms_until(&c->deadline) / left--);
		aig_http_conn_close(c);
		rc = connect_one(c, ai, &until, &why, err);
	}
	freeaddrinfo(res);
	if (rc == AIG_HTTP_ERR_CONNECT && ms_until(&c->deadline) == 0)
		return timed_out(c, "connecting", err);
	if (rc == AIG_HTTP_ERR_CONNECT)
		return aig_error_set(err, rc, "%s: cannot connect: %s",
				     c->where, strerror(why));
	return rc;
}

/* ----------------------------------------------------- send, receive */

int aig_http_conn_send(struct aig_http_conn *c, const char *p, size_t n,
		       struct aig_error *err)
{
	ssize_t k;
	int rc;

	if (c->ssl != NULL)
		return c->tls->send(c, p, n, err);
	while (n > 0) {
		if ((rc = aig_http_conn_check(c, "sending", err)) != AIG_OK)
			return rc;
		k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k > 0) {
			c->wrote += (size_t)k;
			p += k;
			n -= (size_t)k;
		} else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			rc = aig_http_conn_wait(c, POLLOUT, &c->deadline,
						"sending", err);
			if (rc != AIG_OK)
				return rc;
		} else if (k < 0 && errno != EINTR) {
			return io_error(c, "sending", errno, err);
		}
	}
	return AIG_OK;
}

int aig_http_conn_recv(struct aig_http_conn *c, char *buf, size_t cap,
		       size_t *got, struct aig_error *err)
{
	ssize_t k;
	int rc;

	*got = 0;
	if (c->ssl != NULL)
		return c->tls->recv(c, buf, cap, got, err);
	for (;;) {
		if ((rc = aig_http_conn_check(c, "receiving", err)) != AIG_OK)
			return rc;
		k = recv(c->fd, buf, cap, 0);
		if (k >= 0) {
			*got = (size_t)k;
			c->eof = k == 0;
			return AIG_OK;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			rc = aig_http_conn_wait(c, POLLIN, &c->deadline,
						"receiving", err);
			if (rc != AIG_OK)
				return rc;
		} else if (errno != EINTR) {
			return io_error(c, "receiving", errno, err);
		}
	}
}
