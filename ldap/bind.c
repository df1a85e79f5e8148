/* bind.c - user and service binds: simple, SASL EXTERNAL, SASL GSSAPI. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <sasl/sasl.h>

#include "ldap_int.h"
#include "gss.h"

#define AIG_PASSWORD_MAX 1024 /* AD allows 256 characters */

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

/* "login@domain": the login may not carry a domain of its own, unless
 * logins are UPNs. */
static int bind_name(const struct aig_ldap *s, const char *login, size_t len,
		     char **out, struct aig_error *err)
{
	const char *domain = s->cfg->ldap.domain;
	bool upn = strcasecmp(s->cfg->ldap.login_attribute,
			      "userPrincipalName") == 0;
	size_t n;

	*out = NULL;
	if (memchr(login, '\\', len) != NULL ||
	    (!upn && memchr(login, '@', len) != NULL))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "login may not name a domain");
	if (domain == NULL)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "ldap.domain is needed to bind as "
				     "user@domain");
	n = len + 1 + strlen(domain) + 1;
	*out = malloc(n);
	if (*out == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (upn)
		snprintf(*out, n, "%.*s", (int)len, login);
	else
		snprintf(*out, n, "%.*s@%s", (int)len, login, domain);
	return AIG_OK;
}

static int refuse_password(const char *password, struct aig_error *err)
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

int aig_ldap_whoami(struct aig_ldap *s, char **authzid, bool *supported,
		    struct aig_error *err)
{
	struct berval *id = NULL;
	struct timeval tv;
	int rc;

	*authzid = NULL;
	*supported = false;
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_whoami_s(s->ld, &id, NULL, NULL);
	if (rc == LDAP_PROTOCOL_ERROR || rc == LDAP_UNWILLING_TO_PERFORM)
		return AIG_OK;
	if (rc != LDAP_SUCCESS)
		return aig_ldap_fail(s, rc, false, "\"Who am I?\"", err);
	*supported = true;
	*authzid = id != NULL ? strndup(id->bv_val, id->bv_len) : strdup("");
	ber_bvfree(id);
	if (*authzid == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

/*
 * Which entry did the bind as name ("login@domain") authenticate? Not
 * necessarily the one ldap.login_attribute names: in AD a UPN's prefix
 * need not be anyone's sAMAccountName, so "bob@corp" may be account B
 * (userPrincipalName bob@corp) while sAMAccountName=bob is account A; B's
 * password would then bring A's groups and account state. So the entry
 * found for the login is used only when it is proved to be the account
 * bound, by the server's own word where it can give it: RFC 4532 "Who am
 * I?" (one extended operation; AD answers "u:DOMAIN\sam", slapd
 * "dn:..."). Samba 4.17 does not implement it; there, the owners of the
 * bind name are searched for instead (aig_ldap_upn_names(): one search).
 * Searching by userPrincipalName alone instead of "Who am I?" would not
 * do: AD binds "x@domain" to sAMAccountName x when no entry has that
 * UPN, and the owner may be outside ldap.base_dn or of another class.
 * Anything not proved is refused as bad credentials.
 *
 * With service_bind no proof is needed: the bind is to the DN found.
 */
static int find_bound_user(struct aig_ldap *s, const char *login, size_t len,
			   const char *name, struct aig_ldap_user **out,
			   struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	char *authzid = NULL;
	bool supported = false, same = false;
	int rc;

	*out = NULL;
	if ((rc = aig_ldap_whoami(s, &authzid, &supported, err)) != AIG_OK ||
	    (rc = aig_ldap_find_user(s, login, len, &u, err)) != AIG_OK)
		goto out;
	if (supported)
		same = aig_ldap_authzid_names(authzid, u->dn, u->sam,
					      u->principal);
	else if ((rc = aig_ldap_upn_names(s, name, login, len, u, &same,
					  err)) != AIG_OK)
		goto out;
	if (!same) {
		rc = aig_ldap_refuse_other_account(s, login, len, err);
		goto out;
	}
	*out = u;
	u = NULL;
out:
	aig_ldap_user_free(u);
	free(authzid);
	return rc;
}

/* The account's name as the directory spells it: its sAMAccountName, else
 * (plain LDAP) the login attribute's value as stored, else the login as
 * given; checked like a login, since the gate passes it on in a header. */
static int keep_user_name(struct aig_ldap *s, const struct aig_ldap_user *u,
			  const char *login, size_t len, struct aig_error *err)
{
	const char *name = u->sam != NULL ? u->sam : u->login_value;
	size_t n = name != NULL ? strlen(name) : len;

	if (name == NULL)
		name = login;
	if (aig_ldap_login_check(name, n, NULL) != AIG_OK)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "the directory's name for the login is "
				     "not usable");
	s->user_name = strndup(name, n);
	if (s->user_name == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

/*
 * With service_bind, a login that names nobody would otherwise be answered
 * after the search alone, one round trip and the DC's password check
 * sooner than a known one: a stopwatch would tell which logins exist. So
 * the unknown login gets a bind too, one that must fail and can harm no
 * one: to a DN under ldap.base_dn whose CN holds 128 random bits (no
 * entry has it, so no account's badPwdCount moves), with random
 * characters as long as the typed password instead of it (the typed one
 * goes nowhere). Its answer is ignored unless the directory has gone
 * away meanwhile, which is an outage as it would be for a known login.
 */
static int decoy_bind(struct aig_ldap *s, size_t pwlen, struct aig_error *err)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789";
	char id[AIG_REQUEST_ID_LEN + 1], pw[AIG_PASSWORD_MAX + 1], *dn = NULL;
	size_t i, n;
	int rc = AIG_OK;

	if (pwlen == 0 || pwlen > AIG_PASSWORD_MAX ||
	    aig_request_id(id, NULL) != AIG_OK ||
	    getrandom(pw, pwlen, 0) != (ssize_t)pwlen)
		goto out;
	for (i = 0; i < pwlen; i++)
		pw[i] = alnum[(unsigned char)pw[i] % (sizeof(alnum) - 1)];
	pw[pwlen] = '\0';
	n = strlen("CN=aigate-decoy-,") + strlen(id) +
	    strlen(s->cfg->ldap.base_dn) + 1;
	if ((dn = malloc(n)) == NULL)
		goto out;
	snprintf(dn, n, "CN=aigate-decoy-%s,%s", id, s->cfg->ldap.base_dn);
	rc = simple_bind(s, dn, pw, NULL);
	if (rc == AIG_OK) /* cannot be; but never stay bound as it */
		aig_ldap_disconnect(s);
out:
	free(dn);
	if (rc == AIG_ERR_UNAVAILABLE || rc == AIG_LDAP_ERR_TLS)
		return aig_error_set(err, rc, "the directory went away");
	return aig_error_set(err, AIG_LDAP_ERR_NO_SUCH_USER, "no such user");
}

/* Sleeps until start + (t1 - t0), CLOCK_MONOTONIC. */
static void sleep_until(const struct timespec *start, const struct timespec *t0,
			const struct timespec *t1)
{
	struct timespec until = *start;

	until.tv_sec += t1->tv_sec - t0->tv_sec;
	until.tv_nsec += t1->tv_nsec - t0->tv_nsec;
	while (until.tv_nsec < 0) {
		until.tv_nsec += 1000000000L;
		until.tv_sec--;
	}
	while (until.tv_nsec >= 1000000000L) {
		until.tv_nsec -= 1000000000L;
		until.tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) ==
	       EINTR)
		;
}

/* With service_bind: the service bind, the search, then a bind as the DN
 * found, or the decoy bind when none was found. The decoy alone would
 * still answer sooner: a DC spends longer on an existing account's wrong
 * password (checking it, counting it in badPwdCount) than on a DN without
 * an entry (against the test bed's Samba, 2 ms more on a 4 ms answer). So
 * either refusal lasts, from the search's answer on, at least as long as
 * the service bind did, which is a successful bind and costs the DC at
 * least as much as a failed one (its logon is recorded): both then take
 * about one service bind, and the time does not tell them apart. A
 * successful bind is not delayed. */
static int bind_as_found(struct aig_ldap *s, const char *login, size_t len,
			 const char *password, struct aig_ldap_user **u,
			 bool *bound, struct aig_error *err)
{
	struct timespec t0, t1, t2;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = aig_ldap_bind_service(s, err)) != AIG_OK)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = aig_ldap_find_user(s, login, len, u, err);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (rc == AIG_LDAP_ERR_NO_SUCH_USER) {
		rc = decoy_bind(s, strlen(password), err);
	} else if (rc == AIG_OK) {
		rc = simple_bind(s, (*u)->dn, password, err);
		*bound = rc == AIG_OK;
	}
	if (rc == AIG_LDAP_ERR_BAD_CREDENTIALS ||
	    rc == AIG_LDAP_ERR_NO_SUCH_USER)
		sleep_until(&t2, &t0, &t1);
	return rc;
}

