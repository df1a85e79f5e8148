/* SPDX-License-Identifier: Apache-2.0 */
/* seal_rec.c - one digest record (aigate-audit-seal(8), DIGEST FORMAT): its
 * JSON line, its canonical message, and which files are the audit files. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "seal.h"

#define MAGIC "aigate-audit-seal/1"

char *seal_rec_message(const struct seal_rec *r, bool with_mac)
{
	char *m = NULL;
	int n = asprintf(
		&m,
		MAGIC "\nseq=%" PRIu64 "\nepoch=%" PRIu64 "\ntime=%s\nfile=%s\n"
		      "inode=%" PRIu64 "\nfirst=%s\nstart=%" PRIu64
		      "\nend=%" PRIu64 "\nline=%" PRIu64 "\nlines=%" PRIu64
		      "\nsha256=%s\nhead=%s\ntail=%s\nlsum=%s\nprev=%s\n%s%s%s",
		r->seq, r->epoch, r->time, r->file, r->inode, r->first,
		r->start, r->end, r->line, r->lines, r->sha256, r->head,
		r->tail, r->lsum, r->prev, with_mac ? "mac=" : "",
		with_mac ? r->mac : "", with_mac ? "\n" : "");

	return n < 0 ? NULL : m;
}

char *seal_rec_format(const struct seal_rec *r)
{
	json_t *j = json_pack("{sIsIsssssIsssIsIsIsIssssssssssssss}", "seq",
			      (json_int_t)r->seq, "epoch", (json_int_t)r->epoch,
			      "time", r->time, "file", r->file, "inode",
			      (json_int_t)r->inode, "first", r->first, "start",
			      (json_int_t)r->start, "end", (json_int_t)r->end,
			      "line", (json_int_t)r->line, "lines",
			      (json_int_t)r->lines, "sha256", r->sha256, "head",
			      r->head, "tail", r->tail, "lsum", r->lsum, "prev",
			      r->prev, "mac", r->mac, "sig", r->sig);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
					    JSON_ENSURE_ASCII)
		    : NULL;

	json_decref(j);
	return s;
}

/* ------------------------------------------------------------- parsing */

static bool get_u64(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

/* A string member copied into out (size cap); hex: exactly cap-1 hex
 * digits; else printable ASCII without '/' of 1..cap-1 bytes. */
static bool get_str(json_t *o, const char *k, char *out, size_t cap, bool hex)
{
	json_t *v = json_object_get(o, k);
	const char *s;
	size_t n, i;

	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || n >= cap || strlen(s) != n)
		return false;
	if (hex && (n != cap - 1 || !is_hex(s, n)))
		return false;
	for (i = 0; !hex && i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '/')
			return false;
	memcpy(out, s, n + 1);
	return true;
}

bool seal_rec_parse(const char *line, size_t len, struct seal_rec *r)
{
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	bool ok;

	memset(r, 0, sizeof(*r));
	ok = json_is_object(o) && json_object_size(o) == 17 &&
	     get_u64(o, "seq", &r->seq) && get_u64(o, "epoch", &r->epoch) &&
	     get_str(o, "time", r->time, sizeof(r->time), false) &&
	     get_str(o, "file", r->file, sizeof(r->file), false) &&
	     get_u64(o, "inode", &r->inode) &&
	     get_str(o, "first", r->first, sizeof(r->first), true) &&
	     get_u64(o, "start", &r->start) && get_u64(o, "end", &r->end) &&
	     get_u64(o, "line", &r->line) && get_u64(o, "lines", &r->lines) &&
	     get_str(o, "sha256", r->sha256, sizeof(r->sha256), true) &&
	     get_str(o, "head", r->head, sizeof(r->head), true) &&
	     get_str(o, "tail", r->tail, sizeof(r->tail), true) &&
	     get_str(o, "lsum", r->lsum, sizeof(r->lsum), true) &&
	     get_str(o, "prev", r->prev, sizeof(r->prev), true) &&
	     get_str(o, "mac", r->mac, sizeof(r->mac), true) &&
	     get_str(o, "sig", r->sig, sizeof(r->sig), true) &&
	     r->end > r->start && r->lines > 0 && r->line > 0;
	json_decref(o);
	return ok;
}

/* ------------------------------------------------------------ the files */

struct named {
	char *path;
	struct timespec mtime;
	bool current;
};

/* Oldest first; the current file last. */
static int cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	if (x->current != y->current)
		return x->current ? 1 : -1;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Whether name is base or one of its rotations (base. or base-). */
static bool is_audit_name(const char *name, const char *base)
{
	size_t n = strlen(base);

	if (strncmp(name, base, n) != 0)
		return false;
	if (name[n] == '\0')
		return true;
	return (name[n] == '.' || name[n] == '-') && name[n + 1] != '\0' &&
	       strstr(name, ".new") == NULL && strstr(name, ".tmp") == NULL;
}

static int add_named(struct named **v, size_t *n, size_t *cap, const char *dir,
		     const char *name, bool current)
{
	struct named *e;
	struct stat st;
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return AIG_ERR_NOMEM;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(path);
		return AIG_OK; /* gone meanwhile, or not a file: skipped */
	}
	if (*n == *cap) {
		struct named *nv = realloc(*v, (*cap * 2 + 8) * sizeof(**v));

		if (nv == NULL) {
			free(path);
			return AIG_ERR_NOMEM;
		}
		*v = nv;
		*cap = *cap * 2 + 8;
	}
	e = &(*v)[(*n)++];
	e->path = path;
	e->mtime = st.st_mtim;
	e->current = current;
	return AIG_OK;
}

int seal_list_files(const char *audit_file, struct aig_strv *paths,
		    struct aig_error *err)
{
	char *dir = strdup(audit_file), *slash;
	const char *base;
	struct named *v = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = NULL;
	int rc = AIG_OK;

	memset(paths, 0, sizeof(*paths));
	if (dir == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash == NULL || slash[1] == '\0') {
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "%s: not an absolute file name", audit_file);
		goto out;
	}
	*slash = '\0';
	base = slash + 1;
	if ((d = opendir(dir[0] ? dir : "/")) == NULL) {
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", dir,
				   strerror(errno));
		goto out;
	}
	while (rc == AIG_OK && (de = readdir(d)) != NULL)
		if (is_audit_name(de->d_name, base))
			rc = add_named(&v, &n, &cap, dir, de->d_name,
				       strcmp(de->d_name, base) == 0);
	if (rc != AIG_OK) {
		rc = aig_error_set(err, rc, "out of memory");
		goto out;
	}
	qsort(v, n, sizeof(*v), cmp_named);
	paths->v = calloc(n + 1, sizeof(char *));
	if (paths->v == NULL) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		paths->v[i] = v[i].path;
		v[i].path = NULL;
	}
	paths->n = n;
out:
	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	if (d != NULL)
		closedir(d);
	free(dir);
	return rc;
}
