/* Unit tests for the shipped notice templates (templates/, read from the repository root as
   the Makefile runs the tests): every file loads with the placeholders notices provide,
   renders for every regime (Part 3, UK GDPR, not set), kind mix and flag, with and without
   the child flag, and carries the elements domain-rules section 4 requires of its notice
   (table-driven below). Also: the regulator is never named literally, Part 3 and UK GDPR
   wording stay in their own regime, automatic notices quote no personal data, child
   versions stay plain, and the layout is mail-friendly (76 columns, no runs of blank lines).
   Sample values are realistic but kept short: the 76-column check is about the templates'
   own text, not about a long value the gateway inserts on a line of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gateway.h"
#include "template.h"
#include "testutil.h"

#define TEMPLATES_DIR "templates"
#define MAX_COLUMNS 76

/* Every placeholder a notice may use: the gateway's own list, so the test cannot drift. */
#define placeholders gateway_notice_vars

/* ---- the conditions a sample case is rendered under ---- */

enum {
	C_P3 = 1u << 0,   /* regime: law enforcement (DPA 2018 Part 3) */
	C_GDPR = 1u << 1, /* regime: general (UK GDPR) */
	C_NONE = 1u << 2, /* regime not set yet */
	C_DP = 1u << 3,   /* a data-protection kind */
	C_FOI = 1u << 4,  /* an FOI or EIR kind */
	C_CHILD = 1u << 5,
	C_REASON = 1u << 6, /* the team gave a reason */
	C_NOREASON = 1u << 7,
	C_ID = 1u << 8, /* waiting for identity */
	C_NOID = 1u << 9,
	C_STOP = 1u << 10, /* a clarification stopped the clock */
	C_NOSTOP = 1u << 11,
};
#define C_REGIMES (C_P3 | C_GDPR | C_NONE)

struct notice {
	const char *name;
	unsigned int regimes; /* the regimes it can be sent in */
	int requester;        /* to the requester, with a NAME.child version; else to the team */
	int automatic;        /* sent without a person: quotes no personal data */
};

static const struct notice notices[] = {
	{ "acknowledgement", C_REGIMES, 1, 1 },
	{ "identity_request", C_REGIMES, 1, 1 },
	{ "clarification_request", C_REGIMES, 1, 0 },
	{ "extension_notice", C_REGIMES, 1, 0 },
	{ "restriction_notice", C_P3, 1, 0 }, /* DPA 2018 s44, s45, s48: Part 3 only */
	{ "refusal_notice", C_REGIMES, 1, 0 },
	{ "no_action_notice", C_GDPR, 1, 0 }, /* UK GDPR Article 12(4) only */
	{ "restriction_lift_notice", C_REGIMES, 1, 0 },
	{ "response_cover", C_REGIMES, 1, 0 },
	{ "withdrawal_confirmation", C_REGIMES, 1, 0 },
	{ "team_new_case", C_REGIMES, 0, 0 },
	{ "team_notice_failed", C_REGIMES, 0, 0 },
};

/* Sample values. */
#define S_REFERENCE "PD-2026-000123"
#define S_NAME "Ann Example"
#define S_ADDR "ann.example@example.org"
#define S_REASON "Your request covers 14 years of custody records in three systems."
#define S_QUESTION "Which police station were you taken to, and in which year?"
#define S_REGULATOR "Information Commissioner's Office"
#define S_CONTACT "ico.org.uk/make-a-complaint, telephone 0303 123 1113"
#define S_WHY                                                                                   \
	"- rule sar-words: \"subject access\" in the subject\n"                                 \
	"- rule custody: \"custody record\" in the body"
#define S_ATTACHMENTS "- passport.jpg (image/jpeg, 120 KB)\n- bill.pdf (application/pdf, 80 KB)"
#define S_COMMANDS                                                                              \
	"verify-identity [--on DATE]\nset-kinds K,...\nset-regime law_enforcement|general\n"   \
	"clarify --question TEXT\nwithdraw [--reason TEXT]\nclose --reason TEXT"
