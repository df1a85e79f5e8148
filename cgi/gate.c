/* SPDX-License-Identifier: Apache-2.0 */
/* gate.c - the steps of a request through the gate (aigate.cgi(8)). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "aig_alb.h"
#include "aig_ext.h"
#include "basic_cache.h"
#include "aig_jwt.h"
#include "gate.h"

/* Ends the request with outcome o; reason (may be NULL) goes to the audit
 * record, the first one set standing. */
static bool stop(struct aig_gate *g, enum aig_outcome o, const char *reason)
{
	g->outcome = o;
	if (reason != NULL && g->reason[0] == '\0')
		snprintf(g->reason, sizeof(g->reason), "%s", reason);
	return false;
}

/* The request ended with the gate's own answer (a built-in route). */
static bool answered(struct aig_gate *g)
{
	g->responded = true;
	g->outcome = AIG_OUT_OK;
	g->status = 200;
	return false;
}

void aig_gate_init(struct aig_gate *g, struct aig_warm *w, char *const *vars,
		   FILE *in, FILE *out)
{
	memset(g, 0, sizeof(*g));
	g->w = w;
	g->vars = vars;
	g->in = in;
	g->out = out;
	clock_gettime(CLOCK_MONOTONIC, &g->t0);
	g->log.fn = aig_log_syslog_fn;
	g->log.max_priority = LOG_INFO;
	g->req.content_length = -1;
	g->prompt_pattern = -1;
}

void aig_gate_free(struct aig_gate *g)
{
	aig_request_free(&g->req);
	free(g->user);
	free(g->principal);
	free(g->auth_reply);
	aig_strv_free(&g->groups);
	memset(g, 0, sizeof(*g));
}

/* ------------------------------------------------------------ request */

bool aig_step_read_request(struct aig_gate *g)
{
	bool ok = g->vars ? aig_request_from_vars(&g->req, g->vars, &g->outcome)
			  : aig_request_from_env(&g->req, &g->outcome);

	if (!ok) {
		snprintf(g->reason, sizeof(g->reason), "malformed request");
		return false;
	}
	return true;
}

bool aig_step_load_config(struct aig_gate *g)
{
	struct aig_error err = {0};

	if (aig_warm_config(g->w, &err) != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "configuration: %s", err.msg);
		return stop(g, AIG_OUT_UNAVAILABLE,
			    "configuration cannot be loaded");
	}
	g->cfg = g->w->cfg;
	return true;
}

/* Every request is audited: if the audit file cannot be opened, nothing
 * is done (fail closed) rather than something done unrecorded. */
bool aig_step_open_audit(struct aig_gate *g)
{
	struct aig_error err = {0};

	if (aig_warm_audit(g->w, &err) != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "audit: %s", err.msg);
		return stop(g, AIG_OUT_UNAVAILABLE, "audit file unavailable");
	}
	return true;
}

bool aig_step_load_policy(struct aig_gate *g)
{
	struct aig_error err = {0};

	if (aig_warm_policy(g->w, &err) != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "policy: %s", err.msg);
		return stop(g, AIG_OUT_UNAVAILABLE, "policy cannot be loaded");
	}
	g->pol = g->w->pol;
	return true;
}

/* GET /_aigate/health: no authentication; ok when the configuration and
 * the policy load and the audit file can be written. Returns false (the request
 * ends) on that route. */
bool aig_step_health(struct aig_gate *g)
{
	json_t *body;

	if (strcmp(g->req.path, "/_aigate/health") != 0)
		return true;
	if (!aig_step_load_config(g) || !aig_step_open_audit(g) ||
	    !aig_step_load_policy(g) || !aig_sso_health(g))
		return false;
	body = json_pack("{s:s}", "status", "ok");
	aig_response_json(g->out, g->req.id, 200, body);
	json_decref(body);
	return answered(g);
}

/* ------------------------------------------------------ authentication */

static bool take_strv(struct aig_strv *to, struct aig_strv *from)
{
	*to = *from;
	from->v = NULL;
	from->n = 0;
	return true;
}

