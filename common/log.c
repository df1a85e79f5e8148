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

char *aig_log_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0;

	if (dstlen == 0)
		return dst;
	while (i < srclen) {
		size_t seq =
			s[i] >= 0x80 ? aig_utf8_seq_len(s + i, srclen - i) : 0;
		size_t need = seq ? seq
			      : (s[i] < 0x20 || s[i] == 0x7f || s[i] >= 0x80 ||
				 s[i] == '\\' || s[i] == '"')
				      ? 4
				      : 1;

		if (o + need + 4 > dstlen) { /* keep room for "..." + NUL */
			if (dstlen >= 4) {
				o = o + 4 > dstlen ? dstlen - 4 : o;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (seq) {
			memcpy(dst + o, s + i, seq);
			o += seq;
			i += seq;
		} else if (need == 4) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[s[i] >> 4];
			dst[o++] = hex[s[i] & 15];
			i++;
		} else {
			dst[o++] = (char)s[i++];
		}
	}
	dst[o < dstlen ? o : dstlen - 1] = '\0';
	return dst;
}
