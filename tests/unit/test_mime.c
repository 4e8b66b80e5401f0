/* Unit tests for mime: a table of golden messages, the limits against hostile input, and
   compose (validation, CRLF, folding, round trip through parse, the HTML alternative). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core.h"
#include "pd-limits.h"
#include "mime.h"
#include "testutil.h"

#include <gmime/gmime.h>
#include <unistd.h>

/* A field we do not check in a golden case. */
static const char any_value[] = "<any>";
#define ANY any_value

struct golden {
	const char *name;
	const char *raw;
	const char *subject;
	const char *from_addr;
	const char *from_name;
	const char *body;        /* substring of body_text; NULL: no body at all */
	const char *not_in_body; /* must not appear in body_text, or NULL */
	int body_from_html;
	const char *message_id;
	const char *content_type;
	size_t n_attachments;
	const char *attachment0;   /* filename of the first attachment */
	const char *defect;        /* substring of defects, or NULL when none may be noted */
};

static const struct golden golden_cases[] = {
	{
		.name = "rfc2047 utf-8 B subject",
		.raw = "From: a@example.org\nSubject: =?UTF-8?B?w4lsw6lvbm9yZSBjYWbDqQ==?=\n"
		       "Message-ID: <1@example.org>\n\nhi\n",
		.subject = "\xC3\x89l\xC3\xA9onore caf\xC3\xA9", .from_addr = "a@example.org",
		.from_name = NULL, .body = "hi", .message_id = "1@example.org",
		.content_type = "text/plain", .defect = NULL,
	},
	{
		.name = "rfc2047 utf-8 Q subject, two words",
		.raw = "From: a@example.org\nSubject: =?utf-8?Q?Gr=C3=BC=C3=9Fe_aus?=\n"
		       " =?utf-8?Q?_K=C3=B6ln?=\n\nhi\n",
		.subject = "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln", .from_addr = "a@example.org",
		.from_name = NULL, .body = "hi", .message_id = NULL, .content_type = "text/plain",
		.defect = NULL,
	},
	{
		.name = "rfc2047 iso-8859-1 subject and name, domain lowercased",
		.raw = "From: =?ISO-8859-1?Q?Ren=E9_Dupr=E9?= <Rene.Dupre@Example.FR>\n"
		       "Subject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\n\nhi\n",
		.subject = "Caf\xC3\xA9 cr\xC3\xA8me", .from_addr = "Rene.Dupre@example.fr",
		.from_name = "Ren\xC3\xA9 Dupr\xC3\xA9", .body = "hi", .message_id = NULL,
		.content_type = "text/plain", .defect = NULL,
	},
	{
		.name = "iso-8859-1 quoted-printable body, cp1252 quotes",
		.raw = "From: a@example.org\nSubject: qp\nMIME-Version: 1.0\n"
		       "Content-Type: text/plain; charset=ISO-8859-1\n"
		       "Content-Transfer-Encoding: quoted-printable\n\n"
		       "Caf=E9 =93cr=E8me=94 br=FBl=E9e, soft=\n break\n",
		.subject = "qp", .from_addr = "a@example.org", .from_name = NULL,
		.body = "Caf\xC3\xA9 \xE2\x80\x9C" "cr\xC3\xA8me\xE2\x80\x9D "
			"br\xC3\xBBl\xC3\xA9" "e, soft break\n",
		.message_id = NULL, .content_type = "text/plain", .defect = NULL,
	},
	{
		.name = "base64 utf-8 body",
		.raw = "From: a@example.org\nSubject: b64\nMIME-Version: 1.0\n"
		       "Content-Type: text/plain; charset=\"utf-8\"\n"
		       "Content-Transfer-Encoding: base64\n\n"
		       "Qm9uam91ciwgdm9pY2kgbGUgcmFwcG9ydCBkZW1hbmTDqS4KTWVyY2kg4oCUIGzigJnDqXF1aXBlCg==\n",
		.subject = "b64", .from_addr = "a@example.org", .from_name = NULL,
		.body = "Bonjour, voici le rapport demand\xC3\xA9.\n"
			"Merci \xE2\x80\x94 l\xE2\x80\x99\xC3\xA9quipe",
		.message_id = NULL, .content_type = "text/plain", .defect = NULL,
	},
	{
		.name = "html only",
		.raw = "From: a@example.org\nSubject: html\nMIME-Version: 1.0\n"
		       "Content-Type: text/html; charset=utf-8\n\n"
		       "<html><head><title>T</title><style>p{color:red}</style>"
		       "<script>alert('x')</script></head><body><p>Hello &amp; welcome,"
		       "   &lt;officer&gt;</p><div>Line&nbsp;two<br>Line &#51;&#x21;</div>"
		       "<!-- hidden --><ul><li>&quot;one&#39;</li><li>two &unknown; &</li></ul>"
		       "</body></html>\n",
		.subject = "html", .from_addr = "a@example.org", .from_name = NULL,
		.body = "Hello & welcome, <officer>\n\nLine two\nLine 3!\n\n\"one'\ntwo &unknown; &",
		.not_in_body = "alert", .body_from_html = 1, .message_id = NULL,
		.content_type = "text/html", .defect = NULL,
	},
	{
		.name = "multipart/alternative prefers text/plain",
		.raw = "From: a@example.org\nSubject: alt\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/alternative; boundary=\"XX\"\n\n"
		       "preamble\n--XX\nContent-Type: text/plain; charset=us-ascii\n\nplain text\n"
		       "--XX\nContent-Type: text/html\n\n<p>html text</p>\n--XX--\n",
		.subject = "alt", .from_addr = "a@example.org", .from_name = NULL,
		.body = "plain text", .not_in_body = "html", .message_id = NULL,
		.content_type = "multipart/alternative", .defect = NULL,
	},
	{
		.name = "attachment with rfc2231 filename",
		.raw = "From: a@example.org\nSubject: att\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/mixed; boundary=b1\n\n"
		       "--b1\nContent-Type: text/plain\n\nsee attached\n"
		       "--b1\nContent-Type: application/pdf\n"
		       "Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf\n"
		       "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b1--\n",
		.subject = "att", .from_addr = "a@example.org", .from_name = NULL,
		.body = "see attached", .message_id = NULL, .content_type = "multipart/mixed",
		.n_attachments = 1, .attachment0 = "R\xC3\xA9sum\xC3\xA9.pdf", .defect = NULL,
	},
	{
		.name = "path traversal filename",
		.raw = "From: a@example.org\nSubject: evil\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/mixed; boundary=b1\n\n"
		       "--b1\nContent-Type: text/plain\n\nbody\n"
		       "--b1\nContent-Type: application/octet-stream\n"
		       "Content-Disposition: attachment; filename=\"../../etc/passwd\"\n\nroot\n"
		       "--b1\nContent-Type: image/png; name=\"C:\\\\temp\\\\x.png\"\n\npng\n--b1--\n",
		.subject = "evil", .from_addr = "a@example.org", .from_name = NULL, .body = "body",
		.message_id = NULL, .content_type = "multipart/mixed", .n_attachments = 2,
		.attachment0 = "passwd", .defect = NULL,
	},
	{
		.name = "inline image without filename is an attachment",
		.raw = "From: a@example.org\nSubject: img\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/related; boundary=r\n\n"
		       "--r\nContent-Type: text/html\n\n<img src=cid:1>Look\n"
		       "--r\nContent-Type: image/gif\nContent-ID: <1>\n\nGIF89a\n--r--\n",
		.subject = "img", .from_addr = "a@example.org", .from_name = NULL, .body = "Look",
		.body_from_html = 1, .message_id = NULL, .content_type = "multipart/related",
		.n_attachments = 1, .attachment0 = NULL, .defect = NULL,
	},
	{
		.name = "forwarded message/rfc822 with outer text",
		.raw = "From: a@example.org\nSubject: Fwd: report\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/mixed; boundary=f\n\n"
		       "--f\nContent-Type: text/plain\n\nPlease see below.\n"
		       "--f\nContent-Type: message/rfc822\n\n"
		       "From: b@example.net\nSubject: report\n\ninner text\n--f--\n",
		.subject = "Fwd: report", .from_addr = "a@example.org", .from_name = NULL,
		/* The forwarded request follows the covering note, after a separator line. */
		.body = "Please see below.\n\n---------- Forwarded message ----------\ninner text",
		.not_in_body = "report\n", .message_id = NULL,
		.content_type = "multipart/mixed", .defect = NULL,
	},
	{
		.name = "forwarded message/rfc822 only",
		.raw = "From: a@example.org\nSubject: Fwd\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/mixed; boundary=f\n\n"
		       "--f\nContent-Type: message/rfc822\nContent-Disposition: attachment\n\n"
		       "From: b@example.net\nSubject: report\nMIME-Version: 1.0\n"
		       "Content-Type: multipart/mixed; boundary=g\n\n"
		       "--g\nContent-Type: text/plain\n\ninner text\n"
		       "--g\nContent-Type: application/pdf; name=scan.pdf\n\n%PDF\n--g--\n--f--\n",
		.subject = "Fwd", .from_addr = "a@example.org", .from_name = NULL,
		.body = "inner text", .message_id = NULL, .content_type = "multipart/mixed",
		.n_attachments = 2, .attachment0 = NULL, .defect = NULL,
	},
	{
		.name = "missing Message-ID, invalid From",
		.raw = "From: Someone <not-an-address>\nSubject: x\n\nhi\n",
		.subject = "x", .from_addr = NULL, .from_name = "Someone", .body = "hi",
		.message_id = NULL, .content_type = "text/plain", .defect = "invalid From address",
	},
	{
		.name = "Message-ID with spaces is rejected",
		.raw = "From: a@example.org\nMessage-ID: <a b@example.org>\n\nhi\n",
		.subject = NULL, .from_addr = "a@example.org", .from_name = NULL, .body = "hi",
		.message_id = NULL, .content_type = "text/plain", .defect = "invalid Message-ID",
	},
	{
		.name = "invalid charset falls back",
		.raw = "From: a@example.org\nSubject: cs\nContent-Type: text/plain; charset=x-bogus-42\n"
		       "Content-Transfer-Encoding: 8bit\n\ncaf\xE9\n",
		.subject = "cs", .from_addr = "a@example.org", .from_name = NULL,
		.body = "caf\xC3\xA9", .message_id = NULL, .content_type = "text/plain",
		.defect = "invalid charset x-bogus-42",
	},
	{
		.name = "undeclared 8-bit utf-8 body and header",
		.raw = "From: \xC3\x89mile <e@example.org>\nSubject: \xC3\xA9t\xC3\xA9\n\n"
		       "\xC3\xA9t\xC3\xA9 \x01 bell\n",
		.subject = "\xC3\xA9t\xC3\xA9", .from_addr = "e@example.org",
		.from_name = "\xC3\x89mile", .body = "\xC3\xA9t\xC3\xA9  bell",
		.message_id = NULL, .content_type = "text/plain", .defect = ANY,
	},
	{
		.name = "empty text/plain falls back to html",
		.raw = "From: a@example.org\nContent-Type: multipart/alternative; boundary=a\n\n"
		       "--a\nContent-Type: text/plain\n\n \n--a\nContent-Type: text/html\n\n"
		       "<b>bold</b>\n--a--\n",
		.subject = NULL, .from_addr = "a@example.org", .from_name = NULL, .body = "bold",
		.body_from_html = 1, .message_id = NULL, .content_type = "multipart/alternative",
		.defect = NULL,
	},
	{
		.name = "header only",
		.raw = "Subject: only headers\n",
		.subject = "only headers", .from_addr = NULL, .from_name = NULL, .body = NULL,
		.message_id = NULL, .content_type = "text/plain", .defect = ANY,
	},
	{
		.name = "crlf, mbox From line, header injection in encoded word",
		.raw = "From sender@example.org Mon Jan  1 00:00:00 2024\r\n"
		       "From: =?utf-8?Q?Evil=0D=0ABcc=3A_x=40y?= <evil@example.org>\r\n"
		       "Subject: =?utf-8?Q?a=0D=0Ab?=\r\n\r\nbody\r\nline2\r\n",
		.subject = "a b", .from_addr = "evil@example.org", .from_name = "Evil Bcc: x@y",
		.body = "body\nline2", .message_id = NULL, .content_type = "text/plain",
		.defect = ANY,
	},
};

