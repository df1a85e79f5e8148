/* SPDX-License-Identifier: Apache-2.0 */
/* basic.c - decoding HTTP Basic credentials (aigate.cgi(8)). They are checked
 * through PAM in pam_check.c, in the gate's extension module. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_cgi.h"

#define USER_MAX 256
#define PASSWORD_MAX 1024

/* The same check a token's user claim gets (claims.c): no control, line
 * separator or bidi character can reach PAM, the directory or a log. */
static bool user_ok(const unsigned char *u, size_t len)
{
	return len > 0 && len <= USER_MAX &&
	       aig_utf8_clean((const char *)u, len);
}

bool aig_basic_decode(const char *header, char **user, char **password)
{
	unsigned char *raw = NULL;
	size_t len, rawlen = 0;
	char *colon;
	bool ok = false;

	*user = *password = NULL;
	if (strncasecmp(header, "Basic ", 6) != 0)
		return false;
	header += 6;
	len = strlen(header);
	if (len > 4 * (USER_MAX + PASSWORD_MAX + 1) / 3 + 4)
		return false;
	raw = malloc(len / 4 * 3 + 1);
	if (raw == NULL ||
	    !aig_base64_decode(header, len, false, raw, len / 4 * 3, &rawlen))
		goto out;
	raw[rawlen] = '\0';
	if (memchr(raw, '\0', rawlen) != NULL)
		goto out;
	colon = strchr((char *)raw, ':');
	if (colon == NULL || !user_ok(raw, (size_t)(colon - (char *)raw)) ||
	    colon[1] == '\0' || strlen(colon + 1) > PASSWORD_MAX)
		goto out;
	*user = strndup((char *)raw, (size_t)(colon - (char *)raw));
	*password = strdup(colon + 1);
	ok = *user != NULL && *password != NULL;
	if (!ok) {
		free(*user);
		aig_secret_free(*password);
		*user = *password = NULL;
	}
out:
	aig_wipe_free(raw, rawlen);
	return ok;
}
