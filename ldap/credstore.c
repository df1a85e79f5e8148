/* SPDX-License-Identifier: Apache-2.0 */
/* credstore.c - verified credentials in LMDB under state_dir
 * (state_dir/pam-creds.mdb), for pam_aigate's cached_auth and
 * offline_auth and for aigatectl cache (aig_ldap.h).
 *
 * Key: the login, ASCII-lowercased, as in the group cache (cache.c).
 * Value: a version byte, a flags byte, three 8-byte little-endian times
 * (verified, last login, locked until), a 4-byte failure count, the
 * 32-byte HMAC-SHA256 under the state key of (label, key, the bytes
 * before the MAC, the bytes after it), then three NUL-terminated parts:
 * the crypt(3) hash, the account's name, and the group names, each
 * followed by a NUL. An entry that does not verify is never used; a file
 * LMDB cannot open is removed and made anew. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "ldap_int.h"
#include "mdb_int.h"

#define STORE_MAP_SIZE (64UL * 1024 * 1024)
#define VALUE_MAX (256 * 1024)
#define ENTRY_VERSION 1
#define OFF_FLAGS 1
#define OFF_VERIFIED 2
#define OFF_LAST 10
#define OFF_LOCKED 18
#define OFF_FAILURES 26
#define OFF_MAC 30
#define HEAD_LEN (OFF_MAC + AIG_STATE_MAC_LEN)

static const char mac_label[] = "aigate pam-creds v1";

const char *const aig_cred_store_files[AIG_CRED_STORE_NFILES] = {
	"pam-creds.mdb", "pam-creds.mdb-lock"};

struct aig_cred_store {
	MDB_env *env;
	MDB_dbi dbi;
	const struct aig_state_key *key; /* borrowed */
};

static int mdb_fail(int mrc, const char *what, struct aig_error *err)
{
	return aig_mdb_fail("credential cache", mrc, what, err);
}

static bool damaged(int mrc)
{
	return mrc == MDB_INVALID || mrc == MDB_VERSION_MISMATCH ||
	       mrc == MDB_CORRUPTED || mrc == MDB_PAGE_NOTFOUND ||
	       mrc == MDB_PANIC || mrc == MDB_BAD_DBI ||
	       mrc == MDB_INCOMPATIBLE;
}

static int open_dbi(struct aig_cred_store *s)
{
	MDB_txn *txn = NULL;
	int mrc;

	if ((mrc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mrc;
	if ((mrc = mdb_dbi_open(txn, NULL, 0, &s->dbi)) != 0) {
		mdb_txn_abort(txn);
		return mrc;
	}
	return mdb_txn_commit(txn);
}

static int open_env(struct aig_cred_store *s, const char *path)
{
	int mrc;

	if ((mrc = mdb_env_create(&s->env)) != 0)
		return mrc;
	if ((mrc = mdb_env_set_mapsize(s->env, STORE_MAP_SIZE)) != 0 ||
	    (mrc = mdb_env_open(s->env, path, MDB_NOSUBDIR | MDB_NOTLS,
				0600)) != 0 ||
	    (mrc = open_dbi(s)) != 0) {
		mdb_env_close(s->env);
		s->env = NULL;
	}
	return mrc;
}

/* Removes the store's files (a damaged store is never repaired). */
static int remove_files(const char *state_dir, struct aig_error *err)
{
	char path[4200];
	size_t i;

	for (i = 0; i < AIG_CRED_STORE_NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", state_dir,
			 aig_cred_store_files[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			return aig_error_set(err, AIG_ERR_IO,
					     "credential cache: %s: %s", path,
					     strerror(errno));
	}
	return AIG_OK;
}

int aig_cred_store_open(const char *state_dir, const struct aig_state_key *key,
			struct aig_cred_store **out, bool *rebuilt,
			struct aig_error *err)
{
	struct aig_cred_store *s;
	char path[4096];
	int mrc, rc = AIG_OK;

	*out = NULL;
	*rebuilt = false;
	if (key == NULL)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "credential cache: no state key");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir,
			     aig_cred_store_files[0]) >= sizeof(path))
		return aig_error_set(err, AIG_ERR_CONFIG, "state_dir too long");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	s->key = key;
	mrc = open_env(s, path);
	if (damaged(mrc)) {
		*rebuilt = true;
		if ((rc = remove_files(state_dir, err)) != AIG_OK)
			goto out;
		mrc = open_env(s, path);
	}
	if (mrc != 0) {
		rc = mdb_fail(mrc, path, err);
		goto out;
	}
	*out = s;
	s = NULL;
out:
	aig_cred_store_close(s);
	return rc;
}