#define S_DP_DATE "30 November 2026"
#define S_FOI_DATE "28 October 2026"
#define S_DP_LINE "- a copy of your personal data: " S_DP_DATE
#define S_FOI_LINE "- information under the Freedom of Information Act: " S_FOI_DATE

struct sample {
	unsigned int cond;
	GHashTable *vars; /* borrowed static strings */
};

static void sample_init(struct sample *s, unsigned int cond)
{
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);
	const int dp = (cond & C_DP) != 0, foi = (cond & C_FOI) != 0, id = (cond & C_ID) != 0;
	const char *deadlines, *deadline;

	/* Identity awaited: only the FOI clock runs. */
	if (id)
		deadlines = foi ? S_FOI_LINE : "";
	else if (dp && foi)
		deadlines = S_FOI_LINE "\n" S_DP_LINE;
	else
		deadlines = dp ? S_DP_LINE : S_FOI_LINE;
	deadline = foi ? S_FOI_DATE : id ? "" : S_DP_DATE;

#define SET(n, val) g_hash_table_insert(v, (gpointer)(n), (gpointer)(val))
#define FLAG(n, c) SET(n, (cond & (c)) != 0 ? "yes" : "")
	SET("reference", S_REFERENCE);
	SET("name", S_NAME);
	SET("requester_addr", S_ADDR);
	SET("received_date", "30 September 2026");
	SET("request_subject", "Subject access request - custody record");
	SET("team_name", "Public Disclosure Team, Example Police");
	SET("reply_address", "public.disclosure@example.police.uk");
	SET("kinds_words", dp && foi ? "a copy of your personal data and FOI information"
			   : dp	     ? "a copy of your personal data"
				     : "information under the Freedom of Information Act");
	SET("deadline", deadline);
	SET("deadlines_text", deadlines);
	SET("extended_deadline", "30 January 2027");
	FLAG("identity_needed", C_ID);
	FLAG("clock_stopped", C_STOP);
	FLAG("data_protection", C_DP);
	FLAG("foi", C_FOI);
	FLAG("part3", C_P3);
	FLAG("uk_gdpr", C_GDPR);
	FLAG("child", C_CHILD);
	SET("reason", (cond & C_REASON) != 0 ? S_REASON : "");
	SET("question", S_QUESTION);
	SET("ground_words", "manifestly unfounded");
	SET("regulator_name", S_REGULATOR);
	SET("regulator_contact", S_CONTACT);
	SET("court_section", "167");
	SET("lift_date", "30 September 2027");
	SET("state", id ? "awaiting_identity" : "open");
	SET("why_text", S_WHY);
	SET("attachments_text", S_ATTACHMENTS);
	SET("commands_text", S_COMMANDS);
	SET("days_left", deadline[0] != '\0' ? "27" : "");
#undef FLAG
#undef SET
	s->cond = cond;
	s->vars = v;
}

/* Every combination that can happen: FOI-only cases have no regime, no identity check and
   no stopped clock; a case waits for identity or for a clarification, not both. */
static GArray *combos_new(void)
{
	static const unsigned int regimes[] = { C_P3, C_GDPR, C_NONE };
	static const unsigned int kinds[] = { C_DP, C_DP | C_FOI, C_FOI };
	GArray *all = g_array_new(FALSE, FALSE, sizeof(unsigned int));

	for (size_t r = 0; r < G_N_ELEMENTS(regimes); r++)
		for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++)
			for (int child = 0; child < 2; child++)
				for (int reason = 0; reason < 2; reason++)
					for (int wait = 0; wait < 3; wait++) {
						if (kinds[k] == C_FOI && (regimes[r] != C_NONE || wait != 0))
							continue;
						unsigned int c = regimes[r] | kinds[k];
						c |= child ? C_CHILD : 0;
						c |= reason ? C_REASON : C_NOREASON;
						c |= wait == 1 ? C_ID : C_NOID;
						c |= wait == 2 ? C_STOP : C_NOSTOP;
						g_array_append_val(all, c);
					}
	return all;
}

