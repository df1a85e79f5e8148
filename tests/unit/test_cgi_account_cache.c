/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_account_cache.c - auth.negotiate.account_check_s's table
 * (cgi/account_cache.c): a hit only within the window, the login in any
 * ASCII case, a dropped login missed at once, memory bounded under many
 * logins (the oldest replaced), and hostile logins. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account_cache.h"
#include "aig_test.h"

static bool hit(struct aig_account_cache *c, const char *login, time_t now,
		int ttl, const char *want)
{
	char *name = NULL;
	bool h = aig_account_cache_get(c, login, now, ttl, &name);
	bool ok = h && name != NULL && strcmp(name, want) == 0;

	free(name);
	return ok;
}

static bool miss(struct aig_account_cache *c, const char *login, time_t now,
		 int ttl)
{
	char *name = NULL;
	bool h = aig_account_cache_get(c, login, now, ttl, &name);

	free(name);
	return !h && name == NULL;
}

static void test_window(void)
{
	struct aig_account_cache *c = aig_account_cache_new();
	time_t t = 1000000;

	ok(c != NULL, "a cache");
	ok(miss(c, "bob", t, 30), "empty: a miss");
	aig_account_cache_put(c, "bob", "Bob", t);
	ok(hit(c, "bob", t, 30, "Bob"), "at once: the directory's name");
	ok(hit(c, "BOB", t + 29, 30, "Bob"), "any case, within the window");
	ok(miss(c, "bob", t, 0), "account_check_s 0: a miss");
	ok(miss(c, "bob", t + 30, 30), "at the window's end: a miss");
	ok(miss(c, "bob", t + 1, 30), "an expired entry is gone");
	aig_account_cache_put(c, "bob", "Bob", t);
	ok(miss(c, "bob", t - 1, 30), "a clock gone back: a miss");
	aig_account_cache_put(c, "bob", "Bob", t);
	aig_account_cache_put(c, "bob", "bob2", t + 5);
	ok(hit(c, "bob", t + 34, 30, "bob2"), "put again: renewed, replaced");
	aig_account_cache_drop(c, "BOB");
	ok(miss(c, "bob", t + 6, 30), "dropped (other case): a miss at once");
	ok(miss(c, "bo", t, 30) && miss(c, "bobb", t, 30) && miss(c, "", t, 30),
	   "a prefix, an extension, empty: misses");
	aig_account_cache_put(NULL, "bob", "bob", t);
	aig_account_cache_drop(NULL, "bob");
	ok(miss(NULL, "bob", t, 30), "no cache: a miss");
	aig_account_cache_free(c);
	aig_account_cache_free(NULL);
}

static void test_bounded(void)
{
	struct aig_account_cache *c = aig_account_cache_new();
	char login[600];
	int i, kept = 0;

	for (i = 0; i < 5000; i++) {
		snprintf(login, sizeof(login), "user%d", i);
		aig_account_cache_put(c, login, login, 100 + i);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(login, sizeof(login), "user%d", i);
		kept += hit(c, login, 5100, 5000, login);
	}
	ok(kept == AIG_ACCOUNT_CACHE_SLOTS, "5,000 logins: %d kept (%d)",
	   AIG_ACCOUNT_CACHE_SLOTS, kept);
	ok(hit(c, "user4999", 5100, 5000, "user4999") &&
		   miss(c, "user0", 5100, 5000),
	   "the newest kept, the oldest replaced");
	memset(login, 'x', sizeof(login) - 1);
	login[sizeof(login) - 1] = '\0';
	aig_account_cache_put(c, login, "", 6000);
	ok(hit(c, login, 6000, 30, ""), "a long login, an empty name: as is");
	aig_account_cache_put(c, "b\xc3\xb6b", "b\xc3\xb6b", 6000);
	ok(hit(c, "b\xc3\xb6b", 6000, 30, "b\xc3\xb6b") && miss(c,
								"B\xc3\x96"
								"b",
								6000, 30),
	   "non-ASCII: only ASCII case is folded");
	aig_account_cache_free(c);
}

int main(void)
{
	test_window();
	test_bounded();
	return tap_done();
}
