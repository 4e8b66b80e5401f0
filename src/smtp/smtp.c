/* smtp: sends finished messages with libcurl's SMTP client. One easy handle per struct smtp,
   so the connection libcurl keeps alive after a message is reused by the next one.

   Trusts: its settings (the operator's config), though host and HELO name are still checked
   so they cannot change the URL; the server only as far as TLS verification allows (peer
   certificate and host name are always verified). Trusts nothing in from/rcpt: characters
   that would change the SMTP command are refused. The message data is sent as is (libcurl
   dot-stuffs it). Server replies end up in error strings only after being cut to printable
   ASCII, and the password never reaches a log: the debug hook keeps only command names.

   CA trust: ca_file is set as CURLOPT_CAINFO. libcurl's default CAPATH (/etc/ssl/certs on
   Debian's GnuTLS build, whose default CAINFO is empty) stays set, so the system store is
   still trusted besides ca_file. On a libcurl built with a default CA bundle *file* instead,
   ca_file replaces that bundle.

   Threads: the first smtp_open runs curl_global_init (once, via pthread_once). Make that
   first call from the main thread before other threads use libcurl, since
   curl_global_init is not thread-safe against other libraries initialising libcurl.
   A struct smtp must be used by one thread at a time. */
#include "smtp.h"

#include <pthread.h>
#include <string.h>

#include <curl/curl.h>

#include "core.h"
#include "pd-limits.h"

/* Used when the settings give no timeout. */
#define DEFAULT_TIMEOUT_SECS 60
/* The whole-message timeout grows with the size: assume at least this upload rate. */
#define MIN_UPLOAD_BYTES_PER_SEC (16 * 1024)

/* Last command sent: tells a 5xx about this message from one about the session. */
enum smtp_phase { PHASE_SESSION = 0, PHASE_MESSAGE };

struct upload {
	const char *data;
	size_t len, pos;
};

struct smtp {
	CURL *curl;
	char *url;
	char *password;
	char *setup_error; /* settings unusable: every send fails with this */
	int timeout_secs;
	int connected;     /* the last send succeeded, so libcurl holds an open connection */
	enum smtp_phase phase;
	int quitting;      /* QUIT sent: its 221 must not hide the reply that failed */
	struct upload upload;
	char reply[PD_MAX_SERVER_TEXT + 1]; /* last reply line, printable ASCII */
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

static void global_init(void)
{
	/* Never undone with curl_global_cleanup: the process sends until it exits. */
	global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Host names, IPv4 and IPv6 literals: nothing that could add a user, path or port. */
static int host_is_valid(const char *host)
{
	if (host == NULL || host[0] == '\0' || strlen(host) > 253)
		return 0;
	for (const char *p = host; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr(".-:", *p) == NULL)
			return 0;
	}
	return 1;
}

/* The EHLO name goes in the URL path; allow domains and address literals only. */
static int helo_is_valid(const char *helo)
{
	if (strlen(helo) > 253)
		return 0;
	for (const char *p = helo; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr(".-:[]", *p) == NULL)
			return 0;
	}
	return 1;
}

/* An address that fits in "MAIL FROM:<...>" / "RCPT TO:<...>" without changing the command.
   An empty sender is the null reverse-path "<>"; a recipient must not be empty. */
static int address_is_valid(const char *addr, int empty_ok)
{
	if (addr == NULL || strlen(addr) > PD_MAX_ADDRESS)
		return 0;
	if (addr[0] == '\0')
		return empty_ok;
	for (const unsigned char *p = (const unsigned char *)addr; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	}
	return 1;
}

static char *build_url(const struct smtp_settings *set)
{
	const char *scheme = set->tls == PD_TLS_IMPLICIT ? "smtps" : "smtp";
	int v6 = strchr(set->host, ':') != NULL;

	return g_strdup_printf("%s://%s%s%s:%u/%s", scheme, v6 ? "[" : "", set->host, v6 ? "]" : "",
			       set->port, set->helo_domain != NULL ? set->helo_domain : "");
}

static void remember_reply(struct smtp *smtp, const char *data, size_t size)
{
	size_t n = 0;

	if (size == 0 || !g_ascii_isdigit(data[0]) || smtp->quitting)
		return;
	for (; n < size && n < PD_MAX_SERVER_TEXT && data[n] != '\r' && data[n] != '\n'; n++)
		smtp->reply[n] = g_ascii_isprint(data[n]) ? data[n] : '?';
	smtp->reply[n] = '\0';
}

/* Only the command name is looked at: AUTH lines carry credentials. */
static void remember_command(struct smtp *smtp, const char *data, size_t size)
{
	static const char *const message_cmds[] = { "MAIL ", "RCPT ", "DATA" };
	static const char *const session_cmds[] = { "EHLO ", "HELO ", "STARTTLS", "AUTH " };

	if (size >= 4 && g_ascii_strncasecmp(data, "QUIT", 4) == 0)
		smtp->quitting = 1;
	for (size_t i = 0; i < G_N_ELEMENTS(message_cmds); i++) {
		size_t n = strlen(message_cmds[i]);
		if (size >= n && g_ascii_strncasecmp(data, message_cmds[i], n) == 0)
			smtp->phase = PHASE_MESSAGE;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(session_cmds); i++) {
		size_t n = strlen(session_cmds[i]);
		if (size >= n && g_ascii_strncasecmp(data, session_cmds[i], n) == 0)
			smtp->phase = PHASE_SESSION;
	}
}

