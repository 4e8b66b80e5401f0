/* Unit tests: the team's replies. mime_reply_new_text (quote, forward and signature forms,
   and the real replies of eleven mail clients in ../shared/corpora/talon-replies, skipped
   when absent), team_block_parse, team_is_member and team_auth_check (RFC 8601). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mime.h"
#include "pd-limits.h"
#include "team.h"
#include "testutil.h"

#define NBSP "\xC2\xA0"

/* ---------------------------------------------------------------- new text */

struct text_case {
	const char *name;
	const char *body;
	unsigned flags;
	const char *want;
};

#define NOSIG MIME_REPLY_NO_SIGNATURE
#define QUOTES MIME_REPLY_QUOTES_ONLY

static const struct text_case text_cases[] = {
	{ "no quotes: itself", "Please send me my data.\nThanks for your help.", 0,
	  "Please send me my data.\nThanks for your help." },
	{ "no quotes, no signature: itself", "Please send me my data.\n\nI was at the station.",
	  NOSIG, "Please send me my data.\n\nI was at the station." },
	{ "empty", "", NOSIG, "" },
	{ "trailing blank lines", "Hi\n\n \n\t\n" NBSP "\n", 0, "Hi" },
	{ "outlook From/Sent", "Please extend.\n\nFrom: Disclosure <d@police.test>\n"
	  "Sent: 03 March 2026 10:00\nTo: Jo\nSubject: PD-2026-000123\n\n#close old\n", 0,
	  "Please extend." },
	{ "outlook *From:* bold", "Yes.\n\n*From:* Disclosure Unit\n*Sent:* Tuesday\n*To:* Jo\n\nold",
	  0, "Yes." },
	{ "outlook HTML flattened, one line", "Yes please.\n\nFrom: Disclosure <d@police.test> "
	  "Sent: 03 March 2026 10:00 To: Jo Subject: Re\n\nquoted text", 0, "Yes please." },
	{ "outlook Original Message", "Thank you.\n\n-----Original Message-----\nFrom: x\n"
	  "Sent: y\n\nold", 0, "Thank you." },
	{ "outlook underscore rule", "Fine.\n\n________________________________\nFrom: x\n\nold", 0,
	  "Fine." },
	{ "gmail one line", "Hello\n\nOn Mon, 2 Mar 2026 at 10:00, Disclosure <d@police.test> "
	  "wrote:\n\n> old\n> more\n", 0, "Hello" },
	{ "gmail two lines", "Hello\n\nOn Mon, 2 Mar 2026 at 10:00, Disclosure Unit "
	  "<d@police.test>\nwrote:\n\n> old\n", 0, "Hello" },
	{ "gmail HTML flattened", "Hello\n\nOn Mon, 2 Mar 2026 at 10:00, Disclosure "
	  "<d@police.test> wrote:\n\nold text\n", 0, "Hello" },
	{ "thunderbird top-posted", "Hello\n\nOn 02/03/2026 10:00, Disclosure Unit wrote:\n> old\n",
	  0, "Hello" },
	{ "thunderbird bottom-posted", "On 02/03/2026 10:00, Disclosure Unit wrote:\n> old\n"
	  "Hello below", 0, "Hello below" },
	{ "inline answers", "On Mon, Jo <jo@x.test> wrote:\n> Question one?\nAnswer one.\n"
	  "> Question two?\nAnswer two.\n", 0, "Answer one.\nAnswer two." },
	{ "apple mail quoted attribution", "Hello\n> On 2 Mar 2026, at 10:00, Jo <jo@x.test> "
	  "wrote:\n>\n> Hi\n", 0, "Hello" },
	{ "apple mail forwarded", "See below.\n\nBegin forwarded message:\n\nFrom: Jo\n"
	  "Subject: x\n\nforwarded text", 0, "See below." },
	{ "gmail forwarded", "FYI\n\n---------- Forwarded message ---------\nFrom: Jo "
	  "<jo@x.test>\nDate: Mon\n\ntext", 0, "FYI" },
	{ "forwarded kept with QUOTES_ONLY", "FYI\n\n---------- Forwarded message ---------\n"
	  "text\n", QUOTES, "FYI\n\n---------- Forwarded message ---------\ntext\n" },
	{ "QUOTES_ONLY keeps trailing blanks", "Hi\n\n> q\n", QUOTES, "Hi\n\n" },
	{ "QUOTES_ONLY cuts at On...wrote: even above quotes",
	  "On Mon, Jo <jo@x.test> wrote:\n> q\nAnswer\n", QUOTES, "" },
	{ "hotmail header block", "Hi.\n\nDate: Thu, 26 Jun 2014 13:53:45 +0400\nSubject: Test\n"
	  "From: a@x.test\nTo: b@x.test\n\nold", 0, "Hi." },
	{ "german header block", "Ja.\n\nVon: Jo <jo@x.test>\nGesendet: Montag, 2. März 2026\n"
	  "An: Disclosure\nBetreff: PD\n\nalt", 0, "Ja." },
	{ "german attribution above quotes", "Hallo\n\nAm 02.03.2026 um 10:00 schrieb Jo "
	  "<jo@x.test>:\n\n> alt\n", 0, "Hallo" },
	{ "android attribution wrapped", "Hello\n02.04.2012 14:20 пользователь \"bob@x.test\" <\n"
	  "bob@x.test> написал:\n\n> Hi\n", 0, "Hello" },
	{ "yandex attribution, HTML flattened", "Hi.\n\n26.06.2014, 14:41, \"Jo\" <jo@x.test>:\n"
	  "Hello! How are you?", 0, "Hi." },
	{ "yahoo dashed attribution", "Joe\n\n--- On Wed, 4/4/12, jo@x.test <jo@x.test> wrote:\n\n"
	  "From: jo@x.test\nold", 0, "Joe" },
	{ "text above an attribution kept", "I rang them at 10:30.\nOn Mon, 2 Mar 2026, Jo "
	  "<jo@x.test> wrote:\n> old\n", 0, "I rang them at 10:30." },
	{ "a colon line not above quotes kept", "My questions are:\n1. one\n2. two at 10:30:\n"
	  "3. three", 0, "My questions are:\n1. one\n2. two at 10:30:\n3. three" },
	{ "iphone footer kept without the flag", "Hello\n\nSent from my iPhone\n\nOn 3 Mar 2026, "
	  "at 16:19, Jo <jo@x.test> wrote:\n\n> Hi\n", 0, "Hello\n\nSent from my iPhone" },
	{ "iphone footer", "Hello\n\nSent from my iPhone\n\nOn 3 Mar 2026, at 16:19, Jo "
	  "<jo@x.test> wrote:\n\n> Hi\n", NOSIG, "Hello" },
	{ "android footer", "Yes\n\nGet Outlook for Android\n", NOSIG, "Yes" },
	{ "samsung footer", "Yes\n\nSent from my Samsung Galaxy smartphone.", NOSIG, "Yes" },
	{ "dash signature kept without the flag", "Text here.\n\n-- \nJo Bloggs\nDisclosure\n", 0,
	  "Text here.\n\n-- \nJo Bloggs\nDisclosure" },
	{ "dash signature", "Text here.\n\n-- \nJo Bloggs\nDisclosure Officer\n", NOSIG,
	  "Text here." },
	{ "dash signature without its space", "Text here.\n--\nJo", NOSIG, "Text here." },
	{ "sign-off block", "Please extend.\n\nKind regards,\n\nJo Bloggs\nDisclosure Officer\n"
	  "Information Management\n01234 567890\n", NOSIG, "Please extend." },
	{ "sign-off with name on six lines", "Done.\nRegards\n1\n2\n3\n4\n5\n6", NOSIG, "Done." },
	{ "sign-off with seven lines after is text", "Done.\nRegards\n1\n2\n3\n4\n5\n6\n7", NOSIG,
	  "Done.\nRegards\n1\n2\n3\n4\n5\n6\n7" },
	{ "sign-off before a long line is text", "Done.\nRegards,\nJo\nThis is a long sentence "
	  "that goes on well past what a name or a title or a phone number would take.", NOSIG,
	  "Done.\nRegards,\nJo\nThis is a long sentence that goes on well past what a name or a "
	  "title or a phone number would take." },
	{ "sign-off then footer", "Done.\n\nThanks,\nJo\n\nSent from my iPhone", NOSIG, "Done." },
	{ "two sign-offs", "Done.\n\nMany thanks,\n\nYours sincerely,\nJo Bloggs", NOSIG, "Done." },
	{ "sign-off words in a sentence", "Thanks for the update, I will send my ID.\n", NOSIG,
	  "Thanks for the update, I will send my ID." },
	{ "sign-off alone", "Cheers!", NOSIG, "" },
	{ "Welsh sign-off", "Mae'r ffurflen wedi'i hanfon.\n\nCofion,\nSiân", NOSIG,
	  "Mae'r ffurflen wedi'i hanfon." },
	{ "thanks left alone after a sign-off goes too", "Diolch.\n\nCofion,\nSiân", NOSIG, "" },
	{ "best wishes with U+00A0", "Noted.\n" NBSP "\nBest" NBSP "wishes,\nJo", NOSIG, "Noted." },
};

