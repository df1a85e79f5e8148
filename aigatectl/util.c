/* SPDX-License-Identifier: Apache-2.0 */
/* util.c - aigatectl's messages, log sink, configuration loading and
 * output: terminal-safe text, aligned tables, JSON. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "ctl.h"

/* ------------------------------------------------------------ messages */

int ctl_fail(const struct ctl *c, int code, const char *fmt, ...)
{
	char msg[2 * AIG_ERROR_MSG_MAX];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line, whatever a library message held */
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	if (c->cmd != NULL)
		fprintf(stderr, "%s: %s: %s\n", c->prog, c->cmd, msg);
	else
		fprintf(stderr, "%s: %s\n", c->prog, msg);
	return code;
}

const char *ctl_esc(char *buf, size_t len, const char *s)
{
	return aig_log_escape(buf, len, s ? s : "", s ? strlen(s) : 0);
}

void ctl_log_fn(void *ctx, int priority, const char *msg)
{
	struct ctl *c = ctx;

	if (priority <= LOG_WARNING) {
		snprintf(c->last_warning, sizeof(c->last_warning), "%s", msg);
		if (!c->quiet_warnings || c->verbose)
			fprintf(stderr, "%s: warning: %s\n", c->prog, msg);
	} else if (c->verbose) {
		fprintf(stderr, "%s: %s\n", c->prog, msg);
	}
}

int ctl_load_config(struct ctl *c)
{
	struct aig_error err = {0};

	if (aig_config_load(c->config_path, &c->cfg, &err) != AIG_OK)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
	return CTL_EXIT_OK;
}

void ctl_free(struct ctl *c)
{
	aig_config_free(c->cfg);
	c->cfg = NULL;
}

/* ------------------------------------------------------------- the user */

int ctl_become_state_owner(const struct ctl *c)
{
	const char *dir = c->cfg->state_dir;
	struct stat st;
	char esc[256];

	if (geteuid() != 0 || dir == NULL || stat(dir, &st) != 0 ||
	    st.st_uid == 0)
		return CTL_EXIT_OK;
	if (setgroups(0, NULL) != 0 ||
	    setresgid(st.st_gid, st.st_gid, st.st_gid) != 0 ||
	    setresuid(st.st_uid, st.st_uid, st.st_uid) != 0)
		return ctl_fail(c, CTL_EXIT_REFUSED,
				"cannot become the owner of %s (uid %u): %s",
				ctl_esc(esc, sizeof(esc), dir),
				(unsigned)st.st_uid, strerror(errno));
	/* a change of credentials resets it */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return CTL_EXIT_OK;
}

/* -------------------------------------------------------------- output */

char *ctl_term_safe(const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(4 * len + 1);
	size_t i = 0, o = 0;

	if (out == NULL)
		return NULL;
	while (i < len) {
		size_t n = p[i] >= 0x80 ? aig_utf8_seq_len(p + i, len - i) : 0;
		/* C1 controls are U+0080..U+009F: 0xc2 0x80..0x9f */
		bool c1 = n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0;

		if (n > 0 && !c1) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		if (n == 0 && p[i] >= 0x20 && p[i] < 0x7f) {
			out[o++] = (char)p[i++];
			continue;
		}
		for (n = n ? n : 1; n > 0; n--, i++) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = '\0';
	return out;
}

json_t *ctl_jstr(const char *s)
{
	size_t len = strlen(s);
	json_t *j;
	char *esc;

	if (aig_utf8_valid(s, len))
		return json_stringn(s, len);
	esc = malloc(4 * len + 4);
	if (esc == NULL)
		return NULL;
	aig_log_escape(esc, 4 * len + 4, s, len);
	j = json_string(esc);
	free(esc);
	return j;
}

bool ctl_json_print(const json_t *j)
{
	if (j == NULL ||
	    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		return false;
	return putchar('\n') != EOF && fflush(stdout) == 0;
}

/* Columns are measured in code points: right for the names a directory
 * holds, short of East Asian wide characters. */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

struct ctl_table {
	size_t ncols, nrows;
	char **cells; /* nrows * ncols, the headers first */
};

struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers)
{
	struct ctl_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	if (!ctl_table_add(t, headers)) {
		ctl_table_free(t);
		return NULL;
	}
	return t;
}

bool ctl_table_add(struct ctl_table *t, const char *const *cells)
{
	char **v = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*v));
	size_t i;

	if (v == NULL)
		return false;
	t->cells = v;
	v += t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		const char *s = cells[i] ? cells[i] : "-";

		v[i] = ctl_term_safe(s, strlen(s));
	}
	t->nrows++;
	for (i = 0; i < t->ncols; i++)
		if (v[i] == NULL)
			return false; /* the row stays; freed with the table */
	return true;
}

void ctl_table_print(const struct ctl_table *t, FILE *f)
{
	size_t w[16] = {0}, r, i;

	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols && i < 16; i++) {
			const char *s = t->cells[r * t->ncols + i];
			size_t n = s ? width(s) : 0;

			w[i] = n > w[i] ? n : w[i];
		}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];

			s = s ? s : "?";
			if (i + 1 == t->ncols || i >= 16)
				fprintf(f, "%s", s);
			else
				fprintf(f, "%s%*s", s,
					(int)(w[i] - width(s) + 2), "");
		}
		fputc('\n', f);
	}
}

void ctl_table_free(struct ctl_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void ctl_field(const char *label, const char *value)
{
	char *v = ctl_term_safe(value ? value : "-", value ? strlen(value) : 1);

	printf("%-10s %s\n", label, v ? v : "?");
	free(v);
}
