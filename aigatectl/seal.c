/* SPDX-License-Identifier: Apache-2.0 */
/* seal.c - `aigatectl audit seal` and `aigatectl audit keygen`
 * (aigate-audit-seal(8)): one authenticated, chained digest record per
 * new byte range of every audit file, current and rotated. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "ctl.h"
#include "seal.h"

#define READ_CHUNK (1024 * 1024)
#define LINE_LIMIT (64 * 1024 * 1024) /* a longer line fails the file */

/* --------------------------------------------------------------- reading */

/* A file read through zlib (plain files pass through), with the part of a
 * line not yet complete kept at the front of buf. */
struct scan {
	gzFile gz;
	uint64_t inode;
	unsigned char *buf;
	size_t cap, len;
	uint64_t off; /* file offset of buf[0] */
	bool eof;
};

static void scan_close(struct scan *s)
{
	if (s->gz != NULL)
		gzclose(s->gz);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static int scan_open(struct scan *s, const char *path, struct aig_error *err)
{
	struct stat st;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(path,
		  O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		int e = fd < 0 ? errno : EINVAL;

		if (fd >= 0)
			close(fd);
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     strerror(e));
	}
	s->inode = (uint64_t)st.st_ino;
	s->cap = READ_CHUNK;
	s->buf = malloc(s->cap);
	s->gz = gzdopen(fd, "rb");
	if (s->gz == NULL)
		close(fd);
	if (s->gz == NULL || s->buf == NULL) {
		scan_close(s);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	gzbuffer(s->gz, 256 * 1024);
	return AIG_OK;
}

/* Reads more after buf[0, len): grows buf when full. 0 at the end. */
static int scan_fill(struct scan *s, const char *path, struct aig_error *err)
{
	int n;

	if (s->len == s->cap) {
		unsigned char *nb;

		if (s->cap >= LINE_LIMIT)
			return aig_error_set(err, AIG_ERR_TOO_BIG,
					     "%s: a line longer than %d bytes",
					     path, LINE_LIMIT);
		nb = realloc(s->buf, s->cap * 2);
		if (nb == NULL)
			return aig_error_set(err, AIG_ERR_NOMEM,
					     "out of memory");
		s->buf = nb;
		s->cap *= 2;
	}
	n = gzread(s->gz, s->buf + s->len, (unsigned)(s->cap - s->len));
	if (n < 0) {
		int zerr;
		const char *m = gzerror(s->gz, &zerr);

		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path, m);
	}
	s->len += (size_t)n;
	s->eof = n == 0;
	return AIG_OK;
}

/* The SHA-256 of the first line: the file's identity. AIG_OK with
 * *found false when no line is complete yet. */
static int scan_first_line(struct scan *s, const char *path,
			   char first[SEAL_HEX256], bool *found,
			   struct aig_error *err)
{
	unsigned char *nl = NULL;
	int rc = AIG_OK;

	*found = false;
	while (rc == AIG_OK && (nl = memchr(s->buf, '\n', s->len)) == NULL &&
	       !s->eof)
		rc = scan_fill(s, path, err);
	if (rc != AIG_OK || nl == NULL)
		return rc;
	seal_sha256_hex(s->buf, (size_t)(nl - s->buf) + 1, first);
	*found = true;
	return AIG_OK;
}

/* Positions the scan at file offset off (at most what is there). */
static int scan_seek(struct scan *s, uint64_t off, const char *path,
		     struct aig_error *err)
{
	if (off <= s->off + s->len) {
		size_t skip = (size_t)(off - s->off);

		memmove(s->buf, s->buf + skip, s->len - skip);
		s->len -= skip;
		s->off = off;
		return AIG_OK;
	}
	if (gzseek(s->gz, (z_off_t)off, SEEK_SET) < 0) {
		int zerr;

		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     gzerror(s->gz, &zerr));
	}
	s->len = 0;
	s->off = off;
	s->eof = false;
	return AIG_OK;
}

/* What the digest says is sealed of one file. */
struct sealed {
	char first[SEAL_HEX256];
	uint64_t end, next_line;
	uint64_t last_start; /* where the last range starts */
	uint64_t tail;	     /* the line hash of its last line */
};

#define TAIL_WINDOW (64 * 1024)

/* Positions the scan at the end of the sealed part of a file, after
 * checking that the last sealed line is still there: the bytes before end
 * must end a line that hashes as the last range's last line (when that
 * line is shorter than TAIL_WINDOW; else only that a line ends there). A
 * file changed since it was sealed is sealed no further (a range could
 * start inside a line), and the run fails so that someone looks. */
