/*
 * NAME
 *	test_mailparse - mailparse over the shared corpus of real mail
 * DESCRIPTION
 *	Every fixture of ../shared/corpus (or $MP_CORPUS) must parse
 *	without error. Then each line of expected.jsonl is checked the way
 *	its source's test checks it, and the number that agree is printed
 *	with every one that does not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mailparse/mailparse.h"

static const char *corpus;

/* slurp - a whole file, NUL-terminated; *len_r its length */
static char *
slurp(const char *path, size_t *len_r)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	if (buf) {
		buf[n] = '\0';
		*len_r = (size_t)n;
	}
	return buf;
}

/* walk_dir - parse every fixture below dir; counts in *n, *bad */
static void
walk_dir(const char *dir, unsigned *n, unsigned *bad)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;

		if (e->d_name[0] == '.' || strcmp(e->d_name, "LICENSES") == 0 ||
		    strcmp(e->d_name, "README.md") == 0 ||
		    strcmp(e->d_name, "expected.jsonl") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk_dir(path, n, bad);
		} else {
			struct mp_message *m;
			struct mp_error err;
			size_t len;
			char *raw = slurp(path, &len);

			assert_non_null(raw);
			(*n)++;
			if (mp_parse(raw, len, NULL, &m, &err) != MP_OK) {
				print_error("%s: %s\n", path, err.msg);
				(*bad)++;
			}
			mp_message_free(&m);
			free(raw);
		}
	}
	closedir(d);
}

static void
every_fixture_parses(void **state)
{
	unsigned n = 0, bad = 0;

	(void)state;
	if (!corpus)
		skip();
	walk_dir(corpus, &n, &bad);
	print_message("corpus: %u fixtures parsed, %u errors\n", n, bad);
	assert_true(n >= 340);
	assert_int_equal(bad, 0);
}

/* normalize - apply a source's normalisation in place */
static void
normalize(char *s, const char *how)
{
	size_t r = 0, w = 0, n = strlen(s);

	if (!how)
		return;
	if (strcmp(how, "strip_all_whitespace") == 0) {
		for (r = 0; s[r]; r++)
			if (!isspace((unsigned char)s[r]))
				s[w++] = s[r];
		s[w] = '\0';
	} else if (strcmp(how, "trim") == 0) {
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			s[--n] = '\0';
		while (isspace((unsigned char)s[r]))
			r++;
		memmove(s, s + r, n - r + 1);
	} else if (strcmp(how, "rtrim") == 0) {
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			s[--n] = '\0';
	} else if (strcmp(how, "chomp") == 0) {
		if (n > 0 && s[n - 1] == '\n')
			s[--n] = '\0';
		if (n > 0 && s[n - 1] == '\r')
			s[--n] = '\0';
	} else if (strcmp(how, "crlf_to_lf") == 0) {
		for (r = 0; s[r]; r++)
			if (!(s[r] == '\r' && s[r + 1] == '\n'))
				s[w++] = s[r];
		s[w] = '\0';
	}
}

/* ours - what mailparse gives for an expectation line, malloc'd */
static char *
ours(json_t *v)
{
	const char *file = json_string_value(json_object_get(v, "file"));
	const char *kind = json_string_value(json_object_get(v, "kind"));
	const char *target = json_string_value(json_object_get(v, "target"));
	const char *format = json_string_value(json_object_get(v, "format"));
	bool bare = json_is_true(json_object_get(v, "bare"));
	char path[1024], *raw, *text, *out = NULL;
	struct mp_message *m = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", corpus, file);
	raw = slurp(path, &len);
	if (!raw)
		return strdup("(unreadable)");
	if (bare) {
		text = format && strcmp(format, "html") == 0
			   ? mp_html_to_text(raw, len)
			   : strdup(raw);
	} else if (mp_parse(raw, len, NULL, &m, NULL) == MP_OK) {
		text = strdup(target && strcmp(target, "html_body") == 0
				  ? m->html
				  : m->body);
	} else {
		text = strdup("(parse error)");
	}
	if (kind && strcmp(kind, "reply") == 0 && text)
		out = mp_visible_text(
		    text, json_string_value(json_object_get(v, "sender")),
		    NULL);
	else
		out = text ? strdup(text) : NULL;
	free(text);
	free(raw);
	mp_message_free(&m);
	return out;
}