static char *cond_words(unsigned int c)
{
	return g_strdup_printf("regime %s%s%s%s%s%s%s",
			       c & C_P3 ? "part3" : c & C_GDPR ? "uk_gdpr" : "unset",
			       c & C_DP ? ", data protection" : "", c & C_FOI ? ", foi" : "",
			       c & C_CHILD ? ", child" : "", c & C_REASON ? ", reason" : ", no reason",
			       c & C_ID ? ", identity awaited" : "", c & C_STOP ? ", clock stopped" : "");
}

/* ---- files ---- */

static char *file_path(const char *notice, int child)
{
	char *file = g_strconcat(notice, child ? ".child" : "", NULL);
	char *path = g_build_filename(TEMPLATES_DIR, file, NULL);
	g_free(file);
	return path;
}

static struct template *load(const char *path)
{
	struct template *tpl = NULL;
	char *error = NULL;

	if (template_load(path, placeholders, &tpl, &error) != 1)
		fail_msg("%s does not load:\n%s", path, error != NULL ? error : "(no error)");
	return tpl;
}

/* One rendered notice and what it was rendered from. */
struct rendered {
	const struct notice *notice;
	const char *path;
	int child_file;
	const struct sample *sample;
	const char *subject, *body;
	char *flat; /* body, lower case, every run of white space one space */
};

typedef void check_fn(const struct rendered *r);

/* Lower case, white space folded: a phrase may be wrapped anywhere in the notice. */
static char *flatten(const char *text)
{
	GString *out = g_string_new(NULL);
	int space = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (g_ascii_isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = 0;
		g_string_append_c(out, g_ascii_tolower(*p));
	}
	return g_string_free(out, FALSE);
}

/* Render every file of every notice for every combination the notice can be sent in, and
   run `check` on each. Returns the number of renders. */
static unsigned int for_each_render(check_fn *check)
{
	GArray *combos = combos_new();
	unsigned int n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		const struct notice *nt = &notices[i];
		for (int child_file = 0; child_file <= nt->requester; child_file++) {
			char *path = file_path(nt->name, child_file);
			struct template *tpl = load(path);
			for (guint k = 0; k < combos->len; k++) {
				unsigned int cond = g_array_index(combos, unsigned int, k);
				if ((cond & nt->regimes) == 0)
					continue;
				struct sample s;
				char *subject = NULL, *body = NULL, *error = NULL;
				sample_init(&s, cond);
				if (template_render(tpl, s.vars, &subject, &body, &error) != 1)
					fail_msg("%s does not render: %s", path, error);
				struct rendered r = { nt, path, child_file, &s, subject, body,
						      flatten(body) };
				check(&r);
				n++;
				g_free(r.flat);
				g_free(subject);
				g_free(body);
				g_hash_table_unref(s.vars);
			}
			template_free(&tpl);
			g_free(path);
		}
	}
	g_array_free(combos, TRUE);
	return n;
}

static void G_GNUC_PRINTF(2, 3) fail_render(const struct rendered *r, const char *fmt, ...)
{
	va_list args;
	char *cond = cond_words(r->sample->cond);

	va_start(args, fmt);
	char *what = g_strdup_vprintf(fmt, args);
	va_end(args);
	/* cmocka truncates long messages: the notice goes to stderr first. */
	fprintf(stderr, "---- subject\n%s\n---- body\n%s---- end\n", r->subject, r->body);
	fail_msg("%s (%s): %s", r->path, cond, what);
	g_free(what);
	g_free(cond);
}