void aig_cred_store_close(struct aig_cred_store *s)
{
	if (s == NULL)
		return;
	if (s->env != NULL)
		mdb_env_close(s->env);
	free(s);
}

void aig_cred_entry_free(struct aig_cred_entry *e)
{
	if (e->hash != NULL)
		aig_wipe_free(e->hash, strlen(e->hash));
	free(e->name);
	aig_ldap_strv_free(&e->groups);
	memset(e, 0, sizeof(*e));
}

/* --------------------------------------------------------------- values */

static void put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void mac_parts(const char *key, size_t klen, const unsigned char *v,
		      size_t len, struct aig_mac_part p[4])
{
	p[0] = (struct aig_mac_part){mac_label, sizeof(mac_label) - 1};
	p[1] = (struct aig_mac_part){key, klen};
	p[2] = (struct aig_mac_part){v, OFF_MAC};
	p[3] = (struct aig_mac_part){v + HEAD_LEN, len - HEAD_LEN};
}

/* One NUL-terminated string at *p (before end), copied. */
static int take_str(const char **p, const char *end, char **out,
		    struct aig_error *err)
{
	size_t n;

	if (*p >= end)
		return aig_error_set(err, AIG_ERR_UNSAFE,
				     "credential cache: malformed entry");
	n = strlen(*p);
	*out = strndup(*p, n);
	if (*out == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	*p += n + 1;
	return AIG_OK;
}

static int decode(const struct aig_cred_store *s, const char *key, size_t klen,
		  const MDB_val *v, struct aig_cred_entry *e,
		  struct aig_error *err)
{
	const unsigned char *p = v->mv_data;
	const char *q = (const char *)p + HEAD_LEN, *end;
	struct aig_mac_part parts[4];
	int rc;

	if (v->mv_size < HEAD_LEN + 2 || p[0] != ENTRY_VERSION ||
	    p[v->mv_size - 1] != '\0')
		return aig_error_set(err, AIG_ERR_UNSAFE,
				     "credential cache: malformed entry, "
				     "ignored");
	mac_parts(key, klen, p, v->mv_size, parts);
	if (!aig_state_mac_ok(s->key, parts, 4, p + OFF_MAC))
		return aig_error_set(err, AIG_ERR_UNSAFE,
				     "credential cache: an entry without a "
				     "valid MAC under the state key, ignored");
	e->flags = p[OFF_FLAGS];
	e->verified = (time_t)get64(p + OFF_VERIFIED);
	e->last_login = (time_t)get64(p + OFF_LAST);
	e->locked_until = (time_t)get64(p + OFF_LOCKED);
	e->failures = (unsigned)p[OFF_FAILURES] |
		      (unsigned)p[OFF_FAILURES + 1] << 8 |
		      (unsigned)p[OFF_FAILURES + 2] << 16 |
		      (unsigned)p[OFF_FAILURES + 3] << 24;
	end = (const char *)p + v->mv_size;
	if ((rc = take_str(&q, end, &e->hash, err)) != AIG_OK ||
	    (rc = take_str(&q, end, &e->name, err)) != AIG_OK)
		return rc;
	while (q < end && rc == AIG_OK) {
		size_t n = strlen(q);

		rc = aig_ldap_strv_add(&e->groups, q, n, err);
		q += n + 1;
	}
	return rc;
}

static int encode(const struct aig_cred_store *s, const char *key, size_t klen,
		  const struct aig_cred_entry *e, unsigned char **out,
		  size_t *len, struct aig_error *err)
{
	size_t i, n = HEAD_LEN, o = HEAD_LEN;
	struct aig_mac_part parts[4];
	unsigned char *buf;

	n += strlen(e->hash) + 1 + strlen(e->name) + 1;
	for (i = 0; i < e->groups.n; i++)
		n += strlen(e->groups.v[i]) + 1;
	if (n > VALUE_MAX)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "credential cache: too many groups");
	buf = calloc(1, n);
	if (buf == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	buf[0] = ENTRY_VERSION;
	buf[OFF_FLAGS] = (unsigned char)e->flags;
	put64(buf + OFF_VERIFIED, (uint64_t)e->verified);
	put64(buf + OFF_LAST, (uint64_t)e->last_login);
	put64(buf + OFF_LOCKED, (uint64_t)e->locked_until);
	for (i = 0; i < 4; i++)
		buf[OFF_FAILURES + i] = (unsigned char)(e->failures >> (8 * i));
	memcpy(buf + o, e->hash, strlen(e->hash) + 1);
	o += strlen(e->hash) + 1;
	memcpy(buf + o, e->name, strlen(e->name) + 1);
	o += strlen(e->name) + 1;
	for (i = 0; i < e->groups.n; i++) {
		memcpy(buf + o, e->groups.v[i], strlen(e->groups.v[i]) + 1);
		o += strlen(e->groups.v[i]) + 1;
	}
	mac_parts(key, klen, buf, n, parts);
	if (aig_state_mac(s->key, parts, 4, buf + OFF_MAC, err) != AIG_OK) {
		aig_wipe_free(buf, n);
		return err ? err->status : AIG_ERR_INTERNAL;
	}
	*out = buf;
	*len = n;
	return AIG_OK;
}

/* ------------------------------------------------------------ the calls */

int aig_cred_store_get(struct aig_cred_store *s, const char *login, bool *found,
		       struct aig_cred_entry *e, struct aig_error *err)
{
	char key[AIG_LDAP_LOGIN_MAX];
	MDB_val k, v;
	MDB_txn *txn = NULL;
	size_t klen;
	int mrc, rc;