/* agrees - our text against the expectation, as its test compares */
static bool
agrees(json_t *v, char *got)
{
	const char *match = json_string_value(json_object_get(v, "match"));
	const char *how = json_string_value(json_object_get(v, "normalize"));
	const char *target = json_string_value(json_object_get(v, "target"));
	char *want = strdup(json_string_value(json_object_get(v, "visible")));
	bool ok;

	normalize(got, how);
	normalize(want, how);
	if (!how) {
		/* trailing line ends are formatting, not text: the sources
		 * differ, and an SMS never ends with them */
		normalize(got, "rtrim");
		normalize(want, "rtrim");
	}
	if (!match && target && strcmp(target, "first_fragment") == 0)
		/* the top fragment: the visible text starts with it (see
		 * the corpus README); ours also keeps interleaved replies */
		ok = strncmp(got, want, strlen(want)) == 0;
	else if (!match)
		ok = strcmp(got, want) == 0;
	else if (strcmp(match, "prefix") == 0)
		ok = strncmp(got, want, strlen(want)) == 0;
	else if (strcmp(match, "contains") == 0)
		ok = strstr(got, want) != NULL;
	else
		ok = strstr(got, want) == NULL;
	free(want);
	return ok;
}

/* The deliberate disagreements: "file\tsource\ttarget\tmatch" keys. */
static char *exceptions[64];
static bool excepted_seen[64];
static unsigned nexceptions;

/* load_exceptions - read tests/mailparse_exceptions.txt */
static void
load_exceptions(void)
{
	FILE *fp = fopen("tests/mailparse_exceptions.txt", "r");
	char line[2048];

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) && nexceptions < 64) {
		char *p = line;
		int tabs = 0;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		while (*p && tabs < 4)
			tabs += *p++ == '\t';
		assert_int_equal(tabs, 4); /* and a reason after */
		assert_true(strlen(p) > 10);
		p[-1] = '\0';
		exceptions[nexceptions++] = strdup(line);
	}
	fclose(fp);
}

/* excepted - index of the exception for line v, or -1 */
static int
excepted(json_t *v)
{
	const char *match = json_string_value(json_object_get(v, "match"));
	char key[2048];
	unsigned i;

	snprintf(key, sizeof(key), "%s\t%s\t%s\t%s",
		 json_string_value(json_object_get(v, "file")),
		 json_string_value(json_object_get(v, "source")),
		 json_string_value(json_object_get(v, "target")),
		 match ? match : "equal");
	for (i = 0; i < nexceptions; i++)
		if (strcmp(exceptions[i], key) == 0)
			return (int)i;
	return -1;
}

static void
expectations(void **state)
{
	char path[1024], line[1 << 16];
	unsigned total = 0, agree = 0, unlisted = 0, i;
	FILE *fp;

	(void)state;
	if (!corpus)
		skip();
	load_exceptions();
	snprintf(path, sizeof(path), "%s/expected.jsonl", corpus);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		json_t *v = json_loads(line, 0, NULL);
		char *got;
		bool ok;
		int ex;

		assert_non_null(v);
		got = ours(v);
		assert_non_null(got);
		total++;
		ok = agrees(v, got);
		ex = excepted(v);
		if (ok) {
			agree++;
			if (ex >= 0)
				fail_msg("%s is listed as an exception but "
					 "agrees now: remove it",
					 json_string_value(
					     json_object_get(v, "file")));
		} else if (ex >= 0) {
			excepted_seen[ex] = true;
		} else {
			unlisted++;
			print_error(
			    "unlisted disagreement: %s [%s %s]\n",
			    json_string_value(json_object_get(v, "file")),
			    json_string_value(json_object_get(v, "source")),
			    json_string_value(json_object_get(v, "target")));
		}
		if (!ok && getenv("MP_VERBOSE")) {
			const char *want =
			    json_string_value(json_object_get(v, "visible"));
			size_t d = 0;

			while (got[d] && got[d] == want[d])
				d++;
			print_message(
			    "DISAGREE %s at %zu: got \"%.60s\" want "
			    "\"%.60s\"\n",
			    json_string_value(json_object_get(v, "file")), d,
			    got + d, want + (d < strlen(want) ? d : 0));
		}
		free(got);
		json_decref(v);
	}
	fclose(fp);
	print_message("expected.jsonl: %u of %u agree (%.1f%%); %u listed "
		      "exceptions\n",
		      agree, total, 100.0 * agree / (total ? total : 1),
		      nexceptions);
	assert_int_equal(total, 159);
	assert_int_equal(unlisted, 0);
	for (i = 0; i < nexceptions; i++) {
		if (!excepted_seen[i])
			fail_msg("exception matches no line: %s",
				 exceptions[i]);
		free(exceptions[i]);
	}
	assert_true(agree * 100 >= total * 95); /* at least 95% outright */
}

/* parse_fixture - one of our own fixtures under tests/mailparse */
static struct mp_message *
parse_fixture(const char *name)
{
	struct mp_message *m;
	struct mp_error err;
	char path[256];
	size_t len;
	char *raw;

	snprintf(path, sizeof(path), "tests/mailparse/%s", name);
	raw = slurp(path, &len);
	assert_non_null(raw);
	if (mp_parse(raw, len, NULL, &m, &err) != MP_OK)
		fail_msg("%s: %s", name, err.msg);
	free(raw);
	return m;
}

