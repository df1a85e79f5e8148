/* SPDX-License-Identifier: Apache-2.0 */
/* stale_apreq.c - for gate-negotiate.sh: "Negotiate <token>" made from the
 * ticket for SERVICE cached in KRB5CCNAME even when that ticket has
 * expired (GSSAPI initiators refuse to, so that an expired ticket could
 * never reach a server otherwise). The token is SPNEGO offering Kerberos
 * alone, around a Kerberos GSS token (RFC 1964: the mechanism's OID, then
 * the AP-REQ) whose authenticator carries no checksum, as MS-KILE
 * allows.
 *   stale_apreq HTTP/host@REALM */
#include "config.h"

#ifdef HAVE_GSSAPI
#include <krb5.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char krb5_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					 0xf7, 0x12, 0x01, 0x02, 0x02};

static int fail(krb5_context k, const char *what, krb5_error_code rc)
{
	const char *m = krb5_get_error_message(k, rc);

	fprintf(stderr, "stale_apreq: %s: %s\n", what, m);
	krb5_free_error_message(k, m);
	return 1;
}

/* tag, DER length and the len bytes at p, appended to buf at *n (the
 * buffer is large enough: the caller sized it). */
static void der(unsigned char *buf, size_t *n, unsigned char tag,
		const unsigned char *p, size_t len)
{
	buf[(*n)++] = tag;
	if (len < 0x80) {
		buf[(*n)++] = (unsigned char)len;
	} else {
		buf[(*n)++] = 0x82;
		buf[(*n)++] = (unsigned char)(len >> 8);
		buf[(*n)++] = (unsigned char)(len & 0xff);
	}
	memmove(buf + *n, p, len);
	*n += len;
}

/* The Kerberos token in a SPNEGO NegTokenInit offering Kerberos alone,
 * base64-encoded to stdout. */
static int print_token(const krb5_data *ap)
{
	static const unsigned char spnego_oid[] = {0x06, 0x06, 0x2b, 0x06,
						   0x01, 0x05, 0x05, 0x02};
	size_t cap = ap->length + 128, n, m, b64;
	unsigned char *a = malloc(cap), *b = malloc(cap), *e;

	if (a == NULL || b == NULL || ap->length > 0x8000)
		return 1;
	n = 0; /* krb5: [APPLICATION 0] { OID, 01 00, AP-REQ } */
	memcpy(b, krb5_oid, sizeof(krb5_oid));
	memcpy(b + sizeof(krb5_oid), "\x01\x00", 2);
	memcpy(b + sizeof(krb5_oid) + 2, ap->data, ap->length);
	der(a, &n, 0x60, b, sizeof(krb5_oid) + 2 + ap->length);
	m = 0; /* mechToken [2] OCTET STRING */
	der(b, &m, 0x04, a, n);
	n = 0;
	der(a, &n, 0xa2, b, m);
	m = 0; /* mechTypes [0] SEQUENCE { krb5 } */
	der(b, &m, 0x30, krb5_oid, sizeof(krb5_oid));
	memmove(b + 2 + m, a, n); /* after [0] (short: 2 bytes) */
	memmove(b + 2, b, m);
	b[0] = 0xa0;
	b[1] = (unsigned char)m;
	m += 2 + n;
	n = 0; /* NegTokenInit SEQUENCE, [0] */
	der(a, &n, 0x30, b, m);
	m = 0;
	der(b, &m, 0xa0, a, n);
	memmove(b + sizeof(spnego_oid), b, m);
	memcpy(b, spnego_oid, sizeof(spnego_oid));
	m += sizeof(spnego_oid);
	n = 0;
	der(a, &n, 0x60, b, m);
	b64 = 4 * ((n + 2) / 3) + 1;
	if ((e = malloc(b64)) == NULL)
		return 1;
	EVP_EncodeBlock(e, a, (int)n);
	printf("Negotiate %s\n", e);
	free(e);
	free(a);
	free(b);
	return 0;
}

int main(int argc, char **argv)
{
	krb5_context k;
	krb5_ccache cc;
	krb5_creds want, got;
	krb5_auth_context ac = NULL;
	krb5_data ap = {0};
	krb5_error_code rc;

	if (argc != 2 || krb5_init_context(&k) != 0)
		return 2;
	memset(&want, 0, sizeof(want));
	if ((rc = krb5_cc_default(k, &cc)) != 0)
		return fail(k, "ccache", rc);
	if ((rc = krb5_cc_get_principal(k, cc, &want.client)) != 0 ||
	    (rc = krb5_parse_name(k, argv[1], &want.server)) != 0)
		return fail(k, "names", rc);
	/* no KRB5_TC_MATCH_TIMES: an expired ticket too */
	if ((rc = krb5_cc_retrieve_cred(k, cc, 0, &want, &got)) != 0)
		return fail(k, "no cached ticket", rc);
	if ((rc = krb5_mk_req_extended(k, &ac, 0, NULL, &got, &ap)) != 0)
		return fail(k, "AP-REQ", rc);
	rc = print_token(&ap);
	krb5_free_data_contents(k, &ap);
	krb5_auth_con_free(k, ac);
	krb5_free_cred_contents(k, &got);
	krb5_free_cred_contents(k, &want);
	krb5_cc_close(k, cc);
	krb5_free_context(k);
	return rc;
}
#else
int main(void)
{
	return 77; /* built without Kerberos */
}
#endif