static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *ctx)
{
	if (type == CURLINFO_HEADER_IN)
		remember_reply(ctx, data, size);
	else if (type == CURLINFO_HEADER_OUT)
		remember_command(ctx, data, size);
	return 0;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ctx)
{
	struct upload *up = ctx;
	size_t n = MIN(size * nmemb, up->len - up->pos);

	memcpy(buf, up->data + up->pos, n);
	up->pos += n;
	return n;
}

static CURLcode set_protocols(CURL *curl)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	return curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	return curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
}

/* Options that stay the same for every message. */
static CURLcode setup_handle(struct smtp *smtp, const struct smtp_settings *set)
{
	CURL *c = smtp->curl;
	CURLcode r = CURLE_OK;
	long use_ssl = set->tls == PD_TLS_NONE ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL;

	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_URL, smtp->url);
	if (r == CURLE_OK) r = set_protocols(c);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (r == CURLE_OK && set->ca_file != NULL && set->ca_file[0] != '\0')
		r = curl_easy_setopt(c, CURLOPT_CAINFO, set->ca_file);
	if (r == CURLE_OK && set->user != NULL && set->user[0] != '\0') {
		r = curl_easy_setopt(c, CURLOPT_USERNAME, set->user);
		if (r == CURLE_OK)
			r = curl_easy_setopt(c, CURLOPT_PASSWORD, smtp->password);
	}
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_READDATA, &smtp->upload);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)smtp->timeout_secs);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)smtp->timeout_secs);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, smtp->errbuf);
	/* VERBOSE only feeds on_debug (replies for error texts, the phase); nothing is printed. */
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_DEBUGDATA, smtp);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	return r;
}

/* Why the settings cannot work, or NULL. */
static char *settings_error(const struct smtp_settings *set)
{
	if (!host_is_valid(set->host))
		return g_strdup("SMTP: invalid host name");
	if (set->port == 0 || set->port > 65535)
		return g_strdup("SMTP: invalid port");
	if (set->helo_domain != NULL && !helo_is_valid(set->helo_domain))
		return g_strdup("SMTP: invalid HELO domain");
	if (set->tls == PD_TLS_NONE && !pd_host_is_loopback(set->host))
		return g_strdup("SMTP: tls = none is only allowed to this machine (localhost, "
				"127.0.0.1, ::1): a password and personal data would travel in clear");
	if (pthread_once(&global_once, global_init) != 0 || global_result != CURLE_OK)
		return g_strdup("SMTP: curl_global_init failed");
	return NULL;
}

struct smtp *smtp_open(const struct smtp_settings *set)
{
	struct smtp *smtp = g_malloc0(sizeof(*smtp));
	CURLcode r;

	smtp->timeout_secs = set->timeout_secs > 0 ? set->timeout_secs : DEFAULT_TIMEOUT_SECS;
	smtp->password = g_strdup(set->password != NULL ? set->password : "");
	smtp->setup_error = settings_error(set);
	if (smtp->setup_error != NULL)
		goto out;
	smtp->url = build_url(set);
	smtp->curl = curl_easy_init();
	if (smtp->curl == NULL) {
		smtp->setup_error = g_strdup("SMTP: curl_easy_init failed");
		goto out;
	}
	r = setup_handle(smtp, set);
	if (r != CURLE_OK)
		smtp->setup_error = g_strdup_printf("SMTP: %s", curl_easy_strerror(r));
out:
	return smtp;
}

/* Options for this message; *rcpt_list_r must outlive the transfer. */
static CURLcode setup_message(struct smtp *smtp, const char *from, const char *const *rcpts,
			      size_t len, struct curl_slist **rcpt_list_r, int fresh)
{
	CURL *c = smtp->curl;
	char *from_arg = g_strdup_printf("<%s>", from);
	long timeout = (long)smtp->timeout_secs + (long)(len / MIN_UPLOAD_BYTES_PER_SEC);
	CURLcode r = CURLE_OUT_OF_MEMORY;

	/* Without CURLOPT_MAIL_RCPT_ALLOWFAILS a refused recipient fails the whole transaction:
	   the copy is accepted exactly when the requester's notice is. */
	*rcpt_list_r = NULL;
	for (const char *const *rc = rcpts; *rc != NULL; rc++) {
		char *rcpt_arg = g_strdup_printf("<%s>", *rc);
		struct curl_slist *l = curl_slist_append(*rcpt_list_r, rcpt_arg);
		g_free(rcpt_arg);
		if (l == NULL)
			goto out;
		*rcpt_list_r = l;
	}
	/* libcurl copies MAIL_FROM; the slist is only borrowed. */
	r = curl_easy_setopt(c, CURLOPT_MAIL_FROM, from_arg);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_MAIL_RCPT, *rcpt_list_r);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	if (r == CURLE_OK) r = curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