static void check_string(const char *what, const char *expected, const char *actual)
{
	if (expected == ANY)
		return;
	if (expected == NULL && actual == NULL)
		return;
	if (expected == NULL || actual == NULL || strcmp(expected, actual) != 0)
		fail_msg("%s: expected \"%s\", got \"%s\"", what, expected ? expected : "(null)",
			 actual ? actual : "(null)");
}

static void check_golden_body(const struct golden *g, const struct mime_message *m)
{
	if (g->body == NULL) {
		assert_null(m->body_text);
		return;
	}
	assert_non_null(m->body_text);
	if (strstr(m->body_text, g->body) == NULL)
		fail_msg("body: expected \"%s\" in \"%s\"", g->body, m->body_text);
	if (g->not_in_body != NULL)
		assert_null(strstr(m->body_text, g->not_in_body));
	assert_int_equal(m->body_from_html, g->body_from_html);
}

/* mime_parse_file of raw written to a temporary file (the poller parses spool files). */
static int parse_via_file(const char *raw, size_t len, struct mime_message **m_r, char **error_r)
{
	char *path = NULL;
	int fd = g_file_open_tmp("pdgate-mime-XXXXXX", &path, NULL);
	int ret;

	assert_true(fd >= 0);
	close(fd);
	assert_true(g_file_set_contents(path, raw, (gssize)len, NULL));
	ret = mime_parse_file(path, m_r, error_r);
	unlink(path);
	g_free(path);
	return ret;
}

