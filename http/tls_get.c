/* SPDX-License-Identifier: Apache-2.0 */
/* tls_get.c - the TLS of a program that links OpenSSL: tls.c's table
 * (http_int.h). In a file of its own so that aigate.cgi, which defines
 * aig_http_tls_get() itself to load the table from aigate-openssl.so,
 * takes neither this nor tls.c from the library. */
#include "config.h"

#include "http_int.h"

const struct aig_http_tls_ops *aig_http_tls_get(struct aig_error *err)
{
	(void)err;
	return &aig_http_tls_openssl;
}
