/* SPDX-License-Identifier: Apache-2.0 */
/* stale_apreq.c - for gate-negotiate.sh: "Negotiate <token>" for SERVICE
 * whose ticket ends at now + END seconds (END < 0: an expired ticket),
 * without waiting for one to expire. The ticket for SERVICE comes from
 * the KDC with the TGT cached in KRB5CCNAME; its encrypted part is
 * decrypted with the service's key from KEYTAB, its times moved (end at
 * now + END, start and authentication ten hours before), and encrypted
 * again with that key: to the acceptor, which trusts whatever its key
 * decrypts, exactly a ticket the KDC issued with those times. GSSAPI
 * initiators check the times of the cached credential, which stay those
 * of the live ticket, so the AP-REQ is made with krb5_mk_req_extended.
 * The token is SPNEGO offering Kerberos alone, around a Kerberos GSS
 * token (RFC 1964: the mechanism's OID, then the AP-REQ) whose
 * authenticator carries no checksum, as MS-KILE allows.
 *   stale_apreq HTTP/host@REALM KEYTAB END */
#include "config.h"

#ifdef HAVE_GSSAPI
#include <krb5.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* libkrb5 exports these (the KDC's own tools use them) without declaring
 * them in krb5.h. */
krb5_error_code krb5_decrypt_tkt_part(krb5_context, const krb5_keyblock *,
				      krb5_ticket *);
krb5_error_code krb5_encrypt_tkt_part(krb5_context, const krb5_keyblock *,
				      krb5_ticket *);
krb5_error_code encode_krb5_ticket(const krb5_ticket *, krb5_data **);

/* got->ticket, its times moved to end at now + end, sealed again with the
 * service's key from kt. */
static krb5_error_code retime(krb5_context k, krb5_keytab kt, long end,
			      krb5_creds *got)
{
	krb5_ticket *t = NULL;
	krb5_keytab_entry key;
	krb5_data *enc = NULL, old = {0};
	krb5_ticket_times *tt;
	krb5_error_code rc;
	int have_key = 0;

	if ((rc = krb5_decode_ticket(&got->ticket, &t)) != 0)
		goto out;
	if ((rc = krb5_kt_get_entry(k, kt, t->server, t->enc_part.kvno,
				    t->enc_part.enctype, &key)) != 0)
		goto out;
	have_key = 1;
	if ((rc = krb5_decrypt_tkt_part(k, &key.key, t)) != 0)
		goto out;
	tt = &t->enc_part2->times;
	tt->endtime = (krb5_timestamp)(time(NULL) + end);
	tt->starttime = tt->endtime - 36000;
	tt->authtime = tt->starttime;
	tt->renew_till = 0;
	old = t->enc_part.ciphertext; /* krb5_encrypt_tkt_part replaces it */
	if ((rc = krb5_encrypt_tkt_part(k, &key.key, t)) != 0) {
		old.data = NULL; /* still the ticket's, freed with it */
		goto out;
	}
	if ((rc = encode_krb5_ticket(t, &enc)) != 0)
		goto out;
	krb5_free_data_contents(k, &got->ticket);
	got->ticket = *enc;
	free(enc);
out:
	free(old.data);
	if (have_key)
		krb5_free_keytab_entry_contents(k, &key);
	krb5_free_ticket(k, t);
	return rc;
}

int main(int argc, char **argv)
{
	krb5_context k;
	krb5_ccache cc;
	krb5_keytab kt;
	krb5_creds want, *got = NULL;
	krb5_auth_context ac = NULL;
	krb5_data ap = {0};
	krb5_error_code rc;
	char *e;
	long end;

	if (argc != 4 || krb5_init_context(&k) != 0)
		return 2;
	end = strtol(argv[3], &e, 10);
	if (*argv[3] == '\0' || *e != '\0')
		return 2;
	memset(&want, 0, sizeof(want));
	if ((rc = krb5_cc_default(k, &cc)) != 0)
		return fail(k, "ccache", rc);
	if ((rc = krb5_kt_resolve(k, argv[2], &kt)) != 0)
		return fail(k, "keytab", rc);
	if ((rc = krb5_cc_get_principal(k, cc, &want.client)) != 0 ||
	    (rc = krb5_parse_name(k, argv[1], &want.server)) != 0)
		return fail(k, "names", rc);
	if ((rc = krb5_get_credentials(k, 0, cc, &want, &got)) != 0)
		return fail(k, "service ticket", rc);
	if ((rc = retime(k, kt, end, got)) != 0)
		return fail(k, "moving the ticket's times", rc);
	if ((rc = krb5_mk_req_extended(k, &ac, 0, NULL, got, &ap)) != 0)
		return fail(k, "AP-REQ", rc);
	rc = print_token(&ap);
	krb5_free_data_contents(k, &ap);
	krb5_auth_con_free(k, ac);
	krb5_free_creds(k, got);
	krb5_free_cred_contents(k, &want);
	krb5_kt_close(k, kt);
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
