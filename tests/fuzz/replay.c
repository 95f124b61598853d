/*
 * NAME
 *	replay - run a fuzz target over saved inputs, without libFuzzer
 * SYNOPSIS
 *	replay_NAME FILE|DIR...
 * DESCRIPTION
 *	Feeds every file (directories are read one level deep) to
 *	LLVMFuzzerTestOneInput once, so that check can replay the corpus
 *	under any compiler and sanitizer. Prints TAP: one line per
 *	directory or file argument.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

/* run_file - feed one file; 0 or -1 when unreadable */
static int
run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!fp)
		return -1;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return -1;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, failed = 0;

	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		struct stat st;
		unsigned count = 0, bad = 0;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;

			while (d && (e = readdir(d)) != NULL) {
				char path[4096];

				if (e->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i],
					 e->d_name);
				if (run_file(path) != 0)
					bad++;
				count++;
			}
			if (d)
				closedir(d);
			else
				bad++;
		} else {
			bad += run_file(argv[i]) != 0;
			count++;
		}
		printf("%s %d - replay %s (%u inputs%s)\n",
		       bad ? "not ok" : "ok", i, argv[i], count,
		       bad ? ", some unreadable" : "");
		failed += bad != 0;
	}
	return failed ? 1 : 0;
}