static void assert_same_string(const char *what, const char *a, const char *b)
{
	if (g_strcmp0(a, b) != 0)
		fail_msg("%s from memory \"%s\", from the file \"%s\"", what, a ? a : "(null)",
			 b ? b : "(null)");
}

/* The message parsed from a file is the one parsed from memory. */
static void assert_same_from_file(const char *raw, size_t len, const struct mime_message *m)
{
	struct mime_message *f = NULL;
	char *error = NULL;

	if (parse_via_file(raw, len, &f, &error) != 1)
		fail_msg("from a file: %s", error);
	assert_same_string("subject", m->subject, f->subject);
	assert_same_string("from", m->from_addr, f->from_addr);
	assert_same_string("message-id", m->message_id, f->message_id);
	assert_same_string("body", m->body_text, f->body_text);
	assert_same_string("defects", m->defects, f->defects);
	assert_int_equal(m->n_headers, f->n_headers);
	assert_int_equal(m->n_attachments, f->n_attachments);
	for (size_t i = 0; i < m->n_attachments; i++) {
		assert_same_string("file", m->attachments[i].filename, f->attachments[i].filename);
		assert_int_equal(m->attachments[i].size, f->attachments[i].size);
	}
	mime_message_free(&f);
}

static void test_golden(void **state)
{
	const struct golden *g = *state;
	struct mime_message *m = NULL;
	char *error = NULL;

	if (mime_parse(g->raw, strlen(g->raw), &m, &error) != 1)
		fail_msg("%s: %s", g->name, error);
	assert_null(error);
	tu_assert_mime_message(m);
	check_string("subject", g->subject, m->subject);
	check_string("from_addr", g->from_addr, m->from_addr);
	check_string("from_name", g->from_name, m->from_name);
	check_string("message_id", g->message_id, m->message_id);
	check_string("content_type", g->content_type, m->content_type);
	check_golden_body(g, m);
	assert_int_equal(m->n_attachments, g->n_attachments);
	if (g->n_attachments > 0)
		check_string("attachment", g->attachment0, m->attachments[0].filename);
	if (g->defect == NULL && m->defects != NULL)
		fail_msg("unexpected defects: %s", m->defects);
	if (g->defect != NULL && g->defect != ANY &&
	    (m->defects == NULL || strstr(m->defects, g->defect) == NULL))
		fail_msg("defect \"%s\" not in \"%s\"", g->defect, m->defects ? m->defects : "");
	assert_same_from_file(g->raw, strlen(g->raw), m);
	mime_message_free(&m);
	assert_null(m);
}

/* Parses raw (len bytes) and returns the message, failing the test when it does not parse. */
static struct mime_message *parse_ok(const char *raw, size_t len)
{
	struct mime_message *m = NULL;
	char *error = NULL;

	if (mime_parse(raw, len, &m, &error) != 1)
		fail_msg("parse failed: %s", error);
	tu_assert_mime_message(m);
	return m;
}

static void test_attachment_details(void **state)
{
	const struct golden *g = &golden_cases[7];
	struct mime_message *m = parse_ok(g->raw, strlen(g->raw));

	assert_string_equal(m->attachments[0].content_type, "application/pdf");
	assert_int_equal(m->attachments[0].size, 9);
	mime_message_free(&m);

	g = &golden_cases[8];
	m = parse_ok(g->raw, strlen(g->raw));
	assert_string_equal(m->attachments[1].filename, "x.png");
	assert_string_equal(m->attachments[1].content_type, "image/png");
	mime_message_free(&m);
}

static void test_references(void **state)
{
	const char *raw = "From: a@example.org\nMessage-ID: <new@example.org>\n"
			  "In-Reply-To: <third@example.org> (sent by Bob)\n"
			  "References: <first@example.org>\n <second@example.org> junk\n"
			  "\t<third@example.org>\n\nhi\n";
	struct mime_message *m = parse_ok(raw, strlen(raw));

	assert_string_equal(m->message_id, "new@example.org");
	assert_string_equal(m->in_reply_to, "third@example.org");
	assert_non_null(m->references);
	assert_string_equal(m->references[0], "first@example.org");
	assert_string_equal(m->references[1], "second@example.org");
	assert_string_equal(m->references[2], "third@example.org");
	assert_null(m->references[3]);
	mime_message_free(&m);
}

static void test_references_keep_last(void **state)
{
	GString *raw = g_string_new("From: a@example.org\nReferences:");
	struct mime_message *m;
	size_t n = 0;

	for (int i = 0; i < 5000; i++)
		g_string_append_printf(raw, " <id%d@example.org>\n", i);
	g_string_append(raw, "\nbody\n");
	m = parse_ok(raw->str, raw->len);
	while (m->references[n] != NULL)
		n++;
	assert_int_equal(n, PD_MAX_REFERENCES);
	assert_string_equal(m->references[0], "id4950@example.org");
	assert_string_equal(m->references[n - 1], "id4999@example.org");
	mime_message_free(&m);
	g_string_free(raw, TRUE);
}

static void test_date_and_headers(void **state)
{
	const char *raw = "Received: from x by y\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
			  "Content-Type: text/plain; charset=utf-8\r\nX-Spam: =?utf-8?B?w6k=?=\r\n"
			  "Reply-To: bad address, Good <Good@Example.NET>\r\n"
			  "To: Alice <alice@example.org>, bob@example.org\r\n\r\nhi\r\n";
	struct mime_message *m = parse_ok(raw, strlen(raw));

	assert_int_equal(m->date, 1057049557);
	assert_string_equal(m->date_header, "Tue, 1 Jul 2003 10:52:37 +0200");
	assert_string_equal(m->reply_to_addr, "Good@example.net");
	assert_non_null(strstr(m->to, "alice@example.org"));
	assert_non_null(strstr(m->to, "bob@example.org"));
	assert_int_equal(m->n_headers, 6);
	assert_string_equal(m->headers[0].name, "Received");
	assert_string_equal(m->headers[2].name, "Content-Type");
	assert_string_equal(m->headers[3].value, "\xC3\xA9");
	assert_string_equal(mime_message_header(m, "x-spam"), "\xC3\xA9");
	assert_string_equal(mime_message_header(m, "CONTENT-TYPE"), "text/plain; charset=utf-8");
	assert_null(mime_message_header(m, "X-Missing"));
	assert_null(mime_message_header(NULL, "X"));
	mime_message_free(&m);

	raw = "Date: the day after tomorrow\n\nhi\n";
	m = parse_ok(raw, strlen(raw));
	assert_int_equal(m->date, 0);
	assert_string_equal(m->date_header, "the day after tomorrow");
	assert_non_null(strstr(m->defects, "invalid Date"));
	mime_message_free(&m);
	mime_message_free(&m);
	mime_message_free(NULL);
}