/* Failed Basic logins (auth.failure_limit) are counted in the rate-limit
 * store under these rule names, which no policy rule can have ('!'). */
#define FAIL_RULE_IP "!login-failures-ip"
#define FAIL_RULE_USER "!login-failures-user"
#define FAIL_WHO_MAX 260

/* One failed-login budget: a bucket of per_minute tokens, refilled over a
 * minute, one taken before PAM runs and given back unless the login
 * failed. */
struct fail_budget {
	const char *rule;
	char who[FAIL_WHO_MAX];
	unsigned per_minute;
	bool taken;
};

/* The name a login's failures count against: without a domain, in ASCII
 * lower case, so "CORP\\bob", "bob@corp.example.com" and "BOB" are one. */
static void failure_user(const char *user, char *out, size_t len)
{
	const char *p = strrchr(user, '\\');
	size_t i, n;

	p = p != NULL ? p + 1 : user;
	n = strcspn(p, "@");
	for (i = 0; i < n && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[i] = '\0';
}

/* The address a client's failures count against: an IPv6 address by its
 * /64 (one host usually has a whole one to pick from), any other as is. */
static void failure_addr(const char *addr, char *out, size_t len)
{
	struct in6_addr a;

	snprintf(out, len, "%s", addr);
	if (inet_pton(AF_INET6, addr, &a) != 1 || IN6_IS_ADDR_V4MAPPED(&a))
		return;
	memset(a.s6_addr + 8, 0, 8);
	if (inet_ntop(AF_INET6, &a, out, (socklen_t)len) != NULL)
		strncat(out, "/64", len - strlen(out) - 1);
}

static void fail_budgets(struct aig_gate *g, const char *user,
			 struct fail_budget b[2])
{
	memset(b, 0, 2 * sizeof(*b));
	b[0].rule = FAIL_RULE_IP;
	b[0].per_minute = g->cfg->auth.failure_limit.per_ip_per_minute;
	failure_addr(g->req.remote_addr, b[0].who, sizeof(b[0].who));
	b[1].rule = FAIL_RULE_USER;
	b[1].per_minute = g->cfg->auth.failure_limit.per_user_per_minute;
	failure_user(user, b[1].who, sizeof(b[1].who));
}

/* Gives back the tokens taken; a store that fails then is logged (the
 * caller was charged one failure too many, nothing worse). */
static void fail_give_back(struct aig_gate *g, struct fail_budget b[2])
{
	struct aig_error err = {0};
	size_t i;

	for (i = 0; i < 2 && g->w->rl != NULL; i++) {
		if (!b[i].taken)
			continue;
		b[i].taken = false;
		if (aig_ratelimit_give_back(g->w->rl, b[i].rule, b[i].who,
					    b[i].per_minute, b[i].per_minute,
					    &err) != AIG_OK) {
			aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
			aig_warm_drop_ratelimit(g->w);
			return;
		}
	}
}

/* Takes one token from the address's and the name's failure budgets
 * before PAM runs, so that no more logins can fail than the budgets
 * allow, however many run at once. false (429, or 503 when the store
 * fails: closed) when one is spent; nothing stays taken then. */
static bool fail_take(struct aig_gate *g, struct fail_budget b[2])
{
	static const char *const why[2] = {
		"too many failed logins from this address",
		"too many failed logins for this user"};
	struct aig_error err = {0};
	bool allowed = true;
	size_t i;
	int rc = AIG_OK;

	for (i = 0; i < 2 && allowed && rc == AIG_OK; i++) {
		if (b[i].per_minute == 0)
			continue;
		if ((rc = aig_warm_ratelimit(g->w, &err)) == AIG_OK)
			rc = aig_ratelimit_take(g->w->rl, b[i].rule, b[i].who,
						b[i].per_minute,
						b[i].per_minute, &allowed,
						&g->retry_after_s, &err);
		b[i].taken = rc == AIG_OK && allowed;
	}
	if (rc != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		aig_warm_drop_ratelimit(g->w); /* nothing is given back */
	}
	if (rc == AIG_OK && allowed)
		return true;
	fail_give_back(g, b);
	if (rc != AIG_OK)
		return stop(g, AIG_OUT_UNAVAILABLE,
			    "rate limit store unavailable");
	return stop(g, AIG_OUT_LOGIN_THROTTLED, why[i - 1]);
}

/* The result of PAM for the request: the account's name (AIGATE_USER,
 * the directory's spelling) becomes the request's user. */
static bool basic_result(struct aig_gate *g, enum aig_ext_pam_result r,
			 char *name, const char *groups)
{
	if (r == AIG_EXT_PAM_UNAVAILABLE)
		return stop(g, AIG_OUT_UNAVAILABLE,
			    "PAM: directory unavailable");
	if (r == AIG_EXT_PAM_DENIED)
		return stop(g, AIG_OUT_BAD_CREDENTIALS,
			    "PAM: authentication failed");
	g->user = name;
	if (r == AIG_EXT_PAM_FORBIDDEN)
		return stop(g, AIG_OUT_FORBIDDEN, "PAM: account refused");
	return aig_groups_split(groups, &g->groups, NULL) == AIG_OK ||
	       stop(g, AIG_OUT_UNAVAILABLE, "malformed AIGATE_GROUPS from PAM");
}

static bool auth_basic(struct aig_gate *g)
{
	char *user = NULL, *password = NULL, *groups = NULL, *name = NULL;
	struct fail_budget budget[2];
	enum aig_ext_pam_result r;
	const struct aig_gate_pam *ext;
	struct aig_error err = {0};
	int pam_code = 0;
	bool ok = false;

	g->auth = "basic";
	if (!aig_basic_decode(g->req.authorization, &user, &password))
		return stop(g, AIG_OUT_BAD_CREDENTIALS,
			    "malformed Basic credentials");
	if ((ext = aig_gate_pam_load(&err)) == NULL) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		stop(g, AIG_OUT_UNAVAILABLE, "PAM module cannot be loaded");
		goto out;
	}
	if (aig_basic_cache_answer(g, user, password, &name, &groups)) {
		ok = basic_result(g, AIG_EXT_PAM_OK, name, groups);
		goto out;
	}
	fail_budgets(g, user, budget);
	if (!fail_take(g, budget))
		goto out;
	r = ext->pam_check(g->cfg->auth.pam_service, g->cfg->auth.pam_confdir,
			   user, password, g->req.remote_addr, &name, &groups,
			   &pam_code);
	if (r != AIG_EXT_PAM_DENIED) /* only a failed login is charged */
		fail_give_back(g, budget);
	aig_basic_cache_learn(g, user, password, r, name, groups);
	ok = basic_result(g, r, name, groups);
out:
	if (g->user == name)
		name = NULL;
	aig_secret_free(password);
	free(user);
	free(name);
	free(groups);
	return ok;
}