static int scan_to_sealed_end(struct scan *s, const struct sealed *done,
			      const char *path, struct aig_error *err)
{
	uint64_t w, range;
	unsigned char *nl;
	const char *why = NULL;
	int rc;

	if (done == NULL)
		return scan_seek(s, 0, path, err);
	range = done->end - done->last_start;
	w = range < TAIL_WINDOW ? range : TAIL_WINDOW;
	if ((rc = scan_seek(s, done->end - w, path, err)) != AIG_OK)
		return rc;
	while (s->len < w && !s->eof)
		if ((rc = scan_fill(s, path, err)) != AIG_OK)
			return rc;
	if (s->len < w)
		why = "shorter than what was sealed";
	else if (s->buf[w - 1] != '\n')
		why = "no line ends where the seal ended";
	else if ((nl = memrchr(s->buf, '\n', w - 1)) != NULL || w == range) {
		size_t from = nl ? (size_t)(nl - s->buf) + 1 : 0;

		if (seal_line_hash(s->buf + from, w - from) != done->tail)
			why = "the last sealed line is not the one sealed";
	}
	if (why != NULL)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "%s: %s (sealed to byte %" PRIu64
				     "): changed since; run aigatectl audit "
				     "verify",
				     path, why, done->end);
	return scan_seek(s, done->end, path, err);
}

/* What a range holds, as the record names it. */
struct range_sum {
	EVP_MD_CTX *md;
	uint64_t lines, lsum, head, tail, bytes;
};

/* Adds the complete lines at the front of buf to r and drops them. */
static void scan_take_lines(struct scan *s, struct range_sum *r)
{
	unsigned char *p = s->buf, *end = s->buf + s->len, *nl;
	size_t done;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		uint64_t h = seal_line_hash(p, (size_t)(nl - p) + 1);

		if (r->lines++ == 0)
			r->head = h;
		r->tail = h;
		r->lsum += h;
		p = nl + 1;
	}
	done = (size_t)(p - s->buf);
	if (done == 0)
		return;
	EVP_DigestUpdate(r->md, s->buf, done);
	r->bytes += done;
	memmove(s->buf, p, s->len - done);
	s->len -= done;
	s->off += done;
}

/* Every complete line from the scan's position to the end of the file. */
static int scan_range(struct scan *s, const char *path, struct range_sum *r,
		      struct aig_error *err)
{
	int rc = AIG_OK;

	for (;;) {
		scan_take_lines(s, r);
		if (s->eof)
			return AIG_OK;
		if ((rc = scan_fill(s, path, err)) != AIG_OK)
			return rc;
	}
}

/* ---------------------------------------------------------------- digest */

struct digest {
	int fd;
	const char *path;
	struct sealed *v;
	size_t n, cap;
	bool any;		/* a record at all */
	uint64_t next_seq;	/* of the next record */
	uint64_t last_epoch;	/* of the last record */
	char prev[SEAL_HEX256]; /* SHA-256 of the last line */
	bool failed;		/* a write failed: append nothing more */
};

static struct sealed *digest_find(struct digest *d, const char *first)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->v[i].first, first) == 0)
			return &d->v[i];
	return NULL;
}

/* Records that a file's identity is sealed up to r's end. */
static int digest_note(struct digest *d, const struct seal_rec *r)
{
	struct sealed *e = digest_find(d, r->first);

	if (e == NULL) {
		if (d->n == d->cap) {
			struct sealed *nv =
				realloc(d->v, (d->cap * 2 + 16) * sizeof(*nv));

			if (nv == NULL)
				return AIG_ERR_NOMEM;
			d->v = nv;
			d->cap = d->cap * 2 + 16;
		}
		e = &d->v[d->n++];
		memcpy(e->first, r->first, SEAL_HEX256);
		e->end = 0;
	}
	if (r->end > e->end) {
		e->end = r->end;
		e->next_line = r->line + r->lines;
		e->last_start = r->start;
		e->tail = strtoull(r->tail, NULL, 16);
	}
	return AIG_OK;
}

static int digest_line(struct digest *d, const char *line, size_t len)
{
	struct seal_rec r;

	seal_sha256_hex(line, len, d->prev);
	if (!seal_rec_parse(line, len, &r))
		return AIG_OK; /* verify names it; its range is sealed anew */
	d->any = true;
	d->next_seq = r.seq + 1;
	d->last_epoch = r.epoch;
	return digest_note(d, &r);
}