static void test_rejects(void **state)
{
	static const struct {
		const char *raw;
		size_t len;
	} cases[] = {
		{ "", 0 }, { "x", 0 }, { NULL, 0 }, { "\n", 1 }, { "\r\n\r\nbody only", 12 },
		{ "no colon here\n\nbody", 19 }, { "\x01\x02\xff\xfe binary\n\n", 12 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct mime_message *m = NULL;
		char *error = NULL;
		assert_int_equal(mime_parse(cases[i].raw, cases[i].len, &m, &error), 0);
		assert_null(m);
		assert_non_null(error);
		g_free(error);
	}
}

/* Parse must return 1 or 0 (with an error) and keep every promise of mime.h. */
static void parse_any(const char *raw, size_t len)
{
	struct mime_message *m = NULL;
	char *error = NULL;
	int ret = mime_parse(raw, len, &m, &error);

	if (ret == 1) {
		assert_null(error);
		tu_assert_mime_message(m);
	} else {
		assert_int_equal(ret, 0);
		assert_null(m);
		assert_non_null(error);
	}
	mime_message_free(&m);
	g_free(error);
}

static void test_random_bytes(void **state)
{
	GRand *rand = g_rand_new_with_seed(42);
	static const char alphabet[] = "ab:\n\r -=<>@;\"\\/?*=_\t\x80\xff\xc3\xa9";

	for (int i = 0; i < 300; i++) {
		size_t len = (size_t)g_rand_int_range(rand, 1, 4096);
		char *buf = g_malloc(len);
		int text = i % 2;
		for (size_t j = 0; j < len; j++)
			buf[j] = text ? alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)]
				      : (char)g_rand_int_range(rand, 0, 256);
		parse_any(buf, len);
		if (len > 20) {
			/* Real headers in front of random MIME. */
			static const char hdr[] = "From: a@b.c\nContent-Type: multipart/mixed; boundary=a\n\n--a\n";
			memcpy(buf, hdr, MIN(len, sizeof(hdr) - 1));
			parse_any(buf, len);
		}
		g_free(buf);
	}
	g_rand_free(rand);
}

