/* SPDX-License-Identifier: Apache-2.0 */
/* statekey.c - the key in state_key_file and the HMAC-SHA256 that makes
 * a cache entry under state_dir worth trusting (aig_common.h).
 *
 * state_dir belongs to the user the gate runs as; where that is the web
 * server's user, every other CGI, PHP page or web application on the host
 * can write there. A cache file it plants is refused unless it carries a
 * MAC under a key only the gate can read.
 *
 * The HMAC is Nettle's, not OpenSSL's: pam_aigate.so checks a cached
 * login with it, and loading and starting OpenSSL's libcrypto in a new
 * process (a CGI's PAM login, a sudo) costs about 2 ms, Nettle's about
 * 0.1 ms (docs/performance.md). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/hmac.h>

#include "aig_common.h"

struct aig_state_key {
	/* HMAC-SHA256 keyed with the key's bytes, copied for each MAC
	 * (hashing the key's pads every time would double the work for a
	 * short entry); the bytes themselves are not kept */
	struct hmac_sha256_ctx keyed;
};

/* A key made of len bytes (wiped here whatever happens). */
static int key_of(unsigned char *buf, size_t len, struct aig_state_key **key,
		  struct aig_error *err)
{
	struct aig_state_key *k = calloc(1, sizeof(*k));

	if (k != NULL)
		hmac_sha256_set_key(&k->keyed, len, buf);
	explicit_bzero(buf, len);
	if (k == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	*key = k;
	return AIG_OK;
}

int aig_state_key_load(const char *path, struct aig_state_key **key,
		       struct aig_error *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	*key = NULL;
	rc = aig_secret_read_raw(path, AIG_STATE_KEY_MAX, &buf, &len, err);
	if (rc != AIG_OK)
		return rc;
	if (len < AIG_STATE_KEY_MIN)
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "%s: %zu bytes, a state key needs at "
				   "least %d",
				   path, len, AIG_STATE_KEY_MIN);
	else
		rc = key_of(buf, len, key, err);
	aig_wipe_free(buf, len);
	return rc;
}

int aig_state_key_random(struct aig_state_key **key, struct aig_error *err)
{
	unsigned char buf[AIG_STATE_KEY_MIN];
	size_t got = 0;

	*key = NULL;
	while (got < sizeof(buf)) {
		ssize_t n = getrandom(buf + got, sizeof(buf) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			explicit_bzero(buf, sizeof(buf));
			return aig_error_set(err, AIG_ERR_INTERNAL,
					     "getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	return key_of(buf, sizeof(buf), key, err);
}

void aig_state_key_free(struct aig_state_key *key)
{
	if (key == NULL)
		return;
	explicit_bzero(&key->keyed, sizeof(key->keyed));
	free(key);
}

static void mac_update_part(struct hmac_sha256_ctx *ctx,
			    const struct aig_mac_part *p)
{
	unsigned char n[8];
	uint64_t len = p->len;
	int i;

	for (i = 7; i >= 0; i--, len >>= 8)
		n[i] = (unsigned char)(len & 0xff);
	hmac_sha256_update(ctx, sizeof(n), n);
	if (p->len != 0)
		hmac_sha256_update(ctx, p->len, p->data);
}

int aig_state_mac(const struct aig_state_key *key,
		  const struct aig_mac_part *parts, size_t n,
		  unsigned char mac[AIG_STATE_MAC_LEN], struct aig_error *err)
{
	struct hmac_sha256_ctx ctx = key->keyed;
	size_t i;

	(void)err; /* Nettle's HMAC cannot fail */
	for (i = 0; i < n; i++)
		mac_update_part(&ctx, &parts[i]);
	hmac_sha256_digest(&ctx, AIG_STATE_MAC_LEN, mac);
	explicit_bzero(&ctx, sizeof(ctx));
	return AIG_OK;
}

bool aig_state_mac_ok(const struct aig_state_key *key,
		      const struct aig_mac_part *parts, size_t n,
		      const unsigned char *mac)
{
	unsigned char want[AIG_STATE_MAC_LEN];

	return aig_state_mac(key, parts, n, want, NULL) == AIG_OK &&
	       aig_ct_equal(want, mac, AIG_STATE_MAC_LEN);
}

int aig_state_mac_hex(const struct aig_state_key *key,
		      const struct aig_mac_part *parts, size_t n,
		      char hex[2 * AIG_STATE_MAC_LEN + 1],
		      struct aig_error *err)
{
	unsigned char mac[AIG_STATE_MAC_LEN];
	int rc = aig_state_mac(key, parts, n, mac, err);

	aig_hex_lower(hex, mac, sizeof(mac));
	return rc;
}

bool aig_state_mac_hex_ok(const struct aig_state_key *key,
			  const struct aig_mac_part *parts, size_t n,
			  const char *hex, size_t hexlen)
{
	char want[2 * AIG_STATE_MAC_LEN + 1];

	return hexlen == 2 * AIG_STATE_MAC_LEN &&
	       aig_state_mac_hex(key, parts, n, want, NULL) == AIG_OK &&
	       aig_ct_equal(want, hex, hexlen);
}
