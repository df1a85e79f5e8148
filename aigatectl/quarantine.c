/* SPDX-License-Identifier: Apache-2.0 */
/* quarantine.c - aigatectl quarantine list|show ID --key FILE|purge
 * --older-than AGE (aigatectl(8)): the prompts the gate quarantined, each
 * quarantine.dir/ID.cms, CMS enveloped data to the reviewers'
 * certificates. show decrypts with a reviewer's private key and writes the
 * request body, byte for byte, to standard output. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/pem.h>

#include "ctl.h"

/* A request id: 32 lower-case hex digits. */
static bool valid_id(const char *s, size_t n)
{
	size_t i;

	if (n != AIG_REQUEST_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The id of a quarantine file name, or false. */
static bool file_id(const char *name, char *id)
{
	size_t n = strlen(name);

	if (n != AIG_REQUEST_ID_LEN + 4 || strcmp(name + n - 4, ".cms") != 0 ||
	    !valid_id(name, n - 4))
		return false;
	memcpy(id, name, n - 4);
	id[n - 4] = '\0';
	return true;
}

static int open_dir(const struct ctl *c, DIR **d)
{
	const char *dir = c->cfg->quarantine.dir;
	char esc[128];

	if (dir == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED,
				"no \"quarantine\" in the configuration");
	if ((*d = opendir(dir)) == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s: %s",
				ctl_esc(esc, sizeof(esc), dir),
				strerror(errno));
	return CTL_EXIT_OK;
}

static int list(struct ctl *c)
{
	static const char *const hdr[] = {"ID", "QUARANTINED", "BYTES"};
	struct ctl_table *t = ctl_table_new(3, hdr);
	json_t *arr = json_array();
	struct dirent *e;
	struct stat st;
	char id[AIG_REQUEST_ID_LEN + 1], ts[40], size[32];
	DIR *d = NULL;
	int code = open_dir(c, &d);

	while (code == CTL_EXIT_OK && (e = readdir(d)) != NULL) {
		const char *cells[3] = {id, ts, size};
		struct tm tm;

		if (!file_id(e->d_name, id) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
			    0 ||
		    !S_ISREG(st.st_mode))
			continue;
		gmtime_r(&st.st_mtime, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(size, sizeof(size), "%lld", (long long)st.st_size);
		ctl_table_add(t, cells);
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:I}", "id", id,
						"quarantined", ts, "bytes",
						(json_int_t)st.st_size));
	}
	if (code == CTL_EXIT_OK) {
		if (c->json)
			ctl_json_print(arr);
		else
			ctl_table_print(t, stdout);
	}
	if (d != NULL)
		closedir(d);
	json_decref(arr);
	ctl_table_free(t);
	return code;
}

static EVP_PKEY *read_key(const char *path)
{
	BIO *in = BIO_new_file(path, "r");
	EVP_PKEY *k = in ? PEM_read_bio_PrivateKey(in, NULL, NULL, NULL) : NULL;

	BIO_free(in);
	return k;
}

static int show(struct ctl *c, const char *id)
{
	char path[4096], esc[128];
	CMS_ContentInfo *cms = NULL;
	EVP_PKEY *key = NULL;
	BIO *in = NULL, *out = NULL;
	int code = CTL_EXIT_REFUSED;

	if (!valid_id(id, strlen(id)))
		return ctl_fail(c, CTL_EXIT_USAGE,
				"ID: 32 hexadecimal digits, as listed");
	if (c->key_file == NULL)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"show needs --key FILE (a reviewer's key)");
	if (c->cfg->quarantine.dir == NULL)
		return ctl_fail(c, CTL_EXIT_REFUSED,
				"no \"quarantine\" in the configuration");
	snprintf(path, sizeof(path), "%s/%s.cms", c->cfg->quarantine.dir, id);
	if ((in = BIO_new_file(path, "rb")) == NULL ||
	    (cms = d2i_CMS_bio(in, NULL)) == NULL) {
		ctl_fail(c, CTL_EXIT_REFUSED, "%s: not found or not CMS",
			 ctl_esc(esc, sizeof(esc), path));
		goto out;
	}
	if ((key = read_key(c->key_file)) == NULL) {
		ctl_fail(c, CTL_EXIT_REFUSED, "%s: no private key",
			 ctl_esc(esc, sizeof(esc), c->key_file));
		goto out;
	}
	out = BIO_new_fp(stdout, BIO_NOCLOSE);
	if (out == NULL ||
	    !CMS_decrypt(cms, key, NULL, NULL, out, CMS_BINARY)) {
		ctl_fail(c, CTL_EXIT_REFUSED, "cannot decrypt %s with this key",
			 id);
		goto out;
	}
	code = CTL_EXIT_OK;
out:
	BIO_free(out);
	EVP_PKEY_free(key);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return code;
}

static int purge(struct ctl *c)
{
	struct timespec now;
	long long before_ms = 0, n = 0;
	struct dirent *e;
	struct stat st;
	char id[AIG_REQUEST_ID_LEN + 1];
	DIR *d = NULL;
	int code;

	clock_gettime(CLOCK_REALTIME, &now);
	if (c->older_than == NULL ||
	    !ctl_since_parse(c->older_than,
			     (long long)now.tv_sec * 1000 +
				     now.tv_nsec / 1000000,
			     &before_ms))
		return ctl_fail(c, CTL_EXIT_USAGE,
				"purge needs --older-than AGE (30m, 12h, 7d) "
				"or an RFC 3339 time");
	if ((code = open_dir(c, &d)) != CTL_EXIT_OK)
		return code;
	while ((e = readdir(d)) != NULL) {
		if (!file_id(e->d_name, id) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) !=
			    0 ||
		    !S_ISREG(st.st_mode) ||
		    (long long)st.st_mtime * 1000 >= before_ms)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			n++;
		else
			code = ctl_fail(c, CTL_EXIT_REFUSED, "%s: %s", id,
					strerror(errno));
	}
	closedir(d);
	if (c->json) {
		json_t *r = json_pack("{s:I}", "purged", (json_int_t)n);

		ctl_json_print(r);
		json_decref(r);
	} else {
		printf("purged %lld\n", n);
	}
	return code;
}

int ctl_cmd_quarantine(struct ctl *c)
{
	const char *what = c->args[0];

	if (strcmp(what, "list") == 0 && c->nargs == 1)
		return list(c);
	if (strcmp(what, "show") == 0 && c->nargs == 2)
		return show(c, c->args[1]);
	if (strcmp(what, "purge") == 0 && c->nargs == 1)
		return purge(c);
	return ctl_fail(c, CTL_EXIT_USAGE,
			"usage: aigatectl quarantine list | show ID --key FILE "
			"| purge --older-than AGE");
}
