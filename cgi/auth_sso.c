/* SPDX-License-Identifier: Apache-2.0 */
/* auth_sso.c - single sign-on in the gate (aigate.cgi(8), AUTHENTICATION):
 * "negotiate", a Kerberos ticket through HTTP Negotiate (RFC 4559), and
 * "remote_user", a user the web server authenticated. Either way the
 * account is then looked up in AD (it must exist and be usable) and its
 * groups come from AD, as for groups_from_ldap. The Kerberos acceptor
 * and the directory live in the extension module (aig_ext.h); what is
 * checked before it is loaded (the token's kind) and after (the realm,
 * the replay record) is here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <nettle/base64.h>

#include "account_cache.h"
#include "aig_ext.h"
#include "gate.h"
#include "sso.h"

/* The largest decoded token taken: a ticket with a large PAC fits;
 * the header's own limit (AIG_CGI_MAX_AUTH) comes first anyway. */
#define NEG_TOKEN_MAX (AIG_CGI_MAX_AUTH / 4 * 3)

/* Ends the request with outcome o; reason (may be NULL) goes to the audit
 * record, the first one set standing. */
static bool sso_stop(struct aig_gate *g, enum aig_outcome o, const char *reason)
{
	g->outcome = o;
	if (reason != NULL && g->reason[0] == '\0')
		snprintf(g->reason, sizeof(g->reason), "%s", reason);
	return false;
}

void aig_sso_drop(struct aig_warm *w)
{
	if (w->neg != NULL) /* made by the extension: it is loaded */
		aig_gate_ext_load(NULL)->negotiate_close(w->neg);
	w->neg = NULL;
	aig_replay_close(w->replay);
	w->replay = NULL;
	aig_account_cache_free(w->accounts);
	w->accounts = NULL;
}

/* With negotiate on, whether the extension can make the acceptor from the
 * keytab, as a Negotiate request would (negotiate.c checks the file as a
 * secret, then that it holds a key the gate may use): a keytab that is
 * unreadable, unsafe, or without an HTTP/ key (or service_principal's)
 * makes every Negotiate request 503, so health says so too. */
bool aig_sso_health(struct aig_gate *g)
{
	struct aig_error err = {0};
	const struct aig_gate_ext *ext;
	char why[200];

	if (!aig_config_has_method(g->cfg, AIG_AUTH_NEGOTIATE))
		return true;
	if ((ext = aig_gate_ext_load(&err)) == NULL) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		return sso_stop(g, AIG_OUT_UNAVAILABLE,
				"Negotiate module cannot be loaded");
	}
	if (ext->negotiate_ready(&g->w->neg, g->cfg, why, sizeof(why)) ==
	    AIG_EXT_NEG_OK)
		return true;
	aig_log_msg(&g->log, LOG_ERR, "negotiate: %s", why);
	return sso_stop(g, AIG_OUT_UNAVAILABLE, "Negotiate keytab unavailable");
}

/* Whether realm (len bytes) is one of list, exactly: Kerberos realms are
 * case-sensitive names. */
static bool realm_listed(const struct aig_strv *list, const char *realm,
			 size_t len)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (strlen(list->v[i]) == len &&
		    memcmp(list->v[i], realm, len) == 0)
			return true;
	return false;
}

/* The login of name "user" or "user@REALM" (REALM one of realms), as a
 * new string in *login; false (with the reason in *why) for anything
 * else: another realm, a service ("HTTP/host"), a computer account
 * ("WS01$"), an enterprise name ("a@b@REALM"), an empty or unclean name,
 * a Windows "DOMAIN\\user". */
static bool login_of(const char *name, const struct aig_strv *realms,
		     bool realm_required, char **login, const char **why)
{
	const char *at = strrchr(name, '@');
	size_t n = at != NULL ? (size_t)(at - name) : strlen(name);

	*login = NULL;
	*why = "principal not accepted";
	if (at != NULL && !realm_listed(realms, at + 1, strlen(at + 1))) {
		*why = "realm not accepted";
		return false;
	}
	if ((at == NULL && realm_required) || n == 0 || n > 256 ||
	    memchr(name, '/', n) != NULL || memchr(name, '\\', n) != NULL ||
	    memchr(name, '@', n) != NULL || name[n - 1] == '$' ||
	    !aig_utf8_clean(name, n))
		return false;
	*login = strndup(name, n);
	if (*login == NULL)
		*why = "out of memory";
	return *login != NULL;
}

/* The accounts a FastCGI process found usable lately
 * (auth.negotiate.account_check_s > 0), made on first use; NULL: the
 * directory is asked every time. */
static struct aig_account_cache *accounts(struct aig_gate *g)
{
	if (!g->w->fastcgi || g->cfg->auth.negotiate.account_check_s <= 0)
		return NULL;
	if (g->w->accounts == NULL)
		g->w->accounts = aig_account_cache_new();
	return g->w->accounts;
}

