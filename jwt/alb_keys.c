/* SPDX-License-Identifier: Apache-2.0 */
/* alb_keys.c - the public keys of an AWS Application Load Balancer, one
 * PEM per kid (aig_alb.h): in memory, in <state_dir>/alb-key-<kid>.pem
 * (fetched and MACed by the gate, or put there by an administrator), or
 * fetched once from <key_url>/<kid> over verified TLS. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "aig_alb.h"
#include "jwt_int.h"

#define MAC_TAG "aigate-mac "
#define MAC_HEX (2 * AIG_STATE_MAC_LEN)
#define MAC_LINE (sizeof(MAC_TAG) - 1 + MAC_HEX + 1)
#define FAILED_SLOTS 4

struct mem_key {
	char kid[AIG_ALB_KID_LEN + 1];
	struct aig_jwks_key *key; /* owned; NULL: free slot */
};

struct failed_kid {
	char kid[AIG_ALB_KID_LEN + 1];
	long long at;
};

struct aig_alb_keys {
	const struct aig_config *cfg; /* borrowed */
	const struct aig_log *log;    /* borrowed, may be NULL */
	struct aig_state_key *skey;   /* NULL: fetched keys are not stored */
	bool skey_tried, mac_warned;
	struct mem_key mem[AIG_ALB_MEMORY_KEYS];
	size_t next_mem;
	struct failed_kid failed[FAILED_SLOTS];
	size_t next_failed;
};

/* --------------------------------------------------------------- PEM */

/* Exactly one PEM block, a public key. */
static bool one_public_block(const char *pem, size_t len)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	const char *p = pem, *end = pem + len;
	size_t blocks = 0;

	while (p < end && (p = memchr(p, '-', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= 11 &&
		    memcmp(p, "-----BEGIN ", 11) == 0)
			blocks++;
		p++;
	}
	p = pem;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r'))
		p++;
	return blocks == 1 && (size_t)(end - p) >= sizeof(begin) - 1 &&
	       memcmp(p, begin, sizeof(begin) - 1) == 0;
}

/* The DER of a P-256 public key (RFC 5480 SubjectPublicKeyInfo, named
 * curve, uncompressed point) up to the point's 65 bytes: the one form an
 * ALB key endpoint answers. Any other key, curve or encoding differs in
 * these bytes or in the length, and is refused. */
static const unsigned char p256_spki_prefix[26] = {
	/* SEQUENCE (89), SEQUENCE (19) */
	0x30, 0x59, 0x30, 0x13,
	/* OID 1.2.840.10045.2.1, ecPublicKey */
	0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	/* OID 1.2.840.10045.3.1.7, prime256v1 */
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
	/* BIT STRING (66), no unused bits */
	0x03, 0x42, 0x00};

/* The base64 between the BEGIN and END lines of the one block, without
 * its line breaks, into b64 (at least len bytes); its length, or 0. */
static size_t pem_body(const char *pem, size_t len, char *b64)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	static const char end[] = "-----END PUBLIC KEY-----";
	const char *p = memmem(pem, len, begin, sizeof(begin) - 1), *q;
	size_t n = 0;

	if (p == NULL)
		return 0;
	p += sizeof(begin) - 1;
	q = memmem(p, len - (size_t)(p - pem), end, sizeof(end) - 1);
	if (q == NULL)
		return 0;
	for (; p < q; p++) {
		if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
			continue;
		b64[n++] = *p;
	}
	return n;
}

int aig_alb_key_from_pem(const char *pem, size_t len, const char *kid,
			 struct aig_jwks_key **key, struct aig_error *err)
{
	char b64[AIG_ALB_MAX_PEM];
	unsigned char der[AIG_ALB_MAX_PEM];
	size_t n, derlen = 0;

	*key = NULL;
	if (len == 0 || len > AIG_ALB_MAX_PEM || memchr(pem, '\0', len) ||
	    !one_public_block(pem, len))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not one PEM public key block");
	n = pem_body(pem, len, b64);
	if (n == 0 ||
	    !aig_base64_decode(b64, n, false, der, sizeof(der), &derlen))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not a PEM public key");
	if (derlen != sizeof(p256_spki_prefix) + 65 ||
	    memcmp(der, p256_spki_prefix, sizeof(p256_spki_prefix)) != 0)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not a P-256 public key");
	return aig_jwks_key_from_p256(der + sizeof(p256_spki_prefix), 65, kid,
				      key, err);
}

/* ------------------------------------------------------------ memory */

int aig_alb_keys_new(const struct aig_config *cfg, const struct aig_log *log,
		     struct aig_alb_keys **out, struct aig_error *err)
{
	struct aig_alb_keys *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (k == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	k->cfg = cfg;
	k->log = log;
	*out = k;
	return AIG_OK;
}

void aig_alb_keys_free(struct aig_alb_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < AIG_ALB_MEMORY_KEYS; i++)
		aig_jwks_key_free(k->mem[i].key);
	aig_state_key_free(k->skey);
	free(k);
}

