/* SPDX-License-Identifier: Apache-2.0 */
/* identity_gate.c - the gate's side of X-Aigate-Identity (aig_identity.h):
 * the token for a request's backend calls, and GET /_aigate/jwks.json. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "aig_identity.h"
#include "gate.h"

int aig_gate_identity(struct aig_gate *g, char **out)
{
	const struct aig_config *cfg = g->cfg;
	struct aig_identity_claims c = {0};
	struct aig_error err = {0};
	int rc;

	*out = NULL;
	if (cfg == NULL || cfg->backend.identity.key_file == NULL)
		return AIG_OK;
	rc = aig_identity_get(&g->w->identity, cfg->backend.identity.key_file,
			      &err);
	if (rc == AIG_OK) {
		c.audience = cfg->backend.identity.audience;
		c.user = g->user;
		c.groups = (const char *const *)g->groups.v;
		c.ngroups = g->groups.n;
		c.auth = g->auth;
		c.request_id = g->req.id;
		c.ttl_s = cfg->backend.identity.ttl_s;
		rc = aig_identity_token(g->w->identity, &c, out, &err);
	}
	if (rc != AIG_OK)
		aig_log_msg(&g->log, LOG_ERR, "identity: %s", err.msg);
	return rc;
}

/* 404: the gate signs nothing, so it publishes no key. */
static bool no_key(struct aig_gate *g)
{
	json_t *body = json_pack("{s:s, s:s}", "error", "not_found", "message",
				 "no identity key is configured");

	if (body == NULL) {
		g->outcome = AIG_OUT_NO_MEMORY;
		return false;
	}
	aig_response_json(g->out, g->req.id, 404, body);
	json_decref(body);
	g->responded = true;
	g->status = 404;
	g->outcome = AIG_OUT_FORBIDDEN;
	snprintf(g->reason, sizeof(g->reason), "no identity key configured");
	return false;
}

/* GET /_aigate/jwks.json: the public key of backend.identity, for anyone
 * (a backend checks tokens with it); 404 when the gate signs nothing. */
bool aig_step_jwks(struct aig_gate *g)
{
	struct aig_error err = {0};
	const char *key_file = g->cfg->backend.identity.key_file;
	const char *jwks;

	if (strcmp(g->req.path, "/_aigate/jwks.json") != 0)
		return true;
	if (key_file == NULL)
		return no_key(g);
	if (aig_identity_get(&g->w->identity, key_file, &err) != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "identity: %s", err.msg);
		g->outcome = AIG_OUT_UNAVAILABLE;
		snprintf(g->reason, sizeof(g->reason),
			 "identity key unavailable");
		return false;
	}
	g->responded = true;
	jwks = aig_identity_jwks(g->w->identity);
	fprintf(g->out,
		"Status: 200 OK\r\n"
		"Content-Type: application/jwk-set+json\r\n"
		"Cache-Control: max-age=300\r\n"
		"X-Request-Id: %s\r\n\r\n%s",
		g->req.id, jwks);
	fflush(g->out);
	g->bytes_out = strlen(jwks);
	g->outcome = AIG_OUT_OK;
	g->status = 200;
	return false;
}
