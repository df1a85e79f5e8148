/* SPDX-License-Identifier: Apache-2.0 */
/* seal_crypto.c - the keys of the audit seal (aigate-audit-seal(8), DIGEST
 * FORMAT): the forward-secure MAC key that evolves each epoch and its state
 * file, the record MAC, the Ed25519 signature. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>

#include "seal.h"

#define STATE_MAGIC "aigate-audit-seal-state 1\n"
#define EVOLVE_SALT "aigate audit seal: evolve"
#define MAC_SALT "aigate audit seal: mac"
#define KEY_FILE_MAX 4096

void seal_state_wipe(struct seal_state *st)
{
	explicit_bzero(st, sizeof(*st));
}

static int unhex1(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2n lowercase hex digits into n bytes. */
static bool unhex(const char *s, size_t slen, unsigned char *out, size_t n)
{
	size_t i;

	if (slen != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		int hi = unhex1(s[2 * i]), lo = unhex1(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

bool seal_hex_eq(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

void seal_sha256_hex(const void *p, size_t n, char hex[SEAL_HEX256])
{
	unsigned char md[32];

	EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
	aig_hex_lower(hex, md, sizeof(md));
}

/* MurmurHash64A (Austin Appleby, public domain): eight bytes a step. */
uint64_t seal_line_hash(const void *p, size_t n)
{
	const uint64_t m = 0xc6a4a7935bd1e995ULL;
	const unsigned char *b = p;
	uint64_t h = 0x5eed ^ (n * m), k;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&k, b + i, 8);
		k *= m;
		k ^= k >> 47;
		k *= m;
		h ^= k;
		h *= m;
	}
	if (i < n) {
		k = 0;
		memcpy(&k, b + i, n - i);
		h ^= k;
		h *= m;
	}
	h ^= h >> 47;
	h *= m;
	h ^= h >> 47;
	return h;
}

/* ---------------------------------------------------------------- HKDF */

static void be64(uint64_t v, unsigned char out[8])
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)v;
}

/* out = HKDF-SHA256(ikm, salt, info || be64(n)), 32 bytes. */
static int hkdf(const unsigned char *ikm, const char *salt, const char *info,
		uint64_t n, unsigned char out[SEAL_KEY_LEN],
		struct aig_error *err)
{
	unsigned char inf[64], key[SEAL_KEY_LEN], slt[64];
	char digest[] = "SHA256";
	size_t ilen = strlen(info), slen = strlen(salt);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int rc = AIG_OK;

	memcpy(inf, info, ilen); /* the callers' constants fit */
	be64(n, inf + ilen);
	memcpy(key, ikm, sizeof(key));
	memcpy(slt, salt, slen);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest,
						0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key,
						 sizeof(key));
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, slt,
						 slen);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, inf,
						 ilen + 8);
	p[4] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_KDF_derive(ctx, out, SEAL_KEY_LEN, p) != 1)
		rc = aig_error_set(err, AIG_ERR_INTERNAL, "HKDF failed");
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	explicit_bzero(key, sizeof(key));
	return rc;
}

int seal_state_evolve(struct seal_state *st, struct aig_error *err)
{
	unsigned char next[SEAL_KEY_LEN];
	int rc = hkdf(st->key, EVOLVE_SALT, "epoch", st->epoch + 1, next, err);

	if (rc == AIG_OK) {
		memcpy(st->key, next, sizeof(next));
		st->epoch++;
	}
	explicit_bzero(next, sizeof(next));
	return rc;
}

int seal_mac_hex(const struct seal_state *st, const char *msg, size_t len,
		 char hex[SEAL_HEX256], struct aig_error *err)
{
	unsigned char mk[SEAL_KEY_LEN], md[32];
	size_t mdlen = sizeof(md);
	int rc = hkdf(st->key, MAC_SALT, "mac", st->epoch, mk, err);

	if (rc == AIG_OK && EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, mk,
				      sizeof(mk), (const unsigned char *)msg,
				      len, md, sizeof(md), &mdlen) == NULL)
		rc = aig_error_set(err, AIG_ERR_INTERNAL, "HMAC failed");
	if (rc == AIG_OK)
		aig_hex_lower(hex, md, mdlen);
	explicit_bzero(mk, sizeof(mk));
	return rc;
}

/* ----------------------------------------------------------- state file */

int seal_state_load(const char *path, struct seal_state *st,
		    struct aig_error *err)
{
	char *text = NULL, *p, *end;
	unsigned long long epoch;
	int rc;

	if ((rc = aig_secret_read(path, &text, err)) != AIG_OK)
		return rc;
	rc = AIG_ERR_INVALID;
	if (strncmp(text, STATE_MAGIC, strlen(STATE_MAGIC)) != 0)
		goto out;
	p = text + strlen(STATE_MAGIC);
	if (strncmp(p, "epoch ", 6) != 0 || p[6] < '0' || p[6] > '9')
		goto out;
	errno = 0;
	epoch = strtoull(p + 6, &end, 10);
	if (errno != 0 || strncmp(end, "\nkey ", 5) != 0 ||
	    !unhex(end + 5, strlen(end + 5), st->key, SEAL_KEY_LEN))
		goto out;
	st->epoch = epoch;
	rc = AIG_OK;
out:
	aig_secret_free(text);
	if (rc != AIG_OK)
		aig_error_set(err, rc, "%s: not an audit seal key file", path);
	return rc;
}