/* Replace {{name}} in a phrase with the sample's value. */
static char *expand(const char *phrase, GHashTable *vars)
{
	GString *out = g_string_new(NULL);
	const char *p = phrase;

	for (const char *open; (open = strstr(p, "{{")) != NULL;) {
		const char *close = strstr(open, "}}");
		assert_non_null(close);
		g_string_append_len(out, p, open - p);
		char *name = g_strndup(open + 2, (gsize)(close - open - 2));
		const char *value = g_hash_table_lookup(vars, name);
		if (value == NULL)
			fail_msg("phrase \"%s\": no sample value for {{%s}}", phrase, name);
		g_string_append(out, value);
		g_free(name);
		p = close + 2;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}

/* Does the flattened body contain the phrase (after expansion and flattening)? */
static int has_phrase(const struct rendered *r, const char *phrase)
{
	char *expanded = expand(phrase, r->sample->vars);
	char *flat = flatten(expanded);
	int found = flat[0] != '\0' && strstr(r->flat, flat) != NULL;
	g_free(flat);
	g_free(expanded);
	return found;
}

/* One of the '|'-separated alternatives is present. */
static int has_any(const struct rendered *r, const char *alternatives)
{
	gchar **alt = g_strsplit(alternatives, "|", -1);
	int found = 0;

	for (size_t i = 0; alt[i] != NULL && !found; i++)
		found = has_phrase(r, alt[i]);
	g_strfreev(alt);
	return found;
}

/* ---- the directory holds exactly the notices this test knows ---- */

static int notice_file_known(const char *file)
{
	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		if (strcmp(file, notices[i].name) == 0)
			return 1;
		if (notices[i].requester && g_str_has_prefix(file, notices[i].name) &&
		    strcmp(file + strlen(notices[i].name), ".child") == 0)
			return 1;
	}
	return 0;
}

static void test_directory_complete(void **state)
{
	GDir *dir = g_dir_open(TEMPLATES_DIR, 0, NULL);
	const char *file;

	if (dir == NULL)
		fail_msg("cannot open %s/: run the tests from the repository root", TEMPLATES_DIR);
	while ((file = g_dir_read_name(dir)) != NULL) {
		if (file[0] == '.' || g_str_has_suffix(file, "~"))
			continue;
		if (!notice_file_known(file))
			fail_msg("%s/%s is not a notice this test knows: add it to notices[] and "
				 "to the table of required elements",
				 TEMPLATES_DIR, file);
	}
	g_dir_close(dir);
	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		for (int child = 0; child <= notices[i].requester; child++) {
			char *path = file_path(notices[i].name, child);
			if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
				fail_msg("%s is missing", path);
			g_free(path);
		}
	}
}

static void test_load_all(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		for (int child = 0; child <= notices[i].requester; child++) {
			char *path = file_path(notices[i].name, child);
			struct template *tpl = load(path);
			assert_non_null(tpl);
			template_free(&tpl);
			assert_null(tpl);
			g_free(path);
		}
	}
}

/* ---- the raw files ---- */

/* The body of a template file: after the header block. */
static const char *raw_body(const char *text)
{
	const char *blank = strstr(text, "\n\n");
	return blank != NULL ? blank + 2 : text;
}

static void test_no_literal_regulator(void **state)
{
	/* domain-rules 4: the name and contact details come from the config. */
	static const char *const banned[] = { "information commission", "0303", "ico.org.uk",
					      "ico.gov", NULL };

	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		for (int child = 0; child <= notices[i].requester; child++) {
			char *path = file_path(notices[i].name, child);
			size_t len = 0;
			char *text = tu_read_file(path, &len);
			assert_non_null(text);
			char *lower = g_ascii_strdown(text, -1);
			for (size_t b = 0; banned[b] != NULL; b++) {
				if (strstr(lower, banned[b]) != NULL)
					fail_msg("%s names the regulator literally (\"%s\"): use "
						 "{{regulator_name}} and {{regulator_contact}}",
						 path, banned[b]);
			}
			g_free(lower);
			g_free(text);
			g_free(path);
		}
	}
}

