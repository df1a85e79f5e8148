/* SPDX-License-Identifier: Apache-2.0 */
/* fcgi.c - FastCGI mode (libfcgi): one process, many requests.
 *
 * Each request runs the same steps as a CGI request (gate.c), on a fresh
 * struct aig_gate that is wiped when the request ends; only the process's
 * warm parts (configuration, policy, key set, stores: struct aig_warm)
 * outlive it, and they hold no caller's request (the verifier's memory of
 * accepted tokens answers only the same token bytes). A request that crashes
 * the process takes only the process: the FastCGI server starts another,
 * which knows nothing of the one before. Memory is bounded: the process
 * ends itself when its heap in use passes AIG_FCGI_MAX_HEAP after a
 * request, once the requests already waiting on its socket are served. It
 * does not end itself after a number of requests: lighttpd answers 500 to
 * the requests queued on a process that goes away (measured: a few per
 * exit under load), and Apache's mod_fcgid recycles its processes itself
 * (FcgidMaxRequestsPerProcess) without losing any.
 *
 * The request's streams are given to the gate as stdio FILEs over
 * fopencookie(3), so that the gate writes the same way in both modes;
 * every flush of the FILE sends a FastCGI record at once (server-sent
 * events are not held back).
 *
 * Built without libfcgi (configure --without-fcgi), the program is a CGI
 * only: started by a FastCGI server, it says so and exits. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "gate.h"

#ifdef HAVE_FCGI
#include <fcgiapp.h>

#define STREAM_BUFFER 16384

static ssize_t stream_read(void *cookie, char *buf, size_t n)
{
	int got = FCGX_GetStr(buf, n > INT_MAX ? INT_MAX : (int)n, cookie);

	return got < 0 ? -1 : got;
}

/* The answer's stream. Each flush of the FILE goes out at once
 * (server-sent events must not wait), but for the last: closing leaves
 * it in libfcgi's buffer, so that FCGX_Finish_r() sends it with the end
 * of the request in one write(2). */
struct out_stream {
	FCGX_Stream *s;
	bool closing;
};

static ssize_t stream_write(void *cookie, const char *buf, size_t n)
{
	struct out_stream *o = cookie;

	if (n > INT_MAX || FCGX_PutStr(buf, (int)n, o->s) != (int)n ||
	    (!o->closing && FCGX_FFlush(o->s) != 0)) {
		errno = EPIPE; /* the server or the client went away */
		return -1;
	}
	return (ssize_t)n;
}

/* A FILE over a FastCGI stream, buffered; closing it does not close the
 * stream. */
static FILE *stream_open(void *cookie, const char *mode)
{
	cookie_io_functions_t io = {stream_read, stream_write, NULL, NULL};
	FILE *f = fopencookie(cookie, mode, io);

	if (f != NULL && setvbuf(f, NULL, _IOFBF, STREAM_BUFFER) != 0) {
		fclose(f);
		f = NULL;
	}
	return f;
}

/* The request's credentials are wiped from libfcgi's copy of its
 * parameters before libfcgi frees them (the gate's own copy is wiped by
 * aig_request_free()). */
static void wipe_credentials(FCGX_ParamArray envp)
{
	static const char name[] = "HTTP_AUTHORIZATION=";

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, sizeof(name) - 1) == 0)
			explicit_bzero(*envp, strlen(*envp));
}

/* The answer to a request that could not be set up: outcome o, written
 * straight to the FastCGI stream (there is no FILE over it, nor a request
 * ID yet). */
static void refuse(FCGX_Stream *s, enum aig_outcome o)
{
	const struct aig_outcome_info *e = aig_outcome_info(o);

	FCGX_FPrintF(s,
		     "Status: %d %s\r\n"
		     "Content-Type: application/json\r\n\r\n"
		     "{\"error\":\"%s\",\"message\":\"%s\"}\n",
		     e->status, aig_http_reason(e->status), e->code,
		     e->message);
}

/* The configuration of a request: the one its AIGATE_CONFIG parameter
 * names (Apache's SetEnv), else the process's own (its environment at
 * start), never the one a previous request named. */
static void serve_one(struct aig_warm *w, const char *own_config,
		      FCGX_Request *rq, const volatile sig_atomic_t *terminated)
{
	struct out_stream o = {rq->out, false};
	FILE *in = stream_open(rq->in, "r"), *out = stream_open(&o, "w");
	const char *config = FCGX_GetParam("AIGATE_CONFIG", rq->envp);
	struct aig_gate g;

	if (config == NULL || *config == '\0')
		config = own_config;
	if (in == NULL || out == NULL ||
	    aig_warm_set_config_path(w, config) != AIG_OK) {
		refuse(rq->out, AIG_OUT_FCGI_NO_MEMORY);
	} else {
		aig_gate_init(&g, w, rq->envp, in, out);
		g.terminated = terminated;
		aig_gate_run(&g);
	}
	if (in != NULL)
		fclose(in);
	o.closing = true;
	if (out != NULL)
		fclose(out);
	wipe_credentials(rq->envp);
}

/* Whether another connection is waiting on the listening socket. */
static bool request_waiting(void)
{
	struct pollfd p = {0, POLLIN, 0};

	return poll(&p, 1, 0) > 0;
}

/* Whether this process should end after the request it just served:
 * asked every AIG_FCGI_HEAP_CHECK requests, since mallinfo2(3) walks and
 * consolidates the whole heap. */
static bool heap_too_big(void)
{
	static unsigned served;
	struct mallinfo2 mi;

	if (++served % AIG_FCGI_HEAP_CHECK != 0)
		return false;
	mi = mallinfo2();
	if (mi.uordblks <= AIG_FCGI_MAX_HEAP)
		return false;
	malloc_trim(0);
	return mallinfo2().uordblks > AIG_FCGI_MAX_HEAP;
}

int aig_fcgi_serve(struct aig_warm *w, const char *own_config,
		   const volatile sig_atomic_t *terminated)
{
	FCGX_Request rq;
	bool leaving = false; /* serve what waits, then end */

	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&rq, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return 1;
	while (!*terminated && (!leaving || request_waiting()) &&
	       FCGX_Accept_r(&rq) == 0) {
		serve_one(w, own_config, &rq, terminated);
		FCGX_Finish_r(&rq);
		leaving = leaving || heap_too_big();
	}
	FCGX_Free(&rq, 1);
	return 0;
}

bool aig_fcgi_started(void)
{
	return !FCGX_IsCGI();
}

#else /* configure --without-fcgi */

/* libfcgi's test (FCGX_IsCGI): fd 0 is a socket that has no peer, i.e.
 * the listening socket a FastCGI server hands its application. */
bool aig_fcgi_started(void)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);

	return getpeername(0, (struct sockaddr *)&sa, &len) != 0 &&
	       errno == ENOTCONN;
}

int aig_fcgi_serve(struct aig_warm *w, const char *own_config,
		   const volatile sig_atomic_t *terminated)
{
	static const char msg[] =
		"aigate.cgi: started by a FastCGI server, but aigate was built "
		"without FastCGI (configure --without-fcgi); run it as a CGI "
		"program";

	(void)w;
	(void)own_config;
	(void)terminated;
	syslog(LOG_ERR, "%s", msg);
	fprintf(stderr, "%s\n", msg);
	return 1;
}

#endif /* HAVE_FCGI */