static void test_deep_multipart(void **state)
{
	GString *raw = g_string_new("From: a@example.org\nSubject: deep\nMIME-Version: 1.0\n");
	struct mime_message *m;

	for (int i = 0; i < 3000; i++)
		g_string_append_printf(raw, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	g_string_append(raw, "Content-Type: text/plain\n\nbottom\n");
	for (int i = 2999; i >= 0; i--)
		g_string_append_printf(raw, "--b%d--\n", i);
	m = parse_ok(raw->str, raw->len);
	assert_non_null(m->defects);
	assert_non_null(strstr(m->defects, "depth"));
	assert_null(m->body_text);
	mime_message_free(&m);
	g_string_free(raw, TRUE);
}

static void test_deep_rfc822(void **state)
{
	GString *raw = g_string_new("From: a@example.org\nSubject: deep\n");
	struct mime_message *m;

	for (int i = 0; i < 2000; i++)
		g_string_append_printf(raw, "Content-Type: message/rfc822\n\nSubject: %d\n", i);
	g_string_append(raw, "\nbottom\n");
	m = parse_ok(raw->str, raw->len);
	assert_non_null(strstr(m->defects, "depth"));
	mime_message_free(&m);
	g_string_free(raw, TRUE);
}

static void test_many_parts_headers_attachments(void **state)
{
	GString *raw = g_string_new("From: a@example.org\n");
	struct mime_message *m;

	for (int i = 0; i < 1000; i++)
		g_string_append_printf(raw, "X-H%d: v\n", i);
	g_string_append(raw, "Content-Type: multipart/mixed; boundary=z\n\n");
	for (int i = 0; i < 12000; i++)
		g_string_append_printf(raw, "--z\nContent-Type: image/png\n\n%d\n", i);
	g_string_append(raw, "--z--\n");
	m = parse_ok(raw->str, raw->len);
	assert_int_equal(m->n_headers, PD_MAX_HEADERS);
	assert_int_equal(m->n_attachments, PD_MAX_ATTACHMENTS);
	assert_non_null(strstr(m->defects, "header limit reached"));
	assert_non_null(strstr(m->defects, "attachment limit reached"));
	assert_non_null(strstr(m->defects, "part limit reached"));
	mime_message_free(&m);
	g_string_free(raw, TRUE);
}

static void assert_rejected(GString *raw, const char *reason)
{
	struct mime_message *m = NULL;
	char *error = NULL;

	assert_int_equal(mime_parse(raw->str, raw->len, &m, &error), 0);
	assert_null(m);
	if (strstr(error, reason) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", error, reason);
	g_clear_pointer(&error, g_free);
	assert_int_equal(parse_via_file(raw->str, raw->len, &m, &error), 0);
	assert_null(m);
	if (strstr(error, reason) == NULL)
		fail_msg("from a file: error \"%s\" does not say \"%s\"", error, reason);
	g_free(error);
	g_string_free(raw, TRUE);
}

/* Shapes that would make GMime allocate gigabytes are refused before it sees them. */
static void test_structure_guard(void **state)
{
	GString *raw = g_string_new("From: a@example.org\nContent-Type: multipart/mixed; boundary=z\n\n");

	for (int i = 0; i < 50000; i++)
		g_string_append(raw, "--z\n\n");
	assert_rejected(raw, "boundary lines");

	raw = g_string_new("From: a@example.org\n");
	for (int i = 0; i < 60000; i++)
		g_string_append(raw, "X-A: b\n");
	assert_rejected(raw, "header data");

	raw = g_string_new("From: a@example.org\nTo: a@example.org");
	for (int i = 0; i < 300000; i++)
		g_string_append(raw, ",\n a@example.org");
	assert_rejected(raw, "header data");
}

/* A text body of n boundary-like lines of varying lengths, so that lines straddle the
   guard's reads (64 KiB) at every offset. */
static GString *many_dash_lines(unsigned n)
{
	GString *raw = g_string_new("From: a@example.org\nSubject: dashes\n\n");

	for (unsigned i = 0; i < n; i++) {
		g_string_append(raw, "--");
		for (unsigned k = 0; k < i % 97; k++)
			g_string_append_c(raw, (char)('a' + k % 26));
		g_string_append(raw, i % 2 ? "\r\n" : "\n");
	}
	return raw;
}

/* The guard reads the message in pieces: a line split between two reads counts once. Exactly
   at the bound the message parses, one line more and it is refused, from memory and from a
   file alike. */
static void test_structure_guard_pieces(void **state)
{
	const unsigned limit = 4 * PD_MAX_MIME_PARTS;
	GString *raw = many_dash_lines(limit);
	struct mime_message *m = NULL;
	char *error = NULL;

	assert_true(raw->len > 20 * 65536);
	if (mime_parse(raw->str, raw->len, &m, &error) != 1)
		fail_msg("at the bound: %s", error);
	assert_same_from_file(raw->str, raw->len, m);
	mime_message_free(&m);
	g_string_free(raw, TRUE);
	assert_rejected(many_dash_lines(limit + 1), "boundary lines");
}

/* Only header lines, adding up to `bytes` header bytes (the guard counts each line without
   its \n): long values, so that the guard's reads end inside them. */
static GString *header_bytes(size_t bytes)
{
	GString *raw = g_string_new("From: a@example.org\n");
	size_t counted = raw->len - 1;

	while (counted < bytes) {
		size_t n = MIN((size_t)1005, bytes - counted);
		g_string_append(raw, "X-H: ");
		for (size_t i = 5; i < MAX(n, (size_t)6); i++)
			g_string_append_c(raw, 'v');
		g_string_append_c(raw, '\n');
		counted += MAX(n, (size_t)6);
	}
	assert_int_equal(counted, bytes);
	return raw;
}

/* Header bytes split between two reads are all counted: at the bound the message parses,
   one byte more and it is refused. */
static void test_structure_guard_header_bytes(void **state)
{
	const size_t limit = 32u * PD_MAX_HEADER_VALUE;
	GString *raw = header_bytes(limit);
	struct mime_message *m = NULL;
	char *error = NULL;

	if (mime_parse(raw->str, raw->len, &m, &error) != 1)
		fail_msg("at the bound: %s", error);
	assert_same_from_file(raw->str, raw->len, m);
	mime_message_free(&m);
	g_string_free(raw, TRUE);
	assert_rejected(header_bytes(limit + 1), "header data");
}

/* A text part far larger than the text kept: only its start is decoded (the text is
   bounded), and it reads the same from a file. */
static void test_huge_text_part(void **state)
{
	GString *raw = g_string_new("From: a@example.org\nSubject: big\nContent-Type: text/plain;"
				    " charset=utf-8\nContent-Transfer-Encoding: base64\n\n");
	struct mime_message *m;

	for (int i = 0; i < 200000; i++) /* 54 bytes a line: 10 MB of text */
		g_string_append(raw, "UGxlYXNlIHNlbmQgbWUgdGhlIGZpbGVzIGFib3V0IG1lLiBQ"
				"bGVhc2Ugc2VuZCBtZSB0aGVt\n");
	m = parse_ok(raw->str, raw->len);
	assert_non_null(m->body_text);
	assert_true(strlen(m->body_text) <= PD_MAX_BODY_TEXT);
	assert_true(strlen(m->body_text) > PD_MAX_BODY_TEXT - 100);
	assert_non_null(strstr(m->body_text, "Please send me the files about me."));
	assert_same_from_file(raw->str, raw->len, m);
	mime_message_free(&m);
	g_string_free(raw, TRUE);
}

static void test_long_values_truncated(void **state)
{
	GString *raw = g_string_new("From: a@example.org\nSubject: ");
	struct mime_message *m;

	for (int i = 0; i < 100000; i++)
		g_string_append(raw, "\xC3\xA9 ");
	g_string_append(raw, "\nX-Long: ");
	for (int i = 0; i < 100000; i++)
		g_string_append(raw, "abc ");
	g_string_append(raw, "\n\n");
	for (int i = 0; i < 300000; i++)
		g_string_append(raw, "line\n");
	m = parse_ok(raw->str, raw->len);
	assert_true(strlen(m->subject) <= PD_MAX_SUBJECT);
	assert_true(strlen(mime_message_header(m, "X-Long")) <= PD_MAX_HEADER_VALUE);
	assert_true(strlen(m->body_text) <= PD_MAX_BODY_TEXT);
	assert_true(strlen(m->body_text) > PD_MAX_BODY_TEXT - 8);
	mime_message_free(&m);
	g_string_free(raw, TRUE);
}

/* ---------------------------------------------------------------- compose */

static const char *const test_refs[] = { "root@example.org", "mid@example.org", NULL };

static struct mime_notice test_notice(void)
{
	struct mime_notice n = {
		.from_name = "Bureau de donn\xC3\xA9" "es, \"Disclosure\"",
		.from_addr = "disclosure@Police.Example",
		.to_name = "Z\xC3\xB6" "e O'Brien",
		.to_addr = "zoe@example.org",
		.subject = "Re: Demande d'acc\xC3\xA8s \xE2\x80\x94 r\xC3\xA9" "f\xC3\xA9rence 123",
		.body_text = "Bonjour,\n\nVotre demande a \xC3\xA9t\xC3\xA9 re\xC3\xA7ue.\n-- \nPolice\n",
		.message_id = "notice.1@police.example",
		.in_reply_to = "mid@example.org",
		.references = test_refs,
		.date = 1700000000,
		.auto_replied = 1,
	};
	return n;
}

static char *compose_ok(const struct mime_notice *n, size_t *len_r)
{
	char *raw = NULL, *error = NULL;

	if (mime_compose(n, &raw, len_r, &error) != 1)
		fail_msg("compose failed: %s", error);
	assert_null(error);
	assert_int_equal(strlen(raw), *len_r);
	return raw;
}

/* Every line ends CRLF, is at most 998 octets and is 7-bit. */
static void assert_wire_format(const char *raw)
{
	const char *line = raw, *nl;

	while ((nl = strchr(line, '\n')) != NULL) {
		assert_true(nl > line && nl[-1] == '\r');
		assert_true(nl - line <= 999);
		line = nl + 1;
	}
	assert_string_equal(line, "");
	for (const char *p = raw; *p != '\0'; p++)
		assert_true((unsigned char)*p < 0x80);
}

static void test_compose_round_trip(void **state)
{
	struct mime_notice n = test_notice();
	size_t len = 0;
	char *raw = compose_ok(&n, &len);
	struct mime_message *m;

	assert_wire_format(raw);
	assert_non_null(strstr(raw, "\r\nAuto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(raw, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(raw, "charset=utf-8"));
	assert_non_null(strstr(raw, "Content-Transfer-Encoding: quoted-printable"));
	assert_non_null(strcasestr(raw, "Subject: Re: Demande =?utf-8?b?"));
	m = parse_ok(raw, len);
	assert_null(m->defects);
	assert_string_equal(m->subject, n.subject);
	assert_string_equal(m->body_text, n.body_text);
	assert_string_equal(m->from_name, n.from_name);
	assert_string_equal(m->from_addr, "disclosure@police.example");
	assert_non_null(strstr(m->to, "zoe@example.org"));
	assert_string_equal(m->message_id, n.message_id);
	assert_string_equal(m->in_reply_to, n.in_reply_to);
	assert_string_equal(m->references[0], "root@example.org");
	assert_string_equal(m->references[1], "mid@example.org");
	assert_null(m->references[2]);
	assert_int_equal(m->date, n.date);
	assert_string_equal(mime_message_header(m, "Auto-Submitted"), "auto-replied");
	assert_string_equal(m->content_type, "text/plain");
	mime_message_free(&m);
	g_free(raw);
}

static void test_compose_minimal_ascii(void **state)
{
	struct mime_notice n = {
		.from_addr = "a@example.org", .to_addr = "b@example.org", .subject = "Hello",
		.body_text = "Plain ASCII.\n", .message_id = "x@example.org", .date = 0,
	};
	size_t len = 0;
	char *raw = compose_ok(&n, &len);
	struct mime_message *m;

	assert_wire_format(raw);
	assert_null(strstr(raw, "Auto-Submitted"));
	assert_null(strstr(raw, "In-Reply-To"));
	assert_null(strstr(raw, "References"));
	m = parse_ok(raw, len);
	assert_string_equal(m->body_text, "Plain ASCII.\n");
	assert_null(m->from_name);
	assert_null(m->in_reply_to);
	assert_null(m->references);
	assert_int_equal(m->date, 0);
	mime_message_free(&m);
	g_free(raw);
}

static void test_compose_long_and_binary(void **state)
{
	GString *subject = g_string_new("Re:");
	GString *body = g_string_new(NULL);
	struct mime_notice n = test_notice();
	struct mime_message *m;
	size_t len = 0;
	char *raw;

	for (int i = 0; i < 40; i++)
		g_string_append(subject, i % 2 ? " word" : " \xC3\xA9l\xC3\xA9ment");
	g_string_append(subject, " ");
	for (int i = 0; i < 200; i++)
		g_string_append_c(subject, 'x'); /* one unbreakable 200-character word */
	for (int i = 0; i < 3000; i++)
		g_string_append(body, "\xD0\x96\xD0\xB8"); /* Cyrillic: base64 */
	g_string_append(body, "\n");
	n.subject = subject->str;
	n.body_text = body->str;
	raw = compose_ok(&n, &len);
	assert_wire_format(raw);
	assert_non_null(strstr(raw, "Content-Transfer-Encoding: base64"));
	m = parse_ok(raw, len);
	assert_string_equal(m->subject, subject->str);
	assert_string_equal(m->body_text, body->str);
	mime_message_free(&m);
	g_free(raw);
	g_string_free(subject, TRUE);
	g_string_free(body, TRUE);
}

static void compose_rejected(const struct mime_notice *n, const char *what)
{
	char *raw = NULL, *error = NULL;
	size_t len = 7;

	if (mime_compose(n, &raw, &len, &error) != 0)
		fail_msg("accepted %s", what);
	assert_null(raw);
	assert_int_equal(len, 0);
	assert_non_null(error);
	g_free(error);
}

static void test_compose_rejects_injection(void **state)
{
	static const char *const bad_refs[] = { "ok@example.org", "a@b>\r\nBcc: x@y", NULL };
	struct mime_notice n;

	n = test_notice(); n.subject = "Hi\r\nBcc: victim@example.org";
	compose_rejected(&n, "CRLF in subject");
	n = test_notice(); n.subject = "Hi\nX: y";
	compose_rejected(&n, "LF in subject");
	n = test_notice(); n.from_name = "Police\rBcc: x@y";
	compose_rejected(&n, "CR in from name");
	n = test_notice(); n.to_name = "Z\x01";
	compose_rejected(&n, "control character in to name");
	n = test_notice(); n.to_addr = "zoe@example.org\r\nBcc: x@y";
	compose_rejected(&n, "CRLF in to address");
	n = test_notice(); n.to_addr = "zoe example.org";
	compose_rejected(&n, "address without @");
	n = test_notice(); n.from_addr = "a@b@";
	compose_rejected(&n, "address with empty domain");
	n = test_notice(); n.to_addr = "<zoe@example.org>";
	compose_rejected(&n, "address with <>");
	n = test_notice(); n.message_id = "a b@example.org";
	compose_rejected(&n, "space in message-id");
	n = test_notice(); n.message_id = NULL;
	compose_rejected(&n, "missing message-id");
	n = test_notice(); n.in_reply_to = "x@y>\r\nBcc: z@w";
	compose_rejected(&n, "CRLF in in-reply-to");
	n = test_notice(); n.references = bad_refs;
	compose_rejected(&n, "CRLF in references");
	n = test_notice(); n.subject = "caf\xE9";
	compose_rejected(&n, "subject not UTF-8");
	n = test_notice(); n.body_text = "caf\xE9";
	compose_rejected(&n, "body not UTF-8");
	compose_rejected(NULL, "no notice");
}

/* ---------------------------------------------------------------- compose: HTML alternative */

/* The decoded content of part, its CRLFs (the wire's) back to \n. */
static char *decoded_text(GMimeObject *obj)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *bytes;
	GString *text = g_string_new(NULL);

	assert_true(GMIME_IS_PART(obj));
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(obj)), mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	for (guint i = 0; i < bytes->len; i++) {
		if (!(bytes->data[i] == '\r' && i + 1 < bytes->len && bytes->data[i + 1] == '\n'))
			g_string_append_c(text, (char)bytes->data[i]);
	}
	g_object_unref(mem);
	return g_string_free(text, FALSE);
}

static void assert_utf8_part(GMimeObject *obj, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	assert_true(g_mime_content_type_is_type(ct, "text", subtype));
	assert_string_equal(g_mime_content_type_get_parameter(ct, "charset"), "utf-8");
}

/* raw is exactly multipart/alternative of text/plain then text/html, both UTF-8: returns
   their decoded texts and the boundary (all g_malloc'd). mime_parse shows the plain part
   only, so the structure is read back with GMime itself. */
static void alternative_parts(const char *raw, size_t len, char **plain_r, char **html_r,
			      char **boundary_r)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *gm = g_mime_parser_construct_message(parser, NULL);
	GMimeObject *body;
	GMimeMultipart *mp;

	assert_non_null(gm);
	body = g_mime_message_get_mime_part(gm);
	assert_true(GMIME_IS_MULTIPART(body));
	assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(body), "multipart",
						"alternative"));
	mp = GMIME_MULTIPART(body);
	assert_int_equal(g_mime_multipart_get_count(mp), 2);
	assert_utf8_part(g_mime_multipart_get_part(mp, 0), "plain");
	assert_utf8_part(g_mime_multipart_get_part(mp, 1), "html");
	*plain_r = decoded_text(g_mime_multipart_get_part(mp, 0));
	*html_r = decoded_text(g_mime_multipart_get_part(mp, 1));
	*boundary_r = g_strdup(g_mime_multipart_get_boundary(mp));
	g_object_unref(gm);
	g_object_unref(parser);
	g_object_unref(stream);
}

