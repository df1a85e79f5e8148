/* SPDX-License-Identifier: Apache-2.0 */
/* outstream.c - output rules on server-sent events, as they stream
 * (aig_output.h).
 *
 * Each whole event is cut into texts: the string values of its data when
 * the data is a JSON object, list or string (each at its location, a JSON
 * Pointer with list indexes), else the data as written (location "").
 * Texts at the same location follow one another across events in a
 * channel, which is what the patterns run on, so "AKIA" in one event and
 * "IOSFODNN7EXAMPLE" in the next are one match.
 *
 * Each pattern resumes in each channel where it left off, with
 * PCRE2_PARTIAL_HARD: a complete match is final (a deny ends the stream;
 * a redact match is noted on the texts it covers), a partial match is
 * where the pattern must look again when more text comes. PCRE2 tries
 * start positions from the left and reports a partial match as soon as a
 * path meets the end of the text, so no start before it can ever match:
 * only the events from the earliest partial match on are held, every
 * other goes out at once, byte for byte as received unless a redaction
 * changed it. A pattern's pending text is kept to window_bytes (the
 * start of the window then moves on), and the events held to
 * AIG_OUTPUT_HOLD_MAX bytes (the oldest is then let go): both bound what
 * a stream can hold, at the price of missing a match longer than that. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define NONE SIZE_MAX
#define LOC_MAX 256
#define MAX_HELD 65536	  /* events; beyond, the oldest is let go */
#define CONTEXT 64	  /* bytes of released text a channel keeps */
#define MAX_CHANNELS 1024 /* beyond, channels holding nothing go */

struct red { /* a redaction in a text's own bytes */
	size_t start, end;
	bool replace; /* the pattern's replacement goes here */
	const char *with;
};

struct text {	     /* one string value of an event, or its raw data */
	json_t *str; /* borrowed from the event's root; NULL: raw data */
	struct red *reds;
	size_t nreds;
};

struct event {
	size_t seq;
	char *raw;
	size_t raw_len;
	json_t *root; /* the data as JSON, or NULL */
	char *data;   /* the data as written (joined lines) */
	size_t data_len;
	struct text *texts;
	size_t ntexts;
};

struct piece { /* a run of one channel's text: which event's which text */
	size_t seq, text, off, len;
};

struct channel {
	char *loc;
	char *buf;
	size_t len, cap;
	struct piece *pieces;
	size_t npieces, cappieces;
	size_t *resume; /* per pattern: deny ones, then redact ones */
	size_t *hold;	/* per pattern: first byte needed, or NONE */
};

struct aig_output_stream {
	const struct aig_output_rules *r;
	aig_output_sink_fn sink;
	void *ctx;
	struct out_matcher m;
	char *pend; /* the event being received */
	size_t pend_len, pend_cap, scan, line;
	struct event *ev; /* held, oldest first */
	size_t nev, capev, held_bytes, next_seq, released;
	struct channel *ch;
	size_t nch, capch;
	size_t context; /* CONTEXT, or the longest lookbehind */
	bool done;	/* denied or sink gone */
	struct aig_output_report rep;
};

/* --------------------------------------------------------------- memory */

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (q == NULL)
		return false;
	*p = q;
	*cap = n;
	return true;
}

static void event_free(struct event *e)
{
	size_t i;

	for (i = 0; i < e->ntexts; i++)
		free(e->texts[i].reds);
	free(e->texts);
	free(e->raw);
	free(e->data);
	json_decref(e->root);
}

static void channel_free(struct channel *c)
{
	free(c->loc);
	free(c->buf);
	free(c->pieces);
	free(c->resume);
	free(c->hold);
}

static size_t npat(const struct aig_output_stream *s)
{
	return s->r->ndeny + s->r->nredact;
}

static const struct out_pat *pat(const struct aig_output_stream *s, size_t k)
{
	return k < s->r->ndeny ? &s->r->deny[k]
			       : &s->r->redact[k - s->r->ndeny];
}

/* ------------------------------------------------------------ releasing */

