/* SPDX-License-Identifier: Apache-2.0 */
/* audit.c - appending whole JSON lines to the audit file (aigate.cgi(8), AUDIT
 * RECORD). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "aig_common.h"

/* The day, month and year of a day count since 1970-01-01, by Howard
 * Hinnant's civil_from_days (proleptic Gregorian calendar). */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n as width decimal digits, leading zeros, at p. */
static void digits(char *p, unsigned n, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + n % 10);
		n /= 10;
	}
}

void aig_time_rfc3339_at(int64_t sec, long ms, char *out, size_t outlen)
{
	int64_t days = sec / 86400, rem = sec % 86400, y;
	unsigned m, d;
	char s[] = "YYYY-MM-DDTHH:MM:SS.mmmZ";

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999 || ms < 0 || ms > 999 || outlen < sizeof(s)) {
		snprintf(out, outlen, "%04lld-%02u-%02uT%02u:%02u:%02u.%03ldZ",
			 (long long)y, m, d, (unsigned)(rem / 3600),
			 (unsigned)(rem / 60 % 60), (unsigned)(rem % 60), ms);
		return;
	}
	/* written digit by digit: an audit record's stamp is made per
	 * request, and snprintf(3) was a visible part of one */
	digits(s, (unsigned)y, 4);
	digits(s + 5, m, 2);
	digits(s + 8, d, 2);
	digits(s + 11, (unsigned)(rem / 3600), 2);
	digits(s + 14, (unsigned)(rem / 60 % 60), 2);
	digits(s + 17, (unsigned)(rem % 60), 2);
	digits(s + 20, (unsigned)ms, 3);
	memcpy(out, s, sizeof(s));
}

void aig_time_rfc3339(char *out, size_t outlen)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	aig_time_rfc3339_at(ts.tv_sec, ts.tv_nsec / 1000000, out, outlen);
}

/* logrotate's "create" makes the new file as root and then gives it to
 * the gate's user: for that moment the gate may not open it (EACCES). A
 * few short tries (at most about 10 ms) ride over the rotation; a file that
 * stays closed to the gate is still an error (fail closed). */
#define AUDIT_OPEN_TRIES 5

int aig_audit_open(const char *path, int *fd, struct aig_error *err)
{
	const struct timespec pause = {0, 2 * 1000 * 1000};
	int tries = 0;

	for (;;) {
		*fd = open(path,
			   O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
				   O_NOFOLLOW | O_NOCTTY,
			   0640);
		if (*fd >= 0 || errno != EACCES || ++tries == AUDIT_OPEN_TRIES)
			break;
		nanosleep(&pause, NULL);
	}
	if (*fd < 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: %s", path,
				     strerror(errno));
	return AIG_OK;
}

int aig_audit_write_text(int fd, const char *path, char *line, size_t len,
			 struct aig_error *err)
{
	ssize_t n;

	line[len] = '\n';
	/* One write: O_APPEND writes to a regular file are not interleaved
	 * with other writers' (the inode is locked for the write). */
	do
		n = write(fd, line, len + 1);
	while (n < 0 && errno == EINTR);
	line[len] = '\0';
	if (n != (ssize_t)(len + 1))
		return aig_error_set(err, AIG_ERR_IO, "%s: short write: %s",
				     path,
				     n < 0 ? strerror(errno) : "disk full?");
	return AIG_OK;
}

int aig_audit_write(int fd, const char *path, const json_t *record,
		    struct aig_error *err)
{
	char *line = json_dumps(record, JSON_COMPACT | JSON_ENSURE_ASCII |
						JSON_REAL_PRECISION(6));
	int rc;

	if (line == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	/* json_dumps leaves room for its NUL: the newline takes it */
	rc = aig_audit_write_text(fd, path, line, strlen(line), err);
	free(line);
	return rc;
}

int aig_audit_append(const char *path, const json_t *record,
		     struct aig_error *err)
{
	int fd, rc = aig_audit_open(path, &fd, err);

	if (rc != AIG_OK)
		return rc;
	rc = aig_audit_write(fd, path, record, err);
	close(fd);
	return rc;
}

int aig_audit_append_text(const char *path, char *line, size_t len,
			  struct aig_error *err)
{
	int fd, rc = aig_audit_open(path, &fd, err);

	if (rc != AIG_OK)
		return rc;
	rc = aig_audit_write_text(fd, path, line, len, err);
	close(fd);
	return rc;
}
