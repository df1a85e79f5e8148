/* SPDX-License-Identifier: Apache-2.0 */
/* aig_test.h - what aigate's C tests share (libaigtest): TAP output,
 * temporary directories removed when the test ends, and files and
 * configurations written from text. A helper that fails ends the test
 * with "Bail out!" and exit status 99 (a hard error to automake): the
 * test could not run, which is not a verdict on the code under test. */
#ifndef AIG_TEST_H
#define AIG_TEST_H

#include <stddef.h>
#include <sys/types.h>

struct aig_config;

/* ------------------------------------------------------------------ TAP */

/* The number of results printed so far. */
extern int tap_n;

/* Prints "ok N - ..." or "not ok N - ..." and, on failure, where. */
void aig_test_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* cond is evaluated before the message's arguments, which may show what
 * it computed. */
#define ok(cond, ...)                                                          \
	do {                                                                   \
		int ok_c_ = !!(cond);                                          \
		aig_test_ok(ok_c_, __FILE__, __LINE__, __VA_ARGS__);           \
	} while (0)

/* Prints "ok N - # SKIP ...". */
void aig_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Removes the directories of aig_test_tmpdir() (a failure to is a failed
 * result), prints the plan "1..N" and returns the exit status. */
int tap_done(void);

/* Prints "Bail out! ..." and exits with 99. */
void aig_test_bail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* ---------------------------------------------------- temporary places */

/* Makes tmpl, a mkdtemp(3) template ("/tmp/aig-test-x-XXXXXX"), a new
 * directory of mode 0700, which tap_done() or exit() removes with all
 * that it holds (only in the process that made it, not in a child that
 * exits). tmpl must live until then (a static array). At most 8. */
void aig_test_tmpdir(char *tmpl);

/* Removes those directories now (tap_done() calls it); 0, or -1 when one
 * could not be removed. */
int aig_test_tmpdir_cleanup(void);

/* Removes path and all below it without following symbolic links,
 * making directories that a test left read-only writable first. Returns
 * 0, or -1 with errno when something could not be removed. */
int aig_test_rmtree(const char *path);

/* ---------------------------------------------------------------- files */

/* Writes len bytes of data to path: any file there is removed first,
 * then made anew (O_EXCL) with mode. */
void aig_test_write(const char *path, const void *data, size_t len,
		    mode_t mode);

/* Writes text to dir/name as aig_test_write() does; returns the path, in
 * a buffer that the next call reuses. */
const char *aig_test_write_in(const char *dir, const char *name,
			      const char *text, mode_t mode);

/* An aigate.json parsed from text built as printf(fmt, ...) (up to 16
 * KiB); bails out, showing the error and the text, when it is not a
 * valid configuration. aig_config_free() it. */
struct aig_config *aig_test_config(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