/* Opens (creates) and locks the digest, and reads what it has sealed. */
static int digest_open(struct digest *d, const char *path,
		       struct aig_error *err)
{
	const struct aig_file_trust trust = {S_IFREG, geteuid(), false};
	struct stat st;
	char *text = NULL, *p, *nl;
	size_t cap = 0, len = 0;
	int rc = AIG_OK;

	memset(d, 0, sizeof(*d));
	d->path = path;
	memset(d->prev, '0', 64);
	d->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		     0640);
	if (d->fd < 0 || flock(d->fd, LOCK_EX) != 0 || fstat(d->fd, &st) != 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     strerror(errno));
	/* Only the sealer may write it: a digest others could write to would
	 * let them append records the next run chains on. */
	if ((rc = aig_file_trusted_st(&st, &trust, path, err)) != AIG_OK)
		return rc;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nt = realloc(text, cap * 2 + 65536);

			if (nt == NULL) {
				rc = aig_error_set(err, AIG_ERR_NOMEM,
						   "out of memory");
				goto out;
			}
			text = nt;
			cap = cap * 2 + 65536;
		}
		n = pread(d->fd, text + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
					   strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > 0 && text[len - 1] != '\n') {
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "%s: ends in a partial record; run "
				   "aigatectl audit verify",
				   path);
		goto out;
	}
	for (p = text; rc == AIG_OK && p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		rc = digest_line(d, p, (size_t)(nl - p));
		if (rc != AIG_OK)
			rc = aig_error_set(err, rc, "out of memory");
	}
out:
	free(text);
	return rc;
}

static void digest_close(struct digest *d)
{
	if (d->fd >= 0)
		close(d->fd);
	free(d->v);
}

/* ------------------------------------------------------------------ seal */

struct sealer {
	struct ctl *c;
	struct digest d;
	struct seal_state st;
	EVP_PKEY *sk;
	char time[40];
	unsigned long ranges, lines;
};

/* Authenticates r, appends it to the digest, moves the chain on. */
static int seal_append(struct sealer *s, struct seal_rec *r,
		       struct aig_error *err)
{
	char *msg = NULL, *line = NULL;
	size_t n;
	int rc;

