/* SPDX-License-Identifier: Apache-2.0 */
/* audit.c - the gate's audit record (aigate.cgi(8), AUDIT RECORD): one JSON
 * line per request, allowed, denied or failed; never the prompt, a token or a
 * password. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <nettle/sha2.h>

#include "gate.h"

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Hex SHA-256 of the body into out[65], or "" when there is none. */
static void body_sha256(const struct aig_gate *g, char out[65])
{
	unsigned char md[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	size_t i;

	out[0] = '\0';
	if (g->req.body == NULL || g->req.body_len == 0)
		return;
	sha256_init(&ctx);
	sha256_update(&ctx, g->req.body_len, (const uint8_t *)g->req.body);
	sha256_digest(&ctx, sizeof(md), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static json_t *groups_json(const struct aig_strv *g)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < g->n; i++)
		json_array_append_new(a, json_string(g->v[i]));
	return a;
}

/* What the output rules did to the answer: pattern indexes and counts,
 * never the text. NULL when they did nothing. */
static json_t *output_json(const struct aig_gate *g)
{
	const struct aig_output_report *r = &g->output;

	if (!g->output_checked || (!r->denied && r->redactions == 0))
		return NULL;
	if (r->denied)
		return json_pack("{s:s, s:s, s:i}", "action", "deny", "list",
				 r->deny_in_redact ? "redact" : "deny",
				 "pattern", r->deny_pattern);
	return json_pack("{s:s, s:s, s:i, s:I}", "action", "redact", "list",
			 "redact", "pattern", r->redact_pattern, "redactions",
			 (json_int_t)r->redactions);
}

/* Where the prompt went when not to the backend: {"to": "sandbox" |
 * "quarantine", "pattern": N (index in prompt.sandbox or
 * prompt.quarantine) or "untrusted": true}. NULL otherwise. */
static json_t *route_json(const struct aig_gate *g)
{
	const struct aig_route_result *r = &g->route;

	if (r->route == AIG_ROUTE_BACKEND)
		return NULL;
	if (r->pattern < 0)
		return json_pack("{s:s, s:b}", "to", aig_route_name(r->route),
				 "untrusted", r->untrusted);
	return json_pack("{s:s, s:i}", "to", aig_route_name(r->route),
			 "pattern", r->pattern);
}

static json_t *record(const struct aig_gate *g, double latency_ms)
{
	char ts[40], sha[65];
	bool allowed = aig_outcome_info(g->outcome)->flags & AIG_OUT_ALLOWED;

	aig_time_rfc3339(ts, sizeof(ts));
	body_sha256(g, sha);
	return json_pack(
		"{s:s, s:s, s:s, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s, s:s,"
		" s:i, s:I, s:I, s:s?, s:I, s:f, s:f, s:s?}",
		"ts", ts, "request_id", g->req.id, "client",
		g->req.remote_addr ? g->req.remote_addr : "", "user", g->user,
		"groups", groups_json(&g->groups), "auth", g->auth, "method",
		g->req.method, "path", g->req.path, "rule",
		g->decided ? g->dec.rule_name : NULL, "decision",
		allowed ? "allow" : "deny", "reason", g->reason, "status",
		g->status, "bytes_in", (json_int_t)g->req.body_len, "bytes_out",
		(json_int_t)g->bytes_out, "prompt_sha256", sha[0] ? sha : NULL,
		"prompt_bytes", (json_int_t)g->prompt_bytes, "latency_ms",
		latency_ms, "backend_ms", g->backend_ms, "principal",
		g->principal);
}

/* The request in the metrics, from its outcome: a 429 counts as rate
 * limited only when the gate's own limits refused it, not when a backend's
 * 429 was passed through. A backend error is the gate's 502 or 504, or the
 * backend's own 502 or 504 passed through. */
static void count(struct aig_gate *g, double latency, bool audit_failed)
{
	const struct aig_outcome_info *o = aig_outcome_info(g->outcome);
	struct aig_metrics_sample m = {
		(o->flags & AIG_OUT_ALLOWED) != 0, g->status, latency,
		(o->flags & AIG_OUT_RATE_LIMIT) != 0,
		(o->flags & AIG_OUT_BACKEND_ERROR) != 0 ||
			(g->outcome == AIG_OUT_FORWARDED &&
			 (g->status == 502 || g->status == 504))};
	struct aig_error err = {0};

	aig_gate_metrics_extra(g, audit_failed, &m);
	if (aig_warm_metrics(g->w, &err) != AIG_OK ||
	    aig_metrics_add(g->w->metrics, &m, &err) != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		aig_warm_drop_metrics(g->w);
	}
}

void aig_gate_audit_line(char *buf, size_t len, const char *id,
			 const char *user, const char *rule, int status,
			 double latency_ms)
{
	char u[160], r[160];

	snprintf(buf, len,
		 "request %s user=%s rule=%s status=%d latency_ms=%.1f", id,
		 aig_log_quote(u, sizeof(u), user),
		 aig_log_quote(r, sizeof(r), rule), status, latency_ms);
}

void aig_gate_audit(struct aig_gate *g)
{
	struct aig_error err = {0};
	double latency = ms_since(&g->t0);
	char line[512];
	json_t *rec, *out;
	bool failed;

	/* A request refused before the configuration was read is audited
	 * too, if the configuration can be read now. */
	if (g->cfg == NULL && aig_warm_config(g->w, NULL) == AIG_OK)
		g->cfg = g->w->cfg;
	if (g->cfg == NULL)
		return; /* nowhere to write: the error went to syslog */
	rec = record(g, latency);
	if (rec != NULL && (out = output_json(g)) != NULL)
		json_object_set_new(rec, "output", out);
	if (rec != NULL && (out = route_json(g)) != NULL)
		json_object_set_new(rec, "route", out);
	failed = rec == NULL ||
		 (g->w->audit_fd >= 0
			  ? aig_audit_write(g->w->audit_fd, g->cfg->audit.file,
					    rec, &err)
			  : aig_audit_append(g->cfg->audit.file, rec, &err)) !=
			 AIG_OK;
	if (failed)
		aig_log_msg(&g->log, LOG_ERR, "audit: %s",
			    rec ? err.msg : "out of memory");
	json_decref(rec);
	count(g, latency, failed);
	if (!g->cfg->audit.syslog)
		return;
	aig_gate_audit_line(line, sizeof(line), g->req.id, g->user,
			    g->decided ? g->dec.rule_name : NULL, g->status,
			    latency);
	aig_log_msg(&g->log, LOG_INFO, "%s", line);
}
