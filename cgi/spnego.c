/* SPDX-License-Identifier: Apache-2.0 */
/* spnego.c - what an HTTP Negotiate token holds, read before GSSAPI sees
 * it (RFC 4178 SPNEGO, RFC 4121 Kerberos framing, RFC 4120 AP-REQ): the
 * gate takes Kerberos through SPNEGO only, and keeps its own record of
 * the authenticators it accepted. Only the few DER elements on the way
 * to the authenticator are read; everything else is GSSAPI's to check. */
#include "config.h"

#include <string.h>

#include <nettle/sha2.h>

#include "sso.h"

/* The OIDs' DER contents. */
static const unsigned char OID_SPNEGO[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const unsigned char OID_KRB5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
					 0x12, 0x01, 0x02, 0x02};
/* 1.2.840.48018.1.2.2, what Windows names Kerberos with */
static const unsigned char OID_MS_KRB5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7,
					    0x12, 0x01, 0x02, 0x02};
static const unsigned char OID_NTLM[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
					 0x82, 0x37, 0x02, 0x02, 0x0a};
static const unsigned char NTLMSSP[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

/* One DER element: its tag, and its contents [val, val + len). */
struct tlv {
	unsigned tag;
	const unsigned char *val;
	size_t len;
};

/* Reads the element at *p (before end) and moves *p past it. Single-byte
 * tags, definite lengths of at most 4 bytes. */
static bool der_next(const unsigned char **p, const unsigned char *end,
		     struct tlv *t)
{
	const unsigned char *q = *p;
	size_t len = 0, n;

	if (end - q < 2 || (q[0] & 0x1f) == 0x1f)
		return false;
	t->tag = q[0];
	if (q[1] < 0x80) {
		len = q[1];
		q += 2;
	} else {
		n = q[1] & 0x7f;
		if (n == 0 || n > 4 || (size_t)(end - q) < 2 + n)
			return false;
		for (q += 2; n > 0; n--)
			len = (len << 8) | *q++;
	}
	if (len > (size_t)(end - q))
		return false;
	t->val = q;
	t->len = len;
	*p = q + len;
	return true;
}

/* The element with tag among the elements in [p, end). */
static bool der_find(const unsigned char *p, const unsigned char *end,
		     unsigned tag, struct tlv *t)
{
	while (p < end)
		if (!der_next(&p, end, t))
			return false;
		else if (t->tag == tag)
			return true;
	return false;
}

/* The only element of the len bytes at p, of tag. */
static bool der_only(const unsigned char *p, size_t len, unsigned tag,
		     struct tlv *t)
{
	const unsigned char *end = p + len;

	return der_next(&p, end, t) && t->tag == tag && p == end;
}

static bool oid_is(const struct tlv *t, const unsigned char *oid, size_t n)
{
	return t->tag == 0x06 && t->len == n && memcmp(t->val, oid, n) == 0;
}

static bool oid_krb5(const struct tlv *t)
{
	return oid_is(t, OID_KRB5, sizeof(OID_KRB5)) ||
	       oid_is(t, OID_MS_KRB5, sizeof(OID_MS_KRB5));
}

static bool ntlmssp(const unsigned char *p, size_t len)
{
	return len >= sizeof(NTLMSSP) &&
	       memcmp(p, NTLMSSP, sizeof(NTLMSSP)) == 0;
}

/* The SHA-256 of the AP-REQ's authenticator ciphertext: the same for
 * every copy of one authenticator, however its DER is wrapped. p is the
 * Kerberos mechanism token (RFC 4121 4.1: [APPLICATION 0] { OID, TOK_ID
 * 01 00, AP-REQ }). */
static enum aig_spnego_kind krb5_token(const unsigned char *p, size_t len,
				       struct aig_spnego *out)
{
	const unsigned char *q, *end;
	struct tlv app, oid, ap, seq, auth, enc, cipher;
	struct sha256_ctx ctx;

	if (ntlmssp(p, len))
		return AIG_SPNEGO_NTLM;
	if (!der_only(p, len, 0x60, &app))
		return AIG_SPNEGO_MALFORMED;
	q = app.val;
	end = app.val + app.len;
	if (!der_next(&q, end, &oid) || oid.tag != 0x06)
		return AIG_SPNEGO_MALFORMED;
	if (!oid_krb5(&oid))
		return AIG_SPNEGO_OTHER_MECH;
	if (end - q < 2 || q[0] != 0x01 || q[1] != 0x00)
		return AIG_SPNEGO_MALFORMED; /* not an AP-REQ */
	q += 2;
	if (!der_only(q, (size_t)(end - q), 0x6e, &ap) ||
	    !der_only(ap.val, ap.len, 0x30, &seq) ||
	    !der_find(seq.val, seq.val + seq.len, 0xa4, &auth) ||
	    !der_only(auth.val, auth.len, 0x30, &enc) ||
	    !der_find(enc.val, enc.val + enc.len, 0xa2, &cipher) ||
	    !der_only(cipher.val, cipher.len, 0x04, &cipher) || cipher.len < 16)
		return AIG_SPNEGO_MALFORMED;
	sha256_init(&ctx);
	sha256_update(&ctx, cipher.len, cipher.val);
	sha256_digest(&ctx, sizeof(out->digest), out->digest);
	return AIG_SPNEGO_KERBEROS;
}

/* NegTokenInit (RFC 4178 4.2.1): the client's first mechanism must be
 * Kerberos, and its optimistic token the Kerberos AP-REQ. */
static enum aig_spnego_kind neg_token_init(const unsigned char *p,
					   const unsigned char *end,
					   struct aig_spnego *out)
{
	struct tlv init, seq, types, list, first, tok, octets;
	const unsigned char *q;

	if (!der_next(&p, end, &init))
		return AIG_SPNEGO_MALFORMED;
	if (init.tag != 0xa0) /* a NegTokenResp: a later round */
		return AIG_SPNEGO_MALFORMED;
	if (!der_only(init.val, init.len, 0x30, &seq) ||
	    !der_find(seq.val, seq.val + seq.len, 0xa0, &types) ||
	    !der_only(types.val, types.len, 0x30, &list))
		return AIG_SPNEGO_MALFORMED;
	q = list.val;
	if (!der_next(&q, list.val + list.len, &first) || first.tag != 0x06)
		return AIG_SPNEGO_MALFORMED;
	if (oid_is(&first, OID_NTLM, sizeof(OID_NTLM)))
		return AIG_SPNEGO_NTLM;
	if (!oid_krb5(&first))
		return AIG_SPNEGO_OTHER_MECH;
	if (!der_find(seq.val, seq.val + seq.len, 0xa2, &tok) ||
	    !der_only(tok.val, tok.len, 0x04, &octets))
		return AIG_SPNEGO_MALFORMED;
	return krb5_token(octets.val, octets.len, out);
}

enum aig_spnego_kind aig_spnego_inspect(const unsigned char *tok, size_t len,
					struct aig_spnego *out)
{
	const unsigned char *q;
	struct tlv app, oid;

	memset(out, 0, sizeof(*out));
	if (ntlmssp(tok, len))
		return AIG_SPNEGO_NTLM;
	if (!der_only(tok, len, 0x60, &app))
		return AIG_SPNEGO_MALFORMED;
	q = app.val;
	if (!der_next(&q, app.val + app.len, &oid) || oid.tag != 0x06)
		return AIG_SPNEGO_MALFORMED;
	if (oid_krb5(&oid))
		return AIG_SPNEGO_RAW_KERBEROS;
	if (!oid_is(&oid, OID_SPNEGO, sizeof(OID_SPNEGO)))
		return AIG_SPNEGO_OTHER_MECH;
	return neg_token_init(q, app.val + app.len, out);
}

const char *aig_spnego_refusal(enum aig_spnego_kind k)
{
	switch (k) {
	case AIG_SPNEGO_KERBEROS: return NULL;
	case AIG_SPNEGO_NTLM: return "NTLM refused";
	case AIG_SPNEGO_RAW_KERBEROS: return "Kerberos without SPNEGO refused";
	case AIG_SPNEGO_OTHER_MECH:
		return "mechanism other than Kerberos refused";
	default: return "malformed Negotiate token";
	}
}
