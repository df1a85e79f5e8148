/* SPDX-License-Identifier: Apache-2.0 */
/* reqid.c - request ids and constant-time comparison. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "aig_common.h"

int aig_request_id(char out[AIG_REQUEST_ID_LEN + 1], struct aig_error *err)
{
	unsigned char raw[AIG_REQUEST_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return aig_error_set(err, AIG_ERR_INTERNAL,
					     "getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	aig_hex_lower(out, raw, sizeof(raw));
	return AIG_OK;
}

bool aig_ct_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a;
	const volatile unsigned char *y = b;
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
