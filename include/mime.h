/* mime: the one boundary where untrusted raw mail becomes a bounded, validated struct
   (parse), and where outgoing notices become RFC 5322 messages (compose). Uses GMime 3. */
#ifndef PDGATE_MIME_H
#define PDGATE_MIME_H

#include <stddef.h>
#include <stdint.h>

struct mime_attachment {
	char *filename;     /* UTF-8 (RFC 2231/2047 decoded), path-free, or NULL */
	char *content_type; /* lowercase "type/subtype" */
	size_t size;        /* decoded size in bytes */
};

struct mime_header {
	char *name;  /* as in the message, ASCII */
	char *value; /* RFC 2047 decoded, UTF-8, no CR/LF, bounded */
};

/* Everything downstream of mime sees only this. All strings are valid UTF-8 without
   control characters (body_text keeps \n and \t), bounded by pd-limits.h. Missing values
   are NULL, never "". Addresses are syntactically checked local@domain, lowercase domain. */
struct mime_message {
	char *from_name;     /* display name or NULL */
	char *from_addr;     /* NULL when absent or invalid */
	char *reply_to_addr; /* first valid Reply-To address or NULL */
	char *to;            /* To header as display text, or NULL */
	char *subject;       /* decoded, or NULL */
	char *date_header;   /* Date header as sent, or NULL */
	int64_t date;        /* Date header as Unix time; 0 when absent or unparsable */
	char *message_id;    /* without <>, or NULL */
	char *in_reply_to;   /* first msg-id of In-Reply-To, without <>, or NULL */
	char **references;   /* NULL-terminated, without <>, at most PD_MAX_REFERENCES (last ones) */
	char *content_type;  /* top-level lowercase "type/subtype" */
	char *body_text;     /* text body converted to UTF-8, or text from HTML; NULL if none.
				When a forwarded message (message/rfc822) has text too, it follows
				after a "---------- Forwarded message ----------" line. */
	int body_from_html;  /* 1 when body_text was extracted from HTML */
	struct mime_attachment *attachments;
	size_t n_attachments;
	struct mime_header *headers; /* top-level headers in order */
	size_t n_headers;
	char *defects;       /* ";"-separated notes on what was broken and repaired, or NULL */
	/* A forward: the sender of the mail it carries (an attached message's From, else the
	   first From: line of a forwarded header block in the text), or NULL. Checked like
	   from_addr. */
	char *forwarded_from_name, *forwarded_from_addr;
	/* A web form's relay: the "Name:" and "Email:" fields near the top of the text (what a
	   person typed into the form), or NULL. Checked like from_addr. */
	char *form_name, *form_addr;
};

/* Parse raw (len bytes, need not be NUL-terminated). Returns 1 and *msg_r (free with
   mime_message_free), or 0 with *error_r when the message cannot be parsed at all
   (it must then be quarantined). Broken-but-readable mail parses, with defects noted. */
int mime_parse(const char *raw, size_t len, struct mime_message **msg_r, char **error_r);

/* mime_parse of the message in the file at path (a spool file), read through a GMime file
   stream: the file is never copied into memory, only the bounded struct is built. 1, 0 as
   mime_parse, or -1 when the file cannot be opened. */
int mime_parse_file(const char *path, struct mime_message **msg_r, char **error_r);

/* Free *msg and set it to NULL. NULL-safe. */
void mime_message_free(struct mime_message **msg);

/* First value of header `name` (case-insensitive), or NULL. Borrowed from msg. */
const char *mime_message_header(const struct mime_message *msg, const char *name);

/* A file attached to a message, with its decoded bytes. */
struct mime_blob {
	char *filename;     /* as mime_attachment's: path-free, cleaned, or NULL */
	char *content_type; /* lowercase "type/subtype" */
	char *data;         /* decoded bytes (g_malloc'd) */
	size_t len;
};
/* Which of a message's attachments to read. */
enum mime_files {
	MIME_FILES_LISTED,   /* every one mime_parse lists, also those in forwarded messages */
	MIME_FILES_ATTACHED, /* only files the sender attached: no inline image with a
				Content-ID (a signature's logo), nothing inside a forwarded
				message (which comes whole if it was attached) */
};
/* The attachments of raw (MIME_FILES_LISTED: the same ones, in the same order, as mime_parse
   lists) with their decoded bytes, for passing them on (a response, a reply raised to the
   team). Returns 1 with *blobs_r (free with mime_blobs_free) and *n_r; 0 with *error_r when
   raw cannot be parsed or the files add up to more than max_total bytes (nothing is returned
   then: the caller lists names and sizes instead). */
int mime_attachments_read(const char *raw, size_t len, enum mime_files which, size_t max_total,
			  struct mime_blob **blobs_r, size_t *n_r, char **error_r);
/* mime_attachments_read of the message in the file at path; only the files returned (at
   most max_total bytes) are in memory. 1, or 0 (also when the file cannot be opened). */
int mime_attachments_read_file(const char *path, enum mime_files which, size_t max_total,
			       struct mime_blob **blobs_r, size_t *n_r, char **error_r);
