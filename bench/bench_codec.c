/*
 * NAME
 *	bench_codec - throughput of the SMS codec over a mixed corpus
 * SYNOPSIS
 *	bench_codec --write-corpus FILE [COUNT [KIND]]
 *	bench_codec [--no-smart] FILE [SECONDS]
 * DESCRIPTION
 *	The first form writes a deterministic corpus of COUNT (default
 *	2000) texts, NUL-separated: plain GSM, long GSM, GSM with
 *	extension characters, typographic punctuation, accented Latin,
 *	Cyrillic, CJK, Hindi and emoji, short and long; with KIND (0-7, in
 *	that order) texts of that kind only. The second plans
 *	every text of FILE (sms_plan_new with the default options: NFC,
 *	smart encoding, segments with their text) over and over for at
 *	least SECONDS (default 2) and prints
 *	"bench: codec_texts_per_s VALUE texts/s" and the total segments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sms/sms.h"

/* rnd - a small deterministic generator (LCG), so the corpus is stable */
static unsigned
rnd(unsigned long long *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(*s >> 33);
}

static const char *const pools[][12] = {
    {"hello", "meeting", "at", "3pm", "tomorrow", "ok", "thanks", "see", "you",
     "there", "call", "me"},
    {"price", "€5", "[ok]", "{x}", "a|b", "~", "^^", "50%", "£3", "$9", "@home",
     "#1"},
    {"It’s", "“fine”", "—", "well…", "don’t", "can’t", "‘ok’", "yes", "no",
     "maybe", "“quote”", "–"},
    {"Señor", "à", "bientôt", "Müller", "café", "naïve", "año", "über",
     "Straße", "façade", "Ørsted", "Ålesund"},
    {"Привет", "как", "дела", "спасибо", "хорошо", "да", "нет", "завтра",
     "встреча", "в", "3", "часа"},
    {"你好", "明天", "见", "谢谢", "会议", "下午", "三点", "好的", "是", "不",
     "在", "家"},
    {"नमस्ते", "कल", "मिलते", "हैं", "धन्यवाद", "ठीक", "है", "हाँ", "नहीं", "बैठक", "३",
     "बजे"},
    {"ok", "😀", "🎉", "❤️", "👍🏽", "☕️", "thanks", "see", "you",
     "🇺🇸", "👨‍👩‍👧", "lol"},
};
#define NPOOLS (sizeof(pools) / sizeof(pools[0]))

/* write_corpus - COUNT texts, NUL-separated; kind -1: mixed */
static int
write_corpus(const char *path, unsigned count, int only)
{
	unsigned long long seed = 20261124;
	FILE *fp = fopen(path, "wb");
	unsigned i;

	if (!fp) {
		perror(path);
		return 1;
	}
	for (i = 0; i < count; i++) {
		unsigned kind = rnd(&seed) % NPOOLS;
		/* mostly short texts, some long enough for several parts */
		unsigned words = rnd(&seed) % 4 == 0 ? 40 + rnd(&seed) % 120
						     : 3 + rnd(&seed) % 25;
		unsigned w;

		if (only >= 0)
			kind = (unsigned)only;
		for (w = 0; w < words; w++) {
			/* a text mostly of one kind, with plain GSM words */
			unsigned p = rnd(&seed) % 3 == 0 ? 0 : kind;

			fprintf(fp, "%s%s", w ? " " : "",
				pools[p][rnd(&seed) % 12]);
		}
		fputc('\0', fp);
	}
	return fclose(fp) == 0 ? 0 : 1;
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
	struct sms_opts opts;
	char *buf, **texts;
	size_t len, n = 0, i, *lens;
	unsigned long long segs = 0, done = 0;
	double secs = 2, t0, el;
	FILE *fp;
	int a = 1;

	if (argc >= 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(
		    argv[2], argc > 3 ? (unsigned)atoi(argv[3]) : 2000,
		    argc > 4 ? atoi(argv[4]) % (int)NPOOLS : -1);
	sms_opts_init(&opts);
	if (a < argc && strcmp(argv[a], "--no-smart") == 0) {
		opts.smart = false;
		a++;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: bench_codec [--no-smart] FILE "
				"[SECONDS]\n");
		return 2;
	}
	if (a + 1 < argc)
		secs = atof(argv[a + 1]);
	fp = fopen(argv[a], "rb");
	if (!fp || fseek(fp, 0, SEEK_END) != 0) {
		perror(argv[a]);
		return 1;
	}
	len = (size_t)ftell(fp);
	rewind(fp);
	buf = malloc(len + 1);
	texts = malloc((len + 1) * sizeof(*texts));
	lens = malloc((len + 1) * sizeof(*lens));
	if (!buf || !texts || !lens || fread(buf, 1, len, fp) != len)
		return 1;
	fclose(fp);
	for (i = 0; i < len; i++) {
		size_t start = i;

		while (i < len && buf[i] != '\0')
			i++;
		texts[n] = buf + start;
		lens[n++] = i - start;
	}
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			struct sms_plan *p =
			    sms_plan_new(texts[i], lens[i], &opts, NULL);

			if (!p)
				return 1;
			segs += p->nparts;
			sms_plan_free(&p);
		}
		done += n;
		el = now() - t0;
	} while (el < secs);
	printf("bench: codec_texts_per_s %.0f texts/s\n", (double)done / el);
	printf("bench: codec_corpus_segments %llu segments\n",
	       segs / (done / n));
	free(buf);
	free(texts);
	free(lens);
	return 0;
}
