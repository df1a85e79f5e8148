/* SPDX-License-Identifier: Apache-2.0 */
/* password.c - asking for a password on the terminal, without echo, the
 * way readpassphrase(3) does: /dev/tty, not stdin; the terminal restored on
 * every path; a signal that arrives meanwhile re-raised afterwards. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"

#define PASSWORD_MAX 1024

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

static const int signals[] = {SIGALRM, SIGHUP,	SIGINT,	 SIGPIPE, SIGQUIT,
			      SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))

/* Catches the signals without SA_RESTART, so that read(2) returns. */
static void catch_signals(struct sigaction *saved)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	caught = 0;
	for (i = 0; i < NSIGNALS; i++)
		sigaction(signals[i], &sa, &saved[i]);
}

static void restore_signals(const struct sigaction *saved)
{
	size_t i;

	for (i = 0; i < NSIGNALS; i++)
		sigaction(signals[i], &saved[i], NULL);
}

/* Reads one line into buf (cap bytes with the NUL); the newline is
 * dropped. Returns the length, or -1 (interrupted, error, too long). */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 || caught)
			return -1;
		if (r == 0 || ch == '\n' || ch == '\r')
			break;
		if (n + 1 >= cap)
			return -1;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

int ctl_read_password_tty(const char *prompt, char **out, struct aig_error *err)
{
	struct sigaction saved[NSIGNALS];
	struct termios old, quiet;
	char buf[PASSWORD_MAX + 1];
	ssize_t n = -1;
	int fd, sig, rc = AIG_OK;
	bool restore = false;

	*out = NULL;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return aig_error_set(err, AIG_ERR_IO,
				     "no terminal to ask the password on "
				     "(use --password-file)");
	catch_signals(saved);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		quiet.c_lflag |= ICANON;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (!restore) {
		rc = aig_error_set(err, AIG_ERR_IO,
				   "cannot turn the terminal's echo off");
		goto out;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		rc = aig_error_set(err, AIG_ERR_IO, "/dev/tty: %s",
				   strerror(errno));
		goto out;
	}
	n = read_line(fd, buf, sizeof(buf));
	if (write(fd, "\n", 1) < 0) {
		/* the line is only cosmetic */
	}
	if (n < 0 && caught)
		rc = aig_error_set(err, AIG_ERR_IO, "interrupted");
	else if (n < 0)
		rc = aig_error_set(err, AIG_ERR_IO,
				   "no password read (at most %d bytes)",
				   PASSWORD_MAX);
	else if ((*out = strdup(buf)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
out:
	explicit_bzero(buf, sizeof(buf));
	if (restore)
		while (tcsetattr(fd, TCSAFLUSH, &old) != 0 && errno == EINTR)
			;
	close(fd);
	restore_signals(saved);
	sig = caught;
	if (sig != 0)
		raise(sig);
	return rc;
}
