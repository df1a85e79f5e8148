/* SPDX-License-Identifier: Apache-2.0 */
/* route_step.c - the gate's step between the body checks and the backend:
 * prompt.quarantine, prompt.sandbox and untrusted rules (aig_route.h). A
 * quarantined request is stored (quarantine.c) and answered 202 without
 * reaching any backend; a sandboxed one goes to backend.sandbox_url with
 * X-Aigate-Sandbox: 1. Without the place to send it (no quarantine or no
 * sandbox_url configured, a full quarantine), the request is refused with
 * 503: never sent to the main backend instead. */
#include "config.h"

#include <stdio.h>
#include <syslog.h>

#include "aig_route.h"
#include "cgi_int.h"
#include "gate.h"

static bool refuse(struct aig_gate *g, const char *reason)
{
	g->outcome = AIG_OUT_UNAVAILABLE;
	snprintf(g->reason, sizeof(g->reason), "%s", reason);
	return false;
}

static bool quarantine(struct aig_gate *g)
{
	struct aig_error err = {0};
	json_t *body;
	int rc;

	rc = aig_quarantine_store(g->cfg, g->req.id, g->req.body,
				  g->req.body_len, &err);
	if (rc != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		return refuse(g, rc == AIG_ERR_TOO_BIG ? "quarantine full"
						       : "quarantine failed");
	}
	body = json_pack("{s:s, s:s}", "status", "quarantined", "request_id",
			 g->req.id);
	aig_response_json(g->out, g->req.id, 202, body);
	json_decref(body);
	g->responded = true;
	g->status = 202;
	g->outcome = AIG_OUT_QUARANTINED;
	snprintf(g->reason, sizeof(g->reason), "quarantined");
	return false;
}

bool aig_step_route(struct aig_gate *g)
{
	struct aig_error err = {0};

	if (aig_policy_route(g->pol, g->dec.rule, g->req.body, g->req.body_len,
			     &g->route, &err) != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "route: %s", err.msg);
		return refuse(g, "route check failed");
	}
	switch (g->route.route) {
	case AIG_ROUTE_QUARANTINE:
		return g->cfg->quarantine.dir != NULL
			       ? quarantine(g)
			       : refuse(g, "quarantine not configured");
	case AIG_ROUTE_SANDBOX:
		return g->cfg->backend.sandbox_url != NULL ||
		       refuse(g, "no sandbox backend configured");
	default: return true;
	}
}
