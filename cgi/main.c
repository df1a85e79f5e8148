/* main.c - aigate.cgi: one request through the gate (SPEC §5).
 *
 * The steps, in order; the first that ends the request (an error, or a
 * built-in route's answer) stops the list. Every request, whatever its
 * end, is audited. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>

#include "gate.h"

/* lighttpd and Apache send SIGTERM when the client goes away: the gate
 * then stops its backend transfer and still audits the request (Apache
 * follows with SIGKILL after 3 s; the audit takes milliseconds). */
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
}

int main(void)
{
	struct aig_gate g;

	harden_process();
	aig_gate_init(&g);
	g.terminated = &terminated;
	(void)(aig_step_read_request(&g) && /* PATH_INFO checked first */
	       aig_step_health(&g) &&	    /* /_aigate/health, no auth */
	       aig_step_load_config(&g) &&  /* aigate.json */
	       aig_step_open_audit(&g) &&   /* fail closed if we cannot audit */
	       aig_step_authenticate(&g) && /* Bearer JWT or Basic via PAM */
	       aig_step_load_policy(&g) &&  /* policy.json */
	       aig_step_whoami(&g) &&	    /* /_aigate/whoami */
	       aig_step_decide(&g) &&	    /* groups, method, path -> rule */
	       aig_step_metrics(&g) &&	    /* /_aigate/metrics, if allowed */
	       aig_step_read_body(&g) &&    /* content type, size */
	       aig_step_check_body(&g) &&   /* JSON, prompt, models, tools */
	       aig_step_rate_limit(&g) &&   /* token bucket per user, rule */
	       aig_step_forward(&g));	    /* to the backend, streaming */
	aig_gate_respond_error(&g);
	aig_gate_audit(&g);
	aig_gate_free(&g);
	return 0;
}
