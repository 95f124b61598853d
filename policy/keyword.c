/*
 * NAME
 *	keyword - STOP, START and HELP, as the site words them
 * DESCRIPTION
 *	A text from a phone that is, as a whole, one of StopWords opts the
 *	phone out; one of StartWords opts it back in (from a phone that
 *	is in, it is an ordinary answer); one of HelpWords asks for
 *	HelpText. Case does not matter, nor how many spaces come between
 *	the words of "OPT OUT", nor spaces around. Each phone gets the
 *	answer to one keyword at most KeywordAnswerLimit times: a phone
 *	(or a loop with an autoresponder) texting HELP twenty times gets
 *	one HelpText, not twenty.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"

/* same_words - text is word: any case, runs of space as one */
static bool
same_words(const char *text, const char *word)
{
	while (isspace((unsigned char)*text))
		text++;
	while (isspace((unsigned char)*word))
		word++;
	while (*text && *word) {
		if (isspace((unsigned char)*text) &&
		    isspace((unsigned char)*word)) {
			while (isspace((unsigned char)*text))
				text++;
			while (isspace((unsigned char)*word))
				word++;
			continue;
		}
		if (tolower((unsigned char)*text) !=
		    tolower((unsigned char)*word))
			return false;
		text++;
		word++;
	}
	while (isspace((unsigned char)*text))
		text++;
	while (isspace((unsigned char)*word))
		word++;
	return !*text && !*word;
}

/* in_words - the word of l that text is, or NULL */
static const char *
in_words(const struct conf_list *l, const char *text)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (same_words(text, l->v[i]))
			return l->v[i];
	return NULL;
}

/* policy_keyword - which keyword text is */
enum policy_keyword
policy_keyword(const struct conf *c, const char *text, const char **word_r)
{
	const char *w;

	*word_r = NULL;
	if ((w = in_words(&c->stop_words, text)) != NULL) {
		*word_r = w;
		return POLICY_KW_STOP;
	}
	if ((w = in_words(&c->start_words, text)) != NULL) {
		*word_r = w;
		return POLICY_KW_START;
	}
	if ((w = in_words(&c->help_words, text)) != NULL) {
		*word_r = w;
		return POLICY_KW_HELP;
	}
	return POLICY_KW_NONE;
}

/* policy_keyword_answer_ok - count one answer, if under the limit */
int
policy_keyword_answer_ok(const struct conf *c, struct store *st,
			 const char *phone, enum policy_keyword k, int64_t now,
			 bool *ok_r, struct store_error *err)
{
	static const char *const names[] = {"", "stop", "start", "help"};
	char key[64];
	int64_t retry;

	*ok_r = true;
	if (c->keyword_answer_limit.count <= 0)
		return STORE_OK;
	snprintf(key, sizeof(key), "%s|%s", phone, names[k]);
	return store_rate_hit(st, "kwanswer", key, now,
			      c->keyword_answer_limit.seconds,
			      c->keyword_answer_limit.count, ok_r, &retry, err);
}
