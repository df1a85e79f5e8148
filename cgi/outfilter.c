/* SPDX-License-Identifier: Apache-2.0 */
/* outfilter.c - the policy's output rules (aig_output.h) on the backend's
 * answer, for forward.c: a JSON answer is read whole, checked, and sent
 * with its own Content-Length (redaction changes its length); server-sent
 * events are checked as they stream; anything else passes untouched. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_cgi.h"
#include "cgi_int.h"

void aig_outfilter_begin(struct aig_outfilter *o,
			 const struct aig_output_rules *r, const char *ct,
			 aig_output_sink_fn sink, void *ctx)
{
	memset(o, 0, sizeof(*o));
	o->rep.deny_pattern = o->rep.redact_pattern = -1;
	o->kind = r != NULL ? aig_output_kind(ct) : AIG_OUTPUT_PASS;
	o->rules = r;
	if (o->kind == AIG_OUTPUT_SSE &&
	    aig_output_stream_new(r, sink, ctx, &o->stream, NULL) != AIG_OK)
		o->failed = AIG_ERR_NOMEM;
	o->checked = o->kind != AIG_OUTPUT_PASS;
}

static int keep_json(struct aig_outfilter *o, const char *data, size_t len)
{
	size_t cap = o->cap ? o->cap : 16384;

	if (len > AIG_OUTPUT_JSON_MAX - o->len)
		return o->failed = AIG_ERR_TOO_BIG;
	while (cap < o->len + len)
		cap *= 2;
	if (cap != o->cap) {
		char *b = realloc(o->json, cap);

		if (b == NULL)
			return o->failed = AIG_ERR_NOMEM;
		o->json = b;
		o->cap = cap;
	}
	memcpy(o->json + o->len, data, len);
	o->len += len;
	return AIG_OK;
}

int aig_outfilter_body(struct aig_outfilter *o, const char *data, size_t len)
{
	int rc;

	if (o->failed != AIG_OK)
		return o->failed;
	if (o->kind == AIG_OUTPUT_JSON)
		return keep_json(o, data, len);
	if (o->kind != AIG_OUTPUT_SSE)
		return AIG_OK;
	rc = aig_output_stream_feed(o->stream, data, len, NULL);
	o->rep = *aig_output_stream_report(o->stream);
	/* a refused stream has ended with its error event: stop */
	return rc == AIG_OK && o->rep.denied ? AIG_ERR_INVALID : rc;
}

int aig_outfilter_end(struct aig_outfilter *o, const char **out,
		      size_t *out_len)
{
	int rc;

	*out = NULL;
	*out_len = 0;
	if (o->failed != AIG_OK)
		return o->failed;
	if (o->kind == AIG_OUTPUT_SSE) {
		rc = aig_output_stream_finish(o->stream, NULL);
		o->rep = *aig_output_stream_report(o->stream);
		return rc;
	}
	if (o->kind != AIG_OUTPUT_JSON || o->len == 0) {
		*out = "";
		return AIG_OK;
	}
	rc = aig_output_json(o->rules, o->json, o->len, &o->redacted, out_len,
			     &o->rep, NULL);
	if (rc != AIG_OK || o->rep.denied)
		return rc != AIG_OK ? rc : AIG_ERR_INVALID;
	if (o->redacted != NULL) {
		*out = o->redacted;
	} else {
		*out = o->json;
		*out_len = o->len;
	}
	return AIG_OK;
}

void aig_outfilter_free(struct aig_outfilter *o)
{
	aig_output_stream_free(o->stream);
	free(o->json);
	free(o->redacted);
	o->stream = NULL;
	o->json = o->redacted = NULL;
}