static void test_new_text_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		char *got = mime_reply_new_text(c->body, c->flags);
		if (strcmp(got, c->want) != 0)
			fail_msg("%s: got [%s], want [%s]", c->name, got, c->want);
		g_free(got);
	}
	char *empty = mime_reply_new_text(NULL, 0);
	assert_string_equal(empty, "");
	g_free(empty);
}

/* ---------------------------------------------------------------- talon corpus */

struct talon_reply {
	const char *file;
	const char *first_line; /* the reply's first line; NULL: compare with FILE_reply_text */
	const char *quoted;     /* a string only in the quoted history */
};

static const struct talon_reply talon_replies[] = {
	{ "android.eml", "Hello", "написал" },
	{ "aol.eml", "Hello", "Original Message" },
	{ "apple_mail.eml", "Hello", "wrote:" },
	{ "apple_mail_2.eml", "Hello", "wrote:" },
	{ "comcast.eml", "Hello", "Original Message" },
	{ "gmail.eml", "Hello", "wrote:" },
	{ "hotmail.eml", "Hello", "Subject: Test" },
	{ "iphone.eml", NULL, "wrote" },
	{ "outlook.eml", "Hello", "manager" },
	{ "sparrow.eml", NULL, "wrote" },
	{ "thunderbird.eml", "Hello", "wrote:" },
	{ "yahoo.eml", "Hello", "Original Message" },
};

/* The folder, or skip the test saying so (a fresh clone has no ../shared). */
static const char *talon_or_skip(void)
{
	static char *dir; /* kept for the whole run */

	if (dir == NULL)
		dir = tu_corpora_path("talon-replies");

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		print_message("talon replies: %s not found, skipping\n", dir);
		skip();
	}
	return dir;
}

static struct mime_message *parse_raw(const char *raw, size_t len)
{
	struct mime_message *msg = NULL;
	char *error = NULL;

	if (mime_parse(raw, len, &msg, &error) != 1)
		fail_msg("mime_parse: %s", error);
	assert_non_null(msg->body_text);
	return msg;
}

static struct mime_message *parse_file(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL), *raw;
	size_t len = 0;
	struct mime_message *msg;

	raw = tu_read_file(path, &len);
	if (raw == NULL)
		fail_msg("cannot read %s", path);
	msg = parse_raw(raw, len);
	g_free(raw);
	g_free(path);
	return msg;
}

/* A line of s that is exactly word once trimmed (the quoted "Hi" of talon's replies). */
static int has_line(const char *s, const char *word)
{
	char **lines = g_strsplit(s, "\n", -1);
	int found = 0;

	for (size_t i = 0; lines[i] != NULL && !found; i++)
		found = strcmp(g_strstrip(lines[i]), word) == 0;
	g_strfreev(lines);
	return found;
}