	r->seq = s->d.next_seq;
	r->epoch = s->st.epoch;
	memcpy(r->prev, s->d.prev, SEAL_HEX256);
	memcpy(r->time, s->time, sizeof(r->time));
	if ((msg = seal_rec_message(r, false)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = seal_mac_hex(&s->st, msg, strlen(msg), r->mac, err);
	free(msg);
	msg = rc == AIG_OK ? seal_rec_message(r, true) : NULL;
	if (rc == AIG_OK && msg == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (rc == AIG_OK)
		rc = seal_sign_hex(s->sk, msg, strlen(msg), r->sig, err);
	if (rc == AIG_OK && (line = seal_rec_format(r)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (rc == AIG_OK) {
		n = strlen(line);
		seal_sha256_hex(line, n, s->d.prev);
		line[n] = '\n'; /* json_dumps leaves room for its NUL */
		if (write(s->d.fd, line, n + 1) != (ssize_t)(n + 1)) {
			s->d.failed = true;
			rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", s->d.path,
					   strerror(errno));
		}
	}
	if (rc == AIG_OK) {
		s->d.next_seq++;
		s->d.any = true;
	}
	free(line);
	free(msg);
	return rc;
}

static void hex64(uint64_t v, char out[SEAL_HEX64])
{
	snprintf(out, SEAL_HEX64, "%016" PRIx64, v);
}

/* The rest of a record from what its range holds. */
static void fill_record(struct seal_rec *r, struct range_sum *sum,
			const char *base, uint64_t inode)
{
	unsigned char md[32];

	EVP_DigestFinal_ex(sum->md, md, NULL);
	aig_hex_lower(r->sha256, md, sizeof(md));
	snprintf(r->file, sizeof(r->file), "%s", base);
	r->inode = inode;
	r->end = r->start + sum->bytes;
	r->lines = sum->lines;
	hex64(sum->head, r->head);
	hex64(sum->tail, r->tail);
	hex64(sum->lsum, r->lsum);
}

/* Seals what is new in one audit file. */
static int seal_file(struct sealer *s, const char *path, struct aig_error *err)
{
	const char *base = strrchr(path, '/') + 1;
	struct range_sum sum = {0};
	struct seal_rec r;
	struct sealed *done;
	struct scan sc;
	bool found;
	int rc;

	if (strlen(base) >= SEAL_NAME_MAX ||
	    strspn(base, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-+") != strlen(base))
		return AIG_OK; /* not a name logrotate gives: not ours */
	if ((rc = scan_open(&sc, path, err)) != AIG_OK)
		return rc;
	memset(&r, 0, sizeof(r));
	rc = scan_first_line(&sc, path, r.first, &found, err);
	if (rc != AIG_OK || !found)
		goto out;
	done = digest_find(&s->d, r.first);
	r.start = done ? done->end : 0;
	r.line = done ? done->next_line : 1;
	if ((rc = scan_to_sealed_end(&sc, done, path, err)) != AIG_OK)
		goto out;
	if ((sum.md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(sum.md, EVP_sha256(), NULL) != 1) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = scan_range(&sc, path, &sum, err)) != AIG_OK || sum.lines == 0)
		goto out;
	fill_record(&r, &sum, base, sc.inode);
	if ((rc = seal_append(s, &r, err)) == AIG_OK) {
		s->ranges++;
		s->lines += sum.lines;
		if (digest_note(&s->d, &r) != AIG_OK)
			rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
out:
	EVP_MD_CTX_free(sum.md);
	scan_close(&sc);
	return rc;
}

/* A compressed file that cannot be read to its end is most likely being
 * written by logrotate right now: it is sealed on the next run (its lines
 * were sealed under its earlier name anyway). Anything else stops. */
static int seal_one(struct sealer *s, const char *path, struct aig_error *err)
{
	struct aig_error e = {0};
	size_t n = strlen(path);
	int rc = seal_file(s, path, &e);

	if (rc == AIG_ERR_IO && n > 3 && strcmp(path + n - 3, ".gz") == 0) {
		fprintf(stderr, "aigatectl: audit seal: skipped for now: %s\n",
			e.msg);
		return AIG_OK;
	}
	return rc == AIG_OK ? AIG_OK : aig_error_set(err, rc, "%s", e.msg);
}

/* The key state must be at the digest's last epoch or the one after. */
static int check_epochs(const struct sealer *s, struct aig_error *err)
{
	uint64_t want = s->d.any ? s->d.last_epoch : 0;

	if (s->st.epoch == want || (s->d.any && s->st.epoch == want + 1))
		return AIG_OK;
	return aig_error_set(
		err, AIG_ERR_INVALID,
		"the key state is at epoch %" PRIu64 " but the digest's last "
		"record is of epoch %" PRIu64 ": records were removed from the "
		"digest or a state file was restored; nothing sealed (run "
		"aigatectl audit verify)",
		s->st.epoch, want);
}

static int seal_run(struct sealer *s, struct aig_error *err)
{
	const struct aig_config *cfg = s->c->cfg;
	struct aig_strv files = {0};
	size_t i;
	int rc;

	/* The digest's lock first: a second run waits, then reads the state
	 * the first left. */
	if ((rc = digest_open(&s->d, cfg->audit.seal.digest_file, err)) !=
		    AIG_OK ||
	    (rc = seal_state_load(cfg->audit.seal.mac_state, &s->st, err)) !=
		    AIG_OK)
		goto out;
	s->sk = seal_private_key_load(cfg->audit.seal.signing_key, err);
	if (s->sk == NULL) {
		rc = err->status;
		goto out;
	}
	if ((rc = check_epochs(s, err)) != AIG_OK ||
	    (rc = seal_list_files(cfg->audit.file, &files, err)) != AIG_OK)
		goto out;
	aig_time_rfc3339(s->time, sizeof(s->time));
	/* A file that fails does not keep the others from being sealed; the
	 * run still fails, with the first error. */
	for (i = 0; i < files.n && !s->d.failed; i++)
		if (seal_one(s, files.v[i], err) != AIG_OK && rc == AIG_OK)
			rc = err->status;
	if (s->ranges == 0)
		goto out;
	if (fsync(s->d.fd) != 0) {
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s", s->d.path,
				   strerror(errno));
		goto out;
	}
	/* The records are written: this epoch's key is never needed again
	 * on this host. Even when a file failed, what was sealed stays. */
	if (seal_state_evolve(&s->st, err) == AIG_OK)
		seal_state_store(cfg->audit.seal.mac_state, &s->st, false, err);
	rc = err->status != AIG_OK ? err->status : rc;
out:
	aig_strv_free(&files);
	return rc;
}

static int cmd_seal(struct ctl *c)
{
	struct aig_error err = {0};
	struct sealer s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.d.fd = -1;
	rc = seal_run(&s, &err);
	if (rc == AIG_OK && c->verbose)
		fprintf(stderr,
			"aigatectl: audit seal: %lu ranges, %lu lines, epoch "
			"%" PRIu64 "\n",
			s.ranges, s.lines, s.st.epoch);
	seal_state_wipe(&s.st);
	EVP_PKEY_free(s.sk);
	digest_close(&s.d);
	if (rc != AIG_OK)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
	return CTL_EXIT_OK;
}

/* ---------------------------------------------------------------- keygen */

/* Writes a new file, mode 0600; refuses to replace one. */
static int write_new(const char *path, const void *data, size_t n,
		     struct aig_error *err)
{
	int fd =
		open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     0600);
	ssize_t w = -1;

	if (fd < 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     strerror(errno));
	if (fchmod(fd, 0600) == 0)
		w = write(fd, data, n);
	if (w != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     strerror(errno ? errno : EIO));
	}
	close(fd);
	return AIG_OK;
}

/* The Ed25519 key: private PEM into path, public PEM on stdout. */
static int keygen_signing(const char *path, struct aig_error *err)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	BIO *mem = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = AIG_OK;

	if (key == NULL || mem == NULL ||
	    PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL) !=
		    1 ||
	    (n = BIO_get_mem_data(mem, &data)) <= 0) {
		rc = aig_error_set(err, AIG_ERR_INTERNAL,
				   "Ed25519 key generation failed");
		goto out;
	}
	if ((rc = write_new(path, data, (size_t)n, err)) != AIG_OK)
		goto out;
	if (PEM_write_PUBKEY(stdout, key) != 1)
		rc = aig_error_set(err, AIG_ERR_IO, "stdout: write failed");
out:
	if (mem != NULL) {
		BUF_MEM *bm = NULL;

		BIO_get_mem_ptr(mem, &bm);
		if (bm != NULL && bm->data != NULL)
			OPENSSL_cleanse(bm->data, bm->max);
	}
	BIO_free(mem);
	EVP_PKEY_free(key);
	return rc;
}

/* The initial key (for the auditor), the state (the same key, epoch 0)
 * and the signing key: all three, or none. */
static int keygen_run(const struct ctl *c, struct aig_error *err)
{
	const struct aig_config *cfg = c->cfg;
	struct seal_state st = {0};
	int rc;

	if (RAND_priv_bytes(st.key, sizeof(st.key)) != 1)
		return aig_error_set(err, AIG_ERR_INTERNAL, "no randomness");
	if ((rc = seal_state_store(c->initial_key, &st, true, err)) != AIG_OK)
		goto out;
	if ((rc = seal_state_store(cfg->audit.seal.mac_state, &st, true,
				   err)) != AIG_OK) {
		unlink(c->initial_key);
		goto out;
	}
	if ((rc = keygen_signing(cfg->audit.seal.signing_key, err)) != AIG_OK) {
		unlink(c->initial_key);
		unlink(cfg->audit.seal.mac_state);
	}
out:
	seal_state_wipe(&st);
	return rc;
}

static int cmd_keygen(struct ctl *c)
{
	struct aig_error err = {0};

	if (c->initial_key == NULL)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"keygen needs --initial-key OUT");
	if (access(c->cfg->audit.seal.signing_key, F_OK) == 0)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s: exists already",
				c->cfg->audit.seal.signing_key);
	if (keygen_run(c, &err) != AIG_OK)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
	return CTL_EXIT_OK;
}

