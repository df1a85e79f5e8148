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

	out[0] = '\0';
	if (g->req.body == NULL || g->req.body_len == 0)
		return;
	sha256_init(&ctx);
	sha256_update(&ctx, g->req.body_len, (const uint8_t *)g->req.body);
	sha256_digest(&ctx, sizeof(md), md);
	aig_hex_lower(out, md, sizeof(md));
}

/* What the output rules did to the answer: pattern indexes and counts,
 * never the text. Nothing when they did nothing. */
static void output_json(struct aig_jw *w, const struct aig_gate *g)
{
	const struct aig_output_report *r = &g->output;

	if (!g->output_checked || (!r->denied && r->redactions == 0))
		return;
	aig_jw_open(w, "output", '{');
	if (r->denied) {
		aig_jw_str(w, "action", "deny");
		aig_jw_str(w, "list", r->deny_in_redact ? "redact" : "deny");
		aig_jw_int(w, "pattern", r->deny_pattern);
	} else {
		aig_jw_str(w, "action", "redact");
		aig_jw_str(w, "list", "redact");
		aig_jw_int(w, "pattern", r->redact_pattern);
		aig_jw_int(w, "redactions", (long long)r->redactions);
	}
	aig_jw_close(w, '}');
}

/* Where the prompt went when not to the backend: {"to": "sandbox" |
 * "quarantine", "pattern": N (index in prompt.sandbox or
 * prompt.quarantine) or "untrusted": true}. Nothing otherwise. */
static void route_json(struct aig_jw *w, const struct aig_gate *g)
{
	const struct aig_route_result *r = &g->route;

	if (r->route == AIG_ROUTE_BACKEND)
		return;
	aig_jw_open(w, "route", '{');
	aig_jw_str(w, "to", aig_route_name(r->route));
	if (r->pattern < 0)
		aig_jw_bool(w, "untrusted", r->untrusted);
	else
		aig_jw_int(w, "pattern", r->pattern);
	aig_jw_close(w, '}');
}

/* The record as one JSON object, written straight as text (no jansson
 * objects: building and dumping them was about a seventh of a FastCGI
 * request's CPU). The members and their order are aigate.cgi(8)'s. */
void aig_gate_audit_record(struct aig_jw *w, const struct aig_gate *g,
			   double latency_ms)
{
	char ts[40], sha[65];
	bool allowed = aig_outcome_info(g->outcome)->flags & AIG_OUT_ALLOWED;
	size_t i;

	aig_time_rfc3339(ts, sizeof(ts));
	body_sha256(g, sha);
	aig_jw_open(w, NULL, '{');
	aig_jw_str(w, "ts", ts);
	aig_jw_str(w, "request_id", g->req.id);
	aig_jw_str(w, "client", g->req.remote_addr ? g->req.remote_addr : "");
	aig_jw_str(w, "user", g->user);
	aig_jw_open(w, "groups", '[');
	for (i = 0; i < g->groups.n; i++)
		aig_jw_str(w, NULL, g->groups.v[i]);
	aig_jw_close(w, ']');
	aig_jw_str(w, "auth", g->auth);
	aig_jw_str(w, "method", g->req.method);
	aig_jw_str(w, "path", g->req.path);
	aig_jw_str(w, "rule", g->decided ? g->dec.rule_name : NULL);
	aig_jw_str(w, "decision", allowed ? "allow" : "deny");
	aig_jw_str(w, "reason", g->reason);
	aig_jw_int(w, "status", g->status);
	aig_jw_int(w, "bytes_in", (long long)g->req.body_len);
	aig_jw_int(w, "bytes_out", (long long)g->bytes_out);
	aig_jw_str(w, "prompt_sha256", sha[0] ? sha : NULL);
	aig_jw_int(w, "prompt_bytes", (long long)g->prompt_bytes);
	aig_jw_real(w, "latency_ms", latency_ms);
	aig_jw_real(w, "backend_ms", g->backend_ms);
	aig_jw_str(w, "principal", g->principal);
	output_json(w, g);
	route_json(w, g);
	aig_jw_close(w, '}');
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
	char line[512], text[2048];
	struct aig_jw w;
	bool failed;

	/* A request refused before the configuration was read is audited
	 * too, if the configuration can be read now. */
	if (g->cfg == NULL && aig_warm_config(g->w, NULL) == AIG_OK)
		g->cfg = g->w->cfg;
	if (g->cfg == NULL)
		return; /* nowhere to write: the error went to syslog */
	aig_jw_init(&w, text, sizeof(text));
	aig_gate_audit_record(&w, g, latency);
	failed = w.failed ||
		 (g->w->audit_fd >= 0
			  ? aig_audit_write_text(g->w->audit_fd,
						 g->cfg->audit.file, w.buf,
						 w.len, &err)
			  : aig_audit_append_text(g->cfg->audit.file, w.buf,
						  w.len, &err)) != AIG_OK;
	if (failed)
		aig_log_msg(&g->log, LOG_ERR, "audit: %s",
			    w.failed ? "out of memory" : err.msg);
	aig_jw_free(&w);
	count(g, latency, failed);
	if (!g->cfg->audit.syslog)
		return;
	aig_gate_audit_line(line, sizeof(line), g->req.id, g->user,
			    g->decided ? g->dec.rule_name : NULL, g->status,
			    latency);
	aig_log_msg(&g->log, LOG_INFO, "%s", line);
}
