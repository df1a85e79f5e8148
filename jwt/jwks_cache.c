/* SPDX-License-Identifier: Apache-2.0 */
/* jwks_cache.c - where the JWK Set comes from: jwks_file, or jwks_uri /
 * OIDC discovery fetched at most once a minute for all CGI processes
 * together and kept under state_dir (see aig_jwt.h for the files).
 *
 * The cache and stamp files end in a line with their HMAC-SHA256 under
 * the state key (aig_common.h) over the source and the content: anything
 * else that runs as the gate's user can write state_dir, and a set it
 * planted there would let it sign its own tokens. A file whose MAC does
 * not verify is ignored and replaced by the next fetch; without a key the
 * files are neither read nor written, and each process fetches alone. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "jwt_int.h"

/* How long a process waits for another's fetch: two requests (discovery,
 * then the set) and some slack. */
#define LOCK_WAIT_MS (2 * AIG_JWKS_TIMEOUT_MS + 5000)
#define LOCK_POLL_MS 10
#define URI_MAX 2048

enum source_kind { SRC_FILE, SRC_URI, SRC_DISCOVERY };

struct aig_jwks_cache {
	const struct aig_config *cfg; /* borrowed */
	const struct aig_log *log;    /* borrowed, may be NULL */
	char *ca_file;		      /* NULL: the system store */
	enum source_kind kind;
	char json_path[PATH_MAX]; /* remote sources only */
	char stamp_path[PATH_MAX];
	char lock_path[PATH_MAX];
	struct aig_state_key *key; /* remote: NULL without state_key_file */
	bool mac_warned;	   /* a bad MAC is logged once */
	bool forged;		   /* the cache file's MAC did not verify */
	struct aig_jwks *jwks;	   /* the current set, or NULL */
	long long fetched;	   /* remote: when it was fetched */
	long long attempted;	   /* remote: this process's last attempt */
	struct stat st;		   /* file: what it was read from */
	unsigned long generation;  /* counts the sets taken */
};

/* jwks_file, jwks_uri or the issuer, per the kind. */
static const char *source_of(const struct aig_jwks_cache *c)
{
	switch (c->kind) {
	case SRC_FILE: return c->cfg->jwt.jwks_file;
	case SRC_URI: return c->cfg->jwt.jwks_uri;
	default: return c->cfg->jwt.issuer;
	}
}

bool aig_jwks_cache_is_remote(const struct aig_jwks_cache *c)
{
	return c->kind != SRC_FILE;
}

static void warn(const struct aig_jwks_cache *c, const char *what,
		 const char *msg)
{
	aig_log_msg(c->log, LOG_WARNING, "JWKS %s: %s", source_of(c), what);
	if (msg != NULL && *msg != '\0')
		aig_log_msg(c->log, LOG_WARNING, "JWKS %s: %s", source_of(c),
			    msg);
}

static void take_set(struct aig_jwks_cache *c, struct aig_jwks *set,
		     long long fetched)
{
	aig_jwks_free(c->jwks);
	c->jwks = set;
	c->fetched = fetched;
	c->generation++;
}

unsigned long aig_jwks_cache_generation(const struct aig_jwks_cache *c)
{
	return c->generation;
}

/* ------------------------------------------------------------ creation */

/* "<state_dir>/jwks-<first 64 bits of SHA-256(kind, source)>" + suffix:
 * a changed jwks_uri or issuer never reads another's cache. */
static int make_paths(struct aig_jwks_cache *c, struct aig_error *err)
{
	unsigned char md[32];
	char id[17], tag = (char)('0' + c->kind);
	const char *src = source_of(c);
	struct sha256_ctx ctx;
	int n = 0;

	sha256_init(&ctx);
	sha256_update(&ctx, 1, (const uint8_t *)&tag);
	sha256_update(&ctx, strlen(src) + 1, (const uint8_t *)src);
	sha256_digest(&ctx, sizeof(md), md);
	aig_hex_lower(id, md, 8);
	n |= snprintf(c->json_path, PATH_MAX, "%s/jwks-%s.json",
		      c->cfg->state_dir, id) >= PATH_MAX;
	n |= snprintf(c->stamp_path, PATH_MAX, "%s/jwks-%s.stamp",
		      c->cfg->state_dir, id) >= PATH_MAX;
	n |= snprintf(c->lock_path, PATH_MAX, "%s/jwks-%s.lock",
		      c->cfg->state_dir, id) >= PATH_MAX;
	if (n)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "state_dir is too long");
	return AIG_OK;
}

