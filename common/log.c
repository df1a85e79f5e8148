/* SPDX-License-Identifier: Apache-2.0 */
/* log.c - logging through a caller-given sink, and escaping of user input. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "aig_common.h"

#define LOG_LINE_MAX 1024

void aig_log_msg(const struct aig_log *log, int priority, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	if (log == NULL || log->fn == NULL || priority > log->max_priority)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log->fn(log->ctx, priority, line);
}

void aig_log_stderr_fn(void *ctx, int priority, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "aigate: %s%s\n", priority <= LOG_ERR ? "error: " : "",
		msg);
}

void aig_log_syslog_fn(void *ctx, int priority, const char *msg)
{
	(void)ctx;
	syslog(LOG_AUTHPRIV | priority, "%s", msg);
}

/* One unit of src as aig_log_escape() writes it into out (6 bytes at
 * most); returns its length and sets *used to the input bytes it stands
 * for. */
static size_t escape_unit(const unsigned char *s, size_t n, char out[6],
			  size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp = 0;
	size_t len = aig_utf8_next(s, n, &cp);

	if (len == 0 || cp < 0x80) {
		*used = 1;
		if (len != 0 && !aig_utf8_is_control(cp) && cp != '\\' &&
		    cp != '"') {
			out[0] = (char)cp;
			return 1;
		}
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[s[0] >> 4];
		out[3] = hex[s[0] & 15];
		return 4;
	}
	*used = len;
	if (!aig_utf8_is_control(cp)) {
		memcpy(out, s, len);
		return len;
	}
	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex[(cp >> 12) & 15];
	out[3] = hex[(cp >> 8) & 15];
	out[4] = hex[(cp >> 4) & 15];
	out[5] = hex[cp & 15];
	return 6;
}

char *aig_log_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0, n, used;
	char unit[6];

	if (dstlen == 0)
		return dst;
	while (i < srclen) {
		n = escape_unit(s + i, srclen - i, unit, &used);
		if (o + n + 4 > dstlen) { /* keep room for "..." + NUL */
			if (dstlen >= 4) {
				o = o + 4 > dstlen ? dstlen - 4 : o;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, unit, n);
		o += n;
		i += used;
	}
	dst[o < dstlen ? o : dstlen - 1] = '\0';
	return dst;
}

char *aig_log_escape_str(char *dst, size_t dstlen, const char *src)
{
	if (src == NULL)
		src = "(none)";
	return aig_log_escape(dst, dstlen, src, strlen(src));
}

char *aig_log_quote(char *dst, size_t dstlen, const char *src)
{
	size_t n;

	if (dstlen < 3) {
		if (dstlen > 0)
			dst[0] = '\0';
		return dst;
	}
	if (src == NULL) {
		memcpy(dst, "-", 2);
		return dst;
	}
	dst[0] = '"';
	aig_log_escape(dst + 1, dstlen - 2, src, strlen(src));
	n = strlen(dst);
	dst[n] = '"';
	dst[n + 1] = '\0';
	return dst;
}
