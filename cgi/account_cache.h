/* SPDX-License-Identifier: Apache-2.0 */
/* account_cache.h - auth.negotiate.account_check_s (aigate.json(5)): a
 * FastCGI process remembers for a few seconds that a single sign-on
 * login's account was found usable in AD (account_cache.c). Only cgi/
 * includes it. */
#ifndef AIG_ACCOUNT_CACHE_H
#define AIG_ACCOUNT_CACHE_H

#include <stdbool.h>
#include <time.h>

#include "aig_common.h"

/* At most this many logins are remembered; a new one replaces the
 * oldest. */
#define AIG_ACCOUNT_CACHE_SLOTS 256

struct aig_account_cache;

/* An empty cache; NULL when out of memory. Free with
 * aig_account_cache_free(). */
struct aig_account_cache *aig_account_cache_new(void);
void aig_account_cache_free(struct aig_account_cache *c);

/* True, with *name a new copy of the account's name as the directory
 * spells it (caller frees), when login's account was found usable less
 * than ttl_s seconds before now (a clock that went back is a miss). */
bool aig_account_cache_get(struct aig_account_cache *c, const char *login,
			   time_t now, int ttl_s, char **name);

/* login's account was found usable at now, named name (both borrowed,
 * copied); a failed copy stores nothing. */
void aig_account_cache_put(struct aig_account_cache *c, const char *login,
			   const char *name, time_t now);

/* Forgets login (its account was refused or is gone). */
void aig_account_cache_drop(struct aig_account_cache *c, const char *login);

#endif