/* Without the key the cache files are not trusted: say so, and go on
 * fetching in this process alone. */
static void load_key(struct aig_jwks_cache *c)
{
	struct aig_error err = {0};

	if (aig_state_key_load(c->cfg->state_key_file, &c->key, &err) == AIG_OK)
		return;
	aig_log_msg(c->log, LOG_WARNING,
		    "JWKS %s: no state key (%s), the cache under state_dir "
		    "is not used",
		    source_of(c), err.msg);
}

int aig_jwks_cache_new(const struct aig_config *cfg,
		       const struct aig_jwks_options *opts,
		       struct aig_jwks_cache **out, struct aig_error *err)
{
	struct aig_jwks_cache *c = NULL;
	int rc = AIG_OK;

	*out = NULL;
	if (!cfg->jwt.present)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "%s: no \"jwt\" section", cfg->path);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	c->cfg = cfg;
	c->kind = cfg->jwt.jwks_file != NULL  ? SRC_FILE
		  : cfg->jwt.jwks_uri != NULL ? SRC_URI
					      : SRC_DISCOVERY;
	if (opts != NULL && opts->ca_file != NULL &&
	    (c->ca_file = strdup(opts->ca_file)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	c->log = opts != NULL ? opts->log : NULL;
	if (rc == AIG_OK && c->kind != SRC_FILE && cfg->state_dir == NULL)
		rc = aig_error_set(err, AIG_ERR_CONFIG,
				   "a fetched JWK Set needs state_dir");
	if (rc == AIG_OK && c->kind != SRC_FILE)
		rc = make_paths(c, err);
	if (rc == AIG_OK && c->kind != SRC_FILE)
		load_key(c);
	if (rc != AIG_OK) {
		aig_jwks_cache_free(c);
		return rc;
	}
	*out = c;
	return AIG_OK;
}

void aig_jwks_cache_free(struct aig_jwks_cache *c)
{
	if (c == NULL)
		return;
	aig_jwks_free(c->jwks);
	aig_state_key_free(c->key);
	free(c->ca_file);
	free(c);
}

/* ------------------------------------------------------------ jwks_file */

/* (Re)reads jwks_file when it changed. Any failure is UNAVAILABLE (503):
 * without its keys the gate cannot tell a good token from a bad one. */
static int file_load(struct aig_jwks_cache *c, bool *changed,
		     struct aig_error *err)
{
	const char *path = c->cfg->jwt.jwks_file;
	struct aig_jwks *set = NULL;
	json_t *root = NULL;
	struct stat st;
	char *text = NULL;
	size_t len = 0;

	*changed = false;
	if (stat(path, &st) != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", path,
				     strerror(errno));
	if (c->jwks != NULL && aig_file_unchanged(&st, &c->st))
		return AIG_OK;
	if (aig_file_read_checked(path, AIG_JWKS_MAX_BYTES, &text, &len, err) !=
		    AIG_OK ||
	    (root = aig_json_parse(path, text, len, err)) == NULL ||
	    aig_jwks_from_json(root, &set, err) != AIG_OK) {
		json_decref(root);
		free(text);
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s", path);
	}
	json_decref(root);
	free(text);
	take_set(c, set, 0);
	c->st = st;
	*changed = true;
	return AIG_OK;
}

/* --------------------------------------------------------- cache files */

/* Reads a small file under state_dir; *text is NULL when it is absent. */
static int read_state(const char *path, size_t max, char **text, size_t *len,
		      struct aig_error *err)
{
	struct stat st;

	*text = NULL;
	*len = 0;
	if (lstat(path, &st) != 0 && errno == ENOENT)
		return AIG_OK;
	return aig_file_read_checked(path, max, text, len, err);
}

/* Writes data to path through a temporary file and rename(2), so that a
 * reader sees the old file or the new one, never a part. Mode 0644: the
 * data is public, and another user (aigatectl as root, the web server)
 * may need to read it. */
static int write_state(const char *path, const char *data, size_t len,
		       struct aig_error *err)
{
	char tmp[PATH_MAX + 8];
	int fd;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", tmp,
				     strerror(errno));
	ok = fchmod(fd, 0644) == 0 && write(fd, data, len) == (ssize_t)len &&
	     fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		return AIG_OK;
	aig_error_set(err, AIG_ERR_IO, "%s: %s", path, strerror(errno));
	unlink(tmp);
	return AIG_ERR_IO;
}

