/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gate.h - the steps of one request through aigate.cgi (aigate.cgi(8)).
 * main.c runs them in order; each returns true to go on, or false when
 * the request ends (its outcome was recorded in g->outcome, and a response
 * may already be written).
 */
#ifndef AIG_GATE_H
#define AIG_GATE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "aig_cgi.h"
#include "aig_policy.h"
#include "aig_route.h"

struct aig_jwt_verifier;
struct aig_alb_verifier;
struct aig_http_client;
struct aig_basic_cache;
struct aig_identity_key;
struct aig_replay;

/* What a gate process keeps between requests: in CGI mode for its one
 * request, in FastCGI mode for the process's life (warm.c). It never
 * holds a request's data (token, password, user, groups, body): those
 * live in struct aig_gate and are wiped with it, so nothing of one caller
 * can reach the next. The one exception is the verifier's memory of the
 * tokens it accepted (aig_jwt.h): an identity answered only to the same
 * token bytes; and, with auth.basic_cache_s, the Basic logins PAM accepted
 * (basic_cache.h): an identity answered only to the same name and
 * password. Owned pointers; free with aig_warm_free(). */
struct aig_warm {
	char *config_path;
	struct aig_config *cfg;
	struct stat cfg_stamp; /* the file cfg was read from */
	struct aig_policy *pol;
	struct stat pol_stamp;
	int audit_fd;	 /* the audit file, or -1 */
	dev_t audit_dev; /* the file audit_fd has open */
	ino_t audit_ino;
	struct aig_jwt_verifier *verifier;
	struct aig_alb_verifier *alb; /* auth.alb: its keys by kid */
	struct aig_ratelimit *rl;
	struct aig_metrics *metrics;
	void *dir; /* the extension's directory state, or NULL */
	void *neg; /* the extension's Negotiate acceptor, or NULL */
	struct aig_replay *replay; /* accepted authenticators (sso.h) */
	/* accounts found usable lately (auth_sso.c), or NULL */
	struct aig_account_cache *accounts;
	struct aig_http_client *http; /* the backend hop's client, or NULL */
	struct aig_identity_key *identity; /* backend.identity's, or NULL */
	struct aig_log log; /* for what outlives a request (key fetches) */
	bool fastcgi;	    /* serves many requests (main.c) */
	struct aig_basic_cache *basic_cache; /* auth.basic_cache_s, or NULL */
};

void aig_warm_init(struct aig_warm *w);
void aig_warm_free(struct aig_warm *w);

/* Each makes its part if it is not there yet; the first two read their
 * file again when it changed since (a failed read leaves nothing: the
 * request fails closed). A part whose use failed is dropped with the
 * _drop_ functions, so that the next request opens it again. */
int aig_warm_config(struct aig_warm *w, struct aig_error *err);
int aig_warm_policy(struct aig_warm *w, struct aig_error *err);
int aig_warm_audit(struct aig_warm *w, struct aig_error *err);
int aig_warm_verifier(struct aig_warm *w, struct aig_error *err);
int aig_warm_alb(struct aig_warm *w, struct aig_error *err);
int aig_warm_http(struct aig_warm *w, struct aig_error *err);
int aig_warm_ratelimit(struct aig_warm *w, struct aig_error *err);
void aig_warm_drop_ratelimit(struct aig_warm *w);
int aig_warm_metrics(struct aig_warm *w, struct aig_error *err);
void aig_warm_drop_metrics(struct aig_warm *w);

/* One request's state. Owned strings are freed by aig_gate_free(). */
struct aig_gate {
	struct aig_warm *w; /* borrowed: the process's */
	char *const *vars;  /* FastCGI parameters; NULL: the environment */
	FILE *in, *out;	    /* the request body, the response */
	struct aig_request req;
	const struct aig_config *cfg; /* borrowed from w, once loaded */
	const struct aig_policy *pol; /* borrowed from w, once loaded */
	struct aig_log log;
	struct timespec t0;

	/* who: set by aig_step_authenticate() */
	char *user;
	struct aig_strv groups;
	const char *auth; /* "bearer", "basic", "alb", "negotiate",
			   * "remote_user" or NULL; static */
	char *principal;  /* negotiate, remote_user: as the client was named */
	char *auth_reply; /* a header line for every answer (the Negotiate
			   * output token), or NULL */

	/* what was decided */
	struct aig_decision dec;
	bool decided;
	char reason[AIG_POLICY_REASON_MAX]; /* why it was refused, if so */
	size_t prompt_bytes;

