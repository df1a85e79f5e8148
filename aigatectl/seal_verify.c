/* SPDX-License-Identifier: Apache-2.0 */
/* seal_verify.c - `aigatectl audit verify` (aigate-audit-seal(8)):
 * walks the digest's chain, checks each record's MAC (from the initial
 * key, evolved epoch by epoch) and signature, re-hashes every sealed range
 * of every audit file (gzip read transparently) and names what differs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "ctl.h"
#include "seal.h"

#define SEARCH_LINES 100000  /* how far a moved range is looked for */
#define MAX_EPOCH_GAP 100000 /* records missing at most, to evolve over */

/* ------------------------------------------------------------- results */

struct result {
	json_t *root, *digest_problems, *files;
	bool tampered;
};

static void problem(json_t *list, const char *kind, const char *detail,
		    json_t *extra)
{
	json_t *p = json_pack("{ssss}", "problem", kind, "detail", detail);

	if (p != NULL && extra != NULL)
		json_object_update(p, extra);
	json_decref(extra);
	json_array_append_new(list, p);
}

static void digest_problem(struct result *res, size_t line,
			   const struct seal_rec *r, const char *kind,
			   const char *detail)
{
	json_t *x =
		r ? json_pack("{sIsIsI}", "record", (json_int_t)line, "seq",
			      (json_int_t)r->seq, "epoch", (json_int_t)r->epoch)
		  : json_pack("{sI}", "record", (json_int_t)line);

	problem(res->digest_problems, kind, detail, x);
	res->tampered = true;
}

/* -------------------------------------------------------------- digest */

struct vrec {
	struct seal_rec r;
	size_t line; /* in the digest, from 1 */
};

struct walk {
	struct seal_state init, cur; /* the initial key; evolved so far */
	bool have_key;
	EVP_PKEY *pub;
	bool any, last_bad;
	uint64_t next_seq, epoch;
	char prev[SEAL_HEX256];
	struct vrec *v;
	size_t n, cap;
};

/* The MAC and signature of r, where they can be checked. NULL if they
 * hold, else what failed. key: the epoch key to use (evolved here). */
static const char *auth_fail(struct walk *w, const struct seal_rec *r,
			     struct seal_state *key)
{
	char *msg = seal_rec_message(r, false),
	     *msg2 = seal_rec_message(r, true);
	char mac[SEAL_HEX256];
	const char *why = NULL;

	if (msg == NULL || msg2 == NULL)
		why = "out of memory";
	while (why == NULL && w->have_key && key->epoch < r->epoch)
		if (seal_state_evolve(key, NULL) != AIG_OK)
			why = "HKDF failed";
	if (why == NULL && w->have_key &&
	    (seal_mac_hex(key, msg, strlen(msg), mac, NULL) != AIG_OK ||
	     !seal_hex_eq(mac, r->mac)))
		why = "its MAC does not verify with the key of its epoch";
	if (why == NULL && w->pub != NULL &&
	    !seal_sig_ok(w->pub, msg2, strlen(msg2), r->sig))
		why = "its signature does not verify";
	explicit_bzero(mac, sizeof(mac));
	free(msg);
	free(msg2);
	return why;
}

static bool keep(struct walk *w, const struct seal_rec *r, size_t line)
{
	if (w->n == w->cap) {
		struct vrec *nv =
			realloc(w->v, (w->cap * 2 + 64) * sizeof(*nv));

		if (nv == NULL)
			return false;
		w->v = nv;
		w->cap = w->cap * 2 + 64;
	}
	w->v[w->n].r = *r;
	w->v[w->n++].line = line;
	return true;
}

/* A record earlier in the chain than where it stands: a replay. */
static void walk_replay(struct walk *w, struct result *res,
			const struct seal_rec *r, size_t line)
{
	struct seal_state k = w->init;
	char d[200];

	if (auth_fail(w, r, &k) == NULL) {
		snprintf(d, sizeof(d),
			 "a genuine seal of seq %" PRIu64 ", epoch %" PRIu64
			 ", copied to a later position",
			 r->seq, r->epoch);
		digest_problem(res, line, r, "record_replayed", d);
	} else
		digest_problem(res, line, r, "record_altered",
			       "out of sequence, and its MAC or signature "
			       "does not verify");
	seal_state_wipe(&k);
}

