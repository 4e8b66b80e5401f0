/* libFuzzer target: MIME intake. Raw bytes as they come from IMAP go through mime_parse, then
   through what the gateway derives from the parsed message: the sender's new text
   (mime_reply_new_text in each mode), the case reference, the classifier with the shipped
   rules (classify_message, its JSON), the RFC 8601 check of a team member's mail, the
   attachments' bytes (mime_attachments_read both ways). mime.h's promises about the parsed
   struct (UTF-8 without control characters, bounded, NULL rather than "") are checked. */
#include "fuzz.h"

#include "classify.h"
#include "core.h"
#include "mime.h"
#include "pd-limits.h"
#include "rules.h"
#include "team.h"

static struct rules *rules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *error = NULL;

	mime_init();
	log_set_level(LOG_LEVEL_ERROR);
	/* The shipped rules, from the source tree (make runs the targets from there). */
	FUZZ_REQUIRE(rules_load("rules/pdgate.rules", &rules, &error), "rules: %s", error);
	return 0;
}

/* A string of the struct: NULL or non-empty, clean, bounded. */
static void check_str(const char *what, const char *s, size_t max, int newlines)
{
	FUZZ_REQUIRE(s == NULL || *s != '\0', "%s is \"\" (must be NULL)", what);
	FUZZ_REQUIRE(fuzz_clean_text(s, max, newlines), "%s not clean/bounded: %.200s", what, s);
}

/* local@domain, no spaces or angle brackets, domain lowercase. UTF-8 local parts are
   allowed (RFC 6531 addresses): mime does not promise pd_address_plausible's ASCII. */
static void check_addr(const char *what, const char *a)
{
	const char *at = a != NULL ? strrchr(a, '@') : NULL;

	if (a == NULL)
		return;
	FUZZ_REQUIRE(at != NULL && at != a && at[1] != '\0' && strpbrk(a, " \t<>") == NULL,
		     "%s not local@domain: %s", what, a);
	for (const char *p = at + 1; *p != '\0'; p++)
		FUZZ_REQUIRE(!g_ascii_isupper(*p), "%s domain not lowercase: %s", what, a);
}

static void check_message(const struct mime_message *m)
{
	size_t n_refs = 0;

	check_str("from_name", m->from_name, PD_MAX_NAME, 0);
	check_str("from_addr", m->from_addr, PD_MAX_ADDRESS, 0);
	check_addr("from_addr", m->from_addr);
	check_str("reply_to_addr", m->reply_to_addr, PD_MAX_ADDRESS, 0);
	check_addr("reply_to_addr", m->reply_to_addr);
	check_str("to", m->to, PD_MAX_HEADER_VALUE, 0);
	check_str("subject", m->subject, PD_MAX_SUBJECT, 0);
	check_str("date_header", m->date_header, PD_MAX_HEADER_VALUE, 0);
	check_str("message_id", m->message_id, PD_MAX_MESSAGE_ID, 0);
	check_str("in_reply_to", m->in_reply_to, PD_MAX_MESSAGE_ID, 0);
	for (char **r = m->references; r != NULL && *r != NULL; r++, n_refs++)
		check_str("references[]", *r, PD_MAX_MESSAGE_ID, 0);
	FUZZ_REQUIRE(n_refs <= PD_MAX_REFERENCES, "%zu references", n_refs);
	check_str("content_type", m->content_type, PD_MAX_HEADER_VALUE, 0);
	check_str("body_text", m->body_text, PD_MAX_BODY_TEXT, 1);
	FUZZ_REQUIRE(m->n_attachments <= PD_MAX_ATTACHMENTS, "%zu attachments", m->n_attachments);
	for (size_t i = 0; i < m->n_attachments; i++) {
		check_str("attachment filename", m->attachments[i].filename, PD_MAX_NAME, 0);
		FUZZ_REQUIRE(m->attachments[i].filename == NULL ||
			     strchr(m->attachments[i].filename, '/') == NULL,
			     "attachment name with a path: %s", m->attachments[i].filename);
		check_str("attachment type", m->attachments[i].content_type,
			  PD_MAX_HEADER_VALUE, 0);
	}
	FUZZ_REQUIRE(m->n_headers <= PD_MAX_HEADERS, "%zu headers", m->n_headers);
	for (size_t i = 0; i < m->n_headers; i++) {
		check_str("header name", m->headers[i].name, PD_MAX_HEADER_VALUE, 0);
		FUZZ_REQUIRE(m->headers[i].value != NULL, "header %s without value",
			     m->headers[i].name);
		FUZZ_REQUIRE(fuzz_clean_text(m->headers[i].value, PD_MAX_HEADER_VALUE, 0),
			     "header %s value not clean", m->headers[i].name);
	}
	check_str("defects", m->defects, PD_MAX_HEADER_VALUE, 0);
}