/* Child versions: no legal jargon beyond the section numbers the law requires. */
static void test_child_files_plain(void **state)
{
	static const char *const jargon[] = { "data subject", "controller", "pursuant", "lodge",
					      "judicial", "article", "hereby", "processing",
					      "manifestly", "vexatious", "undue delay",
					      "notwithstanding", "uk gdpr", NULL };

	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		if (!notices[i].requester)
			continue;
		char *path = file_path(notices[i].name, 1);
		size_t len = 0;
		char *text = tu_read_file(path, &len);
		assert_non_null(text);
		char *lower = g_ascii_strdown(raw_body(text), -1);
		for (size_t j = 0; jargon[j] != NULL; j++) {
			if (strstr(lower, jargon[j]) != NULL)
				fail_msg("%s: legal jargon \"%s\" in a child's notice", path,
					 jargon[j]);
		}
		/* The non-child versions' {{#if child}} hint has no place here. */
		if (strstr(lower, "{{#if child}}") != NULL)
			fail_msg("%s: {{#if child}} in a child's notice", path);
		g_free(lower);
		g_free(text);
		g_free(path);
	}
}

/* ---- layout, subject, signature: every render ---- */

static void check_layout(const struct rendered *r)
{
	const char *line = r->body;
	unsigned int lineno = 1, empty_run = 0;
	GHashTable *v = r->sample->vars;

	if (strstr(r->subject, S_REFERENCE) == NULL)
		fail_render(r, "the subject lacks the reference");
	if (r->notice->requester && strstr(r->subject, "[" S_REFERENCE "]") == NULL)
		fail_render(r, "the subject lacks \"[reference]\"");
	if (strstr(r->subject, "{{") != NULL || strstr(r->body, "{{") != NULL)
		fail_render(r, "an unexpanded \"{{\"");
	if (r->body[0] == '\n')
		fail_render(r, "the body starts with an empty line");
	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		glong columns = g_utf8_strlen(line, (gssize)len);
		if (columns > MAX_COLUMNS)
			fail_render(r, "line %u has %ld characters (max %d): \"%.*s\"", lineno,
				    columns, MAX_COLUMNS, (int)len, line);
		if (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			fail_render(r, "line %u ends with white space", lineno);
		empty_run = len == 0 ? empty_run + 1 : 0;
		if (empty_run >= 3)
			fail_render(r, "three empty lines in a row at line %u", lineno);
		if (nl == NULL)
			break;
		line = nl + 1;
		lineno++;
	}
	if (r->notice->requester) {
		char *signature = g_strdup_printf("\n\n%s\n%s\n",
						  (const char *)g_hash_table_lookup(v, "team_name"),
						  (const char *)g_hash_table_lookup(v, "reply_address"));
		if (!g_str_has_suffix(r->body, signature))
			fail_render(r, "the body does not end with the team's signature");
		g_free(signature);
	}
}

static void test_layout(void **state)
{
	unsigned int n = for_each_render(check_layout);
	/* 10 requester notices x 2 files + the team's, over the regimes each can be sent in. */
	assert_true(n > 1000);
}

/* ---- the elements each notice must carry (domain-rules section 4) ---- */

struct need {
	const char *notice;
	unsigned int when;   /* required when all of these hold... */
	unsigned int unless; /* ...and none of these */
	const char *phrases; /* alternatives separated by '|'; {{name}} is the sample's value */
	const char *element; /* what the law asks for, for the failure message */
};

