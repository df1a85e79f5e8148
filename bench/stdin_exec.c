/* SPDX-License-Identifier: Apache-2.0 */
/* stdin_exec.c - `stdin_exec FILE PROGRAM`: PROGRAM run in this process
 * (execv, no fork) with FILE as its standard input, as a web server gives
 * a CGI program its request body. Static and tiny, so that hyperfine
 * (which has no input option in Debian 12's version) can time a CGI exec
 * with its body without a shell (bench/exec_times.sh). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3) {
		fputs("usage: stdin_exec FILE PROGRAM [ARG...]\n", stderr);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) != 0) {
		perror(argv[1]);
		return 1;
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
