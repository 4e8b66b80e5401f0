/* pdgate limits: every bound on untrusted input in one place, each with its reason. */
#ifndef PDGATE_LIMITS_H
#define PDGATE_LIMITS_H

/* Largest raw message accepted (bytes). Bigger mail is quarantined, never parsed:
   police disclosure requests with scanned ID rarely exceed 25 MiB (Gmail's send limit). */
#define PD_MAX_MESSAGE_SIZE (40u * 1024u * 1024u)
/* Spool files are raw messages we accepted, plus our own notices. */
#define PD_MAX_SPOOL_FILE (PD_MAX_MESSAGE_SIZE + 1024u * 1024u)
/* Bytes asked for in one partial FETCH (BODY.PEEK[]<offset.length>): libetpan holds a whole
   response in memory, so a message is fetched in pieces of this size straight into the spool.
   Over-limit mail is kept (quarantined) up to PD_MAX_SPOOL_FILE, i.e. limit + one chunk. */
#define PD_FETCH_CHUNK (1024u * 1024u)
/* MIME nesting depth and part count (Dovecot's defaults): deeper is an attack, not mail. */
#define PD_MAX_MIME_DEPTH 100
#define PD_MAX_MIME_PARTS 10000
/* Header values kept per message, and the length of each (OpenSMTPD: 64 KiB per header). */
#define PD_MAX_HEADERS 500
#define PD_MAX_HEADER_VALUE 65536
/* Subject and display-name lengths we keep; longer values are truncated on a UTF-8 boundary. */
#define PD_MAX_SUBJECT 998
#define PD_MAX_NAME 256
/* RFC 5321: 254 octets is the longest usable address. */
#define PD_MAX_ADDRESS 254
/* Message-IDs longer than this are not ids but abuse (RFC 5322 line limit). */
#define PD_MAX_MESSAGE_ID 998
/* A Message-ID we repeat in In-Reply-To/References of a notice: longer ones (still valid in
   the mail we received) would push a header line past RFC 5322's 998 octets, so they are
   left out rather than let the notice fail. */
#define PD_MAX_THREAD_ID 900
/* References kept for threading; long threads only need the recent ones. */
#define PD_MAX_REFERENCES 50
/* Body text kept for classification and display (UTF-8 bytes). */
#define PD_MAX_BODY_TEXT (1024u * 1024u)
/* Attachments listed per message. */
#define PD_MAX_ATTACHMENTS 200
/* RFC 6838: a media type and subtype are each at most 127 characters. */
#define PD_MAX_CONTENT_TYPE 255
/* A charset name longer than this, or with odd characters, is not a charset. */
#define PD_MAX_CHARSET_NAME 64
/* UTF-8 bytes of HTML converted before tag stripping; the text kept is PD_MAX_BODY_TEXT. */
#define PD_MAX_HTML_SOURCE (16u * PD_MAX_BODY_TEXT)
/* Notes kept in mime_message.defects: enough to explain a quarantine, never a flood. */
#define PD_MAX_DEFECTS 32
#define PD_MAX_DEFECT_ITEM 60
/* GMime builds an object for every header, part, address and parameter, costing about 100
   times their bytes: a 40 MiB message of nothing but tiny headers or boundaries would take
   gigabytes and a minute. Before GMime sees the bytes, count what could become such objects.
   This over-approximates (any line that looks like a header or a boundary counts) and never
   interprets MIME: it can only reject, and rejected mail is quarantined, not lost. Base64
   lines never look like either; real mail stays far below these bounds. */
#define PD_GUARD_BOUNDARY_LINES (4 * PD_MAX_MIME_PARTS)
#define PD_GUARD_HEADER_LINES (100 * PD_MAX_HEADERS)
#define PD_GUARD_HEADER_BYTES (32u * PD_MAX_HEADER_VALUE)
/* What the IMAP and SMTP servers say: response text kept in error messages (and an SMTP
   reply line), and the longest certificate chain accepted (real chains have 2-4). */
#define PD_MAX_SERVER_TEXT 200
#define PD_MAX_CERT_CHAIN 16
/* Rendered notice size: a template that renders larger is a template bug. */
#define PD_MAX_RENDERED (256u * 1024u)
/* Messages committed per batch: then one fsync, one MOVE command and an outbox flush.
   Bounds both the round trips per message and the delay before a storm is acknowledged. */
#define PD_POLL_BATCH 100
/* A team member's reason, question or note (UTF-8 bytes): a paragraph, not a document. */
#define PD_MAX_CASE_TEXT 4000
/* Commands in one team member's reply: a block longer than a screen is a paste gone wrong
   (or a quoted notification), and each command may send a notice to a requester. */
#define TEAM_MAX_COMMANDS 20
/* Charts (digest_chart_png): a bar a month for five years is 60; past that labels cannot be
   read. Sides in pixels: under 200 nothing is legible, over 2000 is a poster (and 16 MB of
   pixels to draw). */
#define DIGEST_CHART_MAX_BARS 60
#define DIGEST_CHART_MIN_SIDE 200
#define DIGEST_CHART_MAX_SIDE 2000
/* A bounce names the mail it returns: a returned message with its own quoted history
   carries a few Message-IDs, never hundreds; each is one database lookup. */
#define PD_MAX_BOUNCE_IDS 20
/* How much of a bounce is searched for the Message-ID it returns: the returned message's
   header comes within its first kilobytes; the rest (a whole response, its files) is not
   needed, and a bounce is never read whole into memory. */
#define PD_MAX_BOUNCE_SCAN (1024u * 1024u)
/* The reason of a bounce kept on the case and shown to the team (printable ASCII). */
#define PD_MAX_BOUNCE_REASON 300

#endif
