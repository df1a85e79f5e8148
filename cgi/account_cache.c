/* SPDX-License-Identifier: Apache-2.0 */
/* account_cache.c - auth.negotiate.account_check_s (account_cache.h).
 * Only a usable account is remembered: a refusal drops the login, and a
 * directory that cannot answer is never taken as an answer. Logins are
 * compared with ASCII case folded, as AD compares them. The table is a
 * fixed array, searched whole (a few hundred short strings: far less
 * than the directory round trip it saves); memory is bounded, and a
 * new login takes an empty slot, else the oldest one. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account_cache.h"

struct entry {
	char *login; /* NULL: an empty slot */
	char *name;
	time_t at; /* when the directory found the account usable */
};

struct aig_account_cache {
	struct entry e[AIG_ACCOUNT_CACHE_SLOTS];
};

static void entry_clear(struct entry *e)
{
	free(e->login);
	free(e->name);
	memset(e, 0, sizeof(*e));
}

struct aig_account_cache *aig_account_cache_new(void)
{
	return calloc(1, sizeof(struct aig_account_cache));
}

void aig_account_cache_free(struct aig_account_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < AIG_ACCOUNT_CACHE_SLOTS; i++)
		entry_clear(&c->e[i]);
	free(c);
}

static struct entry *find(struct aig_account_cache *c, const char *login)
{
	size_t i;

	for (i = 0; i < AIG_ACCOUNT_CACHE_SLOTS; i++)
		if (c->e[i].login != NULL &&
		    strcasecmp(c->e[i].login, login) == 0)
			return &c->e[i];
	return NULL;
}

bool aig_account_cache_get(struct aig_account_cache *c, const char *login,
			   time_t now, int ttl_s, char **name)
{
	struct entry *e;

	*name = NULL;
	if (c == NULL || ttl_s <= 0 || (e = find(c, login)) == NULL)
		return false;
	if (e->at > now || now - e->at >= ttl_s) {
		entry_clear(e);
		return false;
	}
	*name = strdup(e->name);
	return *name != NULL;
}

/* The slot for a new login: an empty one, else the oldest. */
static struct entry *victim(struct aig_account_cache *c)
{
	struct entry *v = &c->e[0];
	size_t i;

	for (i = 0; i < AIG_ACCOUNT_CACHE_SLOTS; i++) {
		if (c->e[i].login == NULL)
			return &c->e[i];
		if (c->e[i].at < v->at)
			v = &c->e[i];
	}
	return v;
}

void aig_account_cache_put(struct aig_account_cache *c, const char *login,
			   const char *name, time_t now)
{
	struct entry n = {strdup(login), strdup(name), now}, *e;

	if (c == NULL || n.login == NULL || n.name == NULL) {
		entry_clear(&n);
		return;
	}
	if ((e = find(c, login)) == NULL)
		e = victim(c);
	entry_clear(e);
	*e = n;
}

void aig_account_cache_drop(struct aig_account_cache *c, const char *login)
{
	struct entry *e;

	if (c != NULL && (e = find(c, login)) != NULL)
		entry_clear(e);
}
