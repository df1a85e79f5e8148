/* SPDX-License-Identifier: Apache-2.0 */
/* quarantine.c - quarantined prompts, stored for review: each request body
 * encrypted (CMS enveloped data, AES-256-CBC) to every certificate in
 * quarantine.recipient_cert, written once as quarantine.dir/ID.cms (DER)
 * with mode 0200, so that the process that wrote it cannot read it back,
 * and nothing in clear ever touches the disk. A reviewer decrypts with
 *   openssl cms -decrypt -inform DER -in ID.cms -inkey KEY
 * or aigatectl quarantine show ID --key KEY. The directory is bounded by
 * quarantine.max_mb: a full directory refuses (503), never drops. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "aig_cgi.h"
#include "cgi_int.h"

/* Bytes of the regular files in dir. */
static int dir_usage(const char *dir, unsigned long long *used,
		     struct aig_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;

	*used = 0;
	if (d == NULL)
		return aig_error_set(err, AIG_ERR_IO, "quarantine: %s: %s", dir,
				     strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 &&
		    S_ISREG(st.st_mode))
			*used += (unsigned long long)st.st_size;
	closedir(d);
	return AIG_OK;
}

/* Every certificate in the PEM file path; caller frees with
 * sk_X509_pop_free(certs, X509_free). */
static int load_certs(const char *path, STACK_OF(X509) * *out,
		      struct aig_error *err)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *in = BIO_new_file(path, "r");
	X509 *x;

	*out = NULL;
	while (in != NULL && certs != NULL &&
	       (x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(certs, x))
			X509_free(x);
	BIO_free(in);
	if (certs == NULL || sk_X509_num(certs) == 0) {
		sk_X509_pop_free(certs, X509_free);
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "quarantine: %s: no certificate", path);
	}
	*out = certs;
	return AIG_OK;
}

static int write_cms(int fd, CMS_ContentInfo *cms)
{
	BIO *out = BIO_new_fd(fd, BIO_NOCLOSE);
	int ok = out != NULL && i2d_CMS_bio(out, cms) == 1 &&
		 BIO_flush(out) == 1;

	BIO_free(out);
	return ok && fsync(fd) == 0 ? AIG_OK : AIG_ERR_IO;
}

int aig_quarantine_store(const struct aig_config *cfg, const char *id,
			 const char *body, size_t len, struct aig_error *err)
{
	unsigned long long used = 0,
			   max = (unsigned long long)cfg->quarantine.max_mb
				 << 20;
	STACK_OF(X509) *certs = NULL;
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	char path[4096];
	int fd = -1, rc;

	if (cfg->quarantine.dir == NULL)
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "quarantine: not configured");
	/* OpenSSL on first use, its configuration file unread (main.c) */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if ((rc = dir_usage(cfg->quarantine.dir, &used, err)) != AIG_OK)
		return rc;
	/* the envelope adds the recipients and a block of padding */
	if (used + len + 8192 > max)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "quarantine: %s is full (max_mb %u)",
				     cfg->quarantine.dir,
				     cfg->quarantine.max_mb);
	if ((rc = load_certs(cfg->quarantine.recipient_cert, &certs, err)) !=
	    AIG_OK)
		return rc;
	in = BIO_new_mem_buf(body, (int)len);
	cms = in ? CMS_encrypt(certs, in, EVP_aes_256_cbc(), CMS_BINARY) : NULL;
	if (cms == NULL) {
		rc = aig_error_set(err, AIG_ERR_INTERNAL,
				   "quarantine: encryption failed");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s.cms", cfg->quarantine.dir, id);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0200);
	if (fd < 0) {
		rc = aig_error_set(err, AIG_ERR_IO, "quarantine: %s: %s", path,
				   strerror(errno));
		goto out;
	}
	if ((rc = write_cms(fd, cms)) != AIG_OK) {
		unlink(path);
		aig_error_set(err, rc, "quarantine: %s: write failed", path);
	}
out:
	if (fd >= 0)
		close(fd);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sk_X509_pop_free(certs, X509_free);
	return rc;
}