/* A state file is its body, then a line with the MAC of (what, the
 * source, the body) in hex. */
#define MAC_HEX (2 * AIG_STATE_MAC_LEN)

static void mac_parts(const struct aig_jwks_cache *c, const char *what,
		      const char *body, size_t len, struct aig_mac_part p[4])
{
	static const char tags[] = "012";
	const char *src = source_of(c);

	p[0] = (struct aig_mac_part){what, strlen(what)};
	p[1] = (struct aig_mac_part){&tags[c->kind], 1};
	p[2] = (struct aig_mac_part){src, strlen(src)};
	p[3] = (struct aig_mac_part){body, len};
}

/* The body of text if its MAC line verifies; *len is then its length. */
static bool mac_verify(struct aig_jwks_cache *c, const char *what,
		       const char *path, const char *text, size_t *len)
{
	struct aig_mac_part p[4];
	size_t n = *len;

	if (n >= MAC_HEX + 2 && text[n - 1] == '\n' &&
	    text[n - MAC_HEX - 2] == '\n') {
		mac_parts(c, what, text, n - MAC_HEX - 2, p);
		if (aig_state_mac_hex_ok(c->key, p, 4, text + n - MAC_HEX - 1,
					 MAC_HEX)) {
			*len = n - MAC_HEX - 2;
			return true;
		}
	}
	if (!c->mac_warned)
		aig_log_msg(c->log, LOG_WARNING,
			    "JWKS %s: %s: no valid MAC under the state key, "
			    "ignored",
			    source_of(c), path);
	c->mac_warned = true;
	return false;
}

/* Writes body and its MAC line to path. */
static int write_macced(const struct aig_jwks_cache *c, const char *what,
			const char *path, const char *body,
			struct aig_error *err)
{
	struct aig_mac_part p[4];
	char hex[MAC_HEX + 1], *text = NULL;
	size_t len = strlen(body);
	int rc;

