/* SPDX-License-Identifier: Apache-2.0 */
/* basic_cache.c - auth.basic_cache_s (basic_cache.h): a FastCGI process
 * answers a repeated Authorization: Basic from memory instead of running
 * PAM (a TLS connection, a bind and searches at the directory).
 *
 * An entry is found by HMAC-SHA256 under a random key the process makes
 * when it first needs the cache (never written anywhere, wiped with the
 * cache) over the login and the password: neither is kept, and the tag is
 * compared in constant time. A second tag over the login alone lets a
 * refusal drop all of a user's entries. The table has a fixed number of
 * slots, chosen by the tag: a new entry replaces the one in its slot, so
 * memory is bounded and an outsider, who does not know the key, cannot
 * aim at a slot. Entries hold what PAM gave: the account's name and its
 * groups. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "basic_cache.h"
#include "gate.h"

#define TAG_LEN AIG_STATE_MAC_LEN

struct entry {
	unsigned char tag[TAG_LEN];  /* login and password */
	unsigned char utag[TAG_LEN]; /* login */
	time_t at;		     /* when PAM accepted them */
	char *name, *groups;	     /* NULL: an empty slot */
};

struct aig_basic_cache {
	struct aig_state_key *key; /* random, this process's only */
	struct entry e[AIG_BASIC_CACHE_SLOTS];
};

static void entry_clear(struct entry *e)
{
	free(e->name);
	free(e->groups);
	explicit_bzero(e, sizeof(*e));
}

int aig_basic_cache_new(struct aig_basic_cache **out, struct aig_error *err)
{
	struct aig_basic_cache *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (c == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if ((rc = aig_state_key_random(&c->key, err)) != AIG_OK) {
		aig_basic_cache_free(c);
		return rc;
	}
	*out = c;
	return AIG_OK;
}

void aig_basic_cache_free(struct aig_basic_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < AIG_BASIC_CACHE_SLOTS; i++)
		entry_clear(&c->e[i]);
	aig_state_key_free(c->key);
	free(c);
}

/* HMAC-SHA256 of label, then a, then b (if not NULL), each with its
 * length before it (aig_state_mac()). */
static bool tag_of(const struct aig_basic_cache *c, const char *label,
		   const char *a, const char *b, unsigned char out[TAG_LEN])
{
	const struct aig_mac_part parts[3] = {{label, strlen(label)},
					      {a, strlen(a)},
					      {b, b != NULL ? strlen(b) : 0}};

	return aig_state_mac(c->key, parts, b != NULL ? 3 : 2, out, NULL) ==
	       AIG_OK;
}

static struct entry *slot(struct aig_basic_cache *c,
			  const unsigned char tag[TAG_LEN])
{
	uint32_t i = (uint32_t)tag[0] | (uint32_t)tag[1] << 8 |
		     (uint32_t)tag[2] << 16 | (uint32_t)tag[3] << 24;

	return &c->e[i % AIG_BASIC_CACHE_SLOTS];
}

bool aig_basic_cache_get(struct aig_basic_cache *c, const char *user,
			 const char *password, time_t now, int ttl_s,
			 char **name, char **groups)
{
	unsigned char tag[TAG_LEN];
	struct entry *e;
	bool hit;

	*name = *groups = NULL;
	if (c == NULL || ttl_s <= 0 || !tag_of(c, "cred", user, password, tag))
		return false;
	e = slot(c, tag);
	hit = e->name != NULL && aig_ct_equal(e->tag, tag, TAG_LEN) &&
	      e->at <= now && now - e->at < ttl_s;
	explicit_bzero(tag, sizeof(tag));
	if (!hit)
		return false;
	*name = strdup(e->name);
	*groups = strdup(e->groups);
	if (*name == NULL || *groups == NULL) {
		free(*name);
		free(*groups);
		*name = *groups = NULL;
		return false;
	}
	return true;
}

/* The tag of a login: ASCII case folded, as AD compares logins, so that
 * refusing BOB drops bob's entries too. */
static bool user_tag(const struct aig_basic_cache *c, const char *user,
		     unsigned char out[TAG_LEN])
{
	char *low = strdup(user), *p;
	bool ok;

	if (low == NULL)
		return false;
	for (p = low; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	ok = tag_of(c, "user", low, NULL, out);
	free(low);
	return ok;
}

static void drop_user(struct aig_basic_cache *c, const char *user)
{
	unsigned char utag[TAG_LEN];
	size_t i;

	if (!user_tag(c, user, utag)) {
		for (i = 0; i < AIG_BASIC_CACHE_SLOTS; i++)
			entry_clear(&c->e[i]); /* cannot tell: all */
		return;
	}
	for (i = 0; i < AIG_BASIC_CACHE_SLOTS; i++)
		if (c->e[i].name != NULL &&
		    aig_ct_equal(c->e[i].utag, utag, TAG_LEN))
			entry_clear(&c->e[i]);
}

void aig_basic_cache_record(struct aig_basic_cache *c, const char *user,
			    const char *password, time_t now,
			    enum aig_ext_pam_result r, const char *name,
			    const char *groups)
{
	struct entry n = {0}, *e;

	if (c == NULL)
		return;
	if (r == AIG_EXT_PAM_DENIED || r == AIG_EXT_PAM_FORBIDDEN) {
		drop_user(c, user);
		return;
	}
	if (r != AIG_EXT_PAM_OK || name == NULL || groups == NULL ||
	    !tag_of(c, "cred", user, password, n.tag) ||
	    !user_tag(c, user, n.utag))
		return;
	n.at = now;
	n.name = strdup(name);
	n.groups = strdup(groups);
	if (n.name == NULL || n.groups == NULL) {
		entry_clear(&n);
		return;
	}
	e = slot(c, n.tag);
	entry_clear(e);
	*e = n;
}

/* ------------------------------------------------------------ the gate */

static struct aig_basic_cache *gate_cache(struct aig_gate *g)
{
	struct aig_error err = {0};

	if (!g->w->fastcgi || g->cfg == NULL || g->cfg->auth.basic_cache_s <= 0)
		return NULL;
	if (g->w->basic_cache == NULL &&
	    aig_basic_cache_new(&g->w->basic_cache, &err) != AIG_OK)
		aig_log_msg(&g->log, LOG_ERR, "%s", err.msg);
	return g->w->basic_cache;
}

bool aig_basic_cache_answer(struct aig_gate *g, const char *user,
			    const char *password, char **name, char **groups)
{
	struct aig_basic_cache *c = gate_cache(g);

	*name = *groups = NULL;
	return c != NULL &&
	       aig_basic_cache_get(c, user, password, time(NULL),
				   g->cfg->auth.basic_cache_s, name, groups);
}

void aig_basic_cache_learn(struct aig_gate *g, const char *user,
			   const char *password, enum aig_ext_pam_result r,
			   const char *name, const char *groups)
{
	struct aig_basic_cache *c = gate_cache(g);

	if (c != NULL)
		aig_basic_cache_record(c, user, password, time(NULL), r, name,
				       groups);
}
