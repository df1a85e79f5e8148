/* SPDX-License-Identifier: Apache-2.0 */
/* groups.c - a list of group names as one string, "g1,g2,...", for
 * AIGATE_GROUPS (PAM -> CGI) and X-Aigate-Groups (CGI -> backend). A name
 * may hold any character: '%', ',' and control characters are written
 * as %XX, so that no group is ever dropped or split (dropping one could
 * step around a deny rule). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_common.h"

static bool needs_escape(unsigned char c)
{
	return c == '%' || c == ',' || c < 0x20 || c == 0x7f;
}

char *aig_groups_join(const struct aig_strv *g)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, k, len = 1;
	char *out, *o;

	for (i = 0; i < g->n; i++) {
		for (k = 0; g->v[i][k]; k++)
			len += needs_escape((unsigned char)g->v[i][k]) ? 3 : 1;
		len++;
	}
	out = o = malloc(len);
	if (out == NULL)
		return NULL;
	for (i = 0; i < g->n; i++) {
		if (i > 0)
			*o++ = ',';
		for (k = 0; g->v[i][k]; k++) {
			unsigned char c = (unsigned char)g->v[i][k];

			if (needs_escape(c)) {
				*o++ = '%';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			} else {
				*o++ = (char)c;
			}
		}
	}
	*o = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One name from s (len bytes), %XX decoded; NULL if malformed or empty
 * (or a %00: a name cannot hold a NUL). */
static char *decode_name(const char *s, size_t len)
{
	char *out, *o;
	size_t i;

	if (len == 0 || (out = malloc(len + 1)) == NULL)
		return NULL;
	for (o = out, i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		hi = i + 2 < len ? hexval(s[i + 1]) : -1;
		lo = i + 2 < len ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi | lo) == 0) {
			free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return out;
}

int aig_groups_split(const char *s, struct aig_strv *out, struct aig_error *err)
{
	const char *p;
	size_t n = 1;

	out->v = NULL;
	out->n = 0;
	if (*s == '\0')
		return AIG_OK;
	for (p = s; *p; p++)
		n += *p == ',';
	out->v = calloc(n, sizeof(*out->v));
	if (out->v == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	for (p = s; out->n < n; out->n++) {
		size_t len = strcspn(p, ",");

		out->v[out->n] = decode_name(p, len);
		if (out->v[out->n] == NULL) {
			aig_strv_free(out);
			return aig_error_set(err, AIG_ERR_INVALID,
					     "malformed group list");
		}
		p += len + (p[len] == ',');
	}
	return AIG_OK;
}

void aig_strv_free(struct aig_strv *sv)
{
	size_t i;

	if (sv == NULL)
		return;
	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}
