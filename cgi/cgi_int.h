/* cgi_int.h - declarations shared inside cgi/ only. */
#ifndef AIG_CGI_INT_H
#define AIG_CGI_INT_H

#include <stdbool.h>

#include "aig_common.h"

/* ratelimit_redis.c: the Redis store behind aig_ratelimit_*. conn is a
 * redisContext, owned: close with aig_ratelimit_redis_close(). */
int aig_ratelimit_redis_open(const char *url, void **conn,
			     struct aig_error *err);
void aig_ratelimit_redis_close(void *conn);
int aig_ratelimit_redis_take(void *conn, const char *key, unsigned per_minute,
			     unsigned burst, bool *allowed, unsigned *retry,
			     struct aig_error *err);

#endif
