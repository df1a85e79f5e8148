/* SPDX-License-Identifier: Apache-2.0 */
/* cgi_int.h - declarations shared inside cgi/ only. */
#ifndef AIG_CGI_INT_H
#define AIG_CGI_INT_H

#include <stdbool.h>

#include <lmdb.h>

#include "aig_common.h"
#include "aig_output.h"

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

/* quarantine.c: stores body (len bytes) encrypted to the reviewers'
 * certificates as quarantine.dir/ID.cms. AIG_ERR_TOO_BIG when the
 * directory would pass quarantine.max_mb; any error: the caller refuses. */
int aig_quarantine_store(const struct aig_config *cfg, const char *id,
			 const char *body, size_t len, struct aig_error *err);

/* outfilter.c: the output rules on one backend answer (forward.c). */
struct aig_outfilter {
	const struct aig_output_rules *rules; /* borrowed; NULL: none */
	enum aig_output_kind kind;	      /* PASS when no rules */
	struct aig_output_stream *stream;     /* SSE */
	char *json, *redacted;		      /* JSON: the answer, read whole */
	size_t len, cap;
	struct aig_output_report rep;
	bool checked; /* the rules looked at this answer */
	int failed;   /* AIG_OK, or why the filter cannot go on */
};

/* Starts o on an answer of Content-Type ct (NULL: none) under rules r
 * (NULL: none, all passes); a stream's checked bytes go to sink(ctx). */
void aig_outfilter_begin(struct aig_outfilter *o,
			 const struct aig_output_rules *r, const char *ct,
			 aig_output_sink_fn sink, void *ctx);
/* Body bytes. AIG_OK: go on; else stop the transfer: the sink failed
 * (AIG_ERR_IO), a stream was refused and has ended (AIG_ERR_INVALID), or
 * a JSON answer is over AIG_OUTPUT_JSON_MAX (AIG_ERR_TOO_BIG). */
int aig_outfilter_body(struct aig_outfilter *o, const char *data, size_t len);
/* The end of the answer. A stream: what was held goes to the sink. JSON
 * (or nothing held): *out and *out_len are the body to send (borrowed
 * from o), to be framed by the caller; AIG_ERR_INVALID when it was
 * refused (o->rep.denied) or AIG_ERR_SYNTAX when it is no JSON. */
int aig_outfilter_end(struct aig_outfilter *o, const char **out,
		      size_t *out_len);
void aig_outfilter_free(struct aig_outfilter *o);

#endif