	mac_parts(c, what, body, len, p);
	if ((rc = aig_state_mac_hex(c->key, p, 4, hex, err)) != AIG_OK)
		return rc;
	if ((text = malloc(len + MAC_HEX + 3)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	snprintf(text, len + MAC_HEX + 3, "%s\n%s\n", body, hex);
	rc = write_state(path, text, len + MAC_HEX + 2, err);
	free(text);
	return rc;
}

/* The time of the last fetch attempt by any process; 0 if none (or no
 * key, or a stamp without a valid MAC). */
static long long read_stamp(struct aig_jwks_cache *c)
{
	struct aig_error err = {0};
	char *text = NULL, *end;
	size_t len;
	long long t = 0;

	if (c->key == NULL)
		return 0;
	if (read_state(c->stamp_path, 128, &text, &len, &err) != AIG_OK)
		warn(c, "stamp unreadable", err.msg);
	if (text != NULL &&
	    mac_verify(c, "aigate jwks-stamp v1", c->stamp_path, text, &len)) {
		text[len] = '\0';
		t = strtoll(text, &end, 10);
		if (end == text || *end != '\0')
			t = 0;
	}
	free(text);
	return t;
}

static int write_stamp(const struct aig_jwks_cache *c, time_t now,
		       struct aig_error *err)
{
	char buf[32];

	if (c->key == NULL)
		return AIG_OK;
	snprintf(buf, sizeof(buf), "%lld", (long long)now);
	return write_macced(c, "aigate jwks-stamp v1", c->stamp_path, buf, err);
}

/* The cached set: {"source", "fetched", "jwks_uri", "jwks"} and its MAC
 * line. *set is NULL when there is no cache file, or no key. */
static int read_cache(struct aig_jwks_cache *c, struct aig_jwks **set,
		      long long *fetched, struct aig_error *err)
{
	char *text = NULL;
	size_t len = 0;
	json_t *root = NULL;
	const char *src;
	int rc;

	*set = NULL;
	if (c->key == NULL)
		return AIG_OK;
	rc = read_state(c->json_path, 2 * AIG_JWKS_MAX_BYTES, &text, &len, err);
	if (rc != AIG_OK || text == NULL)
		goto out;
	if (!mac_verify(c, "aigate jwks-cache v1", c->json_path, text, &len)) {
		c->forged = true; /* a miss: the next fetch replaces it */
		goto out;
	}
	root = aig_json_parse(c->json_path, text, len, err);
	src = json_string_value(json_object_get(root, "source"));
	*fetched = json_integer_value(json_object_get(root, "fetched"));
	if (root == NULL || src == NULL || strcmp(src, source_of(c)) != 0 ||
	    !json_is_integer(json_object_get(root, "fetched"))) {
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "%s: not a cache of this source",
				   c->json_path);
		goto out;
	}
	rc = aig_jwks_from_json(json_object_get(root, "jwks"), set, err);
out:
	json_decref(root);
	free(text);
	return rc;
}

static int write_cache(const struct aig_jwks_cache *c, const char *uri,
		       json_t *jwks, time_t now, struct aig_error *err)
{
	json_t *root = json_pack("{s:s, s:I, s:s, s:O}", "source", source_of(c),
				 "fetched", (json_int_t)now, "jwks_uri", uri,
				 "jwks", jwks);
	char *text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
	int rc;

	if (text == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	else if (c->key == NULL)
		rc = AIG_OK; /* not trusted when read: not written */
	else
		rc = write_macced(c, "aigate jwks-cache v1", c->json_path, text,
				  err);
	free(text);
	json_decref(root);
	return rc;
}

/* Takes the cached set if it is newer than ours (another process fetched
 * it, or we have none yet). */
static void adopt_cache(struct aig_jwks_cache *c, bool *taken)
{
	struct aig_error err = {0};
	struct aig_jwks *set = NULL;
	long long fetched = 0;

	c->forged = false;
	if (read_cache(c, &set, &fetched, &err) != AIG_OK) {
		warn(c, "cache ignored", err.msg);
		return;
	}
	if (set != NULL && (c->jwks == NULL || fetched > c->fetched)) {
		take_set(c, set, fetched);
		*taken = true;
		return;
	}
	aig_jwks_free(set);
}

/* ------------------------------------------------------------- fetching */

/* The jwks_uri of a discovery document whose issuer is ours: an https
 * URL of printable ASCII (it goes into logs). */
static int discovered_uri(const json_t *doc, const char *iss, char **uri)
{
	const char *v = json_string_value(json_object_get(doc, "issuer"));
	size_t i;

	if (v == NULL || strcmp(v, iss) != 0)
		return AIG_ERR_INVALID;
	v = json_string_value(json_object_get(doc, "jwks_uri"));
	if (v == NULL || strncmp(v, "https://", 8) != 0 || strlen(v) > URI_MAX)
		return AIG_ERR_INVALID;
	for (i = 0; v[i] > 0x20 && v[i] < 0x7f; i++)
		;
	if (v[i] != '\0')
		return AIG_ERR_INVALID;
	*uri = strdup(v);
	return *uri != NULL ? AIG_OK : AIG_ERR_NOMEM;
}

/* The issuer's jwks_uri, from OIDC Discovery 1.0 §4: any trailing '/' of
 * the issuer is dropped before the well-known path is appended. */
static int discover(const struct aig_jwks_cache *c, char **uri,
		    struct aig_error *err)
{
	const char *iss = c->cfg->jwt.issuer;
	size_t n = strlen(iss), len = 0;
	char url[URI_MAX + 64], *body = NULL;
	json_t *doc = NULL;
	int rc;

	while (n > 0 && iss[n - 1] == '/')
		n--;
	if (n > URI_MAX)
		return aig_error_set(err, AIG_ERR_CONFIG, "issuer too long");
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
		 (int)n, iss);
	rc = aig_jwks_fetch(url, c->ca_file, AIG_JWKS_MAX_BYTES, &body, &len,
			    err);
	if (rc == AIG_OK && (doc = aig_json_parse(url, body, len, err)) == NULL)
		rc = AIG_ERR_SYNTAX;
	if (rc == AIG_OK && (rc = discovered_uri(doc, iss, uri)) != AIG_OK)
		aig_error_set(err, rc,
			      "%s: \"issuer\" is not jwt.issuer, or "
			      "\"jwks_uri\" is not an https URL",
			      url);
	json_decref(doc);
	free(body);
	return rc;
}

/* Fetches and parses the set; it must hold at least one usable key, or
 * the one we have is kept. */
static int fetch_set(const char *uri, const char *ca_file, json_t **root,
		     struct aig_jwks **set, struct aig_error *err)
{
	char *body = NULL;
	size_t len = 0;
	int rc = aig_jwks_fetch(uri, ca_file, AIG_JWKS_MAX_BYTES, &body, &len,
				err);

