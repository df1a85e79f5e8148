/* SPDX-License-Identifier: Apache-2.0 */
/* cache.c - users' groups cached in LMDB under state_dir, with a TTL.
 *
 * Key: the login, ASCII-lowercased (AD compares logins without case).
 * Value: 8 bytes of little-endian time_t (when stored), the 32-byte
 * HMAC-SHA256 under the state key of (the login key, those 8 bytes, the
 * names), then the group names, each followed by a NUL. Anything that
 * runs as the gate's user can write the file; the MAC makes an entry it
 * planted, or one it moved from another user, a miss. LMDB's lock file
 * makes it safe for many processes (the CGI's) at once; writers
 * serialise, readers never block. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include "ldap_int.h"
#include "mdb_int.h"

#define CACHE_MAP_SIZE (64UL * 1024 * 1024)
#define CACHE_VALUE_MAX (256 * 1024)
#define HEAD_LEN (8 + AIG_STATE_MAC_LEN) /* time, MAC */

static const char mac_label[] = "aigate ldap-groups v1";

struct aig_ldap_cache {
	MDB_env *env;
	MDB_dbi dbi;
	unsigned ttl_s;
	const struct aig_state_key *key; /* borrowed */
};

static int mdb_fail(int mrc, const char *what, struct aig_error *err)
{
	return aig_mdb_fail("group cache", mrc, what, err);
}

