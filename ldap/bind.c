/* SPDX-License-Identifier: Apache-2.0 */
/* bind.c - the binds themselves: the one simple bind that every password
 * sent to the directory goes through (a login's, aigatectl's --bind-dn, the
 * service account's), and the service binds (simple, SASL EXTERNAL, SASL
 * GSSAPI). Which bind a login makes is in auth.c; how that bind is proved
 * to be the login's account, in proof.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sasl/sasl.h>

#include "ldap_int.h"
#include "gss.h"

static int simple_bind(struct aig_ldap *s, const char *name,
		       const char *password, struct aig_error *err)
{
	struct berval cred;
	struct timeval tv;
	char what[300], esc[256];
	int rc;

	cred.bv_val = aig_ldap_unconst(password);
	cred.bv_len = strlen(password);
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_sasl_bind_s(s->ld, name, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
			      NULL);
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	aig_log_escape(esc, sizeof(esc), name, strlen(name));
	snprintf(what, sizeof(what), "bind as \"%s\"", esc);
	return aig_ldap_fail(s, rc, true, what, err);
}

int aig_ldap_refuse_password(const char *password, struct aig_error *err)
{
	if (aig_ldap_password_refused(password))
		return aig_error_set(err, AIG_LDAP_ERR_BAD_CREDENTIALS,
				     "empty or decoy password refused "
				     "locally, not sent");
	if (strlen(password) > AIG_PASSWORD_MAX)
		return aig_error_set(err, AIG_LDAP_ERR_BAD_CREDENTIALS,
				     "password too long, not sent");
	return AIG_OK;
}

int aig_ldap_simple_bind(struct aig_ldap *s, const char *name,
			 const char *password, struct aig_error *err)
{
	int rc;

	if ((rc = aig_ldap_refuse_password(password, err)) != AIG_OK ||
	    (rc = aig_ldap_connect(s, err)) != AIG_OK)
		return rc;
	return simple_bind(s, name, password, err);
}

int aig_ldap_bind_dn(struct aig_ldap *s, const char *dn, const char *password,
		     struct aig_error *err)
{
	aig_ldap_forget_user(s);
	if (dn == NULL || *dn == '\0')
		return aig_error_set(err, AIG_ERR_INVALID, "empty bind DN");
	return aig_ldap_simple_bind(s, dn, password, err);
}

/* ------------------------------------------------------------------ SASL */

struct sasl_ctx {
	struct aig_ldap *s;
	void *gss_cred; /* gss_cred_id_t, or NULL */
};

/* Answers libsasl's prompts: no authorization identity (act as ourselves),
 * nothing else to give. For GSSAPI it is also the moment the SASL context
 * exists and has not yet used any credentials: hand it ours. */
static int interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	struct sasl_ctx *c = defaults;
	sasl_interact_t *i;

	(void)flags;
	if (c->gss_cred != NULL)
		ldap_set_option(ld, LDAP_OPT_X_SASL_GSS_CREDS, c->gss_cred);
	for (i = in; i->id != SASL_CB_LIST_END; i++) {
		i->result = "";
		i->len = 0;
	}
	return LDAP_SUCCESS;
}

static int sasl_bind(struct aig_ldap *s, const char *mech, void *gss_cred,
		     struct aig_error *err)
{
	struct sasl_ctx c = {s, gss_cred};
	struct timeval tv;
	char what[64];
	int rc;

	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_sasl_interactive_bind_s(s->ld, NULL, mech, NULL, NULL,
					  LDAP_SASL_QUIET, interact, &c);
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	snprintf(what, sizeof(what), "SASL %s bind", mech);
	return aig_ldap_fail(s, rc, true, what, err);
}

static int bind_gssapi(struct aig_ldap *s, struct aig_error *err)
{
	void *cred = NULL;
	int rc;

	if (s->cfg->ldap.service_bind.keytab == NULL)
		return aig_error_set(
			err, AIG_ERR_CONFIG,
			"ldap.service_bind: GSSAPI needs a keytab");
	if ((rc = aig_gss_cred_from_keytab(s->cfg->ldap.service_bind.keytab,
					   &cred, err)) != AIG_OK)
		return rc;
	rc = sasl_bind(s, "GSSAPI", cred, err);
	aig_gss_cred_free(cred);
	return rc;
}

static int bind_external(struct aig_ldap *s, struct aig_error *err)
{
	struct berval empty;
	struct timeval tv;
	int rc;

	if (s->cert_file == NULL)
		return aig_error_set(
			err, AIG_ERR_CONFIG,
			"SASL EXTERNAL needs a client certificate");
	/* An empty initial response: "act as the certificate's identity",
	 * in one round trip. */
	empty.bv_val = aig_ldap_unconst("");
	empty.bv_len = 0;
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_sasl_bind_s(s->ld, NULL, "EXTERNAL", &empty, NULL, NULL,
			      NULL);
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	return aig_ldap_fail(s, rc, true, "SASL EXTERNAL bind", err);
}

static int bind_service_simple(struct aig_ldap *s, struct aig_error *err)
{
	char *pw = NULL;
	int rc;

	if ((rc = aig_secret_read(s->cfg->ldap.service_bind.password_file, &pw,
				  err)) != AIG_OK)
		return rc;
	rc = aig_ldap_simple_bind(s, s->cfg->ldap.service_bind.dn, pw, err);
	aig_secret_free(pw);
	return rc;
}

/* A refused service bind is an outage of the directory for us, never a
 * statement about the user: a service account whose password expired
 * (532, 773) must not read as "the user's password is right", nor a
 * disabled or mistyped one as "the user's is wrong". err keeps the
 * server's own words. */
static int service_refused(int rc)
{
	if (rc >= AIG_LDAP_ERR_BAD_CREDENTIALS && rc < AIG_LDAP_ERR__MAX)
		return AIG_ERR_UNAVAILABLE;
	return rc;
}

int aig_ldap_bind_service(struct aig_ldap *s, struct aig_error *err)
{
	int rc;

	aig_ldap_forget_user(s);
	if (!s->cfg->ldap.has_service_bind)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "no ldap.service_bind configured");
	if ((rc = aig_ldap_connect(s, err)) != AIG_OK)
		return rc;
	switch (s->cfg->ldap.service_bind.sasl_mech) {
	case AIG_SASL_GSSAPI: rc = bind_gssapi(s, err); break;
	case AIG_SASL_EXTERNAL: rc = bind_external(s, err); break;
	default: rc = bind_service_simple(s, err); break;
	}
	return service_refused(rc);
}