/* Groups of a JWT user from AD, through the group cache (aigate.json(5),
 * groups_from_ldap): needs ldap.service_bind to read the directory. The
 * extension keeps its session and cache in the process's warm state. */
static bool groups_from_ldap(struct aig_gate *g, const char *user)
{
	struct aig_error err = {0};
	const struct aig_gate_ext *ext = aig_gate_ext_load(&err);
	enum aig_ext_dir_result r = AIG_EXT_DIR_UNAVAILABLE;

	if (ext != NULL)
		r = ext->dir_groups(&g->w->dir, g->cfg, &g->w->log, user,
				    &g->groups, &err);
	if (r != AIG_EXT_DIR_OK)
		aig_log_msg(&g->log, LOG_ERR, "groups from ldap: %s", err.msg);
	if (r == AIG_EXT_DIR_NO_SUCH_USER)
		return stop(g, AIG_OUT_BAD_CREDENTIALS,
			    "token user not in directory");
	return r == AIG_EXT_DIR_OK ||
	       stop(g, AIG_OUT_UNAVAILABLE, "directory unavailable");
}

static bool auth_bearer(struct aig_gate *g)
{
	struct aig_jwt_identity *id = NULL;
	struct aig_error err = {0};
	const char *token = g->req.authorization + strlen("Bearer ");
	int rc;

	g->auth = "bearer";
	rc = aig_warm_verifier(g->w, &err);
	if (rc == AIG_OK)
		rc = aig_jwt_verify(g->w->verifier, token, strlen(token),
				    time(NULL), &id, &err);
	if (rc != AIG_OK) {
		aig_log_msg(&g->log, LOG_NOTICE, "bearer token refused: %s",
			    err.msg);
		if (!aig_jwt_status_is_invalid_token(rc))
			return stop(g, AIG_OUT_UNAVAILABLE,
				    "token keys unavailable");
		g->www_authenticate_error = "invalid_token";
		return stop(g, AIG_OUT_BAD_CREDENTIALS,
			    aig_jwt_status_name(rc));
	}
	g->user = id->user;
	id->user = NULL;
	if (!g->cfg->jwt.groups_from_ldap)
		take_strv(&g->groups, &id->groups);
	aig_jwt_identity_free(id);
	return !g->cfg->jwt.groups_from_ldap || groups_from_ldap(g, g->user);
}