/* The only lines of raw that start with "--=-" are the multipart's own delimiters. GMime's
   boundaries all start with "=-" (what compose relies on: checked here), so no body line
   can match this boundary or any other GMime could have drawn. */
static void assert_only_boundary_lines(const char *raw, const char *boundary)
{
	char *delimiter = g_strdup_printf("--%s\r\n", boundary);
	char *close = g_strdup_printf("--%s--\r\n", boundary);
	int delimiters = 0, closes = 0;

	assert_true(strncmp(boundary, "=-", 2) == 0);
	for (const char *line = raw, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		size_t n = (size_t)(nl + 1 - line);
		if (n < 4 || strncmp(line, "--=-", 4) != 0)
			continue;
		if (n == strlen(delimiter) && strncmp(line, delimiter, n) == 0)
			delimiters++;
		else if (n == strlen(close) && strncmp(line, close, n) == 0)
			closes++;
		else
			fail_msg("a body line looks like a boundary: %.*s", (int)n, line);
	}
	assert_int_equal(delimiters, 2);
	assert_int_equal(closes, 1);
	g_free(delimiter);
	g_free(close);
}

/* Composes n (which has body_html), checks the wire format and the two parts round trip. */
static void check_alternative(const struct mime_notice *n)
{
	char *raw, *plain = NULL, *html = NULL, *boundary = NULL;
	struct mime_message *m;
	size_t len = 0;

	raw = compose_ok(n, &len);
	assert_wire_format(raw);
	alternative_parts(raw, len, &plain, &html, &boundary);
	assert_only_boundary_lines(raw, boundary);
	assert_string_equal(plain, n->body_text);
	assert_string_equal(html, n->body_html);
	m = parse_ok(raw, len);
	assert_null(m->defects);
	assert_string_equal(m->content_type, "multipart/alternative");
	assert_string_equal(m->subject, n->subject);
	assert_string_equal(m->body_text, n->body_text);
	assert_int_equal(m->body_from_html, 0);
	assert_int_equal(m->n_attachments, 0);
	mime_message_free(&m);
	g_free(plain);
	g_free(html);
	g_free(boundary);
	g_free(raw);
}

