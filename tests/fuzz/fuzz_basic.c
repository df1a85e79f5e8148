/* fuzz_basic.c - HTTP Basic credentials (aig_basic_decode()). Its
 * contract: "Basic <strict base64>" of "user:password", the user 1 to 256
 * bytes of valid UTF-8 without ':' or control characters, the password
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

static bool user_ok(const char *u, size_t len)
{
	size_t i;

	if (len < 1 || len > 256 || !aig_utf8_valid(u, len))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)u[i] < 0x20 || u[i] == 0x7f || u[i] == ':')
			return false;
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
