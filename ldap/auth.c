/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c - a login, from the password to the groups: the sequence that
 * aig_ldap_authenticate() runs for the PAM module, the gate and aigatectl.
 *
 *  1. Local checks, before any traffic: the login (aig_ldap_login_check())
 *     and the password (aig_ldap_refuse_password(), bind.c: not empty, not
 *     OpenSSH's decoy, at most AIG_PASSWORD_MAX bytes).
 *  2. The bind, one of two ways:
 *     - without ldap.service_bind, a simple bind as "login@ldap.domain"
 *       (bind_name()), then the proof that the account bound is the one
 *       ldap.login_attribute names for the login
 *       (aig_ldap_prove_bound_user(), proof.c, which says why);
 *     - with ldap.service_bind, the service bind, a search for the login,
 *       then a simple bind as the DN found, or a decoy bind when none was
 *       found, taking as long either way (bind_as_found(), decoy_bind()).
 *  3. The account's DN and name as the directory spells them are kept in
 *     the session (keep_user_name()); a session whose proof failed is
 *     never left bound.
 *  4. Its groups (aig_ldap_groups(), search.c), if asked for.
 * Every simple bind goes through aig_ldap_simple_bind() (bind.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "ldap_int.h"

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
	rc = aig_ldap_simple_bind(s, dn, pw, NULL);
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
		rc = aig_ldap_simple_bind(s, (*u)->dn, password, err);
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
	    (rc = aig_ldap_refuse_password(password, err)) != AIG_OK ||
	    (rc = aig_ldap_connect(s, err)) != AIG_OK)
		goto out;
	if (s->cfg->ldap.has_service_bind) {
		rc = bind_as_found(s, login, len, password, &u, &bound, err);
	} else {
		if ((rc = bind_name(s, login, len, &name, err)) != AIG_OK ||
		    (rc = aig_ldap_simple_bind(s, name, password, err)) !=
			    AIG_OK)
			goto out;
		bound = true;
		rc = aig_ldap_prove_bound_user(s, login, len, name, &u, err);
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

int aig_ldap_authenticate(struct aig_ldap *s, const char *login, size_t len,
			  const char *password, struct aig_strv *groups,
			  struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	int rc;

	if (groups != NULL) {
		groups->v = NULL;
		groups->n = 0;
	}
	/* u: the entry proved to be the account that authenticated. */
	rc = aig_ldap_bind_user_entry(s, login, len, password, &u, err);
	if (rc == AIG_OK && groups != NULL)
		rc = aig_ldap_groups(s, u, groups, err);
	aig_ldap_user_free(u);
	return rc;
}
