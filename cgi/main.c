/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - aigate.cgi: the gate as a CGI program, one request per
 * process, or as a FastCGI program when a FastCGI server starts it with a
 * listening socket on fd 0 (lighttpd mod_fastcgi's bin-path, Apache
 * mod_fcgid, spawn-fcgi): then one process serves many requests with its
 * configuration, policy, keys and stores kept warm (gate.h, warm.c). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>

#include <jansson.h>

#include "gate.h"

/* lighttpd and Apache send SIGTERM when the client goes away (CGI) or
 * when they stop (FastCGI): the gate then stops its backend transfer and
 * still audits the request (Apache follows with SIGKILL after 3 s; the
 * audit takes milliseconds); a FastCGI process then exits. */
static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
	(void)sig;
	terminated = 1;
}

/* No core dumps (they would hold tokens and passwords); a client that
 * goes away must not kill the process before it audits. */
static void harden_process(void)
{
	struct sigaction sa;

	prctl(PR_SET_DUMPABLE, 0);
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: writes fail fast */
	umask(027);
	openlog("aigate", LOG_PID, LOG_AUTHPRIV);
	/* No OpenSSL here: tokens are verified and requests hashed with
	 * Nettle, and what needs OpenSSL (TLS, the identity key,
	 * quarantine) is in aigate-openssl.so, loaded by the requests that
	 * use it (openssl_load.c, docs/performance.md). */
}

/* jansson seeds its hash tables from /dev/urandom (open, read, close)
 * unless it is given a seed before its first object: one getrandom(2). */
static void seed_json(void)
{
	uint32_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed) &&
	    seed != 0)
		json_object_seed(seed);
}

static int serve_cgi(struct aig_warm *w)
{
	struct aig_gate g;

	aig_gate_init(&g, w, NULL, stdin, stdout);
	g.terminated = &terminated;
	aig_gate_run(&g);
	return 0;
}

int main(void)
{
	const char *env = getenv("AIGATE_CONFIG");
	char *own = NULL;
	struct aig_warm w;
	int rc = 1;

	harden_process();
	seed_json();
	aig_warm_init(&w);
	/* Set by the web server (SetEnv, setenv.add-environment,
	 * bin-environment, FcgidInitialEnv); kept before the environment is
	 * cleared. */
	if (env != NULL && *env != '\0' && (own = strdup(env)) == NULL)
		return 1;
	if (!aig_fcgi_started()) {
		/* one body: a JIT compile is not paid back (aig_policy.h) */
		aig_policy_defer_jit();
		if (aig_warm_set_config_path(&w, own) == AIG_OK)
			rc = serve_cgi(&w);
	} else {
		clearenv(); /* each request brings its own parameters */
		w.fastcgi = true;
		rc = aig_fcgi_serve(&w, own, &terminated);
	}
	aig_warm_free(&w);
	free(own);
	return rc;
}