	if (rc == AIG_OK &&
	    (*root = aig_json_parse(uri, body, len, err)) == NULL)
		rc = AIG_ERR_SYNTAX;
	if (rc == AIG_OK)
		rc = aig_jwks_from_json(*root, set, err);
	if (rc == AIG_OK && aig_jwks_count_usable(*set) == 0)
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "%s: no usable key in the JWK Set", uri);
	free(body);
	return rc;
}

static int fetch_and_store(struct aig_jwks_cache *c, time_t now,
			   struct aig_error *err)
{
	struct aig_error werr = {0};
	struct aig_jwks *set = NULL;
	json_t *root = NULL;
	char *uri = NULL;
	int rc;

	if (c->kind == SRC_URI)
		rc = (uri = strdup(c->cfg->jwt.jwks_uri)) == NULL
			     ? aig_error_set(err, AIG_ERR_NOMEM,
					     "out of memory")
			     : AIG_OK;
	else
		rc = discover(c, &uri, err);
	if (rc == AIG_OK)
		rc = fetch_set(uri, c->ca_file, &root, &set, err);
	if (rc == AIG_OK) {
		if (write_cache(c, uri, root, now, &werr) != AIG_OK)
			warn(c, "cache not written", werr.msg);
		take_set(c, set, now);
		set = NULL;
	}
	aig_jwks_free(set);
	json_decref(root);
	free(uri);
	return rc;
}

/* ------------------------------------------------------------- locking */

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens and flocks the lock file, waiting at most LOCK_WAIT_MS for a
 * process that fetches. Returns the descriptor or -1. The file is opened
 * read-only, so it may belong to another user (aigatectl as root). */
static int lock_open(const struct aig_jwks_cache *c, struct aig_error *err)
{
	const struct timespec pause = {0, LOCK_POLL_MS * 1000000L};
	long long deadline = monotonic_ms() + LOCK_WAIT_MS;
	int fd = open(c->lock_path,
		      O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
			      O_NONBLOCK,
		      0644);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", c->lock_path,
			      fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) ||
		    monotonic_ms() > deadline) {
			aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s",
				      c->lock_path,
				      errno == EWOULDBLOCK ? "still locked"
							   : strerror(errno));
			close(fd);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	return fd;
}