out:
	g_free(from_arg);
	return r;
}

/* 1, or 0 (a 5xx refusing this message: its sender, recipient or content) or -1 (anything
   else). A 5xx to EHLO, STARTTLS or AUTH is about the server or our settings, not this
   message, so it is temporary: the outbox retries once the operator has fixed it. */
static int classify(struct smtp *smtp, CURLcode code, char **error_r)
{
	long reply = 0;
	int ret;

	if (code == CURLE_OK)
		return 1;
	curl_easy_getinfo(smtp->curl, CURLINFO_RESPONSE_CODE, &reply);
	ret = reply >= 500 && reply <= 599 && smtp->phase == PHASE_MESSAGE ? 0 : -1;
	const char *text = smtp->errbuf[0] != '\0' ? smtp->errbuf : curl_easy_strerror(code);
	if (reply > 0 && smtp->reply[0] != '\0')
		return error_set(error_r, ret, "SMTP %ld: %s (server said: %s)", reply, text,
				 smtp->reply);
	if (reply > 0)
		return error_set(error_r, ret, "SMTP %ld: %s", reply, text);
	return error_set(error_r, ret, "SMTP: %s", text);
}

static int send_once(struct smtp *smtp, const char *from, const char *const *rcpts,
		     const char *data, size_t len, int fresh, char **error_r)
{
	struct curl_slist *rcpt_list = NULL;
	CURLcode code;
	int ret;

	smtp->upload = (struct upload){ .data = data, .len = len };
	smtp->errbuf[0] = '\0';
	smtp->reply[0] = '\0';
	smtp->phase = PHASE_SESSION;
	smtp->quitting = 0;
	code = setup_message(smtp, from, rcpts, len, &rcpt_list, fresh);
	if (code == CURLE_OK)
		code = curl_easy_perform(smtp->curl);
	ret = classify(smtp, code, error_r);
	/* The list must not dangle in the handle until the next send sets a new one. */
	curl_easy_setopt(smtp->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt_list);
	return ret;
}

/* A temporary failure on a reused connection before any message byte was sent (a 421/452
   because the server's per-session message limit was hit, e.g. OpenSMTPD after 100, or a
   connection the server had silently dropped) says nothing about this message: one more try
   on a new connection is safe, the server cannot have accepted it. */
static int retry_is_safe(struct smtp *smtp, int was_connected)
{
	long connects = -1;
	curl_off_t uploaded = -1;

	if (!was_connected)
		return 0;
	if (curl_easy_getinfo(smtp->curl, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK ||
	    curl_easy_getinfo(smtp->curl, CURLINFO_SIZE_UPLOAD_T, &uploaded) != CURLE_OK)
		return 0;
	return connects == 0 && uploaded == 0;
}

int smtp_send(struct smtp *smtp, const char *from, const char *rcpt, const char *data, size_t len,
	      char **error_r)
{
	const char *rcpts[] = { rcpt, NULL };
	return smtp_send_all(smtp, from, rcpts, data, len, error_r);
}

int smtp_send_all(struct smtp *smtp, const char *from, const char *const *rcpts,
		  const char *data, size_t len, char **error_r)
{
	int was_connected = smtp->connected, ret;

	if (!address_is_valid(from, 1))
		return error_set(error_r, 0, "SMTP: invalid envelope sender");
	if (rcpts[0] == NULL)
		return error_set(error_r, 0, "SMTP: no envelope recipient");
	for (const char *const *rc = rcpts; *rc != NULL; rc++) {
		if (!address_is_valid(*rc, 0))
			return error_set(error_r, 0, "SMTP: invalid envelope recipient");
	}
	/* Bad settings are the operator's to fix, not this message's fault: temporary. */
	if (smtp->setup_error != NULL)
		return error_set(error_r, -1, "%s", smtp->setup_error);
	ret = send_once(smtp, from, rcpts, data, len, 0, error_r);
	if (ret == -1 && retry_is_safe(smtp, was_connected)) {
		log_debug("SMTP: retrying on a new connection after: %s",
			  error_r != NULL && *error_r != NULL ? *error_r : "temporary failure");
		if (error_r != NULL) {
			g_free(*error_r);
			*error_r = NULL;
		}
		ret = send_once(smtp, from, rcpts, data, len, 1, error_r);
	}
	smtp->connected = ret == 1;
	return ret;
}

void smtp_close(struct smtp **smtp)
{
	struct smtp *s = *smtp;

	if (s == NULL)
		return;
	/* Sends QUIT on a still open connection. */
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	explicit_bzero(s->password, strlen(s->password));
	g_free(s->password);
	g_free(s->url);
	g_free(s->setup_error);
	g_free(s);
	*smtp = NULL;
}