static const struct aig_jwks_key *mem_find(const struct aig_alb_keys *k,
					   const char *kid)
{
	size_t i;

	for (i = 0; i < AIG_ALB_MEMORY_KEYS; i++)
		if (k->mem[i].key != NULL && strcmp(k->mem[i].kid, kid) == 0)
			return k->mem[i].key;
	return NULL;
}

/* Takes key (owned) into memory, replacing the oldest. */
static const struct aig_jwks_key *
mem_take(struct aig_alb_keys *k, const char *kid, struct aig_jwks_key *key)
{
	struct mem_key *m = &k->mem[k->next_mem];

	k->next_mem = (k->next_mem + 1) % AIG_ALB_MEMORY_KEYS;
	aig_jwks_key_free(m->key);
	snprintf(m->kid, sizeof(m->kid), "%s", kid);
	m->key = key;
	return key;
}

static bool failed_recently(const struct aig_alb_keys *k, const char *kid,
			    time_t now)
{
	size_t i;

	for (i = 0; i < FAILED_SLOTS; i++)
		if (strcmp(k->failed[i].kid, kid) == 0 &&
		    (long long)now >= k->failed[i].at &&
		    (long long)now - k->failed[i].at < AIG_ALB_RETRY_MIN_S)
			return true;
	return false;
}

static void failed_note(struct aig_alb_keys *k, const char *kid, time_t now)
{
	struct failed_kid *f = &k->failed[k->next_failed];

	k->next_failed = (k->next_failed + 1) % FAILED_SLOTS;
	snprintf(f->kid, sizeof(f->kid), "%s", kid);
	f->at = (long long)now;
}

/* ------------------------------------------------------- state files */

static void warn(struct aig_alb_keys *k, const char *a, const char *b)
{
	aig_log_msg(k->log, LOG_WARNING, "ALB keys: %s: %s", a, b);
}

static const struct aig_state_key *state_key(struct aig_alb_keys *k)
{
	struct aig_error err = {0};

	if (!k->skey_tried && aig_state_key_load(k->cfg->state_key_file,
						 &k->skey, &err) != AIG_OK)
		warn(k, err.msg, "fetched keys are not cached");
	k->skey_tried = true;
	return k->skey;
}

static void mac_parts(const struct aig_alb_keys *k, const char *kid,
		      const char *pem, size_t len, struct aig_mac_part p[4])
{
	static const char what[] = "aigate alb-key v1";

	p[0] = (struct aig_mac_part){what, sizeof(what) - 1};
	p[1] = (struct aig_mac_part){k->cfg->alb.key_url,
				     strlen(k->cfg->alb.key_url)};
	p[2] = (struct aig_mac_part){kid, strlen(kid)};
	p[3] = (struct aig_mac_part){pem, len};
}

static void key_path(const struct aig_alb_keys *k, const char *kid, char *out,
		     size_t len)
{
	snprintf(out, len, "%s/alb-key-%s.pem", k->cfg->state_dir, kid);
}

/* Reads path (no symlink, a regular file nobody but root or us can
 * write); *text NULL when absent. *root_owned tells who wrote it. */
