/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ldap_escape.c - the pure LDAP string helpers of ldap/util.c. The
 * invariants:
 *  - RFC 4515 filter value escaping (aig_ldap_filter_escape()) of any bytes
 *    (NULs included): the output holds only printable ASCII, never an
 *    unescaped '*', '(', ')' or NUL, every '\' starts a two-hex-digit
 *    escape, and unescaping gives the input back byte for byte;
 *  - the first RDN value of a DN (aig_ldap_dn_first_value()) of any text
 *    (the input up to its first NUL, in a buffer of exactly that size so
 *    that the sanitizers see any read past it): a value, when given, is
 *    no longer than the DN;
 *  - a value written into a DN with every byte but letters and digits as
 *    an RFC 4514 hex pair, "CN=<value>,DC=example,DC=com", reads back as
 *    that value when it is valid UTF-8 without NUL (any other value reads
 *    back as itself or is refused). */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "aig_ldap.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_filter_escape(const uint8_t *data, size_t size)
{
	char *esc = NULL;
	size_t i, o = 0;
	unsigned char *back = malloc(size + 1);

	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(aig_ldap_filter_escape((const char *)data, size, &esc,
					  NULL) == AIG_OK &&
		   esc != NULL);
	for (i = 0; esc[i] != '\0'; i++) {
		unsigned char c = (unsigned char)esc[i];
		int hi, lo;

		FUZZ_CHECK(c >= 0x20 && c < 0x7f); /* printable ASCII */
		FUZZ_CHECK(c != '*' && c != '(' && c != ')');
		FUZZ_CHECK(o < size);
		if (c != '\\') {
			back[o++] = c;
			continue;
		}
		hi = hexval(esc[i + 1]);
		lo = hi < 0 ? -1 : hexval(esc[i + 2]);
		FUZZ_CHECK(hi >= 0 && lo >= 0);
		back[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	FUZZ_CHECK(o == size && memcmp(back, data, size) == 0);
	free(esc);
	free(back);
}

static void check_dn(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char *dn = malloc(len + 1), *value = NULL;

	FUZZ_CHECK(dn != NULL);
	memcpy(dn, data, len);
	dn[len] = '\0';
	if (aig_ldap_dn_first_value(dn, &value, NULL) == AIG_OK)
		FUZZ_CHECK(value != NULL && strlen(value) <= len);
	else
		FUZZ_CHECK(value == NULL);
	free(value);
	free(dn);
}

/* "CN=" + every byte but letters and digits as \XX + ",DC=example,DC=com" */
static char *dn_of(const uint8_t *v, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *dn = malloc(3 * len + 32), *o = dn;
	size_t i;

	FUZZ_CHECK(dn != NULL);
	o += sprintf(o, "CN=");
	for (i = 0; i < len; i++) {
		if (v[i] < 0x80 && isalnum(v[i])) {
			*o++ = (char)v[i];
			continue;
		}
		*o++ = '\\';
		*o++ = hex[v[i] >> 4];
		*o++ = hex[v[i] & 15];
	}
	strcpy(o, ",DC=example,DC=com");
	return dn;
}

static void check_dn_round_trip(const uint8_t *data, size_t size)
{
	bool plain = memchr(data, '\0', size) == NULL &&
		     aig_utf8_valid((const char *)data, size);
	char *dn, *value = NULL;
	int rc;

	if (size == 0)
		return; /* an empty value: check_dn() has "CN=" to itself */
	dn = dn_of(data, size);
	rc = aig_ldap_dn_first_value(dn, &value, NULL);
	if (plain)
		FUZZ_CHECK(rc == AIG_OK);
	if (rc == AIG_OK)
		FUZZ_CHECK(value != NULL && strlen(value) == size &&
			   memcmp(value, data, size) == 0);
	free(value);
	free(dn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_filter_escape(data, size);
	check_dn(data, size);
	check_dn_round_trip(data, size);
	return 0;
}