static const struct need needs[] = {
	/* acknowledgement: reference; kinds in words; the deadline, or that the clock starts
	   when identity arrives; what happens next; how to reply. */
	{ "acknowledgement", 0, 0, "{{reference}}", "the case reference" },
	{ "acknowledgement", 0, 0, "{{kinds_words}}", "what was understood (kinds in words)" },
	{ "acknowledgement", 0, C_ID, "{{deadline}}", "the deadline" },
	{ "acknowledgement", C_ID, 0,
	  "starts on the day we receive your proof of identity|"
	  "starts on the day we get proof of your identity",
	  "that the clock starts when identity arrives" },
	{ "acknowledgement", C_ID | C_FOI, 0, "{{deadline}}",
	  "the FOI deadline, which runs without identity" },
	{ "acknowledgement", 0, 0, "what happens next", "what happens next" },
	{ "acknowledgement", 0, 0, "reply to this message", "how to reply" },
	/* identity request: the evidence accepted; not valid until then. */
	{ "identity_request", C_DP, 0, "full name", "evidence of full name" },
	{ "identity_request", C_DP, 0, "current address", "evidence of current address" },
	{ "identity_request", C_DP, 0, "photo", "a photo where images are sought" },
	{ "identity_request", C_DP, 0, "not valid until", "that the request is not valid until then" },
	{ "identity_request", C_DP, 0,
	  "time limit for our answer does not start until|time we have to answer has not started",
	  "that the time limit has not started" },
	{ "identity_request", 0, 0, "{{reference}}", "the case reference" },
	{ "identity_request", 0, 0, "reply to this message", "how to send it" },
	/* clarification request: the question; the clock stopped, or FOI afresh. */
	{ "clarification_request", 0, 0, "{{question}}", "the question" },
	{ "clarification_request", 0, 0, "{{reference}}", "the case reference" },
	{ "clarification_request", C_STOP, 0, "paused", "that the clock is stopped" },
	{ "clarification_request", C_DP, C_STOP, "does not change|keeps going",
	  "that this clock does not stop" },
	{ "clarification_request", C_FOI, 0, "20 working days", "FOI: 20 working days afresh" },
	{ "clarification_request", C_FOI, 0, "start again", "FOI: the clarified request starts afresh" },
	/* extension notice: the new deadline; the reasons. */
	{ "extension_notice", 0, 0, "{{extended_deadline}}", "the new deadline" },
	{ "extension_notice", C_REASON, 0, "{{reason}}", "the reasons" },
	{ "extension_notice", C_DP | C_NOREASON, 0, "complex|complicated",
	  "the reasons (complexity, number of requests)" },
	{ "extension_notice", 0, 0, "{{reference}}", "the case reference" },
	/* restriction notice (Part 3): restricted; reasons (or withheld); s51; complaint;
	   court. */
	{ "restriction_notice", 0, 0, "restricted", "that the rights were restricted" },
	{ "restriction_notice", C_REASON, 0, "{{reason}}", "the reasons" },
	{ "restriction_notice", C_NOREASON, 0, "cannot tell you",
	  "that the reasons are withheld (stating them would undermine the restriction)" },
	{ "restriction_notice", 0, 0, "ask the {{regulator_name}} to check",
	  "the right to ask the regulator to check" },
	{ "restriction_notice", 0, 0, "section 51 of the data protection act 2018",
	  "section 51" },
	{ "restriction_notice", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "restriction_notice", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "restriction_notice", 0, 0, "court", "the right to apply to a court" },
	{ "restriction_notice", 0, 0, "section {{court_section}} of the data protection act 2018",
	  "the court section (s165 / s167)" },
	/* refusal: the ground; the reasons; complaint; court; s51 for Part 3. */
	{ "refusal_notice", 0, 0, "{{ground_words}}", "the ground" },
	{ "refusal_notice", C_REASON, 0, "{{reason}}", "the reasons" },
	{ "refusal_notice", C_P3 | C_NOREASON, 0, "cannot tell you",
	  "that the reasons are withheld (Part 3)" },
	{ "refusal_notice", C_NOREASON, C_P3, "separate message",
	  "that the reasons follow (they may not be withheld outside Part 3)" },
	{ "refusal_notice", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "refusal_notice", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "refusal_notice", C_DP, 0, "court", "the right to apply to a court" },
	{ "refusal_notice", C_DP | C_P3, 0, "section 51 of the data protection act 2018",
	  "section 51" },
	{ "refusal_notice", C_DP | C_P3, 0,
	  "section {{court_section}} of the data protection act 2018", "the court section" },
	{ "refusal_notice", C_DP | C_GDPR, 0, "judicial remedy|ask a court", "a judicial remedy" },
	/* UK GDPR no action (Art 12(4)): reasons; complaint; judicial remedy. */
	{ "no_action_notice", 0, 0, "not to take action|not to do what you asked",
	  "that no action will be taken" },
	{ "no_action_notice", C_REASON, 0, "{{reason}}", "the reasons" },
	{ "no_action_notice", C_NOREASON, 0, "separate message", "that the reasons follow" },
	{ "no_action_notice", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "no_action_notice", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "no_action_notice", 0, 0, "judicial remedy|ask a court", "the right to a judicial remedy" },
	/* restriction lift: that it will be lifted, and when. */
	{ "restriction_lift_notice", 0, 0, "lift the restriction", "that it will be lifted" },
	{ "restriction_lift_notice", 0, 0, "{{lift_date}}", "when" },
	{ "restriction_lift_notice", C_REASON, 0, "{{reason}}", "the reasons given" },
	{ "restriction_lift_notice", 0, 0, "{{reference}}", "the case reference" },
	/* response cover: what is enclosed; rights to complain. */
	{ "response_cover", 0, 0, "attached", "what is enclosed" },
	{ "response_cover", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "response_cover", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "response_cover", C_DP, 0, "court", "the right to apply to a court" },
	{ "response_cover", C_DP | C_P3, 0, "section {{court_section}}", "the court section" },
	{ "response_cover", C_DP | C_GDPR, 0, "judicial remedy|ask a court", "a judicial remedy" },
	/* withdrawal: the case is closed. */
	{ "withdrawal_confirmation", 0, 0, "closed", "that the case is closed" },
	{ "withdrawal_confirmation", 0, 0, "{{reference}}", "the case reference" },
	/* team notification (USERS.md): who, what and why, the deadline, attachments,
	   the commands usable now. */
	{ "team_new_case", 0, 0, "{{reference}}", "the case reference" },
	{ "team_new_case", 0, 0, "{{name}} <{{requester_addr}}>", "who" },
	{ "team_new_case", 0, 0, "{{received_date}}", "the received date" },
	{ "team_new_case", 0, 0, "{{request_subject}}", "the subject" },
	{ "team_new_case", 0, 0, "{{kinds_words}}", "the kinds" },
	{ "team_new_case", 0, 0, "{{why_text}}", "why the gateway thinks so" },
	{ "team_new_case", 0, 0, "state: {{state}}", "the state" },
	{ "team_new_case", 0, C_ID, "{{deadline}}", "the deadline" },
	{ "team_new_case", C_ID, 0, "clock not started", "that the clock waits for identity" },
	{ "team_new_case", C_ID | C_FOI, 0, "{{deadline}}", "the FOI deadline" },
	{ "team_new_case", 0, C_ID, "days left: {{days_left}}", "days left" },
	{ "team_new_case", C_ID | C_FOI, 0, "days left: {{days_left}}", "days left" },
	{ "team_new_case", 0, 0, "{{attachments_text}}", "the attachments" },
	{ "team_new_case", 0, 0, "{{commands_text}}", "the commands usable now" },
	{ "team_new_case", C_CHILD, 0, "child", "that the requester is a child" },
	{ "team_new_case", C_DP | C_P3, 0, "law enforcement", "the regime" },
	{ "team_new_case", C_DP | C_GDPR, 0, "uk gdpr", "the regime" },
	{ "team_new_case", C_DP | C_NONE, 0, "not set", "that the regime is not set" },
	/* a notice that could not be delivered: which case, to whom, why, what to do. */
	{ "team_notice_failed", 0, 0, "{{reference}}", "the case reference" },
	{ "team_notice_failed", 0, 0, "<{{requester_addr}}>", "the requester's address" },
	{ "team_notice_failed", C_REASON, 0, "{{reason}}", "the error" },
	{ "team_notice_failed", 0, 0, "{{commands_text}}", "the command to queue it again" },
};