static char *reply_text_file(const char *dir, const char *eml)
{
	char *base = g_strndup(eml, strlen(eml) - strlen(".eml"));
	char *name = g_strdup_printf("%s_reply_text", base);
	char *path = g_build_filename(dir, name, NULL), *text;
	size_t len;

	text = tu_read_file(path, &len);
	if (text == NULL)
		fail_msg("cannot read %s", path);
	g_strchomp(text);
	g_free(path);
	g_free(name);
	g_free(base);
	return text;
}

static void check_new_text(const char *dir, const struct talon_reply *r,
			   const struct mime_message *msg)
{
	char *got = mime_reply_new_text(msg->body_text, 0);

	if (r->first_line != NULL) {
		if (!g_str_has_prefix(g_strchug(got), r->first_line))
			fail_msg("%s: new text [%s] does not start with %s", r->file, got,
				 r->first_line);
	} else {
		char *want = reply_text_file(dir, r->file);
		if (strcmp(got, want) != 0)
			fail_msg("%s: new text [%s], talon's [%s]", r->file, got, want);
		g_free(want);
	}
	if (strstr(got, r->quoted) != NULL || has_line(got, "Hi") || strchr(got, '>') != NULL)
		fail_msg("%s: quoted history in the new text [%s]", r->file, got);
	g_free(got);
}

/* The talon reply as a team member's: "#note token-XYZ" on top, a sign-off after the reply's
   first line ("Hello"), and every quoted "Hi" (or Outlook's quoted comment) turned into
   "#close token-XYZ" inside the quoted history. */
static char *as_member_reply(const char *body)
{
	char **lines = g_strsplit(body, "\n", -1);
	GString *s = g_string_new("#note token-XYZ\n\n");
	int signed_off = 0, closes = 0;

	for (size_t i = 0; lines[i] != NULL; i++) {
		char *trimmed = g_strstrip(g_strdup(lines[i]));
		const char *content = trimmed + strspn(trimmed, "> ");
		if (strcmp(content, "Hi") == 0 || g_str_has_prefix(content, "Hi ") ||
		    g_str_has_prefix(content, "The manager")) {
			g_string_append_len(s, lines[i], strstr(lines[i], content) - lines[i]);
			g_string_append(s, "#close token-XYZ\n");
			closes++;
		} else {
			g_string_append_printf(s, "%s\n", lines[i]);
		}
		if (!signed_off && strcmp(trimmed, "Hello") == 0) {
			g_string_append(s, "\nKind regards,\nJo Bloggs\nDisclosure Unit\n\n");
			signed_off = 1;
		}
		g_free(trimmed);
	}
	g_strfreev(lines);
	assert_true(signed_off && closes > 0);
	return g_string_free(s, FALSE);
}

static void check_member_reply(const struct talon_reply *r, const struct mime_message *msg)
{
	char *body = as_member_reply(msg->body_text), *text, *error = NULL;
	struct team_block b;

	text = mime_reply_new_text(body, 0);
	if (team_block_parse(text, "PD", &b, &error) != 1)
		fail_msg("%s: %s", r->file, error);
	if (b.n != 1 || strcmp(b.cmds[0].name, "note") != 0 ||
	    strcmp(b.cmds[0].args, "token-XYZ") != 0 || b.cmds[0].line != 1)
		fail_msg("%s: want one #note token-XYZ, got %zu commands from [%s]", r->file, b.n,
			 text);
	if (strstr(b.rest, "token") != NULL || strstr(b.rest, "#close") != NULL ||
	    strstr(b.rest, "regards") != NULL || strstr(b.rest, "Bloggs") != NULL ||
	    strstr(b.rest, "Sent from") != NULL || strstr(b.rest, "Sparrow") != NULL ||
	    strcmp(b.rest, "Hello") != 0)
		fail_msg("%s: rest [%s]", r->file, b.rest);
	team_block_clear(&b);
	g_free(text);
	g_free(body);
}

static void test_talon_standard_replies(void **state)
{
	const char *dir = talon_or_skip();
	char *std = g_build_filename(dir, "standard_replies", NULL);
	GDir *d = g_dir_open(std, 0, NULL);
	const char *name;
	unsigned n = 0;

	assert_non_null(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		const struct talon_reply *r = NULL;
		if (!g_str_has_suffix(name, ".eml"))
			continue;
		for (size_t i = 0; i < G_N_ELEMENTS(talon_replies); i++) {
			if (strcmp(talon_replies[i].file, name) == 0)
				r = &talon_replies[i];
		}
		if (r == NULL)
			fail_msg("%s: a reply this test does not know: add it to the table", name);
		struct mime_message *msg = parse_file(std, name);
		check_new_text(std, r, msg);
		check_member_reply(r, msg);
		mime_message_free(&msg);
		n++;
	}
	g_dir_close(d);
	g_free(std);
	print_message("talon replies: %u standard replies checked\n", n);
	assert_int_equal(n, G_N_ELEMENTS(talon_replies));
}

/* talon's HTML replies (Gmail, Hotmail, Mail.ru, Outlook 2003/2007/2010, Thunderbird,
   Windows Mail, Yandex): each is "Hi. I am fine." / "Thanks," / "Alex" above a quote of
   "Hello! How are you?" */
static void test_talon_html_replies(void **state)
{
	const char *dir = talon_or_skip();
	char *html_dir = g_build_filename(dir, "html_replies", NULL);
	GDir *d = g_dir_open(html_dir, 0, NULL);
	const char *name;
	unsigned n = 0;

	assert_non_null(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(html_dir, name, NULL), *html, *raw, *got, *nosig;
		size_t len;
		html = tu_read_file(path, &len);
		assert_non_null(html);
		raw = g_strdup_printf("From: a@x.test\r\nContent-Type: text/html; charset=utf-8\r\n"
				      "\r\n%s", html);
		struct mime_message *msg = parse_raw(raw, strlen(raw));
		got = mime_reply_new_text(msg->body_text, 0);
		nosig = mime_reply_new_text(msg->body_text, MIME_REPLY_NO_SIGNATURE);
		if (!g_str_has_prefix(got, "Hi. I am fine.") || strstr(got, "How are you") != NULL ||
		    strstr(got, "Sasha") != NULL || strcmp(nosig, "Hi. I am fine.") != 0)
			fail_msg("%s: new text [%s], without signature [%s]", name, got, nosig);
		mime_message_free(&msg);
		g_free(nosig);
		g_free(got);
		g_free(raw);
		g_free(html);
		g_free(path);
		n++;
	}
	g_dir_close(d);
	g_free(html_dir);
	print_message("talon replies: %u HTML replies checked\n", n);
	assert_true(n >= 9);
}

