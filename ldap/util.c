/* SPDX-License-Identifier: Apache-2.0 */
/* util.c - the pure parts of ldap/: AD sub-codes, status names, RFC 4515
 * escaping, SIDs, unicodePwd, FILETIME, login checks. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap_int.h"

const char *aig_ldap_status_name(int status)
{
	switch (status) {
	case AIG_LDAP_ERR_TLS: return "TLS failure";
	case AIG_LDAP_ERR_BAD_CREDENTIALS: return "invalid credentials";
	case AIG_LDAP_ERR_NO_SUCH_USER: return "no such user";
	case AIG_LDAP_ERR_LOGON_HOURS: return "outside logon hours";
	case AIG_LDAP_ERR_WORKSTATION: return "workstation not allowed";
	case AIG_LDAP_ERR_PASSWORD_EXPIRED: return "password expired";
	case AIG_LDAP_ERR_DISABLED: return "account disabled";
	case AIG_LDAP_ERR_ACCOUNT_EXPIRED: return "account expired";
	case AIG_LDAP_ERR_MUST_CHANGE: return "password must be changed";
	case AIG_LDAP_ERR_LOCKED_OUT: return "account locked out";
	case AIG_LDAP_ERR_AMBIGUOUS: return "ambiguous login";
	case AIG_LDAP_ERR_PW_TOO_YOUNG: return "password too young to change";
	case AIG_LDAP_ERR_PW_QUALITY: return "password too weak";
	case AIG_LDAP_ERR_PW_HISTORY: return "password used before";
	case AIG_LDAP_ERR_PW_REFUSED: return "password change refused";
	case AIG_LDAP_ERR_SERVER: return "refused by the server";
	default: return aig_status_name(status);
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* AD writes ", data 52e," (or "data 52e" at the end); "data" must start a
 * word so that e.g. "metadata 1" is not taken. */
unsigned aig_ldap_ad_code_parse(const char *diag)
{
	const char *p = diag;

	if (diag == NULL)
		return AIG_AD_NONE;
	while ((p = strstr(p, "data ")) != NULL) {
		unsigned code = 0;
		size_t digits = 0;
		const char *q = p + 5;

		if (p != diag && p[-1] != ' ' && p[-1] != ',') {
			p += 5;
			continue;
		}
		while (hexval((unsigned char)*q) >= 0 && digits < 8) {
			code = code * 16 + (unsigned)hexval((unsigned char)*q);
			q++;
			digits++;
		}
		if (digits > 0 && (*q == ',' || *q == '\0' || *q == ' '))
			return code;
		p += 5;
	}
	return AIG_AD_NONE;
}

int aig_ldap_ad_code_status(unsigned code)
{
	switch (code) {
	case AIG_AD_NO_SUCH_USER: return AIG_LDAP_ERR_NO_SUCH_USER;
	case AIG_AD_LOGON_HOURS: return AIG_LDAP_ERR_LOGON_HOURS;
	case AIG_AD_WORKSTATION: return AIG_LDAP_ERR_WORKSTATION;
	case AIG_AD_PASSWORD_EXPIRED: return AIG_LDAP_ERR_PASSWORD_EXPIRED;
	case AIG_AD_DISABLED: return AIG_LDAP_ERR_DISABLED;
	case AIG_AD_ACCOUNT_EXPIRED: return AIG_LDAP_ERR_ACCOUNT_EXPIRED;
	case AIG_AD_MUST_CHANGE: return AIG_LDAP_ERR_MUST_CHANGE;
	case AIG_AD_LOCKED_OUT: return AIG_LDAP_ERR_LOCKED_OUT;
	default: return AIG_LDAP_ERR_BAD_CREDENTIALS;
	}
}

int aig_ldap_login_check(const char *login, size_t len, struct aig_error *err)
{
	size_t i;

	if (login == NULL || len == 0)
		return aig_error_set(err, AIG_ERR_INVALID, "empty login");
	if (len > AIG_LDAP_LOGIN_MAX)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "login longer than %d bytes",
				     AIG_LDAP_LOGIN_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)login[i];

		if (c < 0x20 || c == 0x7f)
			return aig_error_set(err, AIG_ERR_INVALID,
					     "login holds a control character");
	}
	if (!aig_utf8_valid(login, len))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "login is not valid UTF-8");
	return AIG_OK;
}

bool aig_ldap_password_refused(const char *password)
{
	/* OpenSSH's auth-pam.c hands PAM this for users that do not exist,
	 * so that timing does not tell; sending it would only lock out a
	 * real account of that name. */
	static const char decoy[] = "\b\n\r\177INCORRECT";

	return password == NULL || password[0] == '\0' ||
	       strcmp(password, decoy) == 0;
}

int aig_ldap_strdup(const char *in, char **out, struct aig_error *err)
{
	*out = strdup(in);
	if (*out == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

static bool filter_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr(" .-_@+=,:;/!#$%&'?^`{|}~", c);
}

int aig_ldap_filter_escape(const char *in, size_t len, char **out,
			   struct aig_error *err)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	char *buf;

	*out = NULL;
	if (len > (SIZE_MAX - 1) / 3)
		return aig_error_set(err, AIG_ERR_TOO_BIG, "value too long");
	buf = malloc(3 * len + 1);
	if (buf == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c != '\0' && filter_safe(c)) {
			buf[o++] = (char)c;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = hex[c >> 4];
		buf[o++] = hex[c & 15];
	}
	buf[o] = '\0';
	*out = buf;
	return AIG_OK;
}

