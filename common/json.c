/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - strict JSON parsing with jansson, and finding where a value sits
 * in the text so that errors can name file:line:column. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_common.h"

json_t *aig_json_parse(const char *file, const char *text, size_t len,
		       struct aig_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (root == NULL) {
		aig_error_set(err, AIG_ERR_SYNTAX, "%s:%d:%d: %s", file,
			      jerr.line < 1 ? 1 : jerr.line,
			      jerr.column < 1 ? 1 : jerr.column, jerr.text);
		return NULL;
	}
	return root;
}

/* ------------------------------------------------------------- locating */

struct scan {
	const char *p, *end;
	unsigned line, col;
};

static void advance(struct scan *s)
{
	if (*s->p == '\n') {
		s->line++;
		s->col = 1;
	} else if (((unsigned char)*s->p & 0xc0) != 0x80) {
		s->col++; /* columns count characters, as jansson's do */
	}
	s->p++;
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && strchr(" \t\r\n", *s->p) != NULL && *s->p)
		advance(s);
}

/* Skips a string; if out is given, decodes simple escapes into it (at most
 * outlen-1 bytes, NUL-terminated; \u escapes other than ASCII make the key
 * unmatchable, which only costs a less precise position). */
static void skip_string(struct scan *s, char *out, size_t outlen)
{
	size_t o = 0;

	advance(s); /* opening quote */
	while (s->p < s->end && *s->p != '"') {
		char c = *s->p;

		if (c == '\\' && s->p + 1 < s->end) {
			advance(s);
			c = *s->p;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': c = '\x01'; break; /* never matches a token */
			default: break;
			}
		}
		if (out != NULL && o + 1 < outlen)
			out[o++] = c;
		advance(s);
	}
	if (s->p < s->end)
		advance(s); /* closing quote */
	if (out != NULL)
		out[o] = '\0';
}

static void skip_value(struct scan *s)
{
	int depth = 0;

	while (s->p < s->end) {
		char c = *s->p;

		if (c == '"') {
			skip_string(s, NULL, 0);
			if (depth == 0)
				return;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return; /* the end of the enclosing container */
			advance(s);
			if (--depth == 0)
				return;
			continue;
		} else if (depth == 0 && strchr(", \t\r\n", c) != NULL) {
			return;
		}
		advance(s);
	}
}

/* Takes the next reference token of pointer into tok (unescaping ~0 ~1);
 * returns the rest of the pointer, or NULL at its end. */
static const char *next_token(const char *ptr, char *tok, size_t toklen)
{
	size_t o = 0;

	if (ptr == NULL || *ptr != '/')
		return NULL;
	ptr++;
	while (*ptr && *ptr != '/') {
		char c = *ptr++;

		if (c == '~' && (*ptr == '0' || *ptr == '1'))
			c = *ptr++ == '0' ? '~' : '/';
		if (o + 1 < toklen)
			tok[o++] = c;
	}
	tok[o] = '\0';
	return ptr;
}

#define TOKEN_MAX 256

bool aig_json_locate(const char *text, size_t len, const char *pointer,
		     bool key, unsigned *line, unsigned *column)
{
	struct scan s = {text, text + len, 1, 1};
	char tok[TOKEN_MAX], name[TOKEN_MAX];
	const char *rest = pointer;

	skip_ws(&s);
	for (;;) {
		unsigned vline = s.line, vcol = s.col;
		bool found = false;

		*line = vline;
		*column = vcol;
		rest = next_token(rest, tok, sizeof(tok));
		if (rest == NULL || s.p >= s.end)
			return rest == NULL;
		if (*s.p == '{') {
			advance(&s);
			for (skip_ws(&s); s.p < s.end && *s.p == '"';) {
				unsigned kline = s.line, kcol = s.col;

				skip_string(&s, name, sizeof(name));
				skip_ws(&s);
				if (s.p < s.end && *s.p == ':')
					advance(&s);
				skip_ws(&s);
				if (strcmp(name, tok) == 0) {
					if (key && *rest == '\0') {
						*line = kline;
						*column = kcol;
						return true;
					}
					found = true;
					break;
				}
				skip_value(&s);
				skip_ws(&s);
				if (s.p < s.end && *s.p == ',')
					advance(&s);
				skip_ws(&s);
			}
		} else if (*s.p == '[') {
			char *endp;
			unsigned long idx = strtoul(tok, &endp, 10), i;

			if (*tok == '\0' || *endp != '\0')
				return false;
			advance(&s);
			skip_ws(&s);
			for (i = 0; s.p < s.end && *s.p != ']'; i++) {
				if (i == idx) {
					found = true;
					break;
				}
				skip_value(&s);
				skip_ws(&s);
				if (s.p < s.end && *s.p == ',')
					advance(&s);
				skip_ws(&s);
			}
		}
		if (!found) {
			*line = vline;
			*column = vcol;
			return false;
		}
	}
}