static void check_needs(const struct rendered *r)
{
	unsigned int cond = r->sample->cond;
	int any = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(needs); i++) {
		const struct need *n = &needs[i];
		if (strcmp(n->notice, r->notice->name) != 0)
			continue;
		any = 1;
		if ((cond & n->when) != n->when || (cond & n->unless) != 0)
			continue;
		if (!has_any(r, n->phrases))
			fail_render(r, "missing %s (\"%s\")", n->element, n->phrases);
	}
	if (!any)
		fail_render(r, "no required elements listed for this notice");
}

static void test_required_elements(void **state)
{
	for_each_render(check_needs);
}

/* Every team notice names the case and its kinds in the subject: the team triages by it. */
static void check_team_subject(const struct rendered *r)
{
	if (strcmp(r->notice->name, "team_new_case") != 0)
		return;
	const char *kinds = g_hash_table_lookup(r->sample->vars, "kinds_words");
	if (!g_str_has_prefix(r->subject, "New case " S_REFERENCE) ||
	    strstr(r->subject, kinds) == NULL)
		fail_render(r, "the subject is not \"New case REF: kinds\"");
}

static void test_team_subject(void **state)
{
	for_each_render(check_team_subject);
}

/* ---- complaints name the regulator; child versions explain it ---- */

static void check_complaints(const struct rendered *r)
{
	if (!r->notice->requester)
		return;
	if (strstr(r->flat, "complain") != NULL &&
	    (!has_phrase(r, "{{regulator_name}}") || !has_phrase(r, "{{regulator_contact}}")))
		fail_render(r, "complaints are mentioned without the regulator's name and contact");
	if (!r->child_file)
		return;
	if (has_phrase(r, "{{regulator_name}}") &&
	    !has_phrase(r, "the organisation that makes sure we follow the law about your "
			   "information"))
		fail_render(r, "a child's notice names the regulator without saying what it is");
	if (!has_phrase(r, "an adult you trust"))
		fail_render(r, "a child's notice does not suggest asking a trusted adult");
}