/* login's account from the process's memory when the directory found it
 * usable less than account_check_s ago, its groups then through the
 * group cache (dir_groups); else asked of the directory (dir_account),
 * whose answer the memory learns: a usable account is kept, anything else
 * (a refusal, a directory that cannot answer) forgets the login. */
static enum aig_ext_account_result ask(struct aig_gate *g,
				       const struct aig_gate_ext *ext,
				       const char *login, char **name,
				       struct aig_error *err)
{
	struct aig_account_cache *c = accounts(g);
	const int ttl = g->cfg->auth.negotiate.account_check_s;
	const time_t now = time(NULL);
	enum aig_ext_account_result r;
	enum aig_ext_dir_result d;

	if (aig_account_cache_get(c, login, now, ttl, name)) {
		d = ext->dir_groups(&g->w->dir, g->cfg, &g->w->log, *name,
				    &g->groups, err);
		if (d == AIG_EXT_DIR_OK)
			return AIG_EXT_ACCOUNT_OK;
		free(*name);
		*name = NULL;
		aig_strv_free(&g->groups);
		aig_account_cache_drop(c, login);
		return d == AIG_EXT_DIR_NO_SUCH_USER
			       ? AIG_EXT_ACCOUNT_NO_SUCH_USER
			       : AIG_EXT_ACCOUNT_UNAVAILABLE;
	}
	r = ext->dir_account(&g->w->dir, g->cfg, &g->w->log, login, name,
			     &g->groups, err);
	if (r == AIG_EXT_ACCOUNT_OK)
		aig_account_cache_put(c, login, *name, now);
	else
		aig_account_cache_drop(c, login);
	return r;
}

/* The account of login in AD, and its groups: the request's user. */
static bool account(struct aig_gate *g, const char *login)
{
	struct aig_error err = {0};
	const struct aig_gate_ext *ext = aig_gate_ext_load(&err);
	enum aig_ext_account_result r = AIG_EXT_ACCOUNT_UNAVAILABLE;
	char why[AIG_POLICY_REASON_MAX];
	char *name = NULL;

	if (ext != NULL)
		r = ask(g, ext, login, &name, &err);
	if (r != AIG_EXT_ACCOUNT_OK)
		aig_log_msg(&g->log,
			    r == AIG_EXT_ACCOUNT_UNAVAILABLE ? LOG_ERR
							     : LOG_NOTICE,
			    "%s: account %s: %s", g->auth, login, err.msg);
	switch (r) {
	case AIG_EXT_ACCOUNT_OK: g->user = name; return true;
	case AIG_EXT_ACCOUNT_NO_SUCH_USER:
		return sso_stop(g, AIG_OUT_BAD_CREDENTIALS,
				"account not in directory");
	case AIG_EXT_ACCOUNT_REFUSED:
		snprintf(why, sizeof(why), "account refused: %.100s", err.msg);
		return sso_stop(g, AIG_OUT_BAD_CREDENTIALS, why);
	default:
		return sso_stop(g, AIG_OUT_UNAVAILABLE,
				"directory unavailable");
	}
}

/* ------------------------------------------------------------ remote_user */

bool aig_sso_applies(const struct aig_gate *g)
{
	const struct aig_strv *t = &g->cfg->auth.remote_user.auth_types;
	size_t i;

	if (!aig_config_has_method(g->cfg, AIG_AUTH_REMOTE_USER) ||
	    g->req.remote_user == NULL || g->req.auth_type == NULL)
		return false;
	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->v[i], g->req.auth_type) == 0)
			return true;
	return false;
}

bool aig_auth_remote_user(struct aig_gate *g)
{
	const char *why;
	char *login = NULL;
	bool ok;

	g->auth = "remote_user";
	if ((g->principal = strdup(g->req.remote_user)) == NULL)
		return sso_stop(g, AIG_OUT_UNAVAILABLE, "out of memory");
	if (!login_of(g->req.remote_user, &g->cfg->auth.remote_user.realms,
		      false, &login, &why))
		return sso_stop(g, AIG_OUT_BAD_CREDENTIALS, why);
	ok = account(g, login);
	free(login);
	return ok;
}

/* -------------------------------------------------------------- negotiate */

/* "WWW-Authenticate: Negotiate <token>" for the answer (mutual
 * authentication), kept in g->auth_reply. */
static bool keep_reply(struct aig_gate *g, const unsigned char *tok, size_t len)
{
	static const char head[] = "WWW-Authenticate: Negotiate ";
	size_t b64 = 4 * ((len + 2) / 3);

	if (len == 0 || len > AIG_AUTH_REPLY_TOKEN_MAX)
		return true; /* the client does without mutual authentication */
	g->auth_reply = malloc(sizeof(head) + b64 + 3);
	if (g->auth_reply == NULL)
		return false;
	memcpy(g->auth_reply, head, sizeof(head) - 1);
	/* padded base64 (RFC 4648 §4), as RFC 4559 has it */
	base64_encode_raw(g->auth_reply + sizeof(head) - 1, len, tok);
	memcpy(g->auth_reply + sizeof(head) - 1 + b64, "\r\n", 3);
	return true;
}