/* -------------------------------------------------------------- dispatch */

int ctl_cmd_audit_seal(struct ctl *c)
{
	const char *act = c->args[0];
	bool keys = c->initial_key != NULL || c->public_key != NULL;

	if (strcmp(act, "seal") == 0 || strcmp(act, "keygen") == 0 ||
	    strcmp(act, "verify") == 0) {
		if (c->since != NULL)
			return ctl_fail(c, CTL_EXIT_USAGE,
					"--since does not apply here");
		if (strcmp(act, "seal") == 0 && keys)
			return ctl_fail(c, CTL_EXIT_USAGE,
					"seal takes no key option (it reads "
					"audit.seal from the configuration)");
		if (strcmp(act, "keygen") == 0 && c->public_key != NULL)
			return ctl_fail(c, CTL_EXIT_USAGE,
					"keygen prints the public key; "
					"--public-key does not apply");
	} else if (keys)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"--initial-key/--public-key apply to audit "
				"seal, verify, keygen");
	if (strcmp(act, "seal") == 0)
		return cmd_seal(c);
	if (strcmp(act, "keygen") == 0)
		return cmd_keygen(c);
	if (strcmp(act, "verify") == 0)
		return ctl_cmd_audit_verify(c);
	return ctl_cmd_audit(c);
}
