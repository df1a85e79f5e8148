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

void aig_time_rfc3339(char *out, size_t outlen)
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outlen, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
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

int aig_audit_write(int fd, const char *path, const json_t *record,
		    struct aig_error *err)
{
	char *line = json_dumps(record, JSON_COMPACT | JSON_ENSURE_ASCII |
						JSON_REAL_PRECISION(6));
	size_t len;
	ssize_t n;
	int rc = AIG_OK;

	if (line == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	len = strlen(line);
	line[len] = '\n'; /* json_dumps leaves room for its NUL: reuse it */
	/* One write: O_APPEND writes to a regular file are not interleaved
	 * with other writers' (the inode is locked for the write). */
	do
		n = write(fd, line, len + 1);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)(len + 1))
		rc = aig_error_set(err, AIG_ERR_IO, "%s: short write: %s", path,
				   n < 0 ? strerror(errno) : "disk full?");
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
