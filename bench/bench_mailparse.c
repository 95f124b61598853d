/*
 * NAME
 *	bench_mailparse - parse throughput over the shared mail corpus
 * SYNOPSIS
 *	bench_mailparse CORPUS_DIR [SECONDS]
 * DESCRIPTION
 *	Loads every fixture under CORPUS_DIR into memory, then parses each
 *	one and keeps its new words (mp_parse and mp_visible_text, as the
 *	milter does) over and over for SECONDS (default 2). Prints
 *	"bench: mailparse_msgs N msg/s" and "bench: mailparse_mb N MB/s".
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mailparse/mailparse.h"

struct mail {
	char *data;
	size_t len;
};

static struct mail *mails;
static size_t nmails, capmails;

/* load - every regular file below dir */
static void
load(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;
		FILE *fp;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "LICENSES") ||
		    !strcmp(e->d_name, "README.md") ||
		    !strcmp(e->d_name, "expected.jsonl"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			load(path);
			continue;
		}
		if (nmails == capmails) {
			capmails = capmails ? 2 * capmails : 512;
			mails = realloc(mails, capmails * sizeof(*mails));
			if (!mails)
				exit(1);
		}
		fp = fopen(path, "rb");
		if (!fp)
			continue;
		mails[nmails].len = (size_t)st.st_size;
		mails[nmails].data = malloc(mails[nmails].len + 1);
		if (!mails[nmails].data ||
		    fread(mails[nmails].data, 1, mails[nmails].len, fp) !=
			mails[nmails].len)
			exit(1);
		fclose(fp);
		nmails++;
	}
	if (d)
		closedir(d);
}

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 2, t0, el;
	unsigned long done = 0;
	double bytes = 0;
	size_t i;

	if (argc < 2) {
		fprintf(stderr,
			"usage: bench_mailparse CORPUS_DIR [SECONDS]\n");
		return 2;
	}
	mp_init();
	load(argv[1]);
	if (nmails == 0) {
		fprintf(stderr, "bench_mailparse: no mail under %s\n", argv[1]);
		return 1;
	}
	t0 = now();
	do {
		for (i = 0; i < nmails; i++) {
			struct mp_message *m;
			char *v;

			if (mp_parse(mails[i].data, mails[i].len, NULL, &m,
				     NULL) != MP_OK)
				continue;
			v = mp_visible_text(m->body, m->from_name, NULL);
			free(v);
			mp_message_free(&m);
			bytes += (double)mails[i].len;
		}
		done += nmails;
		el = now() - t0;
	} while (el < secs);
	printf("bench: mailparse_msgs %.0f msg/s\n", (double)done / el);
	printf("bench: mailparse_mb %.1f MB/s\n", bytes / el / 1e6);
	return 0;
}
