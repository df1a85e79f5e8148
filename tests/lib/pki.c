/* SPDX-License-Identifier: Apache-2.0 */
/* pki.c - see aig_test_pki.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "aig_test_pki.h"

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	if (e == NULL || !X509_add_ext(x, e, -1))
		abort();
	X509_EXTENSION_free(e);
}

X509 *mint_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn,
		const char *san, long from, long to)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_get_subject_name(x);
	X509V3_CTX v3;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_subject_key_identifier, "hash");
	if (issuer == NULL) {
		add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
		add_ext(x, &v3, NID_basic_constraints, "CA:FALSE");
		add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
		if (san != NULL)
			add_ext(x, &v3, NID_subject_alt_name, san);
	}
	if (X509_sign(x, signer, EVP_sha256()) <= 0)
		abort();
	return x;
}

void mint_write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || (x != NULL ? !PEM_write_X509(f, x)
				    : !PEM_write_PrivateKey(f, key, NULL, NULL,
							    0, NULL, NULL)))
		abort();
	fclose(f);
	chmod(path, 0600);
}

/* dir/file into path, or abort. */
static void join(char *path, size_t size, const char *dir, const char *file)
{
	int n = snprintf(path, size, "%s/%s", dir, file);

	if (n < 0 || (size_t)n >= size)
		abort();
}

X509 *mint_ca(const char *dir, const char *file, const char *cn, EVP_PKEY **key)
{
	char path[4096];
	X509 *ca;

	*key = EVP_EC_gen("P-256");
	if (*key == NULL)
		abort();
	ca = mint_cert(*key, *key, NULL, cn, NULL, -3600, 86400);
	join(path, sizeof(path), dir, file);
	mint_write_pem(path, ca, NULL);
	return ca;
}

void mint_server(const char *dir, const char *name, EVP_PKEY *ca_key, X509 *ca,
		 const char *san, long from, long to)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x;
	char file[256], path[4096];

	if (key == NULL)
		abort();
	x = mint_cert(key, ca_key, ca, "aigate test server", san, from, to);
	snprintf(file, sizeof(file), "%s.pem", name);
	join(path, sizeof(path), dir, file);
	mint_write_pem(path, x, NULL);
	snprintf(file, sizeof(file), "%s.key", name);
	join(path, sizeof(path), dir, file);
	mint_write_pem(path, NULL, key);
	X509_free(x);
	EVP_PKEY_free(key);
}

void mint_pki_make(const char *dir, struct mint_pki *pki)
{
	EVP_PKEY *other_key;
	X509 *other;

	pki->ca = mint_ca(dir, "ca.pem", "aigate test CA", &pki->ca_key);
	other = mint_ca(dir, "other-ca.pem", "another CA", &other_key);
	join(pki->ca_pem, sizeof(pki->ca_pem), dir, "ca.pem");
	join(pki->other_ca_pem, sizeof(pki->other_ca_pem), dir, "other-ca.pem");
	X509_free(other);
	EVP_PKEY_free(other_key);
}

void mint_pki_free(struct mint_pki *pki)
{
	X509_free(pki->ca);
	EVP_PKEY_free(pki->ca_key);
	pki->ca = NULL;
	pki->ca_key = NULL;
}