/* auth.alb: the identity an AWS ALB asserts in x-amzn-oidc-data. A key
 * that cannot be had is 503 (fail closed), a refused token 401. */
static bool auth_alb(struct aig_gate *g)
{
	struct aig_jwt_identity *id = NULL;
	struct aig_error err = {0};
	const char *t = g->req.alb_data;
	int rc;

	g->auth = "alb";
	rc = aig_warm_alb(g->w, &err);
	if (rc == AIG_OK)
		rc = aig_alb_verify(g->w->alb, t, strlen(t), time(NULL), &id,
				    &err);
	if (rc != AIG_OK) {
		aig_log_msg(&g->log, LOG_NOTICE, "ALB token refused: %s",
			    err.msg);
		if (!aig_jwt_status_is_invalid_token(rc))
			return stop(g, AIG_OUT_UNAVAILABLE,
				    "ALB keys unavailable");
		return stop(g, AIG_OUT_BAD_CREDENTIALS,
			    aig_jwt_status_name(rc));
	}
	g->user = id->user;
	id->user = NULL;
	if (!g->cfg->alb.groups_from_ldap)
		take_strv(&g->groups, &id->groups);
	aig_jwt_identity_free(id);
	return !g->cfg->alb.groups_from_ldap || groups_from_ldap(g, g->user);
}

static bool scheme_is(const char *header, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(header, scheme, n) == 0 && header[n] == ' ';
}

/* auth.require_https: credentials that came over plain HTTP are refused
 * before anything looks at them (no PAM conversation, no token check);
 * they have been exposed already, and answering on them would make the
 * clear channel usable. */
static bool over_https_if_required(struct aig_gate *g)
{
	if (!g->cfg->auth.require_https || g->req.authorization == NULL ||
	    g->req.https)
		return true;
	return stop(g, AIG_OUT_HTTPS_REQUIRED,
		    "credentials sent without HTTPS");
}

bool aig_step_authenticate(struct aig_gate *g)
{
	const char *h = g->req.authorization;

	if (!over_https_if_required(g))
		return false;
	if (aig_sso_applies(g)) /* the web server authenticated the caller */
		return aig_auth_remote_user(g);
	if (g->req.alb_data != NULL &&
	    aig_config_has_method(g->cfg, AIG_AUTH_ALB))
		return auth_alb(g);
	if (h == NULL)
		return stop(g, AIG_OUT_NO_CREDENTIALS, "no credentials");
	if (scheme_is(h, "Negotiate") &&
	    aig_config_has_method(g->cfg, AIG_AUTH_NEGOTIATE))
		return aig_auth_negotiate(g);
	if (scheme_is(h, "Bearer") &&
	    aig_config_has_method(g->cfg, AIG_AUTH_BEARER))
		return auth_bearer(g);
	if (scheme_is(h, "Basic") &&
	    aig_config_has_method(g->cfg, AIG_AUTH_BASIC))
		return auth_basic(g);
	return stop(g, AIG_OUT_NO_CREDENTIALS,
		    "authentication scheme not accepted");
}

