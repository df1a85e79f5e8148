/* SPDX-License-Identifier: Apache-2.0 */
/* error.c - the first-error-wins error struct and status names. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aig_common.h"

const char *aig_status_name(int status)
{
	switch (status) {
	case AIG_OK: return "ok";
	case AIG_ERR_NOMEM: return "out of memory";
	case AIG_ERR_IO: return "i/o error";
	case AIG_ERR_UNSAFE: return "unsafe file";
	case AIG_ERR_TOO_BIG: return "too big";
	case AIG_ERR_SYNTAX: return "syntax error";
	case AIG_ERR_CONFIG: return "invalid configuration";
	case AIG_ERR_INVALID: return "invalid input";
	case AIG_ERR_UNAVAILABLE: return "unavailable";
	case AIG_ERR_INTERNAL: return "internal error";
	default: return "error";
	}
}

void aig_error_clear(struct aig_error *err)
{
	if (err == NULL)
		return;
	err->status = AIG_OK;
	err->msg[0] = '\0';
}

int aig_error_set(struct aig_error *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->status != AIG_OK)
		return status;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return status;
}