/* The first record is of epoch 0; each later one of the epoch before or
 * the next, one more for each record missing in between. */
static bool epoch_in_sequence(const struct walk *w, const struct seal_rec *r)
{
	uint64_t missing;

	if (!w->any)
		return r->epoch == 0;
	missing = r->seq - w->next_seq; /* r->seq >= next_seq here */
	if (missing > MAX_EPOCH_GAP)
		return false;
	return r->epoch <= w->epoch + missing + 1;
}

static void walk_record(struct walk *w, struct result *res,
			const struct seal_rec *r, size_t line, const char *hash)
{
	struct seal_state k = w->cur;
	const char *why;
	char d[200];

	if (w->any && (r->seq < w->next_seq || r->epoch < w->epoch)) {
		walk_replay(w, res, r, line);
		return;
	}
	if (!epoch_in_sequence(w, r)) {
		snprintf(d, sizeof(d),
			 "epoch %" PRIu64 " out of sequence (the key evolves "
			 "one epoch a run)",
			 r->epoch);
		digest_problem(res, line, r, "record_altered", d);
		w->last_bad = true;
		goto next;
	}
	if (r->seq > w->next_seq) {
		snprintf(d, sizeof(d),
			 "records of seq %" PRIu64 "-%" PRIu64 " are missing",
			 w->next_seq, r->seq - 1);
		digest_problem(res, line, r, "record_removed", d);
	} else if (!seal_hex_eq(r->prev, w->prev) && !w->last_bad)
		digest_problem(res, line, r, "chain_broken",
			       "does not name the record before it");
	w->last_bad = (why = auth_fail(w, r, &k)) != NULL;
	if (why != NULL)
		digest_problem(res, line, r, "record_altered", why);
	else if (w->have_key)
		w->cur = k;
	w->epoch = r->epoch;
next:
	w->any = true;
	w->next_seq = r->seq + 1;
	memcpy(w->prev, hash, SEAL_HEX256);
	if (!keep(w, r, line))
		res->tampered = true; /* out of memory: never "valid" */
	seal_state_wipe(&k);
}

static int walk_digest(struct walk *w, struct result *res, const char *path,
		       struct aig_error *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, hash[SEAL_HEX256];
	size_t cap = 0, no = 0;
	ssize_t n;

	if (f == NULL)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     strerror(errno));
	memset(w->prev, '0', 64);
	w->prev[64] = '\0';
	while ((n = getline(&line, &cap, f)) > 0) {
		struct seal_rec r;

		no++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		seal_sha256_hex(line, (size_t)n, hash);
		if (!seal_rec_parse(line, (size_t)n, &r)) {
			digest_problem(res, no, NULL, "record_altered",
				       "not a digest record");
			memcpy(w->prev, hash, SEAL_HEX256);
			w->next_seq++;
			w->last_bad = true;
			continue;
		}
		walk_record(w, res, &r, no, hash);
	}
	free(line);
	fclose(f);
	json_object_set_new(res->root, "records", json_integer((json_int_t)no));
	return AIG_OK;
}

/* ---------------------------------------------------------------- files */

/* A whole audit file, decompressed, with where each line starts. */
struct content {
	char *name; /* base name */
	uint64_t inode;
	unsigned char *b;
	size_t len;
	size_t *ls; /* line starts; ls[nl] = len */
	size_t nl;
	char first[SEAL_HEX256];
};

static void content_free(struct content *c)
{
	free(c->b);
	free(c->ls);
	free(c->name);
}

static int read_all(gzFile gz, struct content *c, const char *path,
		    struct aig_error *err)
{
	size_t cap = 1 << 20;
	int n;