/* The two edge cases: a reply separated by <hr> and a Yahoo "--- On ... wrote:" block. */
static void test_talon_edge_cases(void **state)
{
	const char *dir = talon_or_skip();
	char *path = g_build_filename(dir, "reply-separated-by-hr.html", NULL), *html, *raw, *got;
	struct mime_message *msg;
	size_t len;

	html = tu_read_file(path, &len);
	assert_non_null(html);
	raw = g_strdup_printf("From: a@x.test\r\nContent-Type: text/html\r\n\r\n%s", html);
	msg = parse_raw(raw, strlen(raw));
	got = mime_reply_new_text(msg->body_text, 0);
	assert_string_equal(got, "Hi\nthere\nBob");
	g_free(got);
	mime_message_free(&msg);
	msg = parse_file(dir, "reply-quotations-share-block.eml");
	got = mime_reply_new_text(msg->body_text, 0);
	if (!g_str_has_prefix(got, "Hi Katharine.") || !g_str_has_suffix(got, "Joe XXX") ||
	    strstr(got, "wrote") != NULL || strstr(got, "Booking") != NULL)
		fail_msg("share-block: [%s]", got);
	g_free(got);
	mime_message_free(&msg);
	g_free(raw);
	g_free(html);
	g_free(path);
}

/* ---------------------------------------------------------------- quoted commands */

/* A member who writes nothing above a quoted notification runs nothing, whether the quote
   is marked with '>', by Outlook's header block, or not at all (the text starts the rest). */
static void test_quoted_close_never_runs(void **state)
{
	static const char *const bodies[] = {
		"On Mon, 2 Mar 2026, Disclosure <d@police.test> wrote:\n> #close done\n",
		"\n\nFrom: Disclosure\nSent: Monday\nTo: Jo\n\n#close done\n",
		"> #close done\n",
		"Thanks\n\n-----Original Message-----\n#close done\n",
		"Disclosure request PD-2026-000123\n\n#close REASON   close the case\n",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bodies); i++) {
		char *text = mime_reply_new_text(bodies[i], 0), *error = NULL;
		struct team_block b;
		assert_int_equal(team_block_parse(text, "PD", &b, &error), 1);
		if (b.n != 0)
			fail_msg("body %zu: %zu commands, the first #%s", i, b.n, b.cmds[0].name);
		team_block_clear(&b);
		g_free(text);
	}
}

/* An HTML-only reply from Outlook: paragraphs, U+00A0, a bold quoted header block, and a
   bullet list (Word writes the bullet as text) whose "#close" is not a command. */
static void test_outlook_html_reply(void **state)
{
	static const char raw[] =
		"From: Jo <jo@police.test>\r\nSubject: RE: PD-2026-000123\r\n"
		"Content-Type: text/html; charset=utf-8\r\n\r\n"
		"<html><body><div class=WordSection1>"
		"<p class=MsoNormal>#extend&nbsp;Many systems<o:p></o:p></p>"
		"<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
		"<p class=MsoNormal>#note&nbsp;rang the requester&nbsp;<o:p></o:p></p>"
		"<p class=MsoListParagraph><span style='mso-list:Ignore'>\xC2\xB7<span>&nbsp;&nbsp;"
		"</span></span>#close not this</p>"
		"<p class=MsoNormal>Kind regards,</p><p class=MsoNormal>Jo</p>"
		"<div><p><b>From:</b> Disclosure &lt;d@police.test&gt;<br><b>Sent:</b> Monday<br>"
		"<b>To:</b> Jo</p></div><p>#close quoted</p></div></body></html>\r\n";
	struct mime_message *msg = parse_raw(raw, strlen(raw));
	char *text = mime_reply_new_text(msg->body_text, 0), *error = NULL;
	struct team_block b;

	assert_int_equal(team_block_parse(text, "PD", &b, &error), 1);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.cmds[0].name, "extend");
	assert_string_equal(b.cmds[0].args, "Many systems");
	assert_string_equal(b.cmds[1].name, "note");
	assert_string_equal(b.cmds[1].args, "rang the requester");
	assert_string_equal(b.rest, "\xC2\xB7 #close not this");
	team_block_clear(&b);
	g_free(text);
	mime_message_free(&msg);
}

/* ---------------------------------------------------------------- team_block_parse */

struct cmd_want {
	const char *name, *args;
	unsigned line;
};

struct block_case {
	const char *name;
	const char *text;
	const char *error; /* a part of the error, or NULL: parses */
	const char *case_ref;
	const char *rest;
	struct cmd_want cmds[3];
	size_t n;
};

