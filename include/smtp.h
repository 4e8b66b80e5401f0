/* smtp: hands finished messages to the SMTP server with libcurl. One connection is reused
   for many messages (the caller batches); knows nothing of cases or the outbox. */
#ifndef PDGATE_SMTP_H
#define PDGATE_SMTP_H

#include <stddef.h>
#include "core.h" /* enum pd_tls */

struct smtp_settings {
	const char *host;
	unsigned int port;
	enum pd_tls tls;      /* implicit = smtps://, starttls = required STARTTLS, none = plain */
	const char *ca_file;  /* extra trust anchors (PEM) or NULL; peer and host name always verified */
	const char *user;     /* NULL or "" for no AUTH */
	const char *password; /* never logged */
	const char *helo_domain; /* EHLO name, or NULL for libcurl's default */
	int timeout_secs;
};

struct smtp;

/* Prepare a client (no connection yet). Copies what it needs from set. Never NULL. */
struct smtp *smtp_open(const struct smtp_settings *set);

/* Send one message (CRLF line ends) from envelope sender `from` to the one recipient `rcpt`,
   reusing the connection when it is still open. Returns 1 accepted by the server;
   0 permanent failure (5xx reply); -1 temporary failure (4xx reply, network, TLS, timeout).
   *error_r then holds the server's code/reason. */
int smtp_send(struct smtp *smtp, const char *from, const char *rcpt, const char *data, size_t len,
	      char **error_r);

/* The same to every address of rcpts (NULL-terminated, at least one) in one transaction: all
   are accepted or the message is not (a refused recipient fails it, 5xx permanent). */
int smtp_send_all(struct smtp *smtp, const char *from, const char *const *rcpts,
		  const char *data, size_t len, char **error_r);

/* Close the connection (QUIT) and free; *smtp = NULL. NULL-safe. */
void smtp_close(struct smtp **smtp);

#endif