/* Writes all of buf to fd. */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/* The state as text, always the same length (the epoch has 20 digits),
 * so that a new state overwrites the old one byte for byte. */
static int state_text(const struct seal_state *st, char *text, size_t len)
{
	char hex[2 * SEAL_KEY_LEN + 1];
	int n;

	aig_hex_lower(hex, st->key, SEAL_KEY_LEN);
	n = snprintf(text, len, STATE_MAGIC "epoch %020" PRIu64 "\nkey %s\n",
		     st->epoch, hex);
	explicit_bzero(hex, sizeof(hex));
	return n;
}

/* A new file: written under a temporary name, then linked to path, which
 * must not exist (keygen). */
static int store_new(const char *path, const char *text, size_t n,
		     struct aig_error *err)
{
	char tmp[4096];
	int fd, rc = AIG_OK;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return aig_error_set(err, AIG_ERR_INVALID, "path too long");
	unlink(tmp); /* a leftover of a crash */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", tmp,
				     strerror(errno));
	if (!write_all(fd, text, n) || fsync(fd) != 0)
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", tmp,
				   strerror(errno));
	close(fd);
	if (rc == AIG_OK && link(tmp, path) != 0)
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				   strerror(errno));
	unlink(tmp);
	return rc;
}

/* The next state over the old one, in place: the old key's bytes are
 * overwritten where they are on disk, not left in a block a rename would
 * free. One write of less than a sector, at offset 0: a crash leaves the
 * old state or the new one. */
static int store_over(const char *path, const char *text, size_t n,
		      struct aig_error *err)
{
	const struct aig_file_trust trust = {S_IFREG, geteuid(), true};
	struct stat st;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	int rc = AIG_OK;

	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				   strerror(errno));
		goto out;
	}
	if ((rc = aig_file_trusted_st(&st, &trust, path, err)) != AIG_OK)
		goto out;
	if (pwrite(fd, text, n, 0) != (ssize_t)n ||
	    ((size_t)st.st_size > n && ftruncate(fd, (off_t)n) != 0) ||
	    fdatasync(fd) != 0)
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				   strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int seal_state_store(const char *path, const struct seal_state *st,
		     bool exclusive, struct aig_error *err)
{
	char text[160];
	int n = state_text(st, text, sizeof(text)), rc;

	if (exclusive && access(path, F_OK) == 0)
		rc = aig_error_set(err, AIG_ERR_INVALID, "%s: exists already",
				   path);
	else if (exclusive)
		rc = store_new(path, text, (size_t)n, err);
	else
		rc = store_over(path, text, (size_t)n, err);
	explicit_bzero(text, sizeof(text));
	return rc;
}

/* -------------------------------------------------------------- Ed25519 */

EVP_PKEY *seal_private_key_load(const char *path, struct aig_error *err)
{
	unsigned char *pem = NULL;
	size_t len = 0;
	BIO *bio;
	EVP_PKEY *key = NULL;

	if (aig_secret_read_raw(path, KEY_FILE_MAX, &pem, &len, err) != AIG_OK)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	aig_wipe_free(pem, len);
	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		aig_error_set(err, AIG_ERR_INVALID,
			      "%s: not an Ed25519 private key (PEM)", path);
		return NULL;
	}
	return key;
}

EVP_PKEY *seal_public_key_load(const char *path, struct aig_error *err)
{
	char *pem = NULL;
	size_t len = 0;
	BIO *bio;
	EVP_PKEY *key = NULL;

	if (aig_file_read_checked(path, KEY_FILE_MAX, &pem, &len, err) !=
	    AIG_OK)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio != NULL)
		key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(pem);
	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		aig_error_set(err, AIG_ERR_INVALID,
			      "%s: not an Ed25519 public key (PEM)", path);
		return NULL;
	}
	return key;
}

int seal_sign_hex(EVP_PKEY *key, const char *msg, size_t len,
		  char hex[SEAL_SIG_HEX], struct aig_error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	size_t siglen = sizeof(sig);
	int rc = AIG_OK;

	if (ctx == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg,
			   len) != 1 ||
	    siglen != sizeof(sig))
		rc = aig_error_set(err, AIG_ERR_INTERNAL,
				   "Ed25519 signing failed");
	else
		aig_hex_lower(hex, sig, siglen);
	EVP_MD_CTX_free(ctx);
	return rc;
}

bool seal_sig_ok(EVP_PKEY *key, const char *msg, size_t len, const char *hex)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	bool ok = false;

	if (ctx != NULL && unhex(hex, strlen(hex), sig, sizeof(sig)) &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1)
		ok = EVP_DigestVerify(ctx, sig, sizeof(sig),
				      (const unsigned char *)msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}