static const struct block_case block_cases[] = {
	{ "one command", "#note rang the requester", NULL, NULL, "",
	  { { "note", "rang the requester", 1 } }, 1 },
	{ "blank lines between", "#extend Many systems\n\n#note rang\n\nThe rest here.\n", NULL,
	  NULL, "The rest here.", { { "extend", "Many systems", 1 }, { "note", "rang", 3 } }, 2 },
	{ "ends at the first text line", "#note a\nSome text\n#close b\n", NULL, NULL,
	  "Some text\n#close b", { { "note", "a", 1 } }, 1 },
	{ "#case", "#case PD-2026-000123\n#extend Many systems", NULL, "PD-2026-000123", "",
	  { { "extend", "Many systems", 2 } }, 1 },
	{ "#case canonical", "#CASE [pd-2026-000123]\n\n#Extend x", NULL, "PD-2026-000123", "",
	  { { "extend", "x", 3 } }, 1 },
	{ "#case alone", "#case PD-2026-000123\n\nPlease look at this one.", NULL,
	  "PD-2026-000123", "Please look at this one.", { { NULL, NULL, 0 } }, 0 },
	{ "two #case lines", "#case PD-2026-000123\n#note x\n#case PD-2026-000124", "line 3: a "
	  "second #case line (line 1 already names PD-2026-000123)", NULL, NULL,
	  { { NULL, NULL, 0 } }, 0 },
	{ "#case without a reference", "#note x\n#case soon", "line 2: \"#case soon\" has no "
	  "case reference such as PD-YYYY-NNNNNN", NULL, NULL, { { NULL, NULL, 0 } }, 0 },
	{ "#case with a bad reference", "#case PD-2026-0001234", "has no case reference", NULL,
	  NULL, { { NULL, NULL, 0 } }, 0 },
	{ "#case empty", "#case", "line 1: #case needs a case reference such as PD-YYYY-NNNNNN",
	  NULL, NULL, { { NULL, NULL, 0 } }, 0 },
	{ "# not a command", "# not a command\n#note x", NULL, NULL, "# not a command\n#note x",
	  { { NULL, NULL, 0 } }, 0 },
	{ "#1", "#1 first point", NULL, NULL, "#1 first point", { { NULL, NULL, 0 } }, 0 },
	{ "#note: is text", "#note: x", NULL, NULL, "#note: x", { { NULL, NULL, 0 } }, 0 },
	{ "leading blank lines", "\n\n  \n#note x\n", NULL, NULL, "", { { "note", "x", 4 } }, 1 },
	{ "CRLF", "#extend Many systems\r\n\r\n#note rang\r\nText\r\nmore\r\n", NULL, NULL,
	  "Text\nmore", { { "extend", "Many systems", 1 }, { "note", "rang", 3 } }, 2 },
	{ "U+00A0", NBSP "#note" NBSP "rang" NBSP "the requester" NBSP "\n" NBSP "\n#withdraw" NBSP,
	  NULL, NULL, "", { { "note", "rang the requester", 1 }, { "withdraw", "", 3 } }, 2 },
	{ "HTML-flattened paragraphs", "#extend Many systems\n\n#note rang the requester\n\n"
	  "Hi team, see below.\n\nThanks,\nJo", NULL, NULL, "Hi team, see below.",
	  { { "extend", "Many systems", 1 }, { "note", "rang the requester", 3 } }, 2 },
	{ "commands only", "#withdraw\n#note x\n\nKind regards,\nJo Bloggs\n", NULL, NULL, "",
	  { { "withdraw", "", 1 }, { "note", "x", 2 } }, 2 },
	{ "no commands", "Please extend this.\n\nRegards,\nJo", NULL, NULL, "Please extend this.",
	  { { NULL, NULL, 0 } }, 0 },
	{ "empty", "", NULL, NULL, "", { { NULL, NULL, 0 } }, 0 },
	/* rest goes through mime_reply_new_text, which drops a quoted line the caller left */
	{ "a > line is never a command", "> #close x\n#note y", NULL, NULL, "#note y",
	  { { NULL, NULL, 0 } }, 0 },
	{ "full-width #", "\xEF\xBC\x83" "close x", NULL, NULL, "\xEF\xBC\x83" "close x",
	  { { NULL, NULL, 0 } }, 0 },
	{ "bullet before #", "\xE2\x80\xA2 #close x", NULL, NULL, "\xE2\x80\xA2 #close x",
	  { { NULL, NULL, 0 } }, 0 },
	{ "name characters", "#Set-Kinds_2 access,erasure\n\t#NOTE\tx\t", NULL, NULL, "",
	  { { "set-kinds_2", "access,erasure", 1 }, { "note", "x", 2 } }, 2 },
	{ "signature after text", "#note x\nText.\n-- \nJo", NULL, NULL, "Text.",
	  { { "note", "x", 1 } }, 1 },
	{ "not UTF-8", "#note \xff", "not valid UTF-8", NULL, NULL, { { NULL, NULL, 0 } }, 0 },
};

static void check_block(const struct block_case *c, int ret, const struct team_block *b,
			const char *error)
{
	if (c->error != NULL) {
		if (ret != 0 || error == NULL || strstr(error, c->error) == NULL)
			fail_msg("%s: want error with [%s], got %d [%s]", c->name, c->error, ret,
				 error != NULL ? error : "");
		assert_true(b->n == 0 && b->cmds == NULL && b->rest == NULL && b->case_ref == NULL);
		return;
	}
	if (ret != 1)
		fail_msg("%s: %s", c->name, error);
	if (b->n != c->n)
		fail_msg("%s: %zu commands, want %zu", c->name, b->n, c->n);
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(b->cmds[i].name, c->cmds[i].name) != 0 ||
		    strcmp(b->cmds[i].args, c->cmds[i].args) != 0 ||
		    b->cmds[i].line != c->cmds[i].line)
			fail_msg("%s: command %zu is #%s [%s] line %u", c->name, i, b->cmds[i].name,
				 b->cmds[i].args, b->cmds[i].line);
	}
	if (g_strcmp0(b->case_ref, c->case_ref) != 0)
		fail_msg("%s: case %s", c->name, b->case_ref);
	if (strcmp(b->rest, c->rest) != 0)
		fail_msg("%s: rest [%s], want [%s]", c->name, b->rest, c->rest);
}

static void test_block_table(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(block_cases); i++) {
		struct team_block b;
		char *error = NULL;
		int ret = team_block_parse(block_cases[i].text, "PD", &b, &error);
		check_block(&block_cases[i], ret, &b, error);
		team_block_clear(&b);
		g_free(error);
	}
}

/* n "#note" lines, then "#case" and text. */
static char *many_commands(unsigned n)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(s, "#note %u\n", i);
	g_string_append(s, "#case PD-2026-000123\nText");
	return g_string_free(s, FALSE);
}

