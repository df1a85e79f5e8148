/* SPDX-License-Identifier: Apache-2.0 */
/* statekey.c - the key in state_key_file and the HMAC-SHA256 that makes
 * a cache entry under state_dir worth trusting (aig_common.h).
 *
 * state_dir belongs to the user the gate runs as; where that is the web
 * server's user, every other CGI, PHP page or web application on the host
 * can write there. A cache file it plants is refused unless it carries a
 * MAC under a key only the gate can read. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aig_common.h"

struct aig_state_key {
	unsigned char *bytes;
	size_t len;
	/* HMAC-SHA256 keyed with bytes, copied for each MAC (fetching the
	 * algorithms and setting the key every time cost more than the MAC
	 * of a cache entry); NULL: made for each MAC */
	EVP_MAC_CTX *keyed;
};

/* A new HMAC-SHA256 context keyed with key; NULL on failure. */
static EVP_MAC_CTX *keyed_ctx(const unsigned char *key, size_t len)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
				       OSSL_MAC_PARAM_DIGEST, digest, 0),
			       OSSL_PARAM_construct_end()};
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = m != NULL ? EVP_MAC_CTX_new(m) : NULL;

	EVP_MAC_free(m); /* the context holds its own reference */
	if (ctx != NULL && !EVP_MAC_init(ctx, key, len, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

int aig_state_key_load(const char *path, struct aig_state_key **key,
		       struct aig_error *err)
{
	struct aig_state_key *k = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	*key = NULL;
	rc = aig_secret_read_raw(path, AIG_STATE_KEY_MAX, &buf, &len, err);
	if (rc != AIG_OK)
		return rc;
	if (len < AIG_STATE_KEY_MIN) {
		aig_wipe_free(buf, len);
		return aig_error_set(err, AIG_ERR_INVALID,
				     "%s: %zu bytes, a state key needs at "
				     "least %d",
				     path, len, AIG_STATE_KEY_MIN);
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		aig_wipe_free(buf, len);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	k->bytes = buf;
	k->len = len;
	k->keyed = keyed_ctx(buf, len);
	*key = k;
	return AIG_OK;
}

void aig_state_key_free(struct aig_state_key *key)
{
	if (key == NULL)
		return;
	EVP_MAC_CTX_free(key->keyed);
	aig_wipe_free(key->bytes, key->len);
	free(key);
}

static bool mac_update_part(EVP_MAC_CTX *ctx, const struct aig_mac_part *p)
{
	unsigned char n[8];
	uint64_t len = p->len;
	int i;

	for (i = 7; i >= 0; i--, len >>= 8)
		n[i] = (unsigned char)(len & 0xff);
	return EVP_MAC_update(ctx, n, sizeof(n)) &&
	       (p->len == 0 || EVP_MAC_update(ctx, p->data, p->len));
}

int aig_state_mac(const struct aig_state_key *key,
		  const struct aig_mac_part *parts, size_t n,
		  unsigned char mac[AIG_STATE_MAC_LEN], struct aig_error *err)
{
	EVP_MAC_CTX *ctx = key->keyed != NULL ? EVP_MAC_CTX_dup(key->keyed)
					      : keyed_ctx(key->bytes, key->len);
	size_t i, out = 0;
	bool ok = ctx != NULL;

	for (i = 0; ok && i < n; i++)
		ok = mac_update_part(ctx, &parts[i]);
	ok = ok && EVP_MAC_final(ctx, mac, &out, AIG_STATE_MAC_LEN) &&
	     out == AIG_STATE_MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	if (!ok) {
		explicit_bzero(mac, AIG_STATE_MAC_LEN);
		return aig_error_set(err, AIG_ERR_INTERNAL,
				     "HMAC-SHA256 failed");
	}
	return AIG_OK;
}

bool aig_state_mac_ok(const struct aig_state_key *key,
		      const struct aig_mac_part *parts, size_t n,
		      const unsigned char *mac)
{
	unsigned char want[AIG_STATE_MAC_LEN];

	return aig_state_mac(key, parts, n, want, NULL) == AIG_OK &&
	       CRYPTO_memcmp(want, mac, AIG_STATE_MAC_LEN) == 0;
}

int aig_state_mac_hex(const struct aig_state_key *key,
		      const struct aig_mac_part *parts, size_t n,
		      char hex[2 * AIG_STATE_MAC_LEN + 1],
		      struct aig_error *err)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[AIG_STATE_MAC_LEN];
	size_t i;
	int rc = aig_state_mac(key, parts, n, mac, err);

	for (i = 0; i < AIG_STATE_MAC_LEN; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 0x0f];
	}
	hex[2 * AIG_STATE_MAC_LEN] = '\0';
	return rc;
}

bool aig_state_mac_hex_ok(const struct aig_state_key *key,
			  const struct aig_mac_part *parts, size_t n,
			  const char *hex, size_t hexlen)
{
	char want[2 * AIG_STATE_MAC_LEN + 1];

	return hexlen == 2 * AIG_STATE_MAC_LEN &&
	       aig_state_mac_hex(key, parts, n, want, NULL) == AIG_OK &&
	       CRYPTO_memcmp(want, hex, hexlen) == 0;
}