static int emit(struct aig_output_stream *s, const char *p, size_t n)
{
	if (s->done && !s->rep.denied)
		return AIG_ERR_IO;
	if (n > 0 && s->sink(s->ctx, p, n) != 0) {
		s->done = true;
		return AIG_ERR_IO;
	}
	return AIG_OK;
}

static int cmp_red(const void *a, const void *b)
{
	const struct red *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* t's text (s, n bytes) with its redactions applied: new, *out_len. */
static char *apply_reds(struct text *t, const char *s, size_t n,
			size_t *out_len)
{
	size_t i, o = 0, at = 0, cap = n + 1;
	char *out;

	qsort(t->reds, t->nreds, sizeof(*t->reds), cmp_red);
	for (i = 0; i < t->nreds; i++)
		cap += t->reds[i].replace ? strlen(t->reds[i].with) : 0;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (i = 0; i < t->nreds; i++) {
		const struct red *d = &t->reds[i];

		if (d->start > at) {
			memcpy(out + o, s + at, d->start - at);
			o += d->start - at;
		}
		if (d->replace) {
			memcpy(out + o, d->with, strlen(d->with));
			o += strlen(d->with);
		}
		if (d->end > at)
			at = d->end;
	}
	memcpy(out + o, s + at, n - at);
	o += n - at;
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* Writes the lines of raw that are not data lines, and the new data (a
 * "data:" line per line of it) where the first data line was. */
static int emit_rebuilt(struct aig_output_stream *s, const struct event *e,
			const char *data, size_t n)
{
	size_t i = 0, ls;
	bool data_done = false;
	int rc = AIG_OK;

	while (i < e->raw_len && rc == AIG_OK) {
		ls = i;
		while (i < e->raw_len && e->raw[i] != '\n' && e->raw[i] != '\r')
			i++;
		if (i == ls)
			break; /* the blank line */
		if (i - ls >= 5 && memcmp(e->raw + ls, "data", 4) == 0 &&
		    (e->raw[ls + 4] == ':' || i - ls == 4)) {
			size_t j = 0, k;

			for (; !data_done && j <= n && rc == AIG_OK;
			     j = k + 1) {
				for (k = j; k < n && data[k] != '\n'; k++)
					;
				rc = emit(s, "data: ", 6);
				if (rc == AIG_OK)
					rc = emit(s, data + j, k - j);
				if (rc == AIG_OK)
					rc = emit(s, "\n", 1);
			}
			data_done = true;
		} else {
			rc = emit(s, e->raw + ls, i - ls);
			if (rc == AIG_OK)
				rc = emit(s, "\n", 1);
		}
		if (i < e->raw_len && e->raw[i] == '\r' && i + 1 < e->raw_len &&
		    e->raw[i + 1] == '\n')
			i++;
		i++;
	}
	return rc == AIG_OK ? emit(s, "\n", 1) : rc;
}

static int release_event(struct aig_output_stream *s, struct event *e)
{
	char *data = NULL, *t = NULL;
	size_t i, n = 0, tl = 0;
	bool changed = false;
	int rc = AIG_OK;

	for (i = 0; i < e->ntexts && rc == AIG_OK; i++) {
		struct text *x = &e->texts[i];

		if (x->nreds == 0)
			continue;
		changed = true;
		if (x->str == NULL) {
			free(data);
			data = apply_reds(x, e->data, e->data_len, &n);
			rc = data ? AIG_OK : AIG_ERR_NOMEM;
			continue;
		}
		t = apply_reds(x, json_string_value(x->str),
			       json_string_length(x->str), &tl);
		rc = t != NULL && json_string_setn_nocheck(x->str, t, tl) == 0
			     ? AIG_OK
			     : AIG_ERR_NOMEM;
		free(t);
	}
	if (rc == AIG_OK && changed && e->root != NULL) {
		data = json_dumps(e->root, JSON_COMPACT | JSON_ENCODE_ANY);
		n = data ? strlen(data) : 0;
		rc = data ? AIG_OK : AIG_ERR_NOMEM;
	}
	if (rc == AIG_OK)
		rc = changed ? emit_rebuilt(s, e, data, n)
			     : emit(s, e->raw, e->raw_len);
	free(data);
	s->released++;
	return rc;
}

/* The first event that must stay: the one holding the earliest byte a
 * pending partial match needs, in any channel; s->next_seq: none. */
static size_t hold_bound(const struct aig_output_stream *s)
{
	size_t bound = s->next_seq, c, k, p;

	for (c = 0; c < s->nch; c++) {
		const struct channel *ch = &s->ch[c];
		size_t h = NONE;

		for (k = 0; k < npat(s); k++)
			if (ch->hold[k] < h)
				h = ch->hold[k];
		if (h >= ch->len || ch->npieces == 0)
			continue;
		for (p = 0; p < ch->npieces; p++)
			if (h < ch->pieces[p].off + ch->pieces[p].len ||
			    p + 1 == ch->npieces)
				break;
		if (p < ch->npieces && ch->pieces[p].seq < bound)
			bound = ch->pieces[p].seq;
	}
	return bound;
}

/* Drops the pieces of events before seq from each channel, keeping
 * s->context bytes before the first piece left for lookbehinds and \b;
 * when there are too many channels, drops those left with no piece. */
static void trim_channels(struct aig_output_stream *s, size_t seq)
{
	size_t c = 0, p, k, cut;

	while (c < s->nch) {
		struct channel *ch = &s->ch[c];

		for (p = 0; p < ch->npieces && ch->pieces[p].seq < seq; p++)
			;
		cut = p < ch->npieces ? ch->pieces[p].off : ch->len;
		cut = cut > s->context ? cut - s->context : 0;
		while (cut > 0 && ((unsigned char)ch->buf[cut] & 0xc0) == 0x80)
			cut--;
		if (p > 0)
			memmove(ch->pieces, ch->pieces + p,
				(ch->npieces - p) * sizeof(*ch->pieces));
		ch->npieces -= p;
		for (p = 0; p < ch->npieces; p++)
			ch->pieces[p].off -= cut;
		if (cut > 0)
			memmove(ch->buf, ch->buf + cut, ch->len - cut);
		ch->len -= cut;
		for (k = 0; k < npat(s); k++) {
			ch->resume[k] =
				ch->resume[k] > cut ? ch->resume[k] - cut : 0;
			if (ch->hold[k] != NONE)
				ch->hold[k] = ch->hold[k] > cut
						      ? ch->hold[k] - cut
						      : 0;
		}
		if (ch->npieces > 0 || s->nch <= MAX_CHANNELS) {
			c++;
			continue;
		}
		channel_free(ch);
		s->ch[c] = s->ch[--s->nch];
	}
}

/* Sends the events before seq, in order. */
static int release_before(struct aig_output_stream *s, size_t seq)
{
	size_t i = 0;
	int rc = AIG_OK;

	while (i < s->nev && s->ev[i].seq < seq && rc == AIG_OK) {
		rc = release_event(s, &s->ev[i]);
		s->held_bytes -= s->ev[i].raw_len;
		event_free(&s->ev[i]);
		i++;
	}
	if (i > 0) {
		memmove(s->ev, s->ev + i, (s->nev - i) * sizeof(*s->ev));
		s->nev -= i;
	}
	trim_channels(s, seq);
	return rc;
}

/* ------------------------------------------------------------- matching */

/* Notes the redaction [ms, me) of channel ch's text on the texts it
 * covers; the replacement goes where it starts. */
static int note_red(struct aig_output_stream *s, struct channel *ch, size_t ms,
		    size_t me, const char *with)
{
	size_t p, e;

	for (p = 0; p < ch->npieces; p++) {
		const struct piece *pc = &ch->pieces[p];
		size_t a = ms > pc->off ? ms : pc->off;
		size_t b = me < pc->off + pc->len ? me : pc->off + pc->len;
		struct text *t;
		struct red *d;

		if (a >= b)
			continue;
		for (e = 0; e < s->nev && s->ev[e].seq != pc->seq; e++)
			;
		if (e == s->nev)
			continue;
		t = &s->ev[e].texts[pc->text];
		d = realloc(t->reds, (t->nreds + 1) * sizeof(*d));
		if (d == NULL)
			return AIG_ERR_NOMEM;
		t->reds = d;
		d[t->nreds].start = a - pc->off;
		d[t->nreds].end = b - pc->off;
		d[t->nreds].replace = ms >= pc->off && ms < pc->off + pc->len;
		d[t->nreds].with = with;
		t->nreds++;
	}
	return AIG_OK;
}

static void deny(struct aig_output_stream *s, size_t k)
{
	s->rep.denied = true;
	s->rep.deny_pattern = (int)(k < s->r->ndeny ? k : k - s->r->ndeny);
	s->rep.deny_in_redact = k >= s->r->ndeny;
}

/* Pattern k over channel ch from its resume point (at least floor). */
static int scan_pattern(struct aig_output_stream *s, struct channel *ch,
			size_t k, size_t floor, bool partial)
{
	const struct out_pat *p = pat(s, k);
	size_t at = ch->resume[k] > floor ? ch->resume[k] : floor, ms, me;
	int rc;

	out_matcher_forget(&s->m); /* the channel's text has changed */
	ch->hold[k] = NONE;
	for (;;) {
		switch (out_match(&s->m, p, ch->buf, ch->len, at, partial, &ms,
				  &me)) {
		case OUT_NOMATCH: ch->resume[k] = ch->len; return AIG_OK;
		case OUT_PARTIAL:
			ch->resume[k] = ms;
			/* with what a lookbehind needs; nothing when the
			 * match has taken no byte yet */
			ch->hold[k] = me < ch->len ? me : NONE;
			return AIG_OK;
		case OUT_MATCH:
			if (k < s->r->ndeny) {
				deny(s, k);
				return AIG_OK;
			}
			rc = note_red(s, ch, ms, me, p->replace);
			if (rc != AIG_OK)
				return rc;
			s->rep.redactions++;
			if (s->rep.redact_pattern < 0)
				s->rep.redact_pattern = (int)(k - s->r->ndeny);
			at = me;
			break;
		default: deny(s, k); return AIG_OK;
		}
	}
}

/* The first character boundary at or after i. */
static size_t char_start(const struct channel *ch, size_t i)
{
	while (i < ch->len && ((unsigned char)ch->buf[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static int scan_channel(struct aig_output_stream *s, struct channel *ch,
			bool partial)
{
	size_t w = s->r->window_bytes, k;
	int rc = AIG_OK;

	for (k = 0; k < npat(s) && rc == AIG_OK && !s->rep.denied; k++) {
		rc = scan_pattern(s, ch, k, 0, partial);
		if (rc == AIG_OK && !s->rep.denied && ch->hold[k] != NONE &&
		    ch->len - ch->hold[k] > w) /* the window moves on */
			rc = scan_pattern(s, ch, k, char_start(ch, ch->len - w),
					  partial);
	}
	return rc;
}

/* Lets the oldest held event go: every pattern holding text of it moves
 * past it. */
static int let_go_oldest(struct aig_output_stream *s)
{
	size_t seq = s->ev[0].seq, c, p, k, end;
	int rc = AIG_OK;

	for (c = 0; c < s->nch && rc == AIG_OK && !s->rep.denied; c++) {
		struct channel *ch = &s->ch[c];

		for (p = 0, end = 0;
		     p < ch->npieces && ch->pieces[p].seq <= seq; p++)
			end = ch->pieces[p].off + ch->pieces[p].len;
		for (k = 0; k < npat(s) && rc == AIG_OK && !s->rep.denied; k++)
			if (ch->hold[k] != NONE && ch->hold[k] < end)
				rc = scan_pattern(s, ch, k, end, true);
	}
	return rc;
}

/* ------------------------------------------------------------- an event */

static struct channel *channel_for(struct aig_output_stream *s, const char *loc)
{
	struct channel *ch;
	size_t i;

	for (i = 0; i < s->nch; i++)
		if (strcmp(s->ch[i].loc, loc) == 0)
			return &s->ch[i];
	if (!grow((void **)&s->ch, &s->capch, s->nch + 1, sizeof(*s->ch)))
		return NULL;
	ch = &s->ch[s->nch];
	memset(ch, 0, sizeof(*ch));
	ch->loc = strdup(loc);
	ch->resume = calloc(npat(s) + 1, sizeof(size_t));
	ch->hold = malloc((npat(s) + 1) * sizeof(size_t));
	if (ch->loc == NULL || ch->resume == NULL || ch->hold == NULL) {
		channel_free(ch);
		return NULL;
	}
	for (i = 0; i < npat(s); i++)
		ch->hold[i] = NONE;
	s->nch++;
	return ch;
}

/* Appends text ti of event e (str, n bytes) to the channel at loc, and
 * notes the channel's index in touched (an index: a new channel may move
 * them all, s->ch being grown with realloc). */
static int add_text(struct aig_output_stream *s, struct event *e,
		    const char *loc, const char *str, size_t n, size_t *touched,
		    size_t *ntouched)
{
	struct channel *ch = channel_for(s, loc);
	struct piece *pc;
	size_t i, at;

	if (ch == NULL ||
	    !grow((void **)&ch->buf, &ch->cap, ch->len + n + 1, 1) ||
	    !grow((void **)&ch->pieces, &ch->cappieces, ch->npieces + 1,
		  sizeof(*ch->pieces)))
		return AIG_ERR_NOMEM;
	pc = &ch->pieces[ch->npieces++];
	pc->seq = e->seq;
	pc->text = e->ntexts - 1;
	pc->off = ch->len;
	pc->len = n;
	memcpy(ch->buf + ch->len, str, n);
	ch->len += n;
	at = (size_t)(ch - s->ch);
	for (i = 0; i < *ntouched; i++)
		if (touched[i] == at)
			return AIG_OK;
	touched[(*ntouched)++] = at;
	return AIG_OK;
}

struct collect {
	struct aig_output_stream *s;
	struct event *e;
	char loc[LOC_MAX];
	size_t *touched; /* indexes into s->ch */
	size_t ntouched, captouched;
};

static int new_text(struct collect *c, json_t *str)
{
	struct event *e = c->e;
	struct text *t;

	t = realloc(e->texts, (e->ntexts + 1) * sizeof(*t));
	if (t == NULL)
		return AIG_ERR_NOMEM;
	e->texts = t;
	memset(&t[e->ntexts], 0, sizeof(*t));
	t[e->ntexts++].str = str;
	if (!grow((void **)&c->touched, &c->captouched, c->ntouched + 1,
		  sizeof(*c->touched)))
		return AIG_ERR_NOMEM;
	return str ? add_text(c->s, e, c->loc, json_string_value(str),
			      json_string_length(str), c->touched, &c->ntouched)
		   : add_text(c->s, e, c->loc, e->data, e->data_len, c->touched,
			      &c->ntouched);
}

/* Every string value under v, at location c->loc (extended as it goes
 * down; cut at LOC_MAX, which only merges channels). */
static int collect(struct collect *c, json_t *v)
{
	size_t n = strlen(c->loc), i;
	const char *key;
	json_t *x;
	int rc = AIG_OK;

	if (json_is_string(v))
		return new_text(c, v);
	if (json_is_object(v)) {
		json_object_foreach (v, key, x) {
			snprintf(c->loc + n, sizeof(c->loc) - n, "/%s", key);
			if ((rc = collect(c, x)) != AIG_OK)
				break;
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, x) {
			snprintf(c->loc + n, sizeof(c->loc) - n, "/%zu", i);
			if ((rc = collect(c, x)) != AIG_OK)
				break;
		}
	}
	c->loc[n] = '\0';
	return rc;
}

/* The event's data: its "data" lines, each without "data:" and one
 * space, joined by "\n". */
static int join_data(struct event *e, bool *has_data)
{
	size_t i = 0, ls, v;

	if ((e->data = malloc(e->raw_len + 1)) == NULL)
		return AIG_ERR_NOMEM;
	e->data_len = 0;
	while (i < e->raw_len) {
		ls = i;
		while (i < e->raw_len && e->raw[i] != '\n' && e->raw[i] != '\r')
			i++;
		if (i - ls >= 4 && memcmp(e->raw + ls, "data", 4) == 0 &&
		    (i - ls == 4 || e->raw[ls + 4] == ':')) {
			v = ls + 4 + (i - ls > 4);
			v += v < i && e->raw[v] == ' ';
			if (*has_data)
				e->data[e->data_len++] = '\n';
			memcpy(e->data + e->data_len, e->raw + v, i - v);
			e->data_len += i - v;
			*has_data = true;
		}
		if (i + 1 < e->raw_len && e->raw[i] == '\r' &&
		    e->raw[i + 1] == '\n')
			i++;
		i++;
	}
	e->data[e->data_len] = '\0';
	return AIG_OK;
}

/* Takes the raw bytes of a whole event (owned from now on) and checks it:
 * its texts go to their channels, which are scanned. */
static int take_event(struct aig_output_stream *s, char *raw, size_t n,
		      bool partial)
{
	struct collect c = {s, NULL, "", NULL, 0, 0};
	struct event *e;
	bool has_data = false;
	size_t i;
	int rc;

	if (!grow((void **)&s->ev, &s->capev, s->nev + 1, sizeof(*s->ev))) {
		free(raw);
		return AIG_ERR_NOMEM;
	}
	e = &s->ev[s->nev++];
	memset(e, 0, sizeof(*e));
	e->seq = s->next_seq++;
	e->raw = raw;
	e->raw_len = n;
	s->held_bytes += n;
	if ((rc = join_data(e, &has_data)) != AIG_OK)
		return rc;
	if (!has_data)
		return AIG_OK;
	c.e = e;
	e->root = json_loadb(e->data, e->data_len,
			     JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (e->root != NULL && !json_is_object(e->root) &&
	    !json_is_array(e->root) && !json_is_string(e->root)) {
		json_decref(e->root); /* a bare number is text too */
		e->root = NULL;
	}
	rc = e->root ? collect(&c, e->root) : new_text(&c, NULL);
	for (i = 0; i < c.ntouched && rc == AIG_OK && !s->rep.denied; i++)
		rc = scan_channel(s, &s->ch[c.touched[i]], partial);
	free(c.touched);
	return rc;
}

/* Sends what no pending match needs; lets the oldest events go while
 * too much is held. */
static int settle(struct aig_output_stream *s)
{
	int rc = release_before(s, hold_bound(s));

	while (rc == AIG_OK && !s->rep.denied && s->nev > 1 &&
	       (s->held_bytes > AIG_OUTPUT_HOLD_MAX || s->nev > MAX_HELD)) {
		rc = let_go_oldest(s);
		if (rc == AIG_OK && !s->rep.denied)
			rc = release_before(s, hold_bound(s) > s->ev[0].seq
						       ? hold_bound(s)
						       : s->ev[0].seq + 1);
	}
	if (s->nev > s->rep.max_held)
		s->rep.max_held = s->nev;
	return rc;
}

static int refuse(struct aig_output_stream *s)
{
	s->done = true;
	return emit(s, AIG_OUTPUT_SSE_ERROR, strlen(AIG_OUTPUT_SSE_ERROR));
}

/* ----------------------------------------------------------- the input */

/* The end of the next whole event in s->pend (one past its blank line),
 * or 0. A "\r" at the very end waits for the byte after it unless final. */
static size_t event_end(struct aig_output_stream *s, bool final)
{
	size_t i = s->scan;

	for (; i < s->pend_len; i++) {
		char c = s->pend[i];
		size_t next;

		if (c != '\n' && c != '\r')
			continue;
		if (c == '\r' && i + 1 == s->pend_len && !final)
			break;
		next = c == '\r' && i + 1 < s->pend_len &&
				       s->pend[i + 1] == '\n'
			       ? i + 2
			       : i + 1;
		if (i == s->line) { /* a blank line ends the event */
			s->scan = s->line = 0;
			return next;
		}
		s->line = next;
		i = next - 1;
	}
	s->scan = i;
	return 0;
}

static int take_pending(struct aig_output_stream *s, size_t n, bool partial)
{
	char *raw = malloc(n + 1);

	if (raw == NULL)
		return AIG_ERR_NOMEM;
	memcpy(raw, s->pend, n);
	memmove(s->pend, s->pend + n, s->pend_len - n);
	s->pend_len -= n;
	return take_event(s, raw, n, partial);
}

int aig_output_stream_feed(struct aig_output_stream *s, const char *data,
			   size_t len, struct aig_error *err)
{
	size_t n;
	int rc = AIG_OK;

	if (s->done)
		return s->rep.denied ? AIG_OK : AIG_ERR_IO;
	if (!grow((void **)&s->pend, &s->pend_cap, s->pend_len + len + 1, 1))
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	memcpy(s->pend + s->pend_len, data, len);
	s->pend_len += len;
	while (rc == AIG_OK && !s->rep.denied && (n = event_end(s, false)))
		if ((rc = take_pending(s, n, true)) == AIG_OK && !s->rep.denied)
			rc = settle(s);
	if (rc == AIG_OK && !s->rep.denied &&
	    s->pend_len > AIG_OUTPUT_EVENT_MAX) {
		s->rep.denied = true; /* an event too large to check */
		s->rep.deny_pattern = -1;
	}
	if (rc == AIG_OK && s->rep.denied)
		rc = refuse(s);
	if (rc != AIG_OK)
		aig_error_set(err, rc,
			      rc == AIG_ERR_IO ? "the client went away"
					       : "out of memory");
	return rc;
}

int aig_output_stream_finish(struct aig_output_stream *s, struct aig_error *err)
{
	size_t c, n;
	int rc = AIG_OK;

	if (s->done)
		return s->rep.denied ? AIG_OK : AIG_ERR_IO;
	while (rc == AIG_OK && !s->rep.denied && (n = event_end(s, true)))
		rc = take_pending(s, n, false);
	if (rc == AIG_OK && !s->rep.denied && s->pend_len > 0)
		rc = take_pending(s, s->pend_len, false);
	for (c = 0; c < s->nch && rc == AIG_OK && !s->rep.denied; c++)
		rc = scan_channel(s, &s->ch[c], false);
	if (rc == AIG_OK && !s->rep.denied)
		rc = release_before(s, s->next_seq);
	if (rc == AIG_OK && s->rep.denied)
		rc = refuse(s);
	s->done = true;
	if (rc != AIG_OK)
		aig_error_set(err, rc,
			      rc == AIG_ERR_IO ? "the client went away"
					       : "out of memory");
	return rc;
}

int aig_output_stream_new(const struct aig_output_rules *r,
			  aig_output_sink_fn sink, void *ctx,
			  struct aig_output_stream **out, struct aig_error *err)
{
	struct aig_output_stream *s = calloc(1, sizeof(*s));
	size_t i;

	*out = NULL;
	if (s == NULL || out_matcher_init(&s->m) != AIG_OK) {
		free(s);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	s->r = r;
	s->sink = sink;
	s->ctx = ctx;
	s->rep.deny_pattern = s->rep.redact_pattern = -1;
	s->context = CONTEXT;
	for (i = 0; i < npat(s); i++)
		if (pat(s, i)->lookbehind + 4 > s->context)
			s->context = pat(s, i)->lookbehind + 4;
	*out = s;
	return AIG_OK;
}

const struct aig_output_report *
aig_output_stream_report(const struct aig_output_stream *s)
{
	return &s->rep;
}

size_t aig_output_stream_released(const struct aig_output_stream *s)
{
	return s->released;
}

void aig_output_stream_free(struct aig_output_stream *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nev; i++)
		event_free(&s->ev[i]);
	for (i = 0; i < s->nch; i++)
		channel_free(&s->ch[i]);
	free(s->ev);
	free(s->ch);
	free(s->pend);
	out_matcher_fini(&s->m);
	free(s);
}