static void test_block_limits(void **state)
{
	struct team_block b;
	char *error = NULL, *text = many_commands(TEAM_MAX_COMMANDS);

	assert_int_equal(team_block_parse(text, "PD", &b, &error), 1);
	assert_int_equal(b.n, TEAM_MAX_COMMANDS);
	assert_string_equal(b.case_ref, "PD-2026-000123");
	team_block_clear(&b);
	g_free(text);
	text = many_commands(TEAM_MAX_COMMANDS + 1);
	assert_int_equal(team_block_parse(text, "PD", &b, &error), 0);
	assert_string_equal(error, "line 21: more than 20 commands in one reply; send the rest "
			    "in another");
	g_clear_pointer(&error, g_free);
	g_free(text);

	GString *line = g_string_new("#note ");
	while (line->len < PD_MAX_CASE_TEXT)
		g_string_append_c(line, 'x');
	assert_int_equal(team_block_parse(line->str, "PD", &b, &error), 1);
	assert_int_equal(strlen(b.cmds[0].args), PD_MAX_CASE_TEXT - 6);
	team_block_clear(&b);
	g_string_append(line, "y\nText");
	assert_int_equal(team_block_parse(line->str, "PD", &b, &error), 0);
	assert_non_null(strstr(error, "line 1: the command line \"#note xxx"));
	assert_non_null(strstr(error, "...\" is 4001 bytes long; at most 4000"));
	g_free(error);
	g_string_free(line, TRUE);
	team_block_clear(&b);
	team_block_clear(NULL);
}

static void test_block_prefix(void **state)
{
	struct team_block b;
	char *error = NULL;

	assert_int_equal(team_block_parse("#case FOI-2026-000001", "FOI", &b, &error), 1);
	assert_string_equal(b.case_ref, "FOI-2026-000001");
	team_block_clear(&b);
	assert_int_equal(team_block_parse("#case PD-2026-000001", "FOI", &b, &error), 0);
	assert_non_null(strstr(error, "FOI-YYYY-NNNNNN"));
	g_free(error);
}

/* ---------------------------------------------------------------- membership */

struct member_case {
	const char *addr;
	int want;
};

static void test_is_member(void **state)
{
	static char *members[] = { "jo.bloggs@police.test", "@disclosure.police.test", "@", NULL };
	static char *none[] = { NULL };
	static const struct member_case cases[] = {
		{ "jo.bloggs@police.test", 1 }, { "Jo.Bloggs@Police.TEST", 1 },
		{ "jo.bloggs2@police.test", 0 }, { "bloggs@police.test", 0 },
		{ "anyone@disclosure.police.test", 1 }, { "ANYONE@DISCLOSURE.POLICE.TEST", 1 },
		{ "x@sub.disclosure.police.test", 0 }, { "x@police.test", 0 },
		{ "x@disclosure.police.test.evil", 0 }, { "@disclosure.police.test", 0 },
		{ "disclosure.police.test", 0 }, { "", 0 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (team_is_member(cases[i].addr, members) != cases[i].want)
			fail_msg("%s: want %d", cases[i].addr, cases[i].want);
	}
	assert_false(team_is_member(NULL, members));
	assert_false(team_is_member("jo.bloggs@police.test", none));
	assert_false(team_is_member("jo.bloggs@police.test", NULL));
}

static void test_auth_names(void **state)
{
	static const char *const names[] = { "none", "spf", "dkim", "dmarc" };
	enum team_auth a;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		assert_int_equal(team_auth_parse(names[i], &a), 1);
		assert_int_equal(a, (enum team_auth)i);
		assert_string_equal(team_auth_name(a), names[i]);
	}
	assert_int_equal(team_auth_parse("DKIM", &a), 1);
	assert_int_equal(a, TEAM_AUTH_DKIM);
	assert_int_equal(team_auth_parse("arc", &a), 0);
	assert_int_equal(team_auth_parse("", &a), 0);
	assert_int_equal(team_auth_parse(NULL, &a), 0);
	assert_string_equal(team_auth_name((enum team_auth)7), "?");
}

/* ---------------------------------------------------------------- Authentication-Results */

#define OURS "Authentication-Results: mx.force.police.uk; "
#define PASS_D "dkim=pass header.d=example.police.uk"
#define M365 "Authentication-Results: spf=pass (sender IP is 40.107.22.51) " \
	"smtp.mailfrom=example.police.uk; dkim=pass (signature was verified) " \
	"header.d=example.police.uk;dmarc=pass action=none header.from=example.police.uk;" \
	"compauth=pass reason=100\r\n"

struct auth_case {
	const char *name;
	const char *headers; /* above From, topmost first, each ending \r\n */
	enum team_auth method;
	int want;
	const char *why;     /* the whole *why_r when want is 0 */
};

