/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_basic.c - HTTP Basic credentials (aig_basic_decode()). Its
 * contract: "Basic <strict base64>" of "user:password", the user 1 to 256
 * bytes of valid UTF-8 without ':', control characters (C0, DEL, C1),
 * line separators or bidi controls, the password
 * 1 to 1024 bytes without NUL. The invariants:
 *  - the input taken as the decoded credentials and sent in its
 *    reference base64 is accepted exactly when the contract allows it,
 *    and then the user is exactly the bytes before the first ':' and the
 *    password exactly the bytes after it;
 *  - the input taken as the whole header (up to its first NUL): when it
 *    is accepted, it is "Basic " in any case followed by the canonical
 *    base64 of user ":" password, both within the contract.
 * Leaks (the password buffers included) are for valgrind and ASan. */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "aig_cgi.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The code points a user name may not hold: C0, DEL, C1, the line and
 * paragraph separators and the bidi controls (written out here as a
 * table, apart from common/utf8.c's test, so that the two are compared). */
static bool forbidden_cp(uint32_t cp)
{
	static const uint32_t ranges[][2] = {
		{0x00, 0x1f},	  {0x7f, 0x9f},	    {0x061c, 0x061c},
		{0x200e, 0x200f}, {0x2028, 0x202e}, {0x2066, 0x2069},
	};
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return true;
	return false;
}

/* Decodes one code point of a string already known to be valid UTF-8. */
static size_t next_cp(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xe0) {
		*cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if (s[0] < 0xf0) {
		*cp = (uint32_t)(s[0] & 0x0f) << 12 |
		      (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	*cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
	      (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return 4;
}

static bool user_ok(const char *u, size_t len)
{
	const unsigned char *p = (const unsigned char *)u;
	uint32_t cp;
	size_t i;

	if (len < 1 || len > 256 || !aig_utf8_valid(u, len))
		return false;
	for (i = 0; i < len; i += next_cp(p + i, &cp)) {
		next_cp(p + i, &cp);
		if (forbidden_cp(cp) || cp == ':')
			return false;
	}
	return true;
}

static bool password_ok(const char *p, size_t len)
{
	return len >= 1 && len <= 1024 && memchr(p, '\0', len) == NULL;
}

static void check_pair(const char *user, const char *password)
{
	FUZZ_CHECK(user != NULL && password != NULL);
	FUZZ_CHECK(user_ok(user, strlen(user)));
	FUZZ_CHECK(password_ok(password, strlen(password)));
}

static void from_credentials(const uint8_t *data, size_t size)
{
	const char *raw = (const char *)data;
	const char *colon = memchr(raw, ':', size);
	char *enc = fuzz_b64_encode(data, size, false);
	char *header = malloc(strlen(enc) + 7), *user, *password;
	size_t ulen = colon != NULL ? (size_t)(colon - raw) : 0;
	bool expect = colon != NULL && memchr(raw, '\0', size) == NULL &&
		      user_ok(raw, ulen) &&
		      password_ok(colon + 1, size - ulen - 1);
	bool ok;

	FUZZ_CHECK(header != NULL);
	strcpy(header, "Basic ");
	strcat(header, enc);
	ok = aig_basic_decode(header, &user, &password);
	FUZZ_CHECK(ok == expect);
	if (ok) {
		check_pair(user, password);
		FUZZ_CHECK(strlen(user) == ulen &&
			   memcmp(user, raw, ulen) == 0);
		FUZZ_CHECK(strlen(password) == size - ulen - 1 &&
			   memcmp(password, colon + 1, size - ulen - 1) == 0);
	} else {
		FUZZ_CHECK(user == NULL && password == NULL);
	}
	free(user);
	aig_secret_free(password);
	free(header);
	free(enc);
}

static void from_header(const uint8_t *data, size_t size)
{
	char *header = strndup((const char *)data, size), *user, *password;
	char *creds, *enc;

	FUZZ_CHECK(header != NULL);
	if (!aig_basic_decode(header, &user, &password)) {
		FUZZ_CHECK(user == NULL && password == NULL);
		free(header);
		return;
	}
	check_pair(user, password);
	FUZZ_CHECK(strncasecmp(header, "Basic ", 6) == 0);
	creds = malloc(strlen(user) + strlen(password) + 2);
	FUZZ_CHECK(creds != NULL);
	sprintf(creds, "%s:%s", user, password);
	enc = fuzz_b64_encode((const unsigned char *)creds, strlen(creds),
			      false);
	FUZZ_CHECK(strcmp(enc, header + 6) == 0);
	free(enc);
	aig_wipe_free(creds, strlen(creds));
	free(user);
	aig_secret_free(password);
	free(header);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	from_credentials(data, size);
	from_header(data, size);
	return 0;
}
