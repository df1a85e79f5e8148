/* tap.h - a minimal TAP producer for aigate's unit tests. Header-only:
 * each test binary includes it once. */
#ifndef AIG_TAP_H
#define AIG_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                          \
	do {                                                                   \
		int ok_c_ = !!(cond);                                          \
		tap_n++;                                                       \
		printf("%sok %d - ", ok_c_ ? "" : "not ", tap_n);              \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!ok_c_) {                                                  \
			tap_failed++;                                          \
			printf("#   failed at %s:%d\n", __FILE__, __LINE__);   \
		}                                                              \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	return tap_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
