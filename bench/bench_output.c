/* SPDX-License-Identifier: Apache-2.0 */
/* bench_output.c POLICY STREAM [ROUNDS] - the output rules' stream filter
 * alone on a recorded server-sent-events stream: each read of the stream
 * (one event here) fed as the gate feeds it, ROUNDS times (default 200),
 * against the same bytes copied with no rules. Prints both throughputs,
 * their ratio, and the most events the filter held back at once. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aig_output.h"
#include "aig_policy.h"

static char sink_buf[1 << 16];

static int sink(void *ctx, const char *d, size_t n)
{
	size_t *total = ctx;

	memcpy(sink_buf, d, n < sizeof(sink_buf) ? n : sizeof(sink_buf));
	*total += n;
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct aig_policy *pol = NULL;
	struct aig_error err = {0};
	const struct aig_output_rules *r;
	static char text[8 << 20];
	size_t n, at, total = 0, held = 0, events = 0;
	int rounds = argc > 3 ? atoi(argv[3]) : 200, i;
	double t0, t_rules, t_none;
	FILE *f;

	if (argc < 3 || aig_policy_load(argv[1], &pol, &err) != AIG_OK ||
	    (r = aig_policy_output(pol, NULL)) == NULL ||
	    (f = fopen(argv[2], "rb")) == NULL) {
		fprintf(stderr,
			"usage: bench_output POLICY STREAM [ROUNDS] %s\n",
			err.msg);
		return 2;
	}
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	t0 = now_s();
	for (i = 0; i < rounds; i++) {
		struct aig_output_stream *s = NULL;

		aig_output_stream_new(r, sink, &total, &s, NULL);
		for (at = 0; at < n;) {
			char *e = strstr(text + at, "\n\n");
			size_t len = e ? (size_t)(e - text - at) + 2 : n - at;

			aig_output_stream_feed(s, text + at, len, NULL);
			at += len;
			events += i == 0;
		}
		aig_output_stream_finish(s, NULL);
		if (aig_output_stream_report(s)->max_held > held)
			held = aig_output_stream_report(s)->max_held;
		aig_output_stream_free(s);
	}
	t_rules = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < rounds; i++)
		for (at = 0; at < n;) {
			char *e = strstr(text + at, "\n\n");
			size_t len = e ? (size_t)(e - text - at) + 2 : n - at;

			sink(&total, text + at, len);
			at += len;
		}
	t_none = now_s() - t0;
	printf("filter alone: %zu events x %d rounds\n", events, rounds);
	printf("  no rules      %12.0f events/s\n", events * rounds / t_none);
	printf("  shipped rules %12.0f events/s\n", events * rounds / t_rules);
	printf("  most events held back at once: %zu\n", held);
	aig_policy_free(pol);
	return 0;
}