	/* how it ended: the outcome decides the error response, the audit
	 * decision and the metrics (aig_outcome_info()) */
	enum aig_outcome outcome;
	const char *www_authenticate_error; /* RFC 6750 error, or NULL */
	unsigned retry_after_s;
	bool responded; /* a response has been written */
	const volatile sig_atomic_t *terminated; /* SIGTERM seen (main.c) */
	int status; /* the HTTP status sent (the backend's, if forwarded) */
	size_t bytes_out;
	double backend_ms;
	struct aig_output_report output; /* what the output rules did */
	bool output_checked;
	struct aig_route_result route; /* backend, sandbox or quarantine */
	int prompt_pattern; /* the prompt.deny pattern that refused, or -1 */
};

/* Starts a request on w's resources, read from vars (NULL: the
 * environment, which is then cleared), body from in, response to out. */
void aig_gate_init(struct aig_gate *g, struct aig_warm *w, char *const *vars,
		   FILE *in, FILE *out);
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
bool aig_step_route(struct aig_gate *g); /* route_step.c */
bool aig_step_forward(struct aig_gate *g);
/* langgraph.c: LangGraph Server ownership, when the policy turns it on
 * (aigate-policy.json(5), LANGGRAPH). */
bool aig_step_langgraph(struct aig_gate *g);
/* identity_gate.c: GET /_aigate/jwks.json (no credentials needed); and
 * the X-Aigate-Identity token for this request into *out (caller frees;
 * NULL when backend.identity is not set). */
bool aig_step_jwks(struct aig_gate *g);
int aig_gate_identity(struct aig_gate *g, char **out);

/* auth_sso.c: single sign-on (sso.h). aig_sso_applies() says whether the
 * request is REMOTE_USER's to decide (remote_user is listed, and the web
 * server set REMOTE_USER with an AUTH_TYPE of auth.remote_user.auth_types);
 * the steps return as aig_step_authenticate() does. aig_sso_drop() frees
 * what w keeps for them. */
bool aig_sso_applies(const struct aig_gate *g);
bool aig_auth_remote_user(struct aig_gate *g);
bool aig_auth_negotiate(struct aig_gate *g);
void aig_sso_drop(struct aig_warm *w);
/* For the health route: with negotiate listed, the keytab must be usable
 * (a regular file of root or the gate's user that nobody else may read);
 * false (503) if not. */
bool aig_sso_health(struct aig_gate *g);

/* outcome.c: the answer to a body the policy refused (verdict v); a verdict
 * that is no refusal gives AIG_OUT_UNAVAILABLE (fail closed). */
enum aig_outcome aig_body_outcome(enum aig_body_verdict v);

/* Writes the error response if the request ended without one. */
void aig_gate_respond_error(struct aig_gate *g);

/* Appends the audit record (aigate.cgi(8), AUDIT RECORD) and the syslog
 * summary, and adds the request to the metrics. */
void aig_gate_audit(struct aig_gate *g);

/* The audit record alone, as one JSON object written into w (the time
 * stamp is now, the latency latency_ms). */
void aig_gate_audit_record(struct aig_jw *w, const struct aig_gate *g,
			   double latency_ms);

/* metrics_gate.c: the counters beyond status and latency that the
 * request adds (audit_failed: its audit record could not be written). */
void aig_gate_metrics_extra(const struct aig_gate *g, bool audit_failed,
			    struct aig_metrics_sample *s);

/* The syslog summary line into buf (len bytes): request ID user="..."
 * rule="..." status=N latency_ms=F. user and rule (NULL: -) are quoted
 * with aig_log_quote(), so that no user name can add or fake a field. */
void aig_gate_audit_line(char *buf, size_t len, const char *id,
			 const char *user, const char *rule, int status,
			 double latency_ms);

/* The steps above in order, the first that ends the request stopping
 * the list; then the error response if none was written, the audit
 * record, and aig_gate_free(). Every request, whatever its end, is
 * audited. */
void aig_gate_run(struct aig_gate *g);

/* Names the configuration file (NULL or "": the default). A FastCGI
 * request naming another file than the one in w drops w's parts. */
int aig_warm_set_config_path(struct aig_warm *w, const char *path);

/* fcgi.c: whether a FastCGI server started the process (fd 0 is a
 * listening socket, libfcgi's test); else it is a CGI. */
bool aig_fcgi_started(void);

/* fcgi.c: serves FastCGI requests on the listening socket at fd 0, each
 * with the configuration its AIGATE_CONFIG parameter names, else
 * own_config (the process's; NULL: the default path), until
 * *terminated, an accept error, or the heap passes AIG_FCGI_MAX_HEAP (looked
 * at every AIG_FCGI_HEAP_CHECK requests; then after the requests already
 * waiting; the server starts a new process).
 * Returns the exit status. Built without FastCGI (configure
 * --without-fcgi): logs that and returns 1. */
#define AIG_FCGI_MAX_HEAP (64u << 20)
#define AIG_FCGI_HEAP_CHECK 16
int aig_fcgi_serve(struct aig_warm *w, const char *own_config,
		   const volatile sig_atomic_t *terminated);

#endif /* AIG_GATE_H */
