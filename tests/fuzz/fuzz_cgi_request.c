/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_cgi_request.c - the CGI request reader: environment and body.
 * Input: lines "NAME=value" (the CGI variables), an empty line, then the
 * body. Runs aig_request_from_env(), aig_request_read_body() and, when an
 * Authorization header is given, aig_basic_decode(). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_cgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_env(const char *text, size_t len)
{
	static const char *const names[] = {
		"REQUEST_METHOD", "PATH_INFO",	    "QUERY_STRING",
		"CONTENT_TYPE",	  "CONTENT_LENGTH", "HTTP_AUTHORIZATION",
		"REMOTE_ADDR",	  "HTTPS",	    NULL};
	char *copy = strndup(text, len), *line, *save = NULL;
	size_t i;

	clearenv();
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(line, names[i]) == 0)
				setenv(line, eq + 1, 1);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *sep = memmem(text, size, "\n\n", 2);
	size_t head = sep ? (size_t)(sep - text) : size;
	size_t body_len = sep ? size - head - 2 : 0;
	enum aig_outcome o;
	struct aig_request req;
	char *user = NULL, *password = NULL;
	FILE *in;

	if (memchr(text, '\0', head) != NULL)
		return 0; /* an environment cannot hold NUL */
	set_env(text, head);
	if (aig_request_from_env(&req, &o)) {
		in = fmemopen(body_len ? (void *)(uintptr_t)(sep + 2) : NULL,
			      body_len, "r");
		if (in == NULL)
			in = fopen("/dev/null", "r");
		aig_request_read_body(&req, in, 65536, &o);
		fclose(in);
		if (req.authorization != NULL &&
		    aig_basic_decode(req.authorization, &user, &password)) {
			free(user);
			aig_secret_free(password);
		}
	}
	aig_request_free(&req);
	return 0;
}
