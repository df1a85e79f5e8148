/* SPDX-License-Identifier: Apache-2.0 */
/* cgi_int.h - declarations shared inside cgi/ only. */
#ifndef AIG_CGI_INT_H
#define AIG_CGI_INT_H

#include <stdbool.h>

#include <lmdb.h>

#include "aig_common.h"

/* state.c: opens state_dir/NAME.mdb (created if needed, MDB_NOSYNC,
 * remade if unreadable) and its main database. *env is new: close it with
 * mdb_env_close(). */
int aig_state_open(const char *state_dir, const char *name, size_t map_size,
		   MDB_env **env, MDB_dbi *dbi, struct aig_error *err);

/* ratelimit_redis.c: the Redis store behind aig_ratelimit_*. conn is a
 * redisContext, owned: close with aig_ratelimit_redis_close(). */
int aig_ratelimit_redis_open(const char *url, void **conn,
			     struct aig_error *err);
void aig_ratelimit_redis_close(void *conn);
/* Takes a token from the bucket key (give: puts one back instead, up to
 * burst, and *allowed is true). */
int aig_ratelimit_redis_take(void *conn, const char *key, unsigned per_minute,
			     unsigned burst, bool give, bool *allowed,
			     unsigned *retry, struct aig_error *err);

struct aig_ratelimit;
/* ratelimit.c: the LMDB store in state_dir with a map of map_size bytes
 * (aig_ratelimit_open() gives 64 MiB; the tests a small one, to fill it).
 * *out is new: free with aig_ratelimit_close(). */
int aig_ratelimit_open_lmdb(const char *state_dir, size_t map_size,
			    struct aig_ratelimit **out, struct aig_error *err);

#endif