static void test_complaints_name_regulator(void **state)
{
	for_each_render(check_complaints);
}

/* ---- each regime's wording stays in its regime (domain-rules 4) ---- */

static void check_regime_wording(const struct rendered *r)
{
	static const char *const part3[] = { "section 51", "s51", "s.51", "s 51", "part 3",
					     "section 165", "section 167", NULL };
	static const char *const uk_gdpr[] = { "article 12", "article 79", "uk gdpr", NULL };
	unsigned int cond = r->sample->cond;

	for (size_t i = 0; part3[i] != NULL; i++) {
		if ((cond & C_P3) == 0 && strstr(r->flat, part3[i]) != NULL)
			fail_render(r, "Part 3 wording \"%s\" outside a Part 3 case", part3[i]);
	}
	for (size_t i = 0; uk_gdpr[i] != NULL; i++) {
		if ((cond & C_GDPR) == 0 && strstr(r->flat, uk_gdpr[i]) != NULL)
			fail_render(r, "UK GDPR wording \"%s\" outside a UK GDPR case", uk_gdpr[i]);
	}
}

static void test_regime_wording(void **state)
{
	for_each_render(check_regime_wording);
}

/* ---- automatic notices quote no personal data (domain-rules 4) ---- */

static void check_automatic(const struct rendered *r)
{
	static const char *const personal[] = { S_NAME, S_ADDR, S_REASON, S_QUESTION, S_WHY,
						"passport.jpg", S_COMMANDS, NULL };

	if (!r->notice->automatic)
		return;
	for (size_t i = 0; personal[i] != NULL; i++) {
		if (strstr(r->body, personal[i]) != NULL || strstr(r->subject, personal[i]) != NULL)
			fail_render(r, "an automatic notice quotes \"%s\"", personal[i]);
	}
}

static void test_automatic_quotes_nothing(void **state)
{
	for_each_render(check_automatic);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory_complete),
		cmocka_unit_test(test_load_all),
		cmocka_unit_test(test_no_literal_regulator),
		cmocka_unit_test(test_child_files_plain),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_required_elements),
		cmocka_unit_test(test_team_subject),
		cmocka_unit_test(test_complaints_name_regulator),
		cmocka_unit_test(test_regime_wording),
		cmocka_unit_test(test_automatic_quotes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
