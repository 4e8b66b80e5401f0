/* team: what the disclosure team's mail may do, decided without I/O: the command block at
   the top of a member's reply (command.c), and whether the sender is a member whose mail
   our own MTA authenticated (auth.c). The gateway checks each command against the actions
   it knows and runs it. */
#ifndef PDGATE_TEAM_H
#define PDGATE_TEAM_H

#include <stddef.h>

#include "mime.h"

struct team_command {
	char *name;    /* lower-case, without '#': "extend", "note"... */
	char *args;    /* the rest of the line, trimmed, U+00A0 as a space, UTF-8 (may be "") */
	unsigned line; /* 1-based line in the new text */
};

struct team_block {
	struct team_command *cmds; /* in order; "#case" lines are NOT in here */
	size_t n;
	char *case_ref; /* from the one "#case REF" line (canonical reference), or NULL */
	char *rest;     /* the text after the block, signature removed, trimmed; "" if none */
};

/* Parse the new text of a team member's reply (mime_reply_new_text already applied by the
   caller, signature kept: this function removes it from `rest`, with
   mime_reply_new_text(MIME_REPLY_NO_SIGNATURE), which also drops a quoted line left). Command lines come at the top: each
   "#name [args]" (name: an ASCII letter, then letters, digits, '-' or '_'; then a space or
   the end of the line), with spaces, tabs or U+00A0 before it; blank lines between them are
   allowed (CRLF or LF). The first other non-blank line ends the block (a `>` line, "# x",
   "#1", "#note:", a full-width '＃' or a bullet before '#' included), and it and everything
   after it is `rest`. "#case REF" names the case (REF found with classify_find_reference(args,
   reference_prefix)). Errors: two #case lines, a #case with no valid reference, more than
   TEAM_MAX_COMMANDS commands (not counting #case), a command line longer than
   PD_MAX_CASE_TEXT bytes, text that is not UTF-8. Returns 1 with *out filled (free with
   team_block_clear), or 0 with *out zeroed and *error_r saying exactly what is wrong, with
   its line (for the reply to the member). A text with no commands is not an error: n == 0
   and rest is the text (signature removed, trimmed); NULL is "". */
int team_block_parse(const char *new_text, const char *reference_prefix,
		     struct team_block *out, char **error_r);
/* Free what b holds and zero it. NULL-safe. */
void team_block_clear(struct team_block *b);

enum team_auth { TEAM_AUTH_NONE, TEAM_AUTH_SPF, TEAM_AUTH_DKIM, TEAM_AUTH_DMARC };

/* "none", "spf", "dkim", "dmarc" (case-insensitive) -> *auth_r: 1, or 0 for anything else. */
int team_auth_parse(const char *name, enum team_auth *auth_r);
/* The lower-case name of auth (static), "?" for a value out of range. */
const char *team_auth_name(enum team_auth auth);

/* Is addr a member? members: NULL-terminated list (or NULL) of addresses and "@domain"
   entries (a whole domain), compared case-insensitively (the domain exactly, never a
   subdomain). 1 or 0. */
int team_is_member(const char *addr, char *const *members);

/* RFC 8601: does the TOPMOST Authentication-Results header of msg whose authserv-id equals
   authserv_id (case-insensitive) report "pass" for `method` with a domain equal to the From
   address's domain (dkim: header.d=; spf: smtp.mailfrom= local@domain or domain; dmarc:
   header.from=)? Our MTA prepends its header above all the others it received, so any
   other Authentication-Results header (another authserv-id, one without an authserv-id as
   Microsoft 365 writes them, or a lower one with ours, which the sender may have forged) is
   ignored; ARC-Authentication-Results is another header. Any of several results of the
   method counts. Postfix with OpenDKIM and OpenDMARC writes one header per milter, the
   last on top: there only "dmarc" sees a result (see test_team.c). 1 yes; 0 no with
   *why_r (g_malloc'd: "no Authentication-Results from mx.force.police.uk", "dkim=fail",
   "dkim=pass for example.org, not the From domain example.police.uk"...). method
   TEAM_AUTH_NONE: always 1. */
int team_auth_check(const struct mime_message *msg, const char *authserv_id,
		    enum team_auth method, char **why_r);

#endif
