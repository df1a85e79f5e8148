/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_main.c - runs a libFuzzer target over files without libFuzzer, so
 * that the seed corpus is replayed in every build (under valgrind, or
 * ASan/UBSan with --enable-sanitizers). Arguments are files or
 * directories; with none, $top_srcdir/tests/fuzz/corpus/<FUZZ_CORPUS>. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: cannot read\n", path);
		if (f != NULL)
			fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int run_path(const char *path, int *count)
{
	struct stat st;
	struct dirent *e;
	char sub[4096];
	DIR *d;
	int bad = 0;

	if (stat(path, &st) != 0)
		return fprintf(stderr, "%s: not found\n", path), 1;
	if (!S_ISDIR(st.st_mode))
		return (*count)++, run_file(path);
	d = opendir(path);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		bad += run_path(sub, count);
	}
	if (d != NULL)
		closedir(d);
	return bad;
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	int i, bad = 0, count = 0;

	if (argc < 2) {
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
			 top != NULL ? top : ".", FUZZ_CORPUS);
		bad = run_path(dir, &count);
	}
	for (i = 1; i < argc; i++)
		bad += run_path(argv[i], &count);
	printf("%s %d input(s) replayed\n",
	       bad || count == 0 ? "not ok 1 -" : "ok 1 -", count);
	printf("1..1\n");
	return bad || count == 0 ? 1 : 0;
}
