/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_basic_cache.c - auth.basic_cache_s's table (cgi/basic_cache.c):
 * hits only for the same name and password within the lifetime, a
 * refusal drops every entry of the name (any ASCII case), bounded memory
 * under many logins, and hostile names. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_test.h"
#include "basic_cache.h"

static bool hit(struct aig_basic_cache *c, const char *u, const char *p,
		time_t now, int ttl, const char *want_name,
		const char *want_groups)
{
	char *name = NULL, *groups = NULL;
	bool h = aig_basic_cache_get(c, u, p, now, ttl, &name, &groups);
	bool ok = h && strcmp(name, want_name) == 0 &&
		  strcmp(groups, want_groups) == 0;

	free(name);
	free(groups);
	return ok;
}

static bool miss(struct aig_basic_cache *c, const char *u, const char *p,
		 time_t now, int ttl)
{
	char *name = NULL, *groups = NULL;
	bool h = aig_basic_cache_get(c, u, p, now, ttl, &name, &groups);

	free(name);
	free(groups);
	return !h && name == NULL && groups == NULL;
}

static void test_hits(void)
{
	struct aig_basic_cache *c = NULL;
	time_t t = 1000000;

	ok(aig_basic_cache_new(&c, NULL) == AIG_OK, "a cache");
	ok(miss(c, "bob", "pw", t, 60), "empty: a miss");
	aig_basic_cache_record(c, "bob", "pw", t, AIG_EXT_PAM_OK, "bob",
			       "AI_Users");
	aig_basic_cache_record(c, "alice", "pw", t, AIG_EXT_PAM_OK, "alice",
			       "AI_Admins");
	ok(hit(c, "bob", "pw", t + 59, 60, "bob", "AI_Users"),
	   "bob within the lifetime: bob's name and groups");
	ok(hit(c, "alice", "pw", t + 1, 60, "alice", "AI_Admins"),
	   "alice, with the same password: alice's");
	ok(miss(c, "bob", "pw", t + 60, 60), "at the lifetime: a miss");
	ok(miss(c, "bob", "pw", t - 1, 60), "from the future: a miss");
	ok(miss(c, "bob", "pw", t, 0), "lifetime 0: a miss");
	ok(miss(c, "bob", "pw2", t, 60), "another password: a miss");
	ok(miss(c, "bob", "p", t, 60) && miss(c, "bob", "pww", t, 60),
	   "a prefix or extension of it: a miss");
	ok(miss(c, "bobp", "w", t, 60) && miss(c, "bo", "bpw", t, 60),
	   "the same bytes split elsewhere between name and password: a miss");
	ok(miss(c, "Bob", "pw", t, 60), "another spelling: a miss (PAM asked)");
	aig_basic_cache_record(c, "bob", "pw", t, AIG_EXT_PAM_UNAVAILABLE, NULL,
			       NULL);
	ok(hit(c, "bob", "pw", t, 60, "bob", "AI_Users"),
	   "an outage changes nothing");
	aig_basic_cache_record(c, "BOB", "wrong", t, AIG_EXT_PAM_DENIED, NULL,
			       NULL);
	ok(miss(c, "bob", "pw", t, 60), "a refusal of BOB drops bob's entry");
	ok(hit(c, "alice", "pw", t, 60, "alice", "AI_Admins"),
	   "... and only his");
	aig_basic_cache_record(c, "alice", "pw", t, AIG_EXT_PAM_FORBIDDEN,
			       "alice", NULL);
	ok(miss(c, "alice", "pw", t, 60), "an account refused: dropped too");
	aig_basic_cache_free(c);
	aig_basic_cache_free(NULL);
	ok(miss(NULL, "bob", "pw", t, 60), "no cache: a miss");
}

static void test_keys_differ(void)
{
	struct aig_basic_cache *a = NULL, *b = NULL;

	ok(aig_basic_cache_new(&a, NULL) == AIG_OK &&
		   aig_basic_cache_new(&b, NULL) == AIG_OK,
	   "two caches");
	aig_basic_cache_record(a, "bob", "pw", 5, AIG_EXT_PAM_OK, "bob", "g");
	ok(miss(b, "bob", "pw", 5, 60), "an entry of one is not in another");
	aig_basic_cache_free(a);
	aig_basic_cache_free(b);
}

static void test_bounded(void)
{
	struct aig_basic_cache *c = NULL;
	char user[300], pw[32];
	int i, hits = 0;

	ok(aig_basic_cache_new(&c, NULL) == AIG_OK, "a cache");
	for (i = 0; i < 20000; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		snprintf(pw, sizeof(pw), "pw%d", i);
		aig_basic_cache_record(c, user, pw, 7, AIG_EXT_PAM_OK, user,
				       "g");
	}
	for (i = 0; i < 20000; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		snprintf(pw, sizeof(pw), "pw%d", i);
		hits += hit(c, user, pw, 7, 60, user, "g");
	}
	ok(hits > 0 && hits <= AIG_BASIC_CACHE_SLOTS,
	   "20,000 logins: at most %d kept (%d)", AIG_BASIC_CACHE_SLOTS, hits);
	memset(user, 'x', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	aig_basic_cache_record(c, user, "", 7, AIG_EXT_PAM_OK, "", "");
	ok(hit(c, user, "", 7, 60, "", ""),
	   "a long name, an empty password and empty answers are kept as is");
	aig_basic_cache_free(c);
}

int main(void)
{
	test_hits();
	test_keys_differ();
	test_bounded();
	return tap_done();
}