	if ((c->b = malloc(cap)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	for (;;) {
		if (c->len == cap) {
			unsigned char *nb = realloc(c->b, cap * 2);

			if (nb == NULL)
				return aig_error_set(err, AIG_ERR_NOMEM,
						     "out of memory");
			c->b = nb;
			cap *= 2;
		}
		n = gzread(gz, c->b + c->len,
			   (unsigned)(cap - c->len > (1u << 30)
					      ? 1u << 30
					      : cap - c->len));
		if (n < 0) {
			int z;

			return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
					     gzerror(gz, &z));
		}
		if (n == 0)
			return AIG_OK;
		c->len += (size_t)n;
	}
}

static int index_lines(struct content *c, struct aig_error *err)
{
	size_t cap = 1024, i;

	if ((c->ls = malloc(cap * sizeof(size_t))) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	c->ls[0] = 0;
	for (i = 0; i < c->len;) {
		unsigned char *nl = memchr(c->b + i, '\n', c->len - i);

		i = nl ? (size_t)(nl - c->b) + 1 : c->len;
		if (c->nl + 2 > cap) {
			size_t *n2 = realloc(c->ls, cap * 2 * sizeof(size_t));

			if (n2 == NULL)
				return aig_error_set(err, AIG_ERR_NOMEM,
						     "out of memory");
			c->ls = n2;
			cap *= 2;
		}
		c->ls[++c->nl] = i;
	}
	return AIG_OK;
}

static int content_load(const char *path, struct content *c,
			struct aig_error *err)
{
	struct stat st;
	gzFile gz = NULL;
	int fd, rc;

	memset(c, 0, sizeof(*c));
	if ((c->name = strdup(strrchr(path, '/') + 1)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	fd = open(path,
		  O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0 || (gz = gzdopen(fd, "rb")) == NULL) {
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				   strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	c->inode = (uint64_t)st.st_ino;
	rc = read_all(gz, c, path, err);
	gzclose(gz);
	if (rc == AIG_OK)
		rc = index_lines(c, err);
	if (rc == AIG_OK && c->nl > 0 && c->b[c->ls[1] - 1] == '\n')
		seal_sha256_hex(c->b, c->ls[1], c->first);
	return rc;
}

/* The index of the first line starting at or after off. */
static size_t line_from(const struct content *c, size_t off)
{
	size_t lo = 0, hi = c->nl;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->ls[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t hash_line(const struct content *c, size_t i)
{
	return seal_line_hash(c->b + c->ls[i], c->ls[i + 1] - c->ls[i]);
}

static bool range_ok(const struct content *c, size_t s,
		     const struct seal_rec *r)
{
	char h[SEAL_HEX256];
	size_t len = (size_t)(r->end - r->start);

	if (s > c->len || c->len - s < len)
		return false;
	seal_sha256_hex(c->b + s, len, h);
	return seal_hex_eq(h, r->sha256);
}

static uint64_t parse_hex64(const char *s)
{
	return strtoull(s, NULL, 16);
}

/* Where a range that does not hash as sealed really ends: where the next
 * range starts (found by its first line and hash), or after a line that
 * hashes as this range's last. SIZE_MAX when neither is found. */
static size_t find_end(const struct content *c, size_t s,
		       const struct seal_rec *r, const struct seal_rec *next)
{
	size_t i = line_from(c, s), stop = i + r->lines + SEARCH_LINES;
	uint64_t want = parse_hex64(next ? next->head : r->tail);

	for (; i < c->nl && i < stop; i++) {
		if (hash_line(c, i) != want)
			continue;
		if (next == NULL)
			return c->ls[i + 1];
		if (range_ok(c, c->ls[i], next))
			return c->ls[i];
	}
	return SIZE_MAX;
}

struct fcheck {
	json_t *problems;
	bool truncated;
	uint64_t sealed_lines;
};

static void range_problem(struct fcheck *fc, const char *kind,
			  const struct seal_rec *r, const char *detail)
{
	json_t *x = json_pack("{s[II]s[II]}", "lines", (json_int_t)r->line,
			      (json_int_t)(r->line + r->lines - 1), "bytes",
			      (json_int_t)r->start, (json_int_t)r->end);

	problem(fc->problems, kind, detail, x);
}

/* Names what happened to the range [s, e) sealed as r. */
static void classify(struct fcheck *fc, const struct content *c, size_t s,
		     size_t e, const struct seal_rec *r)
{
	size_t i = line_from(c, s), end = line_from(c, e), n = end - i;
	uint64_t sum = 0;
	char d[160];

	for (; i < end; i++)
		sum += hash_line(c, i);
	if (n < r->lines) {
		snprintf(d, sizeof(d), "%" PRIu64 " of its lines are missing",
			 r->lines - n);
		range_problem(fc, "lines_deleted", r, d);
	} else if (n > r->lines) {
		snprintf(d, sizeof(d), "%" PRIu64 " lines were inserted",
			 (uint64_t)n - r->lines);
		range_problem(fc, "lines_inserted", r, d);
	} else if (sum == parse_hex64(r->lsum))
		range_problem(fc, "lines_reordered", r,
			      "the same lines in another order");
	else
		range_problem(fc, "modified", r, "content changed");
}

/* Checks the ranges v[0..n) (one file's, in order) against c. Returns
 * where the sealed part ends in c. */
static size_t check_ranges(struct fcheck *fc, const struct content *c,
			   const struct vrec *const *v, size_t n)
{
	long long shift = 0;
	size_t k, s = 0;
	char d[200];

	for (k = 0; k < n; k++) {
		const struct seal_rec *r = &v[k]->r,
				      *next = k + 1 < n ? &v[k + 1]->r : NULL;
		size_t e;

		s = (size_t)((long long)r->start + shift);
		fc->sealed_lines += r->lines;
		if (k > 0 && r->start != v[k - 1]->r.end) {
			snprintf(d, sizeof(d),
				 "lines %" PRIu64 "-%" PRIu64
				 " are in no digest record",
				 v[k - 1]->r.line + v[k - 1]->r.lines,
				 r->line - 1);
			problem(fc->problems, "range_missing", d, NULL);
		}
		if (range_ok(c, s, r))
			continue;
		e = find_end(c, s, r, next);
		if (e == SIZE_MAX && c->len < s + (r->end - r->start)) {
			snprintf(d, sizeof(d),
				 "sealed through line %" PRIu64
				 ", the file ends at line %zu",
				 v[n - 1]->r.line + v[n - 1]->r.lines - 1,
				 c->nl);
			problem(fc->problems, "truncated", d,
				json_pack("{sIsI}", "sealed_bytes",
					  (json_int_t)v[n - 1]->r.end, "bytes",
					  (json_int_t)c->len));
			fc->truncated = true;
			return c->len;
		}
		if (e == SIZE_MAX)
			e = s + (size_t)(r->end - r->start);
		classify(fc, c, s, e, r);
		shift = (long long)e - (long long)r->end;
	}
	return n ? (size_t)((long long)v[n - 1]->r.end + shift) : 0;
}

/* ------------------------------------------------------------ grouping */

struct group {
	const struct vrec **v; /* its records, in digest order */
	size_t n;
	bool matched;
};

static int cmp_first(const void *a, const void *b)
{
	const struct vrec *x = *(const struct vrec *const *)a,
			  *y = *(const struct vrec *const *)b;
	int d = strcmp(x->r.first, y->r.first);

	if (d != 0)
		return d;
	return x->r.start < y->r.start ? -1 : x->r.start > y->r.start;
}

/* Groups the kept records by file identity, each group by offset. Only
 * the first record for an offset counts (a replay was left out before). */
static int make_groups(const struct walk *w, const struct vrec ***sorted,
		       struct group **g, size_t *ng)
{
	size_t i;

	*sorted = malloc((w->n + 1) * sizeof(**sorted));
	*g = calloc(w->n + 1, sizeof(**g));
	*ng = 0;
	if (*sorted == NULL || *g == NULL)
		return AIG_ERR_NOMEM;
	for (i = 0; i < w->n; i++)
		(*sorted)[i] = &w->v[i];
	qsort(*sorted, w->n, sizeof(**sorted), cmp_first);
	for (i = 0; i < w->n; i++) {
		if (i == 0 ||
		    strcmp((*sorted)[i]->r.first, (*sorted)[i - 1]->r.first))
			(*g)[(*ng)++].v = &(*sorted)[i];
		(*g)[*ng - 1].n++;
	}
	return AIG_OK;
}

static const struct seal_rec *group_last(const struct group *g)
{
	return &g->v[g->n - 1]->r;
}

/* Whether c holds at least one of g's sealed lines where it was sealed:
 * the first or last line of a range, by its line number. */
static bool holds_sealed_line(const struct group *g, const struct content *c)
{
	size_t k;

	for (k = 0; k < g->n; k++) {
		const struct seal_rec *r = &g->v[k]->r;
		uint64_t first = r->line - 1, last = r->line + r->lines - 2;

		if ((k > 0 && first < c->nl &&
		     hash_line(c, first) == parse_hex64(r->head)) ||
		    (last > 0 && last < c->nl &&
		     hash_line(c, last) == parse_hex64(r->tail)))
			return true;
	}
	return false;
}

/* The group a file belongs to: by the hash of its first line, else (its
 * first line changed) by inode, else by the name it was last sealed under
 * if the file still holds one of its sealed lines in place (after a
 * rotation the name belongs to a new file, which holds none). */
static struct group *match(struct group *g, size_t ng, const struct content *c)
{
	size_t i;

	for (i = 0; i < ng; i++)
		if (c->first[0] && strcmp(g[i].v[0]->r.first, c->first) == 0)
			return &g[i];
	for (i = 0; i < ng; i++)
		if (!g[i].matched && group_last(&g[i])->inode == c->inode)
			return &g[i];
	for (i = 0; i < ng; i++)
		if (!g[i].matched &&
		    strcmp(group_last(&g[i])->file, c->name) == 0 &&
		    holds_sealed_line(&g[i], c))
			return &g[i];
	return NULL;
}

/* A file's entry; a name that is not UTF-8 is escaped (ctl_jstr()). */
static json_t *file_entry(const char *name, const char *status)
{
	return json_pack("{sosss[]}", "file", ctl_jstr(name), "status", status,
			 "problems");
}

static void check_file(struct result *res, struct group *g, size_t ng,
		       const struct content *c)
{
	struct group *m = match(g, ng, c);
	json_t *f = file_entry(c->name, "valid");
	struct fcheck fc = {json_object_get(f, "problems"), false, 0};
	size_t end = 0;

	if (m != NULL) {
		m->matched = true;
		end = check_ranges(&fc, c, m->v, m->n);
	}
	if (f == NULL || json_array_size(fc.problems) > 0) {
		json_object_set_new(f, "status", json_string("tampered"));
		res->tampered = true;
	} else if (m == NULL)
		json_object_set_new(f, "status", json_string("unsealed"));
	json_object_set_new(f, "sealed_lines",
			    json_integer((json_int_t)fc.sealed_lines));
	json_object_set_new(
		f, "unsealed_tail",
		json_integer((json_int_t)(c->nl - line_from(c, end))));
	json_array_append_new(res->files, f);
}

static int check_files(struct ctl *ctl, struct walk *w, struct result *res,
		       struct aig_error *err)
{
	const struct vrec **sorted = NULL;
	struct aig_strv paths = {0};
	struct group *g = NULL;
	size_t ng = 0, i;
	int rc;

	if ((rc = make_groups(w, &sorted, &g, &ng)) != AIG_OK) {
		rc = aig_error_set(err, rc, "out of memory");
		goto out;
	}
	if ((rc = seal_list_files(ctl->cfg->audit.file, &paths, err)) != AIG_OK)
		goto out;
	for (i = 0; i < paths.n && rc == AIG_OK; i++) {
		struct content c;

		if ((rc = content_load(paths.v[i], &c, err)) == AIG_OK)
			check_file(res, g, ng, &c);
		content_free(&c);
	}
	for (i = 0; i < ng && rc == AIG_OK; i++) {
		json_t *f;

		if (g[i].matched)
			continue;
		f = file_entry(group_last(&g[i])->file, "deleted");
		json_object_set_new(
			f, "sealed_as",
			json_pack("{sIss}", "inode",
				  (json_int_t)group_last(&g[i])->inode,
				  "first_sealed", g[i].v[0]->r.time));
		json_object_set_new(
			f, "sealed_lines",
			json_integer((json_int_t)(group_last(&g[i])->line +
						  group_last(&g[i])->lines -
						  1)));
		json_object_set_new(f, "unsealed_tail", json_integer(0));
		problem(json_object_get(f, "problems"), "deleted",
			"a sealed file is gone",
			json_pack("{s[II]}", "lines",
				  (json_int_t)g[i].v[0]->r.line,
				  (json_int_t)(group_last(&g[i])->line +
					       group_last(&g[i])->lines - 1)));
		json_array_append_new(res->files, f);
		res->tampered = true;
	}
out:
	aig_strv_free(&paths);
	free(sorted);
	free(g);
	return rc;
}

/* ---------------------------------------------------------------- output */

static void print_problems(const char *who, json_t *list)
{
	size_t i;
	json_t *p;

	json_array_foreach (list, i, p) {
		json_t *lines = json_object_get(p, "lines");
		json_t *rec = json_object_get(p, "record");

		printf("%s: %s", who,
		       json_string_value(json_object_get(p, "problem")));
		if (json_is_array(lines))
			printf(" lines %" JSON_INTEGER_FORMAT
			       "-%" JSON_INTEGER_FORMAT,
			       json_integer_value(json_array_get(lines, 0)),
			       json_integer_value(json_array_get(lines, 1)));
		if (json_is_integer(rec))
			printf(" record %" JSON_INTEGER_FORMAT,
			       json_integer_value(rec));
		printf(": %s\n",
		       json_string_value(json_object_get(p, "detail")));
	}
}

static void print_text(const struct result *res, const char *digest)
{
	json_t *f;
	size_t i;

	printf("digest %s: %" JSON_INTEGER_FORMAT " records\n", digest,
	       json_integer_value(json_object_get(res->root, "records")));
	print_problems("digest", res->digest_problems);
	json_array_foreach (res->files, i, f) {
		char *name = ctl_term_safe(
			json_string_value(json_object_get(f, "file")),
			strlen(json_string_value(json_object_get(f, "file"))));
		json_int_t tail =
			json_integer_value(json_object_get(f, "unsealed_tail"));

		printf("%s: %s, %" JSON_INTEGER_FORMAT " lines sealed\n",
		       name ? name : "?",
		       json_string_value(json_object_get(f, "status")),
		       json_integer_value(json_object_get(f, "sealed_lines")));
		print_problems(name ? name : "?",
			       json_object_get(f, "problems"));
		if (tail > 0)
			printf("%s: unsealed tail: %" JSON_INTEGER_FORMAT
			       " lines\n",
			       name ? name : "?", tail);
		free(name);
	}
	printf("%s\n", res->tampered ? "TAMPERING FOUND" : "valid");
}

/* ---------------------------------------------------------------- verify */

static int load_keys(struct ctl *c, struct walk *w, struct aig_error *err)
{
	int rc;

	if (c->initial_key != NULL) {
		if ((rc = seal_state_load(c->initial_key, &w->init, err)) !=
		    AIG_OK)
			return rc;
		if (w->init.epoch != 0)
			return aig_error_set(err, AIG_ERR_INVALID,
					     "%s: a key of epoch %" PRIu64
					     ", not the "
					     "initial key (epoch 0)",
					     c->initial_key, w->init.epoch);
		w->cur = w->init;
		w->have_key = true;
	}
	if (c->public_key != NULL &&
	    (w->pub = seal_public_key_load(c->public_key, err)) == NULL)
		return AIG_ERR_INVALID;
	return AIG_OK;
}

int ctl_cmd_audit_verify(struct ctl *c)
{
	const char *digest = c->cfg->audit.seal.digest_file;
	struct aig_error err = {0};
	struct result res = {0};
	struct walk w;
	int code;

	if (c->initial_key == NULL && c->public_key == NULL)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"verify needs --initial-key FILE or "
				"--public-key PEM (or both)");
	memset(&w, 0, sizeof(w));
	res.root = json_pack("{sssbsss[]s[]}", "digest", digest, "valid", 0,
			     "checked",
			     c->initial_key && c->public_key ? "mac+signature"
			     : c->initial_key		     ? "mac"
							     : "signature",
			     "digest_problems", "files");
	if (res.root == NULL) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		goto out;
	}
	res.digest_problems = json_object_get(res.root, "digest_problems");
	res.files = json_object_get(res.root, "files");
	if (load_keys(c, &w, &err) != AIG_OK) {
		code = ctl_fail(c, CTL_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	if (walk_digest(&w, &res, digest, &err) != AIG_OK ||
	    check_files(c, &w, &res, &err) != AIG_OK) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
		goto out;
	}
	json_object_set_new(res.root, "valid", json_boolean(!res.tampered));
	if (c->json)
		ctl_json_print(res.root);
	else
		print_text(&res, digest);
	code = res.tampered ? CTL_EXIT_REFUSED : CTL_EXIT_OK;
out:
	seal_state_wipe(&w.init);
	seal_state_wipe(&w.cur);
	EVP_PKEY_free(w.pub);
	free(w.v);
	json_decref(res.root);
	return code;
}
