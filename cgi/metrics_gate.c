/* SPDX-License-Identifier: Apache-2.0 */
/* metrics_gate.c - what a request adds to the counters beyond its status
 * and latency: the series that alerts on abnormal use are built on
 * (contrib/prometheus/aigate-rules.yml). Labels take bounded values only:
 * outcome codes, the policy's rule names, list names and pattern indexes,
 * the login method, a fixed set of dependencies. A user never becomes a
 * label (aigatectl audit summary --top-users finds the callers). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aig_route.h"
#include "gate.h"

static void extra(struct aig_metrics_sample *s, uint64_t n, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

static void extra(struct aig_metrics_sample *s, uint64_t n, const char *fmt,
		  ...)
{
	va_list ap;

	if (s->n_extra == AIG_METRICS_EXTRA_MAX || n == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(s->extra[s->n_extra].key, sizeof(s->extra[0].key), fmt, ap);
	va_end(ap);
	s->extra[s->n_extra++].n = n;
}

/* The dependency a 503 was for, from the reason the step gave; NULL. */
static const char *dependency(const struct aig_gate *g)
{
	static const struct {
		const char *reason, *dep;
	} deps[] = {
		{"directory unavailable", "directory"},
		{"token keys unavailable", "issuer"},
		{"rate limit store unavailable", "ratelimit"},
		{"quarantine full", "quarantine"},
		{"quarantine failed", "quarantine"},
		{"audit file unavailable", "audit"},
	};
	size_t i;

	if (g->outcome != AIG_OUT_UNAVAILABLE)
		return NULL;
	for (i = 0; i < sizeof(deps) / sizeof(deps[0]); i++)
		if (strstr(g->reason, deps[i].reason) != NULL)
			return deps[i].dep;
	return NULL;
}

void aig_gate_metrics_extra(const struct aig_gate *g, bool audit_failed,
			    struct aig_metrics_sample *s)
{
	const struct aig_outcome_info *o = aig_outcome_info(g->outcome);
	const char *dep = dependency(g);

	if (o->code != NULL) {
		extra(s, 1, "aigate_denials_total{reason=\"%s\"}", o->code);
		if (g->decided && g->dec.rule_name != NULL)
			extra(s, 1, "aigate_denials_by_rule_total{rule=\"%s\"}",
			      g->dec.rule_name);
	}
	if (g->outcome == AIG_OUT_BAD_CREDENTIALS && g->auth != NULL)
		extra(s, 1, "aigate_login_failures_total{method=\"%s\"}",
		      g->auth);
	if (g->prompt_pattern >= 0)
		extra(s, 1,
		      "aigate_prompt_pattern_hits_total{list=\"deny\","
		      "pattern=\"%d\"}",
		      g->prompt_pattern);
	if (g->route.route != AIG_ROUTE_BACKEND && g->route.pattern >= 0)
		extra(s, 1,
		      "aigate_prompt_pattern_hits_total{list=\"%s\","
		      "pattern=\"%d\"}",
		      aig_route_name(g->route.route), g->route.pattern);
	if (g->outcome == AIG_OUT_QUARANTINED)
		extra(s, 1, "aigate_quarantined_total");
	if (g->route.route == AIG_ROUTE_SANDBOX &&
	    g->outcome != AIG_OUT_PENDING)
		extra(s, 1, "aigate_sandboxed_total{why=\"%s\"}",
		      g->route.pattern >= 0 ? "pattern" : "untrusted");
	extra(s, g->output.redactions, "aigate_output_redactions_total");
	extra(s, g->output.denied, "aigate_output_refused_total");
	if (dep != NULL)
		extra(s, 1,
		      "aigate_dependency_unavailable_total{dependency=\"%s\"}",
		      dep);
	extra(s, audit_failed, "aigate_audit_write_failures_total");
}
