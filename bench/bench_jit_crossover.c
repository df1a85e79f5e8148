/* SPDX-License-Identifier: Apache-2.0 */
/* bench_jit_crossover.c - where PCRE2's JIT starts to pay in a process
 * that checks one body: for bodies of growing size, the time to compile
 * the shipped policy's deny patterns (policies/policy.json) and match
 * them once with the interpreter, beside the same with a JIT compile and
 * a JIT match. The size where the second column drops below the first is
 * AIG_POLICY_JIT_MIN_BODY (policies/aig_policy.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 200
#define SLACK 64

static const char *const patterns[] = {
	"(?i)\\bdrop\\s+table\\b", "(?i)ignore (all )?previous instructions"};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Compile every pattern (with JIT if jit), match s once, free. */
static double one_check(const char *s, size_t n, int jit)
{
	double t0 = now_us();
	size_t p;

	for (p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		PCRE2_SIZE off;
		int e;
		pcre2_code *c = pcre2_compile(
			(PCRE2_SPTR)patterns[p], PCRE2_ZERO_TERMINATED,
			PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C, &e, &off, NULL);
		pcre2_match_data *md;

		if (c == NULL)
			exit(1);
		md = pcre2_match_data_create_from_pattern(c, NULL);
		if (jit && pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0)
			pcre2_jit_match(c, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
		else
			pcre2_match(c, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		pcre2_code_free(c);
	}
	return now_us() - t0;
}

int main(void)
{
	static const char text[] = "hello there, what is the weather like? ";
	size_t n, i;

	printf("%9s %14s %14s\n", "body B", "interp us", "JIT us");
	for (n = 256; n <= 256 * 1024; n *= 2) {
		char *s = malloc(n + SLACK);
		double ti = 0, tj = 0;
		int r;

		if (s == NULL)
			return 1;
		for (i = 0; i < n; i++)
			s[i] = text[i % (sizeof(text) - 1)];
		memset(s + n, 0, SLACK);
		for (r = 0; r < ROUNDS; r++) {
			ti += one_check(s, n, 0);
			tj += one_check(s, n, 1);
		}
		printf("%9zu %14.1f %14.1f\n", n, ti / ROUNDS, tj / ROUNDS);
		free(s);
	}
	return 0;
}