/* Under the lock: take a newer cached set if another process fetched one;
 * then fetch, unless any process tried less than AIG_JWKS_REFETCH_MIN_S
 * ago (force aside; and a process without a set whose cache file is not
 * ours replaces it at once, so that a planted file costs one fetch, not a
 * minute of 503s; one that has a set keeps the limit, so that planting
 * does not turn every unknown kid into a fetch). The attempt is stamped
 * before the fetch, so that the processes waiting for the lock do not
 * fetch again. */
static int refresh_locked(struct aig_jwks_cache *c, time_t now, bool force,
			  bool *taken, struct aig_error *err)
{
	long long last;
	int fd = lock_open(c, err), rc = AIG_OK;

	*taken = false;
	if (fd < 0)
		return AIG_ERR_UNAVAILABLE;
	adopt_cache(c, taken);
	last = read_stamp(c);
	if (c->attempted > last && c->attempted <= now)
		last = c->attempted;
	if (!force && !(c->forged && c->jwks == NULL) && last <= now &&
	    now - last < AIG_JWKS_REFETCH_MIN_S)
		goto out; /* rate-limited: what we have is what there is */
	c->attempted = now;
	rc = write_stamp(c, now, err);
	if (rc == AIG_OK)
		rc = fetch_and_store(c, now, err);
	if (rc == AIG_OK)
		*taken = true;
out:
	close(fd);
	return rc;
}

/* ---------------------------------------------------------- public face */

/* A failed refresh is only a warning while a set remains to serve. */
static int refresh(struct aig_jwks_cache *c, time_t now, bool force,
		   bool *taken, struct aig_error *err)
{
	struct aig_error ferr = {0};
	int rc = refresh_locked(c, now, force, taken, &ferr);

	if (rc == AIG_OK && c->jwks == NULL)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "JWKS %s: no set yet, and the last fetch "
				     "attempt was less than %d s ago",
				     source_of(c), AIG_JWKS_REFETCH_MIN_S);
	if (rc == AIG_OK)
		return AIG_OK;
	if (c->jwks != NULL) {
		warn(c, "fetch failed, serving the cached set", ferr.msg);
		return AIG_OK;
	}
	return aig_error_set(err,
			     rc == AIG_ERR_NOMEM ? rc : AIG_ERR_UNAVAILABLE,
			     "JWKS: %s", ferr.msg);
}

static bool fresh(const struct aig_jwks_cache *c, time_t now)
{
	return c->jwks != NULL && c->fetched <= now &&
	       now - c->fetched < AIG_JWKS_MAX_AGE_S;
}

int aig_jwks_cache_get(struct aig_jwks_cache *c, time_t now,
		       const struct aig_jwks **jwks, struct aig_error *err)
{
	bool taken = false;
	int rc = AIG_OK;

	*jwks = NULL;
	if (c->kind == SRC_FILE) {
		rc = file_load(c, &taken, err);
	} else {
		if (c->jwks == NULL)
			adopt_cache(c, &taken);
		if (!fresh(c, now))
			rc = refresh(c, now, false, &taken, err);
	}
	if (rc == AIG_OK)
		*jwks = c->jwks;
	return rc;
}

int aig_jwks_cache_refresh(struct aig_jwks_cache *c, time_t now, bool force,
			   const struct aig_jwks **jwks, bool *fetched,
			   struct aig_error *err)
{
	bool taken = false;
	int rc;

	*jwks = NULL;
	if (c->kind == SRC_FILE) {
		rc = file_load(c, &taken, err);
	} else {
		if (c->jwks == NULL)
			adopt_cache(c, &taken);
		rc = refresh(c, now, force, &taken, err);
	}
	if (fetched != NULL)
		*fetched = taken;
	if (rc == AIG_OK)
		*jwks = c->jwks;
	return rc;
}
