/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_output.h - output rules (aigate-policy.json(5), "output"): what a
 * backend's answer may not carry. A rule's "output" (else the policy's)
 * names PCRE2 patterns that refuse the answer ("deny") or replace what they
 * match ("redact"), applied
 *  - to a JSON answer (Content-Type application/json or ...+json): every
 *    string value, member names excepted, each on its own; the answer is
 *    read whole, and written again only if something was replaced;
 *  - to server-sent events (text/event-stream) as they stream: the text
 *    of each event's data (the string values of a JSON data field, each
 *    JSON location its own text, or the data as written when it is not
 *    JSON), joined across events, so that a match split between two
 *    events or two reads is still found. PCRE2's hard partial matching
 *    tells which trailing bytes could still begin a match: the events
 *    holding them are held back (at most window_bytes of text a location,
 *    or the one event), every other event goes out at once, unchanged;
 *  - to nothing else: other answers pass untouched.
 *
 * A pattern may end its match with the callout (?C"luhn"): the digits
 * matched so far must then pass the Luhn check (card numbers), else the
 * match is not taken. Patterns run with match limits; a pattern that hits
 * them refuses the answer (fail closed), as a deny match does.
 */
#ifndef AIG_OUTPUT_H
#define AIG_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "aig_common.h"
#include "aig_policy.h"

#define AIG_OUTPUT_WINDOW_DEFAULT 4096	 /* window_bytes if absent */
#define AIG_OUTPUT_WINDOW_MAX (1u << 20) /* largest window_bytes */
#define AIG_OUTPUT_JSON_MAX (16u << 20)	 /* a JSON answer read whole */
#define AIG_OUTPUT_EVENT_MAX (1u << 20)	 /* one server-sent event */
#define AIG_OUTPUT_HOLD_MAX (4u << 20)	 /* bytes of events held back */

struct aig_output_rules; /* opaque; borrowed from its policy */

/* The output rules for a request that rule (may be NULL) allowed: the
 * rule's own "output", else the policy's; NULL when there are none.
 * Borrowed from pol. */
const struct aig_output_rules *aig_policy_output(const struct aig_policy *pol,
						 const struct aig_rule *rule);

/* What an answer is, for the rules, by its Content-Type (NULL: none). */
enum aig_output_kind {
	AIG_OUTPUT_PASS = 0, /* neither: passed untouched */
	AIG_OUTPUT_JSON,
	AIG_OUTPUT_SSE,
};
enum aig_output_kind aig_output_kind(const char *content_type);

/* What the rules did to one answer: for the audit record and the metrics;
 * indexes, never text. */
struct aig_output_report {
	bool denied;	     /* the answer was refused */
	int deny_pattern;    /* index in output.deny (or of the pattern
			      * that hit its limits); -1 */
	bool deny_in_redact; /* deny_pattern indexes output.redact: a
			      * redact pattern hit its limits */
	size_t redactions;   /* matches replaced */
	int redact_pattern;  /* index in output.redact of the first; -1 */
	size_t max_held;     /* most events held back at once */
};

/* A JSON answer: len bytes of body. On AIG_OK, either rep->denied (the
 * caller answers 502 output_refused), or *out is NULL (nothing replaced:
 * send body as it is) or a new text of *out_len bytes (caller frees).
 * AIG_ERR_SYNTAX: not JSON; AIG_ERR_TOO_BIG: over AIG_OUTPUT_JSON_MAX;
 * AIG_ERR_NOMEM: the caller refuses the answer in each case. */
int aig_output_json(const struct aig_output_rules *r, const char *body,
		    size_t len, char **out, size_t *out_len,
		    struct aig_output_report *rep, struct aig_error *err);

/* Where a stream's bytes go: returns 0, or non-zero when the client is
 * gone (the stream then stops). */
typedef int (*aig_output_sink_fn)(void *ctx, const char *data, size_t len);

struct aig_output_stream; /* one answer's server-sent events */

/* A filter for one stream, writing through sink (ctx borrowed). *out is
 * new: free with aig_output_stream_free(). Errors: AIG_ERR_NOMEM. */
int aig_output_stream_new(const struct aig_output_rules *r,
			  aig_output_sink_fn sink, void *ctx,
			  struct aig_output_stream **out,
			  struct aig_error *err);

/* The SSE error event a refused stream ends with. */
#define AIG_OUTPUT_SSE_ERROR                                                   \
	"event: error\ndata: {\"error\":\"output_refused\"}\n\n"

/* Takes len more bytes of the stream (any cut, mid-line included): each
 * whole event is checked and goes to the sink at once, or is held back
 * while a pending partial match needs it. A deny match (or a pattern over
 * its limits, or an event over AIG_OUTPUT_EVENT_MAX) writes
 * AIG_OUTPUT_SSE_ERROR instead of the held events and ends the stream:
 * the report says denied and later bytes are dropped. Returns AIG_OK,
 * AIG_ERR_IO when the sink failed, AIG_ERR_NOMEM. */
int aig_output_stream_feed(struct aig_output_stream *s, const char *data,
			   size_t len, struct aig_error *err);

/* The end of the stream: the held text is matched as complete, and what
 * is left goes out (a last event without its blank line included). */
int aig_output_stream_finish(struct aig_output_stream *s,
			     struct aig_error *err);

/* The report so far (borrowed from s). */
const struct aig_output_report *
aig_output_stream_report(const struct aig_output_stream *s);

/* Events that went to the sink, and the most events held back at once
 * since the start (also in the report). */
size_t aig_output_stream_released(const struct aig_output_stream *s);

void aig_output_stream_free(struct aig_output_stream *s);

#endif /* AIG_OUTPUT_H */
