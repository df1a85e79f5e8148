/* SPDX-License-Identifier: Apache-2.0 */
/* aig_test_pki.h - a test PKI made at test time with OpenSSL: CA and
 * server certificates for the TLS tests (libaigtest). Any failure
 * aborts: these are tests. */
#ifndef AIG_TEST_PKI_H
#define AIG_TEST_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A test PKI: a CA certificate for key (issuer NULL: self-signed, signer
 * is key) or a server certificate signed by signer as issuer with
 * subjectAltName san (e.g. "DNS:localhost,IP:127.0.0.1"), valid from
 * `from` to `to` seconds from now. X509_free() it. */
X509 *mint_cert(EVP_PKEY *key, EVP_PKEY *signer, X509 *issuer, const char *cn,
		const char *san, long from, long to);

/* Writes x as PEM to path, or key when x is NULL; mode 0600. */
void mint_write_pem(const char *path, X509 *x, EVP_PKEY *key);

/* A self-signed CA (a new P-256 key) named cn, valid from an hour ago for
 * a day, its certificate written to dir/file. The certificate and *key
 * are the caller's: X509_free(), EVP_PKEY_free(). */
X509 *mint_ca(const char *dir, const char *file, const char *cn,
	      EVP_PKEY **key);

/* A new P-256 key and a server certificate for san signed by ca_key as
 * ca, valid from `from` to `to` seconds from now, written to
 * dir/<name>.pem and dir/<name>.key. */
void mint_server(const char *dir, const char *name, EVP_PKEY *ca_key, X509 *ca,
		 const char *san, long from, long to);

/* The test PKI of the TLS tests, in dir: ca.pem, the CA whose key signs
 * the servers' certificates (mint_server()), and other-ca.pem, a CA that
 * signed nothing (a client trusting only it must refuse the servers). */
struct mint_pki {
	EVP_PKEY *ca_key;
	X509 *ca;
	char ca_pem[4096], other_ca_pem[4096]; /* their paths */
};
void mint_pki_make(const char *dir, struct mint_pki *pki);
void mint_pki_free(struct mint_pki *pki);

#endif
