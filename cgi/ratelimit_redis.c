/* SPDX-License-Identifier: Apache-2.0 */
/* ratelimit_redis.c - the token bucket on Redis, for several front hosts
 * sharing one limit: a Lua script run with EVAL, so that read, refill and
 * take are one atomic step on the server. Time comes from the server
 * (TIME), so the hosts' clocks need not agree. Built without Redis
 * (configure --without-redis), a redis:// store is a configuration error. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_common.h"
#include "cgi_int.h"

#ifdef HAVE_HIREDIS
#include <hiredis/hiredis.h>

#define REDIS_TIMEOUT_MS 1000

/* KEYS[1] bucket; ARGV[1] tokens a minute; ARGV[2] burst; ARGV[3] 1 to
 * put a token back instead of taking one. Returns {allowed (0/1),
 * retry-after seconds}. The key expires once the bucket has refilled (an
 * absent key is a full bucket), so buckets never pile up. */
static const char take_script[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) + tonumber(t[2]) / 1e6\n"
	"local rate = tonumber(ARGV[1]) / 60\n"
	"local burst = tonumber(ARGV[2])\n"
	"local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')\n"
	"local tokens = tonumber(b[1]) or burst\n"
	"local at = tonumber(b[2]) or now\n"
	"if now > at then tokens = math.min(burst, tokens + (now - at) * rate) "
	"end\n"
	"local ok, retry = 0, 0\n"
	"if ARGV[3] == '1' then tokens = math.min(burst, tokens + 1); ok = 1\n"
	"elseif tokens >= 1 then tokens = tokens - 1; ok = 1\n"
	"else retry = math.max(1, math.ceil((1 - tokens) / rate)) end\n"
	"redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', "
	"tostring(now))\n"
	"redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)\n"
	"return {ok, retry}\n";

/* redis://host:port/db */
static int parse_url(const char *url, char *host, size_t hostlen, int *port,
		     int *db, struct aig_error *err)
{
	const char *p = url + strlen("redis://"), *colon, *slash;
	char *end;
	long v;

	colon = strchr(p, ':');
	slash = strchr(p, '/');
	if (colon == NULL || (slash != NULL && slash < colon) ||
	    (size_t)(colon - p) >= hostlen || colon == p)
		goto bad;
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	v = strtol(colon + 1, &end, 10);
	if (v < 1 || v > 65535 || (*end != '\0' && *end != '/'))
		goto bad;
	*port = (int)v;
	*db = 0;
	if (*end == '/' && end[1] != '\0') {
		v = strtol(end + 1, &end, 10);
		if (v < 0 || v > 1000 || *end != '\0')
			goto bad;
		*db = (int)v;
	}
	return AIG_OK;
bad:
	return aig_error_set(err, AIG_ERR_CONFIG,
			     "ratelimit.store: not redis://host:port/db");
}

int aig_ratelimit_redis_open(const char *url, void **conn,
			     struct aig_error *err)
{
	struct timeval tv = {REDIS_TIMEOUT_MS / 1000,
			     (REDIS_TIMEOUT_MS % 1000) * 1000};
	char host[256];
	int port = 0, db = 0, rc;
	redisContext *c;
	redisReply *r;

	*conn = NULL;
	if ((rc = parse_url(url, host, sizeof(host), &port, &db, err)) !=
	    AIG_OK)
		return rc;
	c = redisConnectWithTimeout(host, port, tv);
	if (c == NULL || c->err) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "redis %s:%d: %s", host,
			      port, c ? c->errstr : "out of memory");
		redisFree(c);
		return AIG_ERR_UNAVAILABLE;
	}
	redisSetTimeout(c, tv);
	r = redisCommand(c, "SELECT %d", db);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "redis SELECT %d: %s",
			      db, r ? r->str : c->errstr);
		freeReplyObject(r);
		redisFree(c);
		return AIG_ERR_UNAVAILABLE;
	}
	freeReplyObject(r);
	*conn = c;
	return AIG_OK;
}

void aig_ratelimit_redis_close(void *conn)
{
	if (conn != NULL)
		redisFree(conn);
}

int aig_ratelimit_redis_take(void *conn, const char *key, unsigned per_minute,
			     unsigned burst, bool give, bool *allowed,
			     unsigned *retry, struct aig_error *err)
{
	redisContext *c = conn;
	redisReply *r;
	int rc = AIG_OK;

	r = redisCommand(c, "EVAL %s 1 aigate:rl:%s %u %u %d", take_script, key,
			 per_minute, burst, give ? 1 : 0);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER) {
		rc = aig_error_set(
			err, AIG_ERR_UNAVAILABLE, "redis: %s",
			r && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
	} else {
		*allowed = r->element[0]->integer == 1;
		*retry = (unsigned)r->element[1]->integer;
	}
	freeReplyObject(r);
	return rc;
}

#else /* configure --without-redis */

int aig_ratelimit_redis_open(const char *url, void **conn,
			     struct aig_error *err)
{
	(void)url;
	*conn = NULL;
	return aig_error_set(err, AIG_ERR_CONFIG,
			     "ratelimit.store: aigate was built without Redis "
			     "(configure --without-redis): use \"lmdb\"");
}

void aig_ratelimit_redis_close(void *conn)
{
	(void)conn;
}

int aig_ratelimit_redis_take(void *conn, const char *key, unsigned per_minute,
			     unsigned burst, bool give, bool *allowed,
			     unsigned *retry, struct aig_error *err)
{
	(void)conn;
	(void)key;
	(void)per_minute;
	(void)burst;
	(void)give;
	*allowed = false;
	*retry = 0;
	return aig_error_set(err, AIG_ERR_CONFIG,
			     "ratelimit.store: aigate was built without Redis");
}

#endif /* HAVE_HIREDIS */
