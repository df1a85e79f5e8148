/* SPDX-License-Identifier: Apache-2.0 */
/* maxrss.c - for bench/compare.sh: runs a CGI program once, as the web
 * server would (as UID:GID, stdin inherited, stdout to OUTFILE), and prints
 * the peak resident set of that process in KiB (ru_maxrss from wait4).
 * Built static so that what the child holds before its exec (counted in
 * ru_maxrss) is a few pages, not a forking interpreter.
 *
 *   maxrss UID GID OUTFILE PROGRAM < BODY */
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	int status, fd;
	pid_t pid;

	if (argc != 5) {
		fputs("usage: maxrss UID GID OUTFILE PROGRAM < BODY\n", stderr);
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || setgroups(0, NULL) != 0 ||
		    setgid((gid_t)atol(argv[2])) != 0 ||
		    setuid((uid_t)atol(argv[1])) != 0) {
			perror("maxrss: child setup");
			_exit(127);
		}
		execl(argv[4], argv[4], (char *)NULL);
		perror(argv[4]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "maxrss: %s did not exit with 0\n", argv[4]);
		return 1;
	}
	printf("%ld\n", ru.ru_maxrss);
	return 0;
}