static const struct auth_case auth_cases[] = {
	{ "dkim pass", OURS PASS_D "\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "dkim fail", OURS "dkim=fail (bad signature) header.d=example.police.uk\r\n",
	  TEAM_AUTH_DKIM, 0, "dkim=fail" },
	{ "none", OURS "none\r\n", TEAM_AUTH_DKIM, 0,
	  "no dkim result in the Authentication-Results from mx.force.police.uk" },
	{ "missing", "", TEAM_AUTH_DKIM, 0, "no Authentication-Results from mx.force.police.uk" },
	{ "only another server's", "Authentication-Results: mx.other.test; " PASS_D "\r\n",
	  TEAM_AUTH_DKIM, 0, "no Authentication-Results from mx.force.police.uk" },
	{ "a relay's above ours", "Authentication-Results: relay.force.police.uk; dkim=fail\r\n"
	  OURS PASS_D "\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "forged ours below ours", OURS "dkim=fail header.d=example.police.uk\r\n" OURS PASS_D
	  "\r\n", TEAM_AUTH_DKIM, 0, "dkim=fail" },
	{ "ours above a forged fail", OURS PASS_D "\r\n" OURS "dkim=fail\r\n", TEAM_AUTH_DKIM, 1,
	  NULL },
	{ "ours says nothing, a forged pass below", OURS "none\r\n" OURS PASS_D "\r\n",
	  TEAM_AUTH_DKIM, 0, "no dkim result in the Authentication-Results from "
	  "mx.force.police.uk" },
	{ "comments everywhere", "Authentication-Results: (a) mx.force.police.uk (b (nested; "
	  "dkim=pass) \\) c) ; (d) dkim (e) = (f) pass (2048-bit key; unprotected) header (g) . "
	  "(h) d (i) = (j) example.police.uk (k)\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "a comment hides a pass", OURS "dkim=fail (dkim=pass header.d=example.police.uk)\r\n",
	  TEAM_AUTH_DKIM, 0, "dkim=fail" },
	{ "opendkim", OURS "dkim=pass (2048-bit key; unprotected) header.d=example.police.uk "
	  "header.i=@example.police.uk header.b=\"AbCd\"\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "base64 header.b unquoted", OURS "dkim=pass header.b=Ab+/Cd== header.d=example.police.uk"
	  "\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "quoted values", "Authentication-Results: \"mx.force.police.uk\"; dkim=\"pass\" "
	  "header.d=\"example.police.uk\"\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "version", "Authentication-Results: mx.force.police.uk 1; spf=pass "
	  "smtp.mailfrom=jo@example.police.uk\r\n", TEAM_AUTH_SPF, 1, NULL },
	{ "method version", OURS "dkim/1=pass header.d=example.police.uk\r\n", TEAM_AUTH_DKIM, 1,
	  NULL },
	{ "M365 without authserv-id", M365, TEAM_AUTH_DKIM, 0,
	  "no Authentication-Results from mx.force.police.uk" },
	{ "M365 above ours", M365 OURS "dkim=fail\r\n", TEAM_AUTH_DMARC, 0,
	  "no dmarc result in the Authentication-Results from mx.force.police.uk" },
	{ "ARC-Authentication-Results", "ARC-Authentication-Results: i=1; mx.force.police.uk; "
	  PASS_D "\r\nARC-Authentication-Results: mx.force.police.uk; " PASS_D "\r\n",
	  TEAM_AUTH_DKIM, 0, "no Authentication-Results from mx.force.police.uk" },
	{ "authserv-id with a suffix", "Authentication-Results: mx.force.police.uk.evil.test; "
	  PASS_D "\r\n", TEAM_AUTH_DKIM, 0, "no Authentication-Results from mx.force.police.uk" },
	{ "subdomain", OURS "dkim=pass header.d=mail.example.police.uk\r\n", TEAM_AUTH_DKIM, 0,
	  "dkim=pass for mail.example.police.uk, not the From domain example.police.uk" },
	{ "parent domain", OURS "dkim=pass header.d=police.uk\r\n", TEAM_AUTH_DKIM, 0,
	  "dkim=pass for police.uk, not the From domain example.police.uk" },
	{ "spf with local part", OURS "spf=pass smtp.mailfrom=bounces+x@example.police.uk\r\n",
	  TEAM_AUTH_SPF, 1, NULL },
	{ "spf domain only", OURS "spf=pass smtp.mailfrom=example.police.uk\r\n", TEAM_AUTH_SPF,
	  1, NULL },
	{ "spf other domain", OURS "spf=pass smtp.mailfrom=x@esp.example.com\r\n", TEAM_AUTH_SPF,
	  0, "spf=pass for esp.example.com, not the From domain example.police.uk" },
	{ "spf softfail", OURS "spf=softfail smtp.mailfrom=example.police.uk\r\n", TEAM_AUTH_SPF,
	  0, "spf=softfail" },
	{ "spf is not dkim", OURS "spf=pass smtp.mailfrom=example.police.uk\r\n", TEAM_AUTH_DKIM,
	  0, "no dkim result in the Authentication-Results from mx.force.police.uk" },
	{ "dmarc header.from", OURS "dkim=fail; dmarc=pass (p=reject dis=none) "
	  "header.from=example.police.uk\r\n", TEAM_AUTH_DMARC, 1, NULL },
	{ "dmarc fail", OURS "dmarc=fail (p=reject dis=quarantine) header.from=example.police.uk"
	  "\r\n", TEAM_AUTH_DMARC, 0, "dmarc=fail" },
	{ "second dkim passes for From", OURS "dkim=pass header.d=esp.example.com; "
	  "dkim=pass header.d=example.police.uk\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "first fails, second passes", OURS "dkim=fail header.d=example.police.uk;dkim=pass "
	  "header.d=example.police.uk\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "two dkim, none for From", OURS "dkim=fail header.d=example.police.uk; dkim=pass "
	  "header.d=esp.example.com\r\n", TEAM_AUTH_DKIM, 0,
	  "dkim=pass for esp.example.com, not the From domain example.police.uk" },
	{ "names in any case", "Authentication-Results: MX.Force.Police.UK; DKIM=Pass "
	  "HEADER.D=Example.Police.UK.\r\n", TEAM_AUTH_DKIM, 1, NULL },
	{ "pass without a domain", OURS "dkim=pass\r\n", TEAM_AUTH_DKIM, 0,
	  "dkim=pass names no domain to compare with the From domain example.police.uk" },
	{ "authserv-id alone", "Authentication-Results: mx.force.police.uk\r\n", TEAM_AUTH_DKIM,
	  0, "no dkim result in the Authentication-Results from mx.force.police.uk" },
	{ "unclosed comment", OURS "dkim=pass (unclosed header.d=example.police.uk\r\n",
	  TEAM_AUTH_DKIM, 0,
	  "dkim=pass names no domain to compare with the From domain example.police.uk" },
	{ "garbage before results", "Authentication-Results: mx.force.police.uk @@ ;;; = = "
	  "dkim=pass header.d=example.police.uk\r\n", TEAM_AUTH_DKIM, 0,
	  "no dkim result in the Authentication-Results from mx.force.police.uk" },
	/* Postfix with OpenDKIM then OpenDMARC: each milter adds its own header, the last on
	   top. Only the topmost of ours counts, so only the dmarc method sees a result. */
	{ "opendmarc above opendkim, dmarc", OURS "dmarc=pass (p=reject dis=none) "
	  "header.from=example.police.uk\r\n" OURS "dkim=pass (2048-bit key; secure) "
	  "header.d=example.police.uk header.i=@example.police.uk header.b=\"mj+deT/Q\";\r\n "
	  "dkim-atps=neutral\r\n", TEAM_AUTH_DMARC, 1, NULL },
	{ "opendmarc above opendkim, dkim", OURS "dmarc=pass (p=reject dis=none) "
	  "header.from=example.police.uk\r\n" OURS PASS_D "\r\n", TEAM_AUTH_DKIM, 0,
	  "no dkim result in the Authentication-Results from mx.force.police.uk" },
	{ "rspamd, comments with ':' and '@'", OURS "dkim=pass header.d=example.police.uk "
	  "header.s=dkim header.b=abc; spf=pass (mx.force.police.uk: domain of "
	  "jo@example.police.uk designates 192.0.2.1 as permitted sender) "
	  "smtp.mailfrom=jo@example.police.uk; dmarc=pass (policy=reject) "
	  "header.from=example.police.uk\r\n", TEAM_AUTH_SPF, 1, NULL },
	{ "reason quoted with ';'", OURS "dkim=fail reason=\"bad; very\" header.d=x.test; "
	  "dkim=pass reason=\"good signature\" header.d=example.police.uk\r\n", TEAM_AUTH_DKIM,
	  1, NULL },
	{ "method none", "", TEAM_AUTH_NONE, 1, NULL },
};