/* Boundary-like lines in either body (ours start "=-", so "--=-" too) cannot end a part or
   add one; a non-ASCII subject is RFC 2047-encoded as in the single-part message. */
static void test_compose_alternative(void **state)
{
	static const char injected[] =
		"Dear Zo\xC3\xAB,\n--==boundary\nContent-Type: text/html\n\n<script>x</script>\n"
		"--==boundary--\n--=-\n--=-abc--\n-- \nPolice\n";
	static const char ascii_injected[] = "--==boundary\n--=-x\n\n--=-x--\n";
	struct mime_notice n = test_notice();

	n.subject = "Re: Zo\xC3\xAB \xC3\x93 Briain \xE2\x80\x94 r\xC3\xA9" "f PD-1";
	n.body_text = injected;
	n.body_html = "<p>Dear Zo&euml;,</p>\n<pre>\n--==boundary\n--=-\n</pre>\n";
	check_alternative(&n);
	/* Plain ASCII bodies, which GMime would send 7bit, too. */
	n.body_text = ascii_injected;
	n.body_html = ascii_injected;
	check_alternative(&n);
	n.body_text = NULL; /* no text: an empty text/plain part, as in the single-part case */
	n.body_html = "<p>x</p>";
	size_t len = 0;
	char *raw = compose_ok(&n, &len), *plain = NULL, *html = NULL, *boundary = NULL;
	assert_non_null(strcasestr(raw, "\r\nSubject: Re: =?utf-8?"));
	alternative_parts(raw, len, &plain, &html, &boundary);
	assert_string_equal(plain, "");
	assert_string_equal(html, "<p>x</p>");
	g_free(plain);
	g_free(html);
	g_free(boundary);
	g_free(raw);
}

/* Without body_html: one text/plain part, as before the HTML alternative existed. */
static void test_compose_text_only_unchanged(void **state)
{
	struct mime_notice n = test_notice();
	size_t len = 0;
	char *raw;

	n.body_text = "--==boundary\nplain\n";
	raw = compose_ok(&n, &len);
	assert_null(strcasestr(raw, "multipart"));
	assert_non_null(strstr(raw, "\r\n\r\n--==boundary\r\nplain\r\n"));
	g_free(raw);
}

/* Lines far over 998 octets in both parts, ASCII (quoted-printable) and not (base64). */
static void test_compose_alternative_long_lines(void **state)
{
	GString *text = g_string_new("Start ");
	GString *html = g_string_new("<p>");
	struct mime_notice n = test_notice();

	for (int i = 0; i < 5000; i++)
		g_string_append_c(text, i % 7 ? 'a' : '&');
	g_string_append(text, "\nend\n");
	for (int i = 0; i < 2000; i++)
		g_string_append(html, "\xD0\x96");
	g_string_append(html, "</p>\n");
	n.body_text = text->str;
	n.body_html = html->str;
	check_alternative(&n);
	g_string_free(text, TRUE);
	g_string_free(html, TRUE);
}

static void test_compose_alternative_rejects(void **state)
{
	struct mime_notice n = test_notice();
	char *big = g_malloc(PD_MAX_RENDERED + 2);

	memset(big, 'x', PD_MAX_RENDERED + 1);
	big[PD_MAX_RENDERED + 1] = '\0';
	n.body_html = "<p>caf\xE9</p>";
	compose_rejected(&n, "HTML body not UTF-8");
	n.body_html = big;
	compose_rejected(&n, "HTML body too large");
	g_free(big);
}

/* Files after the body: multipart/mixed, read back byte for byte with their names (a
   non-ASCII one too) and types, in order; over the caller's limit nothing is read. */
