/* SPDX-License-Identifier: Apache-2.0 */
/* digits.c - numbers and bytes as text without printf: the request id,
 * digests and MACs as hex, integers in the audit record and the metrics
 * keys, all written per request. */
#include "config.h"

#include <string.h>

#include "aig_common.h"

void aig_hex_lower(char *out, const void *bytes, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = bytes;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

size_t aig_decimal(char out[AIG_DECIMAL_MAX], long long v)
{
	char d[AIG_DECIMAL_MAX], *p = d + sizeof(d);
	unsigned long long u =
		v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	n = (size_t)(d + sizeof(d) - p);
	memcpy(out, p, n);
	return n;
}