void mime_blobs_free(struct mime_blob **blobs, size_t n);

/* An outgoing notice. All strings are UTF-8 and borrowed. New members go last, so that
   designated initialisers elsewhere keep compiling and leave them NULL/0. */
struct mime_notice {
	const char *from_name;   /* may be NULL */
	const char *from_addr;
	const char *to_name;     /* may be NULL */
	const char *to_addr;
	const char *subject;     /* must not contain CR or LF */
	const char *body_text;   /* plain text, \n line ends */
	const char *message_id;  /* without <> */
	const char *in_reply_to; /* without <>, or NULL */
	const char *const *references; /* NULL-terminated, without <>, or NULL */
	int64_t date;            /* Unix time for the Date header */
	int auto_replied;        /* add "Auto-Submitted: auto-replied" (auto-generated when
				    in_reply_to is NULL: it answers nothing) */
	const char *body_html;   /* HTML alternative of body_text, or NULL for text only */
	const struct mime_blob *attachments; /* files attached after the body, or NULL */
	size_t n_attachments;
	/* Images the HTML part shows, inline: each blob's filename is its Content-ID (the HTML
	   refers to it as "cid:NAME"). Only with body_html. */
	const struct mime_blob *inline_images;
	size_t n_inline;
};

/* Compose n as an RFC 5322 message (CRLF line ends, UTF-8 RFC 2047 encoded headers,
   quoted-printable or base64 body as needed, lines within 998). With body_html, the body is
   multipart/alternative: text/plain then text/html, both UTF-8; without it, one text/plain
   part; with inline images, the HTML and its images make a multipart/related. With
   attachments, that body and then each file (base64, its name RFC 2231-encoded) make a
   multipart/mixed. Body text never ends or breaks the multipart. Returns 1 with *raw_r
   (g_malloc'd, NUL-terminated) and *len_r, or 0 with *error_r for invalid input
   (bad address, CR/LF in a header value). */
int mime_compose(const struct mime_notice *n, char **raw_r, size_t *len_r, char **error_r);

/* Call once at start-up / before exit (wraps g_mime_init / g_mime_shutdown). */
void mime_init(void);
void mime_deinit(void);

/* ---- replies (mime-reply.c) ---- */

/* What the sender wrote in this message: the body without the quoted history (`>` lines;
   the tail from "On ... wrote:" (also wrapped over two lines), Outlook's "From: ... Sent: ..."
   header block (also "*From:*"), "-----Original Message-----" or an underscore rule; other
   clients' header blocks and attributions; an attribution line above `>` quotes, keeping
   the words of a bottom-posted or inline reply below them) and the forwarded messages
   ("Begin forwarded message:", "---------- Forwarded message ---------"). With
   MIME_REPLY_NO_SIGNATURE also without the signature: the "-- " line and everything after
   it; mobile footers ("Sent from my iPhone", "Get Outlook for Android"); a last sign-off
   line ("Kind regards," "Regards," "Thanks," "Best wishes," "Many thanks," "Cheers,"
   "Yours sincerely,"...) followed only by up to 6 short lines (name, title, phone).
   Trailing blank lines removed. body NULL is "". Always a new g_malloc'd string (maybe ""). */
#define MIME_REPLY_NO_SIGNATURE 0x1
/* Only what the classifier's `body` test has always left out: `>` lines and the tail from
   "On ... wrote:", Outlook's header block, "-----Original Message-----" or an underscore
   rule. Forwarded messages stay (a request forwarded to us is still the request) and so do
   trailing blank lines (with MIME_REPLY_NO_SIGNATURE too, the signature and they go). */
#define MIME_REPLY_QUOTES_ONLY 0x2
char *mime_reply_new_text(const char *body, unsigned flags);

/* The sender of the mail forwarded in body (the text, as body_text): the From: line of the
   first header block after "---------- Forwarded message", "Begin forwarded message:",
   "-----Original Message-----" or an underscore rule, or of an Outlook block (From: then
   Sent:, Date:, To: or Subject:), '>' quoting allowed. 1 with *addr_r (checked, lowercase
   domain) and *name_r (or NULL), g_malloc'd; 0 when there is none. */
int mime_forwarded_sender(const char *body, char **addr_r, char **name_r);

/* The person a web form's relay names: an "Email:" ("E-mail:", "Email address:", "Your
   email:") field line within the first lines of body, and the "Name:" ("Full name:", "Your
   name:") field. 1 with *addr_r (checked) and *name_r (or NULL), g_malloc'd; 0 none. */
int mime_form_sender(const char *body, char **addr_r, char **name_r);

/* From and Subject of a message mime_parse rejected, for `pdgate quarantine` to show: read
   from the header block only (bounded), unfolded, RFC 2047 decoded, valid UTF-8, at most
   PD_MAX_SUBJECT bytes. Control characters are kept: the caller escapes them for its
   output. *from_r and *subject_r g_malloc'd, NULL when absent. */
void mime_peek_headers(const char *raw, size_t len, char **from_r, char **subject_r);

#endif
