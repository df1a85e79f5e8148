/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_output.c - libFuzzer target for the output rules: any bytes, as a
 * JSON answer and as a stream of server-sent events cut into reads where
 * the first byte says, against output rules with deny, redact, a
 * lookbehind, the "luhn" callout and a small window. A stream that is
 * refused must end with the error event, and nothing may crash or leak. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aig_output.h"
#include "aig_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
	"{\"version\": 1, \"output\": {\"window_bytes\": 64, "
	"\"deny\": [\"-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\", \"(x+x+)+y\"],"
	"\"redact\": [{\"pattern\": \"\\\\b(AKIA|ASIA)[0-9A-Z]{16}\\\\b\"},"
	"{\"pattern\": \"(?<=key=)[a-z]{4,}\", \"replace\": \"\"},"
	"{\"pattern\": \"\\\\b[2-6](?:[ "
	"-]?[0-9]){12,18}\\\\b(?C\\\"luhn\\\")\","
	" \"replace\": \"#\"}]}, \"rules\": []}";

static struct aig_policy *the_policy(void)
{
	static struct aig_policy *pol;

	if (pol == NULL &&
	    aig_policy_parse("fuzz", policy, sizeof(policy) - 1, &pol, NULL))
		__builtin_trap();
	return pol;
}

struct out {
	char *buf;
	size_t len;
};

static int sink(void *ctx, const char *p, size_t n)
{
	struct out *o = ctx;
	char *b = realloc(o->buf, o->len + n);

	if (b == NULL)
		return 1;
	memcpy(b + o->len, p, n);
	o->buf = b;
	o->len += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct aig_output_rules *r = aig_policy_output(the_policy(), 0);
	struct aig_output_stream *s = NULL;
	struct aig_output_report rep;
	struct out o = {NULL, 0};
	size_t step, at, n = 0, el = strlen(AIG_OUTPUT_SSE_ERROR);
	char *json = NULL;

	aig_output_json(r, (const char *)data, size, &json, &n, &rep, NULL);
	if (json != NULL && (rep.denied || strlen(json) != n))
		__builtin_trap();
	free(json);
	if (size == 0)
		return 0;
	step = data[0] % 16 + 1;
	if (aig_output_stream_new(r, sink, &o, &s, NULL) != AIG_OK)
		__builtin_trap();
	for (at = 1; at < size; at += step)
		aig_output_stream_feed(s, (const char *)data + at,
				       size - at < step ? size - at : step,
				       NULL);
	aig_output_stream_finish(s, NULL);
	if (aig_output_stream_report(s)->denied &&
	    (o.len < el ||
	     memcmp(o.buf + o.len - el, AIG_OUTPUT_SSE_ERROR, el) != 0))
		__builtin_trap();
	aig_output_stream_free(s);
	free(o.buf);
	return 0;
}