void aig_ldap_bin_escape(const unsigned char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		*out++ = '\\';
		*out++ = hex[in[i] >> 4];
		*out++ = hex[in[i] & 15];
	}
	*out = '\0';
}

/* A SID: revision, count, 6-byte big-endian authority, then count 32-bit
 * little-endian sub-authorities (MS-DTYP 2.4.2.2). */
int aig_ldap_sid_to_str(const unsigned char *sid, size_t len,
			char out[AIG_SID_STR_MAX], struct aig_error *err)
{
	uint64_t auth = 0;
	size_t i, n, o;

	if (sid == NULL || len < 8 || sid[1] > 15 || len != 8 + 4u * sid[1])
		return aig_error_set(err, AIG_ERR_INVALID, "malformed SID");
	for (i = 2; i < 8; i++)
		auth = (auth << 8) | sid[i];
	n = sid[1];
	o = (size_t)snprintf(out, AIG_SID_STR_MAX,
			     auth >> 32 ? "S-%u-0x%012" PRIx64
					: "S-%u-%" PRIu64,
			     sid[0], auth);
	for (i = 0; i < n && o < AIG_SID_STR_MAX; i++) {
		const unsigned char *p = sid + 8 + 4 * i;
		uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

		o += (size_t)snprintf(out + o, AIG_SID_STR_MAX - o, "-%" PRIu32,
				      v);
	}
	return AIG_OK;
}

/* Decodes one UTF-8 sequence already known to be valid. */
static uint32_t utf8_decode(const unsigned char *s, size_t n)
{
	uint32_t cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
	size_t i;

	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

static size_t put_utf16le(unsigned char *o, uint32_t cp)
{
	if (cp < 0x10000) {
		o[0] = cp & 0xff;
		o[1] = (unsigned char)(cp >> 8);
		return 2;
	}
	cp -= 0x10000;
	return put_utf16le(o, 0xd800 | (cp >> 10)) +
	       put_utf16le(o + 2, 0xdc00 | (cp & 0x3ff));
}

int aig_ldap_unicode_pwd(const char *password, unsigned char **out,
			 size_t *outlen, struct aig_error *err)
{
	const unsigned char *p = (const unsigned char *)password;
	size_t len = strlen(password), i = 0, o = 0, cap;
	unsigned char *buf;

	*out = NULL;
	*outlen = 0;
	if (!aig_utf8_valid(password, len))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "password is not valid UTF-8");
	if (len > 4096)
		return aig_error_set(err, AIG_ERR_TOO_BIG, "password too long");
	cap = 2 * len + 4; /* no UTF-8 byte gives more than 2 bytes */
	buf = malloc(cap);
	if (buf == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	o += put_utf16le(buf + o, '"');
	while (i < len) {
		size_t n = aig_utf8_seq_len(p + i, len - i);

		o += put_utf16le(buf + o, utf8_decode(p + i, n));
		i += n;
	}
	o += put_utf16le(buf + o, '"');
	*out = buf;
	*outlen = o;
	return AIG_OK;
}

#define FILETIME_UNIX_EPOCH 116444736000000000ULL /* 1970 in FILETIME */

int aig_ldap_filetime_parse(const char *s, enum aig_pw_expiry *kind,
			    time_t *when, struct aig_error *err)
{
	unsigned long long v;
	char *end;

	*when = 0;
	*kind = AIG_PW_NEVER;
	if (s == NULL || *s < '0' || *s > '9')
		return aig_error_set(err, AIG_ERR_INVALID, "not a FILETIME");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT64_MAX)
		return aig_error_set(err, AIG_ERR_INVALID, "not a FILETIME");
	if (v == 0) {
		*kind = AIG_PW_MUST_CHANGE;
		return AIG_OK;
	}
	if (v == INT64_MAX)
		return AIG_OK;
	*kind = AIG_PW_EXPIRES;
	if (v < FILETIME_UNIX_EPOCH)
		*when = 0; /* before 1970: long past */
	else
		*when = (time_t)((v - FILETIME_UNIX_EPOCH) / 10000000ULL);
	return AIG_OK;
}

int aig_ldap_strv_add(struct aig_strv *sv, const char *str, size_t len,
		      struct aig_error *err)
{
	char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));

	if (v == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	sv->v = v;
	v[sv->n] = strndup(str, len);
	if (v[sv->n] == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	v[++sv->n] = NULL;
	return AIG_OK;
}

void aig_ldap_strv_free(struct aig_strv *sv)
{
	aig_strv_free(sv);
}

static int cmp_ci(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

void aig_ldap_strv_sort_uniq(struct aig_strv *sv)
{
	size_t i, o = 0;

	if (sv->n == 0)
		return;
	qsort(sv->v, sv->n, sizeof(*sv->v), cmp_ci);
	for (i = 0; i < sv->n; i++) {
		if (o > 0 && strcasecmp(sv->v[o - 1], sv->v[i]) == 0) {
			free(sv->v[i]);
			continue;
		}
		sv->v[o++] = sv->v[i];
	}
	sv->n = o;
	sv->v[o] = NULL;
}

bool aig_ldap_ascii_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}
