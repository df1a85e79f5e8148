/* SPDX-License-Identifier: Apache-2.0 */
/* basic_cache.h - auth.basic_cache_s (aigate.json(5)): verified Basic
 * credentials remembered in a FastCGI process's memory (basic_cache.c).
 * Only cgi/ includes it. */
#ifndef AIG_BASIC_CACHE_H
#define AIG_BASIC_CACHE_H

#include <stdbool.h>
#include <time.h>

#include "aig_common.h"
#include "aig_ext.h"

#define AIG_BASIC_CACHE_SLOTS 1024

struct aig_basic_cache;

/* A cache with a new random key (never written anywhere). *out is new:
 * free with aig_basic_cache_free(), which wipes the key and entries. */
int aig_basic_cache_new(struct aig_basic_cache **out, struct aig_error *err);
void aig_basic_cache_free(struct aig_basic_cache *c);

/* True, with *name and *groups new copies (caller frees), when user and
 * password were verified by PAM less than ttl_s seconds before now. */
bool aig_basic_cache_get(struct aig_basic_cache *c, const char *user,
			 const char *password, time_t now, int ttl_s,
			 char **name, char **groups);

/* What PAM answered for user and password: AIG_EXT_PAM_OK stores name
 * and groups (borrowed, copied), replacing whatever the slot held; a
 * refusal (denied or forbidden) drops every entry of user; an outage
 * changes nothing. */
void aig_basic_cache_record(struct aig_basic_cache *c, const char *user,
			    const char *password, time_t now,
			    enum aig_ext_pam_result r, const char *name,
			    const char *groups);

/* The gate's side (gate.c): on for a FastCGI process with
 * auth.basic_cache_s > 0, the cache made on first use in the process's
 * warm state (dropped with the configuration). _answer() is
 * aig_basic_cache_get() for the request; _learn() records PAM's result. */
struct aig_gate;
bool aig_basic_cache_answer(struct aig_gate *g, const char *user,
			    const char *password, char **name, char **groups);
void aig_basic_cache_learn(struct aig_gate *g, const char *user,
			   const char *password, enum aig_ext_pam_result r,
			   const char *name, const char *groups);

#endif