/* ------------------------------------------------------------- policy */

bool aig_step_decide(struct aig_gate *g)
{
	aig_policy_decide(g->pol, g->user, (const char *const *)g->groups.v,
			  g->groups.n, g->req.method, g->req.path, &g->dec);
	g->decided = true;
	if (!g->dec.allow)
		return stop(g, AIG_OUT_FORBIDDEN, g->dec.reason);
	return true;
}

/* GET /_aigate/whoami: the caller, and the rule that decides GET on this
 * route for them (null when none does). */
bool aig_step_whoami(struct aig_gate *g)
{
	struct aig_decision d;
	json_t *body, *groups;
	size_t i;

	if (strcmp(g->req.path, "/_aigate/whoami") != 0)
		return true;
	aig_policy_decide(g->pol, g->user, (const char *const *)g->groups.v,
			  g->groups.n, "GET", g->req.path, &d);
	groups = json_array();
	for (i = 0; groups != NULL && i < g->groups.n; i++)
		json_array_append_new(groups, json_string(g->groups.v[i]));
	body = json_pack("{s:s, s:o, s:s, s:s?}", "user", g->user, "groups",
			 groups, "auth", g->auth, "rule", d.rule_name);
	if (body == NULL)
		return stop(g, AIG_OUT_UNAVAILABLE, "out of memory");
	aig_response_json_headers(g->out, g->req.id, 200, body, g->auth_reply);
	json_decref(body);
	return answered(g);
}

/* GET /_aigate/metrics: Prometheus text, for whoever a policy rule lets
 * through on this path (aig_step_decide() ran first); never forwarded. */
bool aig_step_metrics(struct aig_gate *g)
{
	struct aig_error err = {0};
	char *text = NULL;

	if (strcmp(g->req.path, "/_aigate/metrics") != 0)
		return true;
	if (aig_warm_metrics(g->w, &err) != AIG_OK ||
	    aig_metrics_text(g->w->metrics, &text, &err) != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		aig_warm_drop_metrics(g->w);
		return stop(g, AIG_OUT_UNAVAILABLE, "metrics unavailable");
	}
	fprintf(g->out,
		"Status: 200 OK\r\n"
		"Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		"Cache-Control: no-store\r\n"
		"X-Request-Id: %s\r\n%s\r\n%s",
		g->req.id, g->auth_reply ? g->auth_reply : "", text);
	fflush(g->out);
	g->bytes_out = strlen(text);
	free(text);
	return answered(g);
}

/* --------------------------------------------------------------- body */

static bool is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

bool aig_step_read_body(struct aig_gate *g)
{
	size_t max = g->dec.limits ? g->dec.limits->max_body_bytes
				   : AIG_POLICY_DEFAULT_MAX_BYTES;
	bool has_body = g->req.content_length > 0 ||
			(g->req.content_length < 0 &&
			 (strcmp(g->req.method, "POST") == 0 ||
			  strcmp(g->req.method, "PUT") == 0 ||
			  strcmp(g->req.method, "PATCH") == 0));

	if (has_body && !is_json_type(g->req.content_type))
		return stop(g, AIG_OUT_UNSUPPORTED_TYPE,
			    "body is not application/json");
	if (!aig_request_read_body(&g->req, g->in, max, &g->outcome)) {
		snprintf(g->reason, sizeof(g->reason), "%s",
			 aig_outcome_info(g->outcome)->message);
		return false;
	}
	return true;
}

bool aig_step_check_body(struct aig_gate *g)
{
	struct aig_body_result r;
	struct aig_error err = {0};

	if (g->req.body_len == 0)
		return true;
	if (aig_policy_check_body(g->pol, g->dec.rule, g->req.body,
				  g->req.body_len, &r, &err) != AIG_OK)
		return stop(g, AIG_OUT_UNAVAILABLE, "body check failed");
	g->prompt_bytes = r.prompt_bytes;
	if (r.verdict == AIG_BODY_DENIED)
		g->prompt_pattern = r.pattern;
	return r.verdict == AIG_BODY_OK ||
	       stop(g, aig_body_outcome(r.verdict), r.reason);
}