static int read_file(const char *path, char **text, size_t *len,
		     bool *root_owned, struct aig_error *err)
{
	struct aig_file_trust t = {S_IFREG, geteuid(), false};
	struct stat st;
	ssize_t n = 0;
	int fd, rc;

	*text = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT
			       ? AIG_OK
			       : aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
					       strerror(errno));
	rc = fstat(fd, &st) != 0
		     ? aig_error_set(err, AIG_ERR_IO, "%s: stat", path)
		     : aig_file_trusted_st(&st, &t, path, err);
	if (rc == AIG_OK && st.st_size > AIG_ALB_MAX_PEM + (off_t)MAC_LINE)
		rc = aig_error_set(err, AIG_ERR_TOO_BIG, "%s: too big", path);
	if (rc == AIG_OK && (*text = malloc((size_t)st.st_size + 1)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (rc == AIG_OK &&
	    (n = read(fd, *text, (size_t)st.st_size)) != (ssize_t)st.st_size)
		rc = aig_error_set(err, AIG_ERR_IO, "%s: short read", path);
	close(fd);
	if (rc != AIG_OK) {
		free(*text);
		*text = NULL;
		return rc;
	}
	(*text)[n] = '\0';
	*len = (size_t)n;
	*root_owned = st.st_uid == 0;
	return AIG_OK;
}

/* The PEM of a cache file: a fetched one (a MAC line that verifies) or
 * a seeded one (no MAC line, owned by root). *len becomes the PEM's. */
static const char *trusted_pem(struct aig_alb_keys *k, const char *kid,
			       const char *text, size_t *len, bool root_owned,
			       const char **source)
{
	struct aig_mac_part p[4];
	const char *line = *len >= MAC_LINE ? text + *len - MAC_LINE : NULL;

	if (line == NULL || memcmp(line, MAC_TAG, sizeof(MAC_TAG) - 1) != 0 ||
	    (line > text && line[-1] != '\n')) {
		*source = "seeded";
		return root_owned ? text : NULL;
	}
	mac_parts(k, kid, text, (size_t)(line - text), p);
	if (state_key(k) == NULL ||
	    !aig_state_mac_hex_ok(k->skey, p, 4, line + sizeof(MAC_TAG) - 1,
				  MAC_HEX))
		return NULL;
	*len = (size_t)(line - text);
	*source = "cache";
	return text;
}

static struct aig_jwks_key *from_cache(struct aig_alb_keys *k, const char *kid,
				       const char **source)
{
	struct aig_jwks_key *key = NULL;
	struct aig_error err = {0};
	char path[PATH_MAX], *text = NULL;
	const char *pem;
	size_t len = 0;
	bool root_owned = false;

	key_path(k, kid, path, sizeof(path));
	if (read_file(path, &text, &len, &root_owned, &err) != AIG_OK) {
		warn(k, "cache", err.msg);
		return NULL;
	}
	if (text == NULL)
		return NULL;
	pem = trusted_pem(k, kid, text, &len, root_owned, source);
	if (pem == NULL)
		warn(k, path,
		     "neither a valid MAC under the state key nor owned by "
		     "root; ignored");
	else if (aig_alb_key_from_pem(pem, len, kid, &key, &err) != AIG_OK)
		warn(k, path, err.msg);
	free(text);
	return key;
}

/* Writes pem and its MAC line through a temporary file and rename(2). */
static void store(struct aig_alb_keys *k, const char *kid, const char *pem,
		  size_t len)
{
	struct aig_error err = {0};
	struct aig_mac_part p[4];
	char path[PATH_MAX], tmp[PATH_MAX + 8], hex[MAC_HEX + 1];
	bool ok;
	int fd;

	mac_parts(k, kid, pem, len, p);
	if (state_key(k) == NULL ||
	    aig_state_mac_hex(k->skey, p, 4, hex, &err) != AIG_OK)
		return;
	key_path(k, kid, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		warn(k, tmp, strerror(errno));
		return;
	}
	ok = fchmod(fd, 0644) == 0 && write(fd, pem, len) == (ssize_t)len &&
	     (len == 0 || pem[len - 1] == '\n' || write(fd, "\n", 1) == 1) &&
	     dprintf(fd, "%s%s\n", MAC_TAG, hex) == (int)MAC_LINE &&
	     fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		warn(k, path, strerror(errno));
		unlink(tmp);
	}
}

/* ------------------------------------------------------------- fetch */

static int fetch(struct aig_alb_keys *k, const char *kid,
		 struct aig_jwks_key **key, struct aig_error *err)
{
	struct aig_error ferr = {0};
	char url[4200], *body = NULL;
	size_t len = 0;
	int rc;

	snprintf(url, sizeof(url), "%s/%s", k->cfg->alb.key_url, kid);
	rc = aig_jwks_fetch(url, k->cfg->alb.ca_file, AIG_ALB_MAX_PEM, &body,
			    &len, &ferr);
	if (rc == AIG_OK &&
	    aig_alb_key_from_pem(body, len, kid, key, &ferr) != AIG_OK)
		rc = AIG_ERR_UNAVAILABLE;
	if (rc == AIG_OK)
		store(k, kid, body, len);
	free(body);
	if (rc == AIG_ERR_NOMEM)
		return aig_error_set(err, rc, "out of memory");
	if (rc != AIG_OK)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "ALB key %s cannot be had: %s", kid,
				     ferr.msg);
	return AIG_OK;
}

int aig_alb_keys_get(struct aig_alb_keys *k, const char *kid, time_t now,
		     const struct aig_jwks_key **out, const char **source,
		     struct aig_error *err)
{
	struct aig_jwks_key *key;
	const char *src = "memory";
	int rc;

	*out = NULL;
	if (kid == NULL || !aig_alb_kid_ok(kid, strlen(kid)))
		return aig_error_set(err, AIG_JWT_ERR_MALFORMED,
				     "kid is not of UUID form");
	if ((*out = mem_find(k, kid)) == NULL &&
	    (key = from_cache(k, kid, &src)) != NULL)
		*out = mem_take(k, kid, key);
	if (*out == NULL) {
		if (failed_recently(k, kid, now))
			return aig_error_set(err, AIG_ERR_UNAVAILABLE,
					     "ALB key %s: its fetch failed "
					     "less than %d s ago",
					     kid, AIG_ALB_RETRY_MIN_S);
		if ((rc = fetch(k, kid, &key, err)) != AIG_OK) {
			failed_note(k, kid, now);
			return rc;
		}
		*out = mem_take(k, kid, key);
		src = "fetched";
	}
	if (source != NULL)
		*source = src;
	return AIG_OK;
}