static int open_dbi(struct aig_ldap_cache *c, struct aig_error *err)
{
	MDB_txn *txn = NULL;
	int mrc;

	if ((mrc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0)
		return mdb_fail(mrc, "open", err);
	if ((mrc = mdb_dbi_open(txn, NULL, 0, &c->dbi)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(mrc, "open", err);
	}
	/* mdb_txn_commit() frees the transaction even when it fails. */
	if ((mrc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(mrc, "open", err);
	return AIG_OK;
}

int aig_ldap_cache_open(const char *state_dir, const struct aig_state_key *key,
			unsigned ttl_s, struct aig_ldap_cache **out,
			struct aig_error *err)
{
	struct aig_ldap_cache *c = NULL;
	char path[4096];
	int mrc, rc = AIG_OK;

	*out = NULL;
	if (key == NULL)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "group cache: no state key");
	if ((size_t)snprintf(path, sizeof(path), "%s/ldap-groups.mdb",
			     state_dir) >= sizeof(path))
		return aig_error_set(err, AIG_ERR_CONFIG, "state_dir too long");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	c->ttl_s = ttl_s;
	c->key = key;
	if ((mrc = mdb_env_create(&c->env)) != 0 ||
	    (mrc = mdb_env_set_mapsize(c->env, CACHE_MAP_SIZE)) != 0 ||
	    (mrc = mdb_env_open(c->env, path, MDB_NOSUBDIR | MDB_NOTLS,
				0600)) != 0) {
		rc = mdb_fail(mrc, path, err);
		goto out;
	}
	if ((rc = open_dbi(c, err)) != AIG_OK)
		goto out;
	*out = c;
	c = NULL;
out:
	aig_ldap_cache_close(c);
	return rc;
}

void aig_ldap_cache_close(struct aig_ldap_cache *c)
{
	if (c == NULL)
		return;
	if (c->env != NULL)
		mdb_env_close(c->env);
	free(c);
}

int aig_ldap_login_key(const char *login, char *key, size_t *len,
		       struct aig_error *err)
{
	size_t i, n = strlen(login);

	if (aig_ldap_login_check(login, n, err) != AIG_OK)
		return AIG_ERR_INVALID;
	/* ASCII only, whatever the host's locale: tolower() in a single-byte
	 * locale would fold bytes of UTF-8 sequences and could give two
	 * different users one key (in CP1251, U+00C0 and U+00D0 alike); the
	 * gate and the PAM module must also make the same key. */
	for (i = 0; i < n; i++)
		key[i] = login[i] >= 'A' && login[i] <= 'Z'
				 ? (char)(login[i] - 'A' + 'a')
				 : login[i];
	*len = n;
	return AIG_OK;
}

/* What the MAC of an entry covers: the entry's key, its time, its names
 * (value: the time and the names, MAC left out). */
static void mac_parts(const char *key, size_t klen, const unsigned char *time8,
		      const unsigned char *names, size_t nlen,
		      struct aig_mac_part p[4])
{
	p[0] = (struct aig_mac_part){mac_label, sizeof(mac_label) - 1};
	p[1] = (struct aig_mac_part){key, klen};
	p[2] = (struct aig_mac_part){time8, 8};
	p[3] = (struct aig_mac_part){names, nlen};
}

static int decode(const struct aig_ldap_cache *c, const char *key, size_t klen,
		  const MDB_val *v, bool *found, struct aig_strv *groups,
		  struct aig_error *err)
{
	const unsigned char *p = v->mv_data;
	const char *names = (const char *)p + HEAD_LEN, *end;
	struct aig_mac_part parts[4];
	uint64_t t = 0;
	int i, rc = AIG_OK;

	if (v->mv_size < HEAD_LEN ||
	    (v->mv_size > HEAD_LEN && p[v->mv_size - 1] != '\0'))
		return aig_error_set(err, AIG_ERR_UNSAFE,
				     "group cache: malformed entry, ignored");
	mac_parts(key, klen, p, p + HEAD_LEN, v->mv_size - HEAD_LEN, parts);
	if (!aig_state_mac_ok(c->key, parts, 4, p + 8))
		return aig_error_set(err, AIG_ERR_UNSAFE,
				     "group cache: an entry without a valid "
				     "MAC under the state key, ignored");
	for (i = 7; i >= 0; i--)
		t = (t << 8) | p[i];
	if ((time_t)t + (time_t)c->ttl_s < time(NULL) || (time_t)t > time(NULL))
		return AIG_OK; /* stale, or from the future: ignore */
	end = (const char *)p + v->mv_size;
	while (names < end && rc == AIG_OK) {
		size_t n = strlen(names);

		rc = aig_ldap_strv_add(groups, names, n, err);
		names += n + 1;
	}
	*found = rc == AIG_OK;
	return rc;
}

int aig_ldap_cache_get(struct aig_ldap_cache *c, const char *login, bool *found,
		       struct aig_strv *groups, struct aig_error *err)
{
	char key[AIG_LDAP_LOGIN_MAX];
	MDB_val k, v;
	MDB_txn *txn = NULL;
	size_t klen;
	int mrc, rc;

	*found = false;
	groups->v = NULL;
	groups->n = 0;
	if ((rc = aig_ldap_login_key(login, key, &klen, err)) != AIG_OK)
		return rc;
	if ((mrc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_fail(mrc, "read", err);
	k.mv_data = key;
	k.mv_size = klen;
	mrc = mdb_get(txn, c->dbi, &k, &v);
	if (mrc == 0)
		rc = decode(c, key, klen, &v, found, groups, err);
	else if (mrc != MDB_NOTFOUND)
		rc = mdb_fail(mrc, "read", err);
	mdb_txn_abort(txn);
	if (rc != AIG_OK || !*found)
		aig_ldap_strv_free(groups);
	return rc;
}

static int encode(const struct aig_ldap_cache *c, const char *key, size_t klen,
		  const struct aig_strv *groups, unsigned char **out,
		  size_t *len, struct aig_error *err)
{
	uint64_t t = (uint64_t)time(NULL);
	size_t i, n = HEAD_LEN, o = HEAD_LEN;
	struct aig_mac_part parts[4];
	unsigned char *buf;

	for (i = 0; i < groups->n; i++)
		n += strlen(groups->v[i]) + 1;
	if (n > CACHE_VALUE_MAX)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "group cache: too many groups");
	buf = malloc(n);
	if (buf == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(t >> (8 * i));
	for (i = 0; i < groups->n; i++) {
		size_t l = strlen(groups->v[i]) + 1;

		memcpy(buf + o, groups->v[i], l);
		o += l;
	}
	mac_parts(key, klen, buf, buf + HEAD_LEN, n - HEAD_LEN, parts);
	if (aig_state_mac(c->key, parts, 4, buf + 8, err) != AIG_OK) {
		free(buf);
		return err ? err->status : AIG_ERR_INTERNAL;
	}
	*out = buf;
	*len = n;
	return AIG_OK;
}

int aig_ldap_cache_put(struct aig_ldap_cache *c, const char *login,
		       const struct aig_strv *groups, struct aig_error *err)
{
	char key[AIG_LDAP_LOGIN_MAX];
	unsigned char *buf = NULL;
	size_t klen, len = 0;
	int rc;

	if ((rc = aig_ldap_login_key(login, key, &klen, err)) != AIG_OK ||
	    (rc = encode(c, key, klen, groups, &buf, &len, err)) != AIG_OK)
		goto out;
	rc = aig_mdb_put("group cache", c->env, c->dbi, key, klen, buf, len,
			 err);
out:
	free(buf);
	return rc;
}