/* --------------------------------------------------- rate, forwarding */

bool aig_step_rate_limit(struct aig_gate *g)
{
	const struct aig_rule_limits *l = g->dec.limits;
	struct aig_error err = {0};
	bool allowed = false;
	int rc;

	if (l == NULL || l->per_minute == 0)
		return true;
	rc = aig_warm_ratelimit(g->w, &err);
	if (rc == AIG_OK)
		rc = aig_ratelimit_take(g->w->rl, g->dec.rule_name, g->user,
					l->per_minute, l->burst, &allowed,
					&g->retry_after_s, &err);
	if (rc != AIG_OK) {
		aig_warm_drop_ratelimit(g->w);
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		return stop(g, AIG_OUT_UNAVAILABLE,
			    "rate limit store unavailable");
	}
	return allowed || stop(g, AIG_OUT_RATE_LIMITED, "rate limit reached");
}

bool aig_step_forward(struct aig_gate *g)
{
	struct aig_forward f = {0};
	char *groups = aig_groups_join(&g->groups), *identity = NULL;
	bool sent;

	if (groups == NULL)
		return stop(g, AIG_OUT_UNAVAILABLE, "out of memory");
	if (aig_gate_identity(g, &identity) != AIG_OK) {
		free(groups);
		return stop(g, AIG_OUT_UNAVAILABLE, "identity not signed");
	}
	f.identity = identity;
	f.sandbox = g->route.route == AIG_ROUTE_SANDBOX;
	f.backend_url =
		f.sandbox ? g->cfg->backend.sandbox_url : g->cfg->backend.url;
	f.timeout_ms = g->cfg->backend.timeout_ms;
	f.method = g->req.method;
	f.path = g->req.path;
	f.query = g->req.query;
	f.content_type = g->req.content_type;
	f.body = g->req.body;
	f.body_len = g->req.body_len;
	f.user = g->user;
	f.groups = groups;
	f.request_id = g->req.id;
	f.last_event_id = g->req.last_event_id;
	f.extra_headers = g->auth_reply;
	f.out = g->out;
	f.stop = g->terminated;
	f.output = aig_policy_output(g->pol, g->dec.rule);
	if (aig_warm_http(g->w, NULL) == AIG_OK)
		f.client = g->w->http; /* else forward makes its own */
	fflush(g->out);
	sent = aig_forward(&f);
	free(groups);
	free(identity);
	g->backend_ms = f.backend_ms;
	g->bytes_out = f.bytes_out;
	g->responded = sent;
	g->status = f.status;
	g->outcome = f.outcome; /* FORWARDED: the gate let it through */
	g->output = f.output_report;
	g->output_checked = f.output_checked;
	if (f.output_report.denied)
		snprintf(g->reason, sizeof(g->reason), "output refused");
	if (f.client_gone)
		snprintf(g->reason, sizeof(g->reason), "client went away");
	if (!sent) {
		aig_log_msg(&g->log, LOG_ERR, "backend: %s", f.err.msg);
		if (f.outcome != AIG_OUT_PENDING)
			snprintf(g->reason, sizeof(g->reason), "%s",
				 aig_outcome_info(f.outcome)->message);
	}
	return sent;
}

/* ------------------------------------------------------------ endings */

/* The WWW-Authenticate lines of a 401 into extra (len bytes): one per
 * accepted scheme, in the order of auth.methods (remote_user has none:
 * the web server challenges for it). The realm comes from our
 * configuration; quotes, backslashes and control characters in it are
 * dropped rather than escaped. */