int aig_ldap_bind_user_entry(struct aig_ldap *s, const char *login, size_t len,
			     const char *password, struct aig_ldap_user **found,
			     struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	char *name = NULL;
	bool bound = false;
	int rc;

	*found = NULL;
	aig_ldap_forget_user(s);
	if ((rc = aig_ldap_login_check(login, len, err)) != AIG_OK ||
	    (rc = refuse_password(password, err)) != AIG_OK ||
	    (rc = aig_ldap_connect(s, err)) != AIG_OK)
		goto out;
	if (s->cfg->ldap.has_service_bind) {
		rc = bind_as_found(s, login, len, password, &u, &bound, err);
	} else {
		if ((rc = bind_name(s, login, len, &name, err)) != AIG_OK ||
		    (rc = simple_bind(s, name, password, err)) != AIG_OK)
			goto out;
		bound = true;
		rc = find_bound_user(s, login, len, name, &u, err);
	}
	if (rc == AIG_OK)
		rc = aig_ldap_strdup(u->dn, &s->user_dn, err);
	if (rc == AIG_OK)
		rc = keep_user_name(s, u, login, len, err);
	if (rc == AIG_OK) {
		*found = u;
		u = NULL;
	} else if (bound) {
		/* Never left bound as an account not proved to be login's. */
		aig_ldap_disconnect(s);
	}
out:
	aig_ldap_user_free(u);
	free(name);
	return rc;
}

int aig_ldap_bind_user(struct aig_ldap *s, const char *login, size_t len,
		       const char *password, struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	int rc;

	rc = aig_ldap_bind_user_entry(s, login, len, password, &u, err);
	aig_ldap_user_free(u);
	return rc;
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
	rc = simple_bind(s, s->cfg->ldap.service_bind.dn, pw, err);
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
