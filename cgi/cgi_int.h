/* SPDX-License-Identifier: Apache-2.0 */
/* cgi_int.h - declarations shared inside cgi/ only. */
#ifndef AIG_CGI_INT_H
#define AIG_CGI_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

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

/* mapfile.c: a file of fixed size under state_dir that every gate process
 * maps shared and changes in place (metrics.counters, ratelimit.buckets).
 * What kind of file it is: */
struct aig_mapfile_kind {
	const char *name; /* under state_dir */
	const char *what; /* at the head of messages: "metrics" */
	size_t size;	  /* bytes, the file's exact size */
	/* Fills a new file (mapped, k->size zero bytes) before it is put in
	 * place. */
	int (*init)(const struct aig_mapfile_kind *k, void *map,
		    struct aig_error *err);
	/* Whether a mapped file of k->size bytes is of this kind (its head);
	 * one that is not is replaced. */
	bool (*valid)(const struct aig_mapfile_kind *k, const void *map);
	/* Files of an older format, removed when the first file is made;
	 * NULL-terminated, or NULL. */
	const char *const *old;
};

/* One file mapped. kind is borrowed (it must outlive the map); map,
 * state_dir and path are owned: free with aig_mapfile_close(). */
struct aig_mapfile {
	const struct aig_mapfile_kind *kind;
	void *map; /* kind->size bytes, MAP_SHARED */
	dev_t dev; /* which file is mapped */
	ino_t ino;
	time_t checked; /* CLOCK_MONOTONIC_COARSE s, of the last look */
	char *state_dir, *path;
};

/* Maps state_dir/kind->name, made or replaced first when it is missing or
 * foreign. AIG_ERR_UNSAFE when the file is not a regular file of the
 * gate's user with mode 0600; AIG_ERR_UNAVAILABLE when it cannot be
 * made or mapped. On an error *mf holds nothing. */
int aig_mapfile_open(struct aig_mapfile *mf, const struct aig_mapfile_kind *k,
		     const char *state_dir, struct aig_error *err);
/* For a process that keeps the map: looks (now, or at most once a
 * second) whether the file at the path is still the one mapped, and
 * maps the one there now if not (deleted to reset it, or replaced). On
 * an error the old map stays. */
int aig_mapfile_current(struct aig_mapfile *mf, bool now,
			struct aig_error *err);
void aig_mapfile_close(struct aig_mapfile *mf);

struct aig_ratelimit;
/* ratelimit.c: the host's own store, state_dir/ratelimit.buckets, with
 * nsets sets of buckets (aig_ratelimit_open() gives
 * AIG_RATELIMIT_SETS; the tests a few, to fill them). *out is new: free
 * with aig_ratelimit_close(). */
#define AIG_RATELIMIT_SETS 65536u
#define AIG_RATELIMIT_WAYS 8u /* buckets a set holds */
/* The file's layout: a head, then the sets, each beginning with its lock
 * (a robust process-shared pthread_mutex_t). */
#define AIG_RATELIMIT_HEAD_SIZE 128u
#define AIG_RATELIMIT_SET_SIZE 320u
int aig_ratelimit_open_local(const char *state_dir, unsigned nsets,
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
