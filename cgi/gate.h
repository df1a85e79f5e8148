/*
 * gate.h - the steps of one request through aigate.cgi (SPEC §5, §6).
 * main.c runs them in order; each returns true to go on, or false when
 * the request ends (an error was recorded in g->herr, or a response was
 * already written).
 */
#ifndef AIG_GATE_H
#define AIG_GATE_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "aig_cgi.h"
#include "aig_policy.h"

/* One request's state. Owned strings are freed by aig_gate_free(). */
struct aig_gate {
	struct aig_request req;
	char *config_path;
	struct aig_config *cfg;
	int audit_fd; /* the audit file, opened before any work; or -1 */
	struct aig_policy *pol;
	struct aig_log log;
	struct timespec t0;

	/* who: set by aig_step_authenticate() */
	char *user;
	struct aig_strv groups;
	const char *auth; /* "bearer", "basic" or NULL; static */

	/* what was decided */
	struct aig_decision dec;
	bool decided;
	char reason[AIG_POLICY_REASON_MAX]; /* why it was refused, if so */
	size_t prompt_bytes;

	/* how it ended */
	struct aig_http_error herr;
	const char *www_authenticate_error; /* RFC 6750 error, or NULL */
	unsigned retry_after_s;
	bool responded; /* a response has been written */
	bool allowed;	/* answered by the gate or forwarded: audited "allow" */
	const volatile sig_atomic_t *terminated; /* SIGTERM seen (main.c) */
	int status;
	size_t bytes_out;
	double backend_ms;
};

void aig_gate_init(struct aig_gate *g);
void aig_gate_free(struct aig_gate *g);

bool aig_step_read_request(struct aig_gate *g);
bool aig_step_health(struct aig_gate *g);
bool aig_step_load_config(struct aig_gate *g);
bool aig_step_open_audit(struct aig_gate *g);
bool aig_step_authenticate(struct aig_gate *g);
bool aig_step_load_policy(struct aig_gate *g);
bool aig_step_whoami(struct aig_gate *g);
bool aig_step_decide(struct aig_gate *g);
bool aig_step_metrics(struct aig_gate *g);
bool aig_step_read_body(struct aig_gate *g);
bool aig_step_check_body(struct aig_gate *g);
bool aig_step_rate_limit(struct aig_gate *g);
bool aig_step_forward(struct aig_gate *g);

/* Writes the error response if the request ended without one. */
void aig_gate_respond_error(struct aig_gate *g);

/* Appends the audit record (SPEC §6) and the syslog summary, and adds
 * the request to the metrics. */
void aig_gate_audit(struct aig_gate *g);

#endif /* AIG_GATE_H */