/* The header's token, decoded into tok (NEG_TOKEN_MAX bytes). */
static bool decode(const char *b64, unsigned char *tok, size_t *len)
{
	size_t n = strlen(b64);

	return n > 0 && aig_base64_decoded_len(n) <= NEG_TOKEN_MAX &&
	       aig_base64_decode(b64, n, false, tok, NEG_TOKEN_MAX, len);
}

/* The replay record: an authenticator is accepted once. */
static bool first_use(struct aig_gate *g, const struct aig_spnego *sp)
{
	struct aig_error err = {0};
	bool seen = false;
	int rc = AIG_OK;

	if (g->w->replay == NULL)
		rc = aig_replay_open(g->cfg, &g->w->replay, &err);
	if (rc == AIG_OK)
		rc = aig_replay_record(g->w->replay, sp->digest, &seen, &err);
	if (rc != AIG_OK) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		aig_replay_close(g->w->replay);
		g->w->replay = NULL;
		return sso_stop(g, AIG_OUT_UNAVAILABLE,
				"replay record unavailable");
	}
	return !seen ||
	       sso_stop(g, AIG_OUT_BAD_CREDENTIALS, "replayed authenticator");
}

/* Accepts the token in the extension; principal and reply on success. */
static bool accept_token(struct aig_gate *g, unsigned char *tok, size_t len)
{
	struct aig_error err = {0};
	const struct aig_gate_ext *ext = aig_gate_ext_load(&err);
	unsigned char *out = NULL;
	size_t out_len = 0;
	char why[200], reason[AIG_POLICY_REASON_MAX];
	enum aig_ext_neg_result r;
	bool ok;

	if (ext == NULL) {
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
		return sso_stop(g, AIG_OUT_UNAVAILABLE,
				"Negotiate module cannot be loaded");
	}
	r = ext->negotiate_accept(&g->w->neg, g->cfg, tok, len, &g->principal,
				  &out, &out_len, why, sizeof(why));
	if (r != AIG_EXT_NEG_OK)
		aig_log_msg(&g->log,
			    r == AIG_EXT_NEG_DENIED ? LOG_NOTICE : LOG_ERR,
			    "negotiate: %s", why);
	if (r == AIG_EXT_NEG_UNAVAILABLE)
		return sso_stop(g, AIG_OUT_UNAVAILABLE,
				"Negotiate keytab unavailable");
	if (r == AIG_EXT_NEG_DENIED) {
		snprintf(reason, sizeof(reason), "Kerberos: %.120s", why);
		return sso_stop(g, AIG_OUT_BAD_CREDENTIALS, reason);
	}
	ok = keep_reply(g, out, out_len) ||
	     sso_stop(g, AIG_OUT_UNAVAILABLE, "out of memory");
	free(out);
	return ok;
}

bool aig_auth_negotiate(struct aig_gate *g)
{
	const char *b64 = g->req.authorization + strlen("Negotiate ");
	unsigned char *tok = malloc(NEG_TOKEN_MAX);
	struct aig_spnego sp;
	enum aig_spnego_kind kind;
	const char *why;
	char *login = NULL;
	size_t len = 0;
	bool ok = false;

	g->auth = "negotiate";
	if (tok == NULL)
		return sso_stop(g, AIG_OUT_UNAVAILABLE, "out of memory");
	while (*b64 == ' ')
		b64++;
	if (!decode(b64, tok, &len)) {
		sso_stop(g, AIG_OUT_BAD_CREDENTIALS,
			 "malformed Negotiate token");
		goto out;
	}
	kind = aig_spnego_inspect(tok, len, &sp);
	if (kind != AIG_SPNEGO_KERBEROS) {
		sso_stop(g, AIG_OUT_BAD_CREDENTIALS, aig_spnego_refusal(kind));
		goto out;
	}
	if (!accept_token(g, tok, len) || !first_use(g, &sp))
		goto out;
	if (!login_of(g->principal, &g->cfg->auth.negotiate.realms, true,
		      &login, &why)) {
		sso_stop(g, AIG_OUT_BAD_CREDENTIALS, why);
		goto out;
	}
	ok = account(g, login);
out:
	free(login);
	explicit_bzero(tok, NEG_TOKEN_MAX);
	free(tok);
	if (!ok && g->outcome == AIG_OUT_BAD_CREDENTIALS) {
		free(g->auth_reply); /* a 401 challenges afresh */
		g->auth_reply = NULL;
	}
	return ok;
}