static void
charsets_and_clients(void **state)
{
	/* our fixtures: the words the phone must get */
	static const struct {
		const char *file, *text;
	} cases[] = {
	    {"koi8r.eml", "Привет, встречаемся в 7."},
	    {"windows1252.eml", "It’s “done” – 5€."},
	    {"shift_jis.eml", "明日の会議は三時です。"},
	    {"iso2022jp.eml", "了解しました。"},
	    {"gb2312.eml", "明天下午三点见。"},
	    {"big5.eml", "明天下午三點見。"},
	    {"utf8_bom.eml", "Café at 9?"},
	    {"mislabelled_latin1.eml", "Señor, ¿mañana? 👍"},
	    {"unknown_charset.eml", "Café at 9"},
	    {"undeclared_8bit.eml", "Façade “quoted”"},
	    {"outlook_reply.eml", "Sounds good, see you at 7."},
	    {"gmail_reply.eml", "Yes — bring the tickets!"},
	    {"apple_mail_flowed.eml",
	     "I will be there at seven, and I will bring the tickets for "
	     "everyone who comes along."},
	    {"html_only.eml",
	     "Meeting *moved* to 3pm & room 4.\n\n- Bring slides\n- Bring "
	     "coffee\n\nMap: room 4 (https://maps.example.com/r4)"},
	    {"image_attachment.eml", "Here is the photo."},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mp_message *m = parse_fixture(cases[i].file);
		char *v = mp_visible_text(m->body, m->from_name, NULL);

		assert_non_null(v);
		if (strcmp(v, cases[i].text) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].file,
				 v, cases[i].text);
		free(v);
		mp_message_free(&m);
	}
}

static void
headers_and_attachments(void **state)
{
	struct mp_message *m = parse_fixture("image_attachment.eml");

	(void)state;
	assert_string_equal(m->from_addr, "alice@example.com");
	assert_string_equal(m->from_name, "Alice Smith");
	assert_string_equal(m->message_id, "photo@example.com");
	assert_int_equal(m->nattachments, 2);
	assert_string_equal(m->attachments[0].content_type, "image/png");
	assert_string_equal(m->attachments[0].filename, "a.png");
	assert_true(m->attachments[0].image);
	assert_int_equal(m->attachments[0].size, 8);
	assert_memory_equal(m->attachments[0].data, "\x89PNG", 4);
	assert_false(m->attachments[1].image);
	assert_string_equal(m->attachments[1].filename, "menu.pdf");
	mp_message_free(&m);
}

/*
 * lean_options - what the milter asks for: attachments sized, not
 * decoded; the HTML a body came from not kept; the same text and sizes
 */
static void
lean_options(void **state)
{
	static const char *files[] = {"image_attachment.eml", "html_only.eml"};
	struct mp_message *full, *lean;
	struct mp_error err;
	struct mp_opts o;
	char path[256];
	size_t i, k, len;
	char *raw;

	(void)state;
	mp_opts_init(&o);
	assert_true(o.attachment_data);
	assert_true(o.keep_html);
	o.attachment_data = false;
	o.keep_html = false;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "tests/mailparse/%s", files[i]);
		raw = slurp(path, &len);
		assert_non_null(raw);
		assert_int_equal(mp_parse(raw, len, NULL, &full, &err), MP_OK);
		assert_int_equal(mp_parse(raw, len, &o, &lean, &err), MP_OK);
		assert_string_equal(lean->body, full->body);
		assert_int_equal(lean->body_html, full->body_html);
		assert_string_equal(lean->html, "");
		assert_int_equal(lean->nattachments, full->nattachments);
		for (k = 0; k < full->nattachments; k++) {
			assert_null(lean->attachments[k].data);
			assert_non_null(full->attachments[k].data);
			assert_int_equal(lean->attachments[k].size,
					 full->attachments[k].size);
			assert_string_equal(lean->attachments[k].filename,
					    full->attachments[k].filename);
		}
		mp_message_free(&full);
		mp_message_free(&lean);
		free(raw);
	}
}