static void derive(const struct mime_message *m)
{
	static const unsigned modes[] = {
		0, MIME_REPLY_NO_SIGNATURE, MIME_REPLY_QUOTES_ONLY,
		MIME_REPLY_QUOTES_ONLY | MIME_REPLY_NO_SIGNATURE,
	};
	static const enum team_auth methods[] = {
		TEAM_AUTH_NONE, TEAM_AUTH_SPF, TEAM_AUTH_DKIM, TEAM_AUTH_DMARC,
	};
	struct classify_result cls;
	char *json, *ref;

	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		char *text = mime_reply_new_text(m->body_text, modes[i]);
		FUZZ_REQUIRE(fuzz_clean_text(text, PD_MAX_BODY_TEXT, 1),
			     "reply text (mode %u) not clean", modes[i]);
		ref = classify_find_reference(text, "PD");
		g_free(ref);
		g_free(text);
	}
	ref = classify_find_reference(m->subject, "PD");
	g_free(ref);
	classify_message(rules, m, &cls);
	json = classify_result_json(&cls, "fuzz.eml", 0);
	FUZZ_REQUIRE(json != NULL && g_utf8_validate(json, -1, NULL), "classify JSON");
	g_free(json);
	classify_result_clear(&cls);
	for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
		char *why = NULL;
		int ok = team_auth_check(m, "mx.force.police.uk", methods[i], &why);
		FUZZ_REQUIRE(ok == 1 ? why == NULL : why != NULL, "auth %d why %s", ok, why);
		g_free(why);
	}
}

static void attachments(const uint8_t *data, size_t size, const struct mime_message *m)
{
	static const enum mime_files which[] = { MIME_FILES_LISTED, MIME_FILES_ATTACHED };

	for (size_t i = 0; i < G_N_ELEMENTS(which); i++) {
		struct mime_blob *blobs = NULL;
		size_t n = 0;
		char *error = NULL;

		if (mime_attachments_read((const char *)data, size, which[i], 4u * 1024u * 1024u,
					  &blobs, &n, &error)) {
			/* The listed ones are mime_parse's, in the same order (mime.h). */
			if (which[i] == MIME_FILES_LISTED && m != NULL) {
				FUZZ_REQUIRE(n == m->n_attachments, "%zu blobs, %zu listed", n,
					     m->n_attachments);
				for (size_t j = 0; j < n; j++)
					FUZZ_REQUIRE(g_strcmp0(blobs[j].filename,
							       m->attachments[j].filename) == 0,
						     "blob %zu is %s, listed %s", j,
						     blobs[j].filename, m->attachments[j].filename);
			}
			mime_blobs_free(&blobs, n);
		}
		g_free(error);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_message *m = NULL;
	char *error = NULL;

	if (mime_parse((const char *)data, size, &m, &error)) {
		FUZZ_REQUIRE(error == NULL, "error set on success: %s", error);
		check_message(m);
		derive(m);
	} else {
		FUZZ_REQUIRE(m == NULL && error != NULL, "failure without an error");
	}
	attachments(data, size, m);
	mime_message_free(&m);
	g_free(error);
	return 0;
}
