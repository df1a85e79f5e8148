/* SPDX-License-Identifier: Apache-2.0 */
/* config_text.c - aig_test_config() of aig_test.h (apart from files.c, so that
 * a test that links no common/ does not need it). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "aig_common.h"
#include "aig_test.h"

#define CONFIG_MAX 16384

struct aig_config *aig_test_config(const char *fmt, ...)
{
	static char text[CONFIG_MAX];
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		aig_test_bail("aig_test_config: the text is over %d bytes",
			      CONFIG_MAX);
	if (aig_config_parse("test.json", text, (size_t)n, &cfg, &err) !=
	    AIG_OK)
		aig_test_bail("config: %s\n%s", err.msg, text);
	return cfg;
}