static void test_compose_attachments(void **state)
{
	static const char pdf[] = "%PDF-1.4\n\x00\x01\xff binary \r\n--boundary?\n%%EOF";
	char jpeg[3000];
	struct mime_blob files[] = {
		{ "response.pdf", "application/pdf", (char *)pdf, sizeof(pdf) - 1 },
		{ "Sch\xC3\xA9ma d'acc\xC3\xA8s.jpg", "image/jpeg", jpeg, sizeof(jpeg) },
		{ NULL, "application/octet-stream", (char *)"x", 1 },
	};
	struct mime_notice n = test_notice();
	struct mime_message *m;
	struct mime_blob *back = NULL;
	size_t len = 0, count = 0;
	char *raw, *error = NULL;

	for (size_t i = 0; i < sizeof(jpeg); i++)
		jpeg[i] = (char)(i * 7);
	n.attachments = files;
	n.n_attachments = G_N_ELEMENTS(files);
	n.body_html = "<p>Bonjour</p>";
	raw = compose_ok(&n, &len);
	assert_wire_format(raw);
	m = parse_ok(raw, len);
	assert_string_equal(m->content_type, "multipart/mixed");
	assert_string_equal(m->body_text, n.body_text);
	assert_int_equal(m->n_attachments, 3);
	mime_message_free(&m);
	assert_int_equal(mime_attachments_read(raw, len, MIME_FILES_LISTED, 1024 * 1024, &back,
					       &count, &error), 1);
	assert_int_equal(count, 3);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(back[i].len, files[i].len);
		assert_memory_equal(back[i].data, files[i].data, files[i].len);
		assert_string_equal(back[i].content_type, files[i].content_type);
		if (files[i].filename != NULL)
			assert_string_equal(back[i].filename, files[i].filename);
		else
			assert_null(back[i].filename);
	}
	mime_blobs_free(&back, count);
	assert_null(back);
	/* 3 KB and more attached: a 2 KB limit reads nothing and says why. */
	assert_int_equal(mime_attachments_read(raw, len, MIME_FILES_LISTED, 2048, &back, &count,
					       &error), 0);
	assert_non_null(strstr(error, "more than 2048 bytes"));
	assert_null(back);
	assert_int_equal(count, 0);
	g_free(error);
	error = NULL;
	/* Not a message at all. */
	assert_int_equal(mime_attachments_read("\x01\x02", 2, MIME_FILES_LISTED, 100, &back, &count,
					       &error), 0);
	g_free(error);
	g_free(raw);
}

/* A member's #respond: their signature's logo and the files inside a mail they forwarded
   are not the response's files; the PDF they attached and the forwarded mail are. */
static void test_attached_files_only(void **state)
{
	static const char raw[] =
		"From: Ann <ann@force.test>\r\nTo: pd@force.test\r\nSubject: Re: PD-2026-000001\r\n"
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
		"--m\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n"
		"--r\r\nContent-Type: text/html\r\n\r\n<p>#respond</p><img src=\"cid:logo@x\">\r\n"
		"--r\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-ID: <logo@x>\r\n"
		"Content-Disposition: inline; filename=\"logo.png\"\r\n\r\nPNGDATA\r\n--r--\r\n"
		"--m\r\nContent-Type: application/pdf\r\n"
		"Content-Disposition: attachment; filename=\"response.pdf\"\r\n\r\nPDFDATA\r\n"
		"--m\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
		"From: b@force.test\r\nSubject: notes\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"i\"\r\n\r\n"
		"--i\r\nContent-Type: text/plain\r\n\r\ninner\r\n"
		"--i\r\nContent-Type: text/csv\r\n"
		"Content-Disposition: attachment; filename=\"internal.csv\"\r\n\r\na,b\r\n--i--\r\n"
		"--m--\r\n";
	struct mime_blob *back = NULL;
	size_t count = 0;
	char *error = NULL;

	(void)state;
	assert_int_equal(mime_attachments_read(raw, sizeof(raw) - 1, MIME_FILES_LISTED, 65536,
					       &back, &count, &error), 1);
	assert_int_equal(count, 4); /* logo, PDF, the forwarded mail, the CSV inside it */
	mime_blobs_free(&back, count);
	assert_int_equal(mime_attachments_read(raw, sizeof(raw) - 1, MIME_FILES_ATTACHED, 65536,
					       &back, &count, &error), 1);
	assert_int_equal(count, 2);
	assert_string_equal(back[0].filename, "response.pdf");
	assert_memory_equal(back[0].data, "PDFDATA", 7);
	assert_string_equal(back[1].content_type, "message/rfc822");
	assert_non_null(g_strstr_len(back[1].data, (gssize)back[1].len, "internal.csv"));
	mime_blobs_free(&back, count);
}

/* The digest's chart: shown in the HTML by "cid:", a part of a multipart/related, never a
   file the reader has to open; refused without an HTML part or with a bad Content-ID. */
static void test_compose_inline_image(void **state)
{
	static const char png[] = "\x89PNG\r\n\x1a\n pixels";
	struct mime_blob image = { (char *)"chart.png@pdgate", "image/png", (char *)png,
				   sizeof(png) - 1 };
	struct mime_blob bad = { (char *)"chart>png", "image/png", (char *)png, 3 };
	struct mime_notice n = test_notice();
	struct mime_blob *back = NULL;
	size_t len = 0, count = 0;
	char *raw = NULL, *error = NULL;

	(void)state;
	n.inline_images = &image;
	n.n_inline = 1;
	assert_int_equal(mime_compose(&n, &raw, &len, &error), 0);
	assert_non_null(strstr(error, "without an HTML part"));
	g_free(error);
	error = NULL;
	n.body_html = "<p>Chart</p><img src=\"cid:chart.png@pdgate\" alt=\"chart\">";
	n.inline_images = &bad;
	assert_int_equal(mime_compose(&n, &raw, &len, &error), 0);
	g_free(error);
	error = NULL;
	n.inline_images = &image;
	n.in_reply_to = NULL;  /* a digest answers nothing */
	n.references = NULL;
	raw = compose_ok(&n, &len);
	assert_wire_format(raw);
	assert_non_null(strstr(raw, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(raw, "multipart/related"));
	assert_non_null(strstr(raw, "Content-Id: <chart.png@pdgate>"));
	assert_non_null(strstr(raw, "Content-Disposition: inline"));
	assert_int_equal(mime_attachments_read(raw, len, MIME_FILES_LISTED, 65536, &back, &count,
					       &error), 1);
	assert_int_equal(count, 1);
	assert_memory_equal(back[0].data, png, sizeof(png) - 1);
	mime_blobs_free(&back, count);
	assert_int_equal(mime_attachments_read(raw, len, MIME_FILES_ATTACHED, 65536, &back, &count,
					       &error), 1);
	assert_int_equal(count, 0);
	g_free(raw);
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
	struct CMUnitTest tests[G_N_ELEMENTS(golden_cases) + 27];
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(golden_cases); i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_golden, (void *)&golden_cases[i]);
		t.name = golden_cases[i].name;
		tests[n++] = t;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_attachment_details);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_references);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_references_keep_last);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_date_and_headers);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_rejects);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_random_bytes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_deep_multipart);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_deep_rfc822);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_many_parts_headers_attachments);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_structure_guard);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_values_truncated);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_round_trip);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_minimal_ascii);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_long_and_binary);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_rejects_injection);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_alternative);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_text_only_unchanged);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_alternative_long_lines);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_alternative_rejects);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_attachments);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_attached_files_only);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_compose_inline_image);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_structure_guard_pieces);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_huge_text_part);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_structure_guard_header_bytes);
	return _cmocka_run_group_tests("mime", tests, n, group_setup, group_teardown);
}