	*found = false;
	memset(e, 0, sizeof(*e));
	if ((rc = aig_ldap_login_key(login, key, &klen, err)) != AIG_OK)
		return rc;
	if ((mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_fail(mrc, "read", err);
	k.mv_data = key;
	k.mv_size = klen;
	mrc = mdb_get(txn, s->dbi, &k, &v);
	if (mrc == 0)
		rc = decode(s, key, klen, &v, e, err);
	else if (mrc != MDB_NOTFOUND)
		rc = mdb_fail(mrc, "read", err);
	mdb_txn_abort(txn);
	*found = mrc == 0 && rc == AIG_OK;
	if (!*found)
		aig_cred_entry_free(e);
	return rc;
}

int aig_cred_store_put(struct aig_cred_store *s, const char *login,
		       const struct aig_cred_entry *e, struct aig_error *err)
{
	char key[AIG_LDAP_LOGIN_MAX];
	unsigned char *buf = NULL;
	size_t klen, len = 0;
	int rc;

	if ((rc = aig_ldap_login_key(login, key, &klen, err)) != AIG_OK ||
	    (rc = encode(s, key, klen, e, &buf, &len, err)) != AIG_OK)
		return rc;
	rc = aig_mdb_put("credential cache", s->env, s->dbi, key, klen, buf,
			 len, err);
	aig_wipe_free(buf, len);
	return rc;
}

int aig_cred_store_drop(struct aig_cred_store *s, const char *login,
			bool *dropped, struct aig_error *err)
{
	char key[AIG_LDAP_LOGIN_MAX];
	MDB_txn *txn = NULL;
	MDB_val k;
	size_t klen;
	int mrc, rc;

	*dropped = false;
	if (login == NULL) /* all */
		klen = 0;
	else if ((rc = aig_ldap_login_key(login, key, &klen, err)) != AIG_OK)
		return rc;
	if ((mrc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return mdb_fail(mrc, "write", err);
	k.mv_data = key;
	k.mv_size = klen;
	mrc = login == NULL ? mdb_drop(txn, s->dbi, 0)
			    : mdb_del(txn, s->dbi, &k, NULL);
	if (mrc != 0 && mrc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return mdb_fail(mrc, "write", err);
	}
	*dropped = mrc == 0;
	if ((mrc = mdb_txn_commit(txn)) != 0)
		return mdb_fail(mrc, "write", err);
	return AIG_OK;
}

int aig_cred_store_each(struct aig_cred_store *s, aig_cred_each_fn fn,
			void *arg, struct aig_error *err)
{
	struct aig_cred_entry e;
	struct aig_error one;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	char login[AIG_LDAP_LOGIN_MAX + 1];
	int mrc, op = MDB_FIRST;

	if ((mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_fail(mrc, "read", err);
	if ((mrc = mdb_cursor_open(txn, s->dbi, &cur)) != 0) {
		mdb_txn_abort(txn);
		return mdb_fail(mrc, "read", err);
	}
	while ((mrc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size == 0 || k.mv_size > AIG_LDAP_LOGIN_MAX)
			continue;
		memcpy(login, k.mv_data, k.mv_size);
		login[k.mv_size] = '\0';
		memset(&e, 0, sizeof(e));
		memset(&one, 0, sizeof(one));
		fn(arg, login,
		   decode(s, login, k.mv_size, &v, &e, &one) == AIG_OK ? &e
								       : NULL);
		aig_cred_entry_free(&e);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return mrc == MDB_NOTFOUND ? AIG_OK : mdb_fail(mrc, "read", err);
}