static void
voicemail(void **state)
{
	static const struct {
		const char *file, *caller, *name, *duration, *text;
	} cases[] = {
	    {"voicemail_asterisk.eml", "2025550143", "John Doe", "0:42", ""},
	    {"voicemail_freepbx.eml", "2025550143", "John Doe", "0:42", ""},
	    {"voicemail_transcription.eml", "+12025550143", "John Doe", "0:42",
	     "Hi Alice, it's John. The plumber is coming at three, call me "
	     "back."},
	};
	struct mp_voicemail vm;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mp_message *m = parse_fixture(cases[i].file);

		if (!mp_voicemail(m->body, &vm))
			fail_msg("%s: not recognised", cases[i].file);
		assert_string_equal(vm.caller, cases[i].caller);
		assert_string_equal(vm.caller_name, cases[i].name);
		assert_string_equal(vm.duration, cases[i].duration);
		assert_string_equal(vm.transcription, cases[i].text);
		free(vm.transcription);
		mp_message_free(&m);
	}
	/* an ordinary mail is not one */
	assert_false(mp_voicemail("From: the office\nSee you.", &vm));
}

static void
templates(void **state)
{
	static const struct {
		const char *tmpl, *subject, *body, *from, *want;
	} t[] = {
	    {"{subject}: {body}", "Dinner", "At 7?", "", "Dinner: At 7?"},
	    {"{subject}: {body}", "", "At 7?", "", "At 7?"},
	    {"[{from}] {subject} - {body}", "Hi", "x", "Al", "[Al] Hi - x"},
	    {"{body}", "ignored", "only", "", "only"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *out =
		    mp_template(t[i].tmpl, t[i].subject, t[i].body, t[i].from);

		assert_non_null(out);
		assert_string_equal(out, t[i].want);
		free(out);
	}
}

static void
html_text(void **state)
{
	static const struct {
		const char *html, *want;
	} t[] = {
	    {"<p>Hi &amp; <b>bye</b></p>", "Hi & *bye*"},
	    {"<p>a < b <<<< c</p>", "a < b <<<< c"}, /* lone "<" once each */
	    {"<ul><li>one<li>two</ul>", "- one\n- two"},
	    {"<a href=\"http://x.example\">site</a>",
	     "site (http://x.example)"},
	    {"<a href=\"http://x.example\">http://x.example</a>",
	     "http://x.example"},
	    {"<style>p{}</style><script>x()</script>ok", "ok"},
	    {"tail <b", "tail <b"}, /* unterminated tag: text */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *out = mp_html_to_text(t[i].html, strlen(t[i].html));

		assert_non_null(out);
		assert_string_equal(out, t[i].want);
		free(out);
	}
}

/*
 * reply_lines - the reply's rules where they look past the next few
 * lines (the text is walked, not indexed): a quote header followed by
 * blank lines, an Outlook block's last field, a long text of short
 * lines
 */
static void
reply_lines(void **state)
{
	static const struct {
		const char *text, *want;
	} t[] = {
	    {"New words\nOn Mon, 1 Jan 2024, Bob <b@x.org> wrote:\n\n\n\n"
	     "\n\n\n\n\n\n> old\nMore words\n",
	     "New words\n\nMore words"},
	    {"New words\nOn Mon, 1 Jan 2024, Bob <b@x.org> wrote:\n\n\n\n"
	     "\n\n\n\n\n\nold, unquoted\n",
	     "New words"},
	    {"Hi\nFrom: Bob\n1\n2\n3\n4\n5\nSent: Monday\nrest\n", "Hi"},
	    {"Hi\nFrom: Bob\n1\n2\n3\n4\n5\n6\nSent: Monday\nrest",
	     "Hi\nFrom: Bob\n1\n2\n3\n4\n5\n6\nSent: Monday\nrest"},
	    {"Hi\r\n> q\r\nthere\r", "Hi\nthere"},
	};
	size_t i, n = 100000;
	char *s, *out;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		out = mp_visible_text(t[i].text, NULL, NULL);
		assert_non_null(out);
		assert_string_equal(out, t[i].want);
		free(out);
	}
	s = malloc(3 * n + 1);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + 3 * i, "a\r\n", 3);
	s[3 * n] = '\0';
	out = mp_visible_text(s, "Alice Smith", NULL);
	assert_non_null(out);
	assert_int_equal(strlen(out), 2 * n - 1);
	assert_int_equal(strspn(out, "a\n"), 2 * n - 1);
	free(out);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_fixture_parses),
	    cmocka_unit_test(expectations),
	    cmocka_unit_test(html_text),
	    cmocka_unit_test(reply_lines),
	    cmocka_unit_test(charsets_and_clients),
	    cmocka_unit_test(headers_and_attachments),
	    cmocka_unit_test(lean_options),
	    cmocka_unit_test(voicemail),
	    cmocka_unit_test(templates),
	};
	struct stat st;

	mp_init();
	corpus = getenv("MP_CORPUS") ? getenv("MP_CORPUS") : "../shared/corpus";
	if (stat(corpus, &st) != 0) {
		print_message("skip: %s not found (set MP_CORPUS)\n", corpus);
		corpus = NULL;
	}
	return cmocka_run_group_tests_name("mailparse", tests, NULL, NULL);
}