static void authenticate_headers(const struct aig_gate *g, char *extra,
				 size_t len)
{
	const char *realm = g->cfg->auth.realm;
	char r[128];
	size_t i, o = 0, n = 0;

	for (i = 0; realm[i] && o + 1 < sizeof(r); i++)
		if (realm[i] >= 0x20 && realm[i] < 0x7f && realm[i] != '"' &&
		    realm[i] != '\\')
			r[o++] = realm[i];
	r[o] = '\0';
	for (i = 0; i < g->cfg->auth.n_methods && n < len; i++) {
		switch (g->cfg->auth.methods[i]) {
		case AIG_AUTH_BEARER:
			n += (size_t)snprintf(
				extra + n, len - n,
				"WWW-Authenticate: Bearer realm=\"%s\"%s\r\n",
				r,
				g->www_authenticate_error
					? ", error=\"invalid_token\""
					: "");
			break;
		case AIG_AUTH_BASIC:
			n += (size_t)snprintf(
				extra + n, len - n,
				"WWW-Authenticate: Basic "
				"realm=\"%s\", charset=\"UTF-8\"\r\n",
				r);
			break;
		case AIG_AUTH_NEGOTIATE:
			n += (size_t)snprintf(
				extra + n, len - n,
				"WWW-Authenticate: Negotiate\r\n");
			break;
		default: break;
		}
	}
}

/* The extra header lines of an error response into extra (len bytes). */
static void extra_headers(const struct aig_gate *g,
			  const struct aig_outcome_info *e, char *extra,
			  size_t len)
{
	extra[0] = '\0';
	switch (e->header) {
	case AIG_OUT_HEADER_AUTHENTICATE:
		if (g->cfg != NULL)
			authenticate_headers(g, extra, len);
		break;
	case AIG_OUT_HEADER_RETRY_AFTER:
		snprintf(extra, len, "Retry-After: %u\r\n",
			 g->retry_after_s ? g->retry_after_s : 1);
		break;
	case AIG_OUT_HEADER_ALLOW:
		snprintf(extra, len,
			 "Allow: GET, HEAD, POST, PUT, PATCH, DELETE, "
			 "OPTIONS\r\n");
		break;
	default: break;
	}
	if (g->auth_reply != NULL &&
	    strlen(extra) + strlen(g->auth_reply) < len)
		strcat(extra, g->auth_reply); /* the answer to a Negotiate */
}

void aig_gate_respond_error(struct aig_gate *g)
{
	const struct aig_outcome_info *e;
	char extra[512 + AIG_AUTH_REPLY_MAX];

	if (g->responded)
		return;
	if (aig_outcome_info(g->outcome)->code == NULL) /* fail closed */
		g->outcome = AIG_OUT_UNAVAILABLE;
	e = aig_outcome_info(g->outcome);
	aig_request_discard_body(&g->req, g->in);
	extra_headers(g, e, extra, sizeof(extra));
	aig_response_error(g->out, g->req.id[0] ? g->req.id : "-", g->outcome,
			   extra);
	g->responded = true;
	g->status = e->status;
}

/* ---------------------------------------------------------------- run */

void aig_gate_run(struct aig_gate *g)
{
	(void)(aig_step_read_request(g) && /* PATH_INFO checked first */
	       aig_step_health(g) &&	   /* /_aigate/health, no auth */
	       aig_step_load_config(g) &&  /* aigate.json */
	       aig_step_open_audit(g) &&   /* fail closed if we cannot audit */
	       aig_step_jwks(g) &&	   /* /_aigate/jwks.json, no auth */
	       aig_step_authenticate(g) && /* Bearer JWT or Basic via PAM */
	       aig_step_load_policy(g) &&  /* policy.json */
	       aig_step_whoami(g) &&	   /* /_aigate/whoami */
	       aig_step_decide(g) &&	   /* groups, method, path -> rule */
	       aig_step_metrics(g) &&	   /* /_aigate/metrics, if allowed */
	       aig_step_rate_limit(g) &&   /* token bucket per user, rule */
	       aig_step_read_body(g) &&	   /* content type, size */
	       aig_step_check_body(g) &&   /* JSON, prompt, models, tools */
	       aig_step_route(g) &&	   /* quarantine, sandbox */
	       aig_step_langgraph(g) &&	   /* thread owners, per-user store */
	       aig_step_forward(g));	   /* to the backend, streaming */
	aig_gate_respond_error(g);
	aig_gate_audit(g);
	aig_gate_free(g);
}