static struct mime_message *auth_message(const char *headers, const char *from)
{
	char *raw = g_strdup_printf("%sFrom: %s\r\nTo: d@police.test\r\nSubject: x\r\n\r\nx\r\n",
				    headers, from);
	struct mime_message *msg = NULL;
	char *error = NULL;

	if (mime_parse(raw, strlen(raw), &msg, &error) != 1)
		fail_msg("%s", error);
	g_free(raw);
	return msg;
}

static void test_auth_table(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(auth_cases); i++) {
		const struct auth_case *c = &auth_cases[i];
		struct mime_message *msg = auth_message(c->headers, "Jo <jo@example.police.uk>");
		char *why = NULL;
		int got = team_auth_check(msg, "mx.force.police.uk", c->method, &why);
		if (got != c->want || (c->want == 0 && g_strcmp0(why, c->why) != 0) ||
		    (c->want == 1 && why != NULL))
			fail_msg("%s: got %d [%s], want %d [%s]", c->name, got, why, c->want,
				 c->why);
		g_free(why);
		mime_message_free(&msg);
	}
}

static void test_auth_edges(void **state)
{
	struct mime_message *msg = auth_message(OURS PASS_D "\r\n", "not an address");
	char *why = NULL;

	assert_int_equal(team_auth_check(msg, "mx.force.police.uk", TEAM_AUTH_DKIM, &why), 0);
	assert_string_equal(why, "no valid From address");
	g_clear_pointer(&why, g_free);
	mime_message_free(&msg);
	msg = auth_message(OURS PASS_D "\r\n", "jo@example.police.uk");
	assert_int_equal(team_auth_check(msg, "", TEAM_AUTH_DKIM, &why), 0);
	assert_string_equal(why, "no authserv-id configured to trust");
	g_clear_pointer(&why, g_free);
	assert_int_equal(team_auth_check(msg, "MX.FORCE.POLICE.UK", TEAM_AUTH_DKIM, &why), 1);
	/* M365's first resinfo is not an authserv-id, even one configured as "spf". */
	mime_message_free(&msg);
	msg = auth_message(M365, "jo@example.police.uk");
	assert_int_equal(team_auth_check(msg, "spf", TEAM_AUTH_SPF, &why), 0);
	g_free(why);
	mime_message_free(&msg);
}

/* Hostile values: deep or unclosed nesting, stray quotes and escapes, long runs. Never a
   crash, never a pass. */
static void test_auth_hostile(void **state)
{
	GString *deep = g_string_new(OURS);
	char *why = NULL;

	for (int i = 0; i < 20000; i++)
		g_string_append_c(deep, '(');
	g_string_append(deep, PASS_D "\r\n");
	static const char *const values[] = {
		OURS "dkim=pass header.d=\"example.police.uk\\\r\n",
		OURS "\\",
		OURS "dkim=\"\r\n",
		OURS ";;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;\r\n",
		OURS "=====================pass header.d=example.police.uk\r\n",
		OURS "dkim=fail header.d=example.police.uk)))))))\r\n",
		OURS ".......=......=.....\r\n",
		"Authentication-Results: (((((((((((((((((((((((((((\r\n",
		"Authentication-Results: \"\r\n",
		"Authentication-Results: \r\n",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
		struct mime_message *msg = auth_message(values[i], "jo@example.police.uk");
		int ret = team_auth_check(msg, "mx.force.police.uk", TEAM_AUTH_DKIM, &why);
		if (i > 0 && ret != 0)
			fail_msg("value %zu passed", i);
		g_clear_pointer(&why, g_free);
		mime_message_free(&msg);
	}
	struct mime_message *msg = auth_message(deep->str, "jo@example.police.uk");
	assert_int_equal(team_auth_check(msg, "mx.force.police.uk", TEAM_AUTH_DKIM, &why), 0);
	g_free(why);
	mime_message_free(&msg);
	g_string_free(deep, TRUE);
}

static int group_setup(void **state)
{
	mime_init();
	return 0;
}

static int group_teardown(void **state)
{
	mime_deinit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_text_table),
		cmocka_unit_test(test_talon_standard_replies),
		cmocka_unit_test(test_talon_html_replies),
		cmocka_unit_test(test_talon_edge_cases),
		cmocka_unit_test(test_quoted_close_never_runs),
		cmocka_unit_test(test_outlook_html_reply),
		cmocka_unit_test(test_block_table),
		cmocka_unit_test(test_block_limits),
		cmocka_unit_test(test_block_prefix),
		cmocka_unit_test(test_is_member),
		cmocka_unit_test(test_auth_names),
		cmocka_unit_test(test_auth_table),
		cmocka_unit_test(test_auth_edges),
		cmocka_unit_test(test_auth_hostile),
	};

	return cmocka_run_group_tests_name("team", tests, group_setup, group_teardown);
}
