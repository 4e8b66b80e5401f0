/* imap: the mailbox over IMAP, with libetpan's low-level mailimap API.

   Trusts: the caller's settings; libetpan's parser for IMAP syntax; GnuTLS for the handshake
   and for chain verification against the system store plus settings->ca_file.
   Does not trust the server: every list, string, number and date it sends may be NULL, empty,
   out of range, duplicated or unsolicited, and is checked before use. Message bytes are taken
   by their literal length (never strlen), in partial FETCHes of PD_FETCH_CHUNK bytes passed
   on to the caller's sink, so no message is ever whole in memory. RFC822.SIZE is only a hint
   (a message it says is too large is not downloaded): a short part ends the message, a part
   longer than asked is refused, and no more than the caller's max + 1 bytes are asked for.
   libetpan buffers each response whole before we see it: a server answering a 1 MiB request
   with a larger literal costs that memory before it is refused. Server text put into error
   messages is cleaned and truncated.
   libetpan's GnuTLS backend checks no certificates, so the peer chain and host name are
   verified here right after the handshake, before LOGIN sends the password (never logged).
   libetpan writes with send() without MSG_NOSIGNAL: the process must ignore SIGPIPE. */
#include "imap.h"

#include "core.h"
#include "pd-limits.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#define IMAP_DEFAULT_TIMEOUT_SECS 60
#define IMAP_MAX_IDLE_SECS (29 * 60)

/* The stream's own driver with one change, see imap_guard_eof(). */
struct imap_eof_driver {
	mailstream_low_driver driver; /* first: the stream's driver pointer points here */
	ssize_t (*read)(mailstream_low *, void *, size_t);
};

struct imap {
	mailimap *session;
	char *host; /* for SNI and the certificate host-name check */
	int fd;	    /* the connection's socket once connected, else -1 */
	struct imap_eof_driver eof_driver;
};

/* The socket of the session a stop request must end (the poller has one at a time), or -1.
   Why not mailstream_cancel(): it takes a mutex, so a signal handler cannot call it, and a
   watcher thread would race with the session being freed. Why not rely on EINTR: libetpan
   1.9.4 waits for data in poll()/select() (mailstream_low_socket_read), which Linux never
   restarts, and then fails the read, but a signal that arrives just before that wait, or
   between two reads, is not seen, and the next command (the next UID, IDLE's DONE) waits the
   whole IMAP timeout again. shutdown() is async-signal-safe and makes every pending and later
   read return end-of-file at once, TLS or not. A stale value can at worst shut down another
   socket of a process that is stopping anyway. imap_stopping covers a stop that comes before
   the socket is known (during the greeting): the socket is shut down as soon as it is, and
   no LOGOUT waits for a reply. */
static volatile sig_atomic_t imap_live_fd = -1, imap_stopping;

void imap_abort_from_signal(void)
{
	int fd = imap_live_fd;

	imap_stopping = 1;
	if (fd >= 0)
		(void)shutdown(fd, SHUT_RDWR);
}

/* End-of-file is an error. libetpan 1.9.4 (and its master) reads a literal in a loop that
   only stops on -1: a read of 0 (the server closed the connection inside a FETCH body, or a
   stop shut the socket down) makes it spin at full CPU for ever, timeout or not. */
static ssize_t imap_read_eof_is_error(mailstream_low *low, void *buf, size_t count)
{
	const struct imap_eof_driver *d = (const struct imap_eof_driver *)(void *)low->driver;
	ssize_t r = d->read(low, buf, count);

	return r == 0 && count > 0 ? -1 : r;
}

/* Wrap the read of the stream's final low-level driver (after STARTTLS, the TLS one). */
static void imap_guard_eof(struct imap *imap)
{
	mailstream_low *low = mailstream_get_low(imap->session->imap_stream);

	if (low == NULL || low->driver == NULL || low->driver == &imap->eof_driver.driver)
		return;
	imap->eof_driver.driver = *low->driver;
	imap->eof_driver.read = low->driver->mailstream_read;
	imap->eof_driver.driver.mailstream_read = imap_read_eof_is_error;
	low->driver = &imap->eof_driver.driver;
}

/* Publish the connected socket to imap_abort_from_signal(). */
static void imap_track_fd(struct imap *imap)
{
	mailstream_low *low = imap->session->imap_stream != NULL ?
			      mailstream_get_low(imap->session->imap_stream) : NULL;

	imap->fd = low != NULL ? mailstream_low_get_fd(low) : -1;
	if (imap->fd < 0)
		return;
	imap_live_fd = imap->fd;
	if (imap_stopping)
		(void)shutdown(imap->fd, SHUT_RDWR);
}

static int imap_is_temporary(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_BAD_STATE:
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_PROTOCOL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
	case MAILIMAP_ERROR_SSL:
		return 1;
	default:
		return 0;
	}
}

static const char *imap_strerror(int r)
{
	switch (r) {
	case MAILIMAP_ERROR_BAD_STATE: return "command not valid in this state";
	case MAILIMAP_ERROR_STREAM: return "connection lost or timed out";
	case MAILIMAP_ERROR_PARSE: return "unparsable server response";
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return "cannot connect (refused, unreachable or unknown host)";
	case MAILIMAP_ERROR_MEMORY: return "out of memory";
	case MAILIMAP_ERROR_FATAL: return "server closed the connection (BYE)";
	case MAILIMAP_ERROR_PROTOCOL: return "protocol error";
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION: return "server refused the connection";
	case MAILIMAP_ERROR_SSL: return "TLS handshake failed";
	default: return "server refused the command";
	}
}

/* Set *error_r from a libetpan result code and the server's last response text. */
static int imap_fail(struct imap *imap, int r, char **error_r, const char *what)
{
	const char *resp = imap->session != NULL ? imap->session->imap_response : NULL;
	char *text = pd_utf8_clean(resp != NULL ? resp : "", PD_MAX_SERVER_TEXT, 0);
	int ret = imap_is_temporary(r) ? -1 : 0;

	error_set(error_r, ret, "IMAP %s (%s): %s%s%s", what, imap->host, imap_strerror(r),
		  text[0] != '\0' ? ": " : "", text);
	g_free(text);
	return ret;
}

/* The same, for operations whose contract has no permanent failure. */
static int imap_fail_temp(struct imap *imap, int r, char **error_r, const char *what)
{
	imap_fail(imap, r, error_r, what);
	return -1;
}

static int imap_oom(char **error_r)
{
	return error_set(error_r, -1, "IMAP: out of memory");
}

static void imap_clear_error(char **error_r)
{
	if (error_r != NULL) {
		g_free(*error_r);
		*error_r = NULL;
	}
}

int imap_has_capability(struct imap *imap, const char *name)
{
	struct mailimap_connection_info *info;

	if (imap == NULL || imap->session == NULL || name == NULL)
		return 0;
	info = imap->session->imap_connection_info;
	if (info == NULL || info->imap_capability == NULL || info->imap_capability->cap_list == NULL)
		return 0;
	for (clistiter *it = clist_begin(info->imap_capability->cap_list); it != NULL;
	     it = clist_next(it)) {
		struct mailimap_capability *cap = clist_content(it);
		if (cap == NULL)
			continue;
		if (cap->cap_type == MAILIMAP_CAPABILITY_NAME && cap->cap_data.cap_name != NULL &&
		    g_ascii_strcasecmp(cap->cap_data.cap_name, name) == 0)
			return 1;
		if (cap->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE &&
		    cap->cap_data.cap_auth_type != NULL && g_ascii_strncasecmp(name, "AUTH=", 5) == 0 &&
		    g_ascii_strcasecmp(cap->cap_data.cap_auth_type, name + 5) == 0)
			return 1;
	}
	return 0;
}

/* Forget the stored capabilities (they may predate TLS or login) and ask again. The stored
   list is first replaced by an empty one: mailimap_capability() copies it without a NULL check,
   and a server may answer OK without an untagged CAPABILITY. */
static int imap_refresh_capabilities(struct imap *imap, char **error_r)
{
	struct mailimap_connection_info *info = imap->session->imap_connection_info;
	struct mailimap_capability_data *caps = NULL;
	clist *empty;
	int r;

	if (info == NULL)
		return error_set(error_r, -1, "IMAP (%s): no connection state", imap->host);
	if (info->imap_capability != NULL)
		mailimap_capability_data_free(info->imap_capability);
	empty = clist_new();
	info->imap_capability = empty != NULL ? mailimap_capability_data_new(empty) : NULL;
	if (info->imap_capability == NULL) {
		if (empty != NULL)
			clist_free(empty);
		return imap_oom(error_r);
	}
	r = mailimap_capability(imap->session, &caps);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(imap, r, error_r, "CAPABILITY");
	mailimap_capability_data_free(caps); /* a copy of info->imap_capability */
	return 1;
}

static int imap_host_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* libetpan calls this before the TLS handshake: send SNI (never for an IP literal). */
static void imap_tls_setup(struct mailstream_ssl_context *ctx, void *context)
{
	struct imap *imap = context;

	if (!imap_host_is_ip(imap->host) && mailstream_ssl_set_server_name(ctx, imap->host) < 0)
		log_warn("IMAP %s: cannot set TLS server name", imap->host);
}

static int imap_trust_list(const char *ca_file, gnutls_x509_trust_list_t *tl_r, char **error_r)
{
	int r = gnutls_x509_trust_list_init(tl_r, 0);

	if (r < 0) {
		*tl_r = NULL;
		return error_set(error_r, -1, "TLS: cannot create trust list: %s", gnutls_strerror(r));
	}
	r = gnutls_x509_trust_list_add_system_trust(*tl_r, 0, 0);
	if (r < 0)
		log_warn("TLS: cannot load the system trust store: %s", gnutls_strerror(r));
	if (ca_file == NULL || ca_file[0] == '\0')
		return 1;
	r = gnutls_x509_trust_list_add_trust_file(*tl_r, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
	if (r <= 0)
		return error_set(error_r, 0, "TLS: cannot load CA file %s: %s", ca_file,
				 r < 0 ? gnutls_strerror(r) : "no certificates in it");
	return 1;
}

/* DER certificates from libetpan (carray of MMAPString *) into GnuTLS objects. */
static int imap_import_chain(carray *chain, gnutls_x509_crt_t *certs, unsigned int *count_r,
			     char **error_r)
{
	unsigned int n = carray_count(chain);

	*count_r = 0;
	if (n == 0)
		return error_set(error_r, 0, "TLS: server sent no certificate");
	if (n > PD_MAX_CERT_CHAIN)
		return error_set(error_r, 0, "TLS: server certificate chain too long (%u)", n);
	for (unsigned int i = 0; i < n; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t datum;
		int r;

		if (der == NULL || der->len == 0 || der->len > (size_t)(unsigned int)-1)
			return error_set(error_r, 0, "TLS: empty certificate in server chain");
		datum.data = (unsigned char *)der->str;
		datum.size = (unsigned int)der->len;
		r = gnutls_x509_crt_init(&certs[i]);
		if (r < 0)
			return error_set(error_r, -1, "TLS: %s", gnutls_strerror(r));
		*count_r = i + 1;
		r = gnutls_x509_crt_import(certs[i], &datum, GNUTLS_X509_FMT_DER);
		if (r < 0)
			return error_set(error_r, 0, "TLS: bad server certificate: %s",
					 gnutls_strerror(r));
	}
	return 1;
}

static int imap_verify_chain(gnutls_x509_trust_list_t tl, gnutls_x509_crt_t *certs,
			     unsigned int n, const char *host, char **error_r)
{
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER,
	};
	gnutls_datum_t text = { NULL, 0 };
	unsigned int status = 0;
	int r = gnutls_x509_trust_list_verify_crt2(tl, certs, n, &purpose, 1, 0, &status, NULL);
	int ret;

	if (r < 0)
		return error_set(error_r, 0, "TLS: cannot verify certificate of %s: %s", host,
				 gnutls_strerror(r));
	if (status != 0) {
		r = gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0);
		ret = error_set(error_r, 0, "TLS: certificate of %s is not trusted: %s", host,
				r == 0 && text.data != NULL ? (const char *)text.data : "invalid");
		gnutls_free(text.data);
		return ret;
	}
	if (gnutls_x509_crt_check_hostname(certs[0], host) == 0)
		return error_set(error_r, 0, "TLS: certificate does not match host name %s", host);
	return 1;
}

static int imap_verify_peer(struct imap *imap, const char *ca_file, char **error_r)
{
	carray *chain = mailstream_get_certificate_chain(imap->session->imap_stream);
	gnutls_x509_crt_t certs[PD_MAX_CERT_CHAIN];
	gnutls_x509_trust_list_t tl = NULL;
	unsigned int n = 0;
	int ret;

	if (chain == NULL) {
		ret = error_set(error_r, 0, "TLS: no certificate from %s", imap->host);
		goto out;
	}
	ret = imap_import_chain(chain, certs, &n, error_r);
	if (ret == 1)
		ret = imap_trust_list(ca_file, &tl, error_r);
	if (ret == 1)
		ret = imap_verify_chain(tl, certs, n, imap->host, error_r);
out:
	for (unsigned int i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return ret;
}

static int imap_starttls(struct imap *imap, char **error_r)
{
	int ret = imap_refresh_capabilities(imap, error_r);
	int r;

	if (ret != 1)
		return ret;
	if (!imap_has_capability(imap, "STARTTLS"))
		return error_set(error_r, 0, "IMAP %s does not offer STARTTLS: refusing to go on "
				 "without TLS", imap->host);
	r = mailimap_socket_starttls_with_callback(imap->session, imap_tls_setup, imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(imap, r, error_r, "STARTTLS");
	return 1;
}

/* TCP (+ TLS) connection and greeting. *preauth_r is set when the server sent PREAUTH. */
static int imap_open(struct imap *imap, const struct imap_settings *set, int *preauth_r,
		     char **error_r)
{
	uint16_t port = (uint16_t)set->port;
	int r;

	if (set->tls == PD_TLS_IMPLICIT)
		r = mailimap_ssl_connect_with_callback(imap->session, set->host, port,
						       imap_tls_setup, imap);
	else
		r = mailimap_socket_connect(imap->session, set->host, port);
	/* Whatever libetpan says, failing to reach the server is never permanent. */
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return imap_fail_temp(imap, r, error_r, "connect");
	imap_track_fd(imap); /* STARTTLS keeps the socket: tracked once */
	*preauth_r = r == MAILIMAP_NO_ERROR_AUTHENTICATED;
	if (set->tls == PD_TLS_STARTTLS) {
		if (*preauth_r)
			return error_set(error_r, 0, "IMAP %s sent PREAUTH: STARTTLS impossible",
					 imap->host);
		int ret = imap_starttls(imap, error_r);
		if (ret != 1)
			return ret;
	}
	imap_guard_eof(imap);
	if (set->tls != PD_TLS_NONE)
		return imap_verify_peer(imap, set->ca_file, error_r);
	return 1;
}

static int imap_settings_check(const struct imap_settings *set, char **error_r)
{
	if (set == NULL || set->host == NULL || set->host[0] == '\0')
		return error_set(error_r, 0, "IMAP: no host configured");
	if (set->port == 0 || set->port > 65535)
		return error_set(error_r, 0, "IMAP: invalid port %u", set->port);
	if (set->user == NULL || set->password == NULL)
		return error_set(error_r, 0, "IMAP: no user or password configured");
	if (set->tls != PD_TLS_IMPLICIT && set->tls != PD_TLS_STARTTLS && set->tls != PD_TLS_NONE)
		return error_set(error_r, 0, "IMAP: invalid TLS mode");
	if (set->tls == PD_TLS_NONE && !pd_host_is_loopback(set->host))
		return error_set(error_r, 0, "IMAP: tls = none is only allowed to this machine "
				 "(localhost, 127.0.0.1, ::1), not %s: the password would travel "
				 "in clear", set->host);
	return 1;
}

int imap_connect(const struct imap_settings *set, struct imap **imap_r, char **error_r)
{
	struct imap *imap = NULL;
	int preauth = 0;
	int ret, r;

	*imap_r = NULL;
	ret = imap_settings_check(set, error_r);
	if (ret != 1)
		goto out;
	imap = g_malloc0(sizeof(*imap)); /* not g_new0: -Iinclude hides <limits.h> */
	imap->host = g_strdup(set->host);
	imap->fd = -1;
	imap->session = mailimap_new(0, NULL);
	if (imap->session == NULL) {
		ret = imap_oom(error_r);
		goto out;
	}
	mailimap_set_timeout(imap->session,
			     set->timeout_secs > 0 ? set->timeout_secs : IMAP_DEFAULT_TIMEOUT_SECS);
	ret = imap_open(imap, set, &preauth, error_r);
	if (ret != 1)
		goto out;
	if (!preauth) {
		r = mailimap_login(imap->session, set->user, set->password);
		if (r != MAILIMAP_NO_ERROR) {
			ret = imap_fail(imap, r, error_r, "LOGIN");
			goto out;
		}
	}
	ret = imap_refresh_capabilities(imap, error_r);
	if (ret == 1)
		log_debug("IMAP %s: logged in as %s", imap->host, set->user);
out:
	if (ret == 1)
		*imap_r = imap;
	else
		imap_disconnect(&imap);
	return ret;
}

void imap_disconnect(struct imap **imapp)
{
	struct imap *imap;

	if (imapp == NULL || *imapp == NULL)
		return;
	imap = *imapp;
	*imapp = NULL;
	if (imap->session != NULL) {
		if (imap->session->imap_stream != NULL && !imap_stopping)
			(void)mailimap_logout(imap->session);
		/* Stopping: no LOGOUT waiting for a reply (mailimap_free would send one). */
		if (imap->session->imap_stream != NULL) {
			mailstream_close(imap->session->imap_stream);
			imap->session->imap_stream = NULL;
		}
		/* Still tracked during LOGOUT (a stop ends it too); untracked before the number
		   can be reused. */
		if (imap->fd >= 0 && imap_live_fd == imap->fd)
			imap_live_fd = -1;
		mailimap_free(imap->session);
	}
	g_free(imap->host);
	g_free(imap);
}

/* LIST "" mailbox: *exists_r is 1 if the server lists exactly that name. 1 / 0 / -1. */
static int imap_mailbox_exists(struct imap *imap, const char *mailbox, int *exists_r,
			       char **error_r)
{
	clist *list = NULL;
	int r = mailimap_list(imap->session, "", mailbox, &list);
	int is_inbox = g_ascii_strcasecmp(mailbox, "INBOX") == 0;

	*exists_r = 0;
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(imap, r, error_r, "LIST");
	for (clistiter *it = list != NULL ? clist_begin(list) : NULL; it != NULL;
	     it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		if (mb == NULL || mb->mb_name == NULL)
			continue;
		if (strcmp(mb->mb_name, mailbox) == 0 ||
		    (is_inbox && g_ascii_strcasecmp(mb->mb_name, "INBOX") == 0))
			*exists_r = 1;
	}
	if (list != NULL)
		mailimap_list_result_free(list);
	return 1;
}

int imap_ensure_mailbox(struct imap *imap, const char *mailbox, char **error_r)
{
	int exists = 0;
	int ret = imap_mailbox_exists(imap, mailbox, &exists, error_r);
	int r;

	if (ret != 1 || exists)
		goto out;
	r = mailimap_create(imap->session, mailbox);
	if (r == MAILIMAP_NO_ERROR) {
		log_info("IMAP %s: created mailbox %s", imap->host, mailbox);
		goto out;
	}
	ret = imap_fail(imap, r, error_r, "CREATE");
	if (ret != 0)
		goto out;
	/* NO: fine if it exists now (created meanwhile: "already exists"). */
	if (imap_mailbox_exists(imap, mailbox, &exists, NULL) == 1 && exists) {
		imap_clear_error(error_r);
		ret = 1;
	}
out:
	return ret;
}

int imap_select(struct imap *imap, const char *mailbox, uint32_t *uidvalidity_r,
		char **error_r)
{
	struct mailimap_selection_info *sel;
	int r = mailimap_select(imap->session, mailbox);

	*uidvalidity_r = 0;
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(imap, r, error_r, "SELECT");
	sel = imap->session->imap_selection_info;
	if (sel == NULL || sel->sel_uidvalidity == 0)
		return error_set(error_r, -1, "IMAP SELECT %s (%s): no UIDVALIDITY", mailbox,
				 imap->host);
	if (sel->sel_perm == MAILIMAP_MAILBOX_READONLY)
		return error_set(error_r, 0, "IMAP SELECT %s (%s): mailbox is read-only", mailbox,
				 imap->host);
	*uidvalidity_r = sel->sel_uidvalidity;
	return 1;
}

static gint imap_uid_cmp(gconstpointer a, gconstpointer b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* UID SEARCH with key (consumed; NULL means it could not be built). 1 with *result_r. */
static int uid_search(struct imap *imap, struct mailimap_search_key *key, clist **result_r,
		      char **error_r)
{
	int r, ret = 1;

	*result_r = NULL;
	if (key == NULL)
		return imap_oom(error_r);
	r = mailimap_uid_search(imap->session, NULL, key, result_r);
	if (r != MAILIMAP_NO_ERROR)
		ret = imap_fail(imap, r, error_r, "UID SEARCH");
	mailimap_search_key_free(key);
	return ret;
}

int imap_list_uids(struct imap *imap, uint32_t **uids_r, size_t *count_r, char **error_r)
{
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	clist *result = NULL;
	int ret;

	*uids_r = NULL;
	*count_r = 0;
	if ((ret = uid_search(imap, mailimap_search_key_new_all(), &result, error_r)) != 1)
		goto out;
	for (clistiter *it = result != NULL ? clist_begin(result) : NULL; it != NULL;
	     it = clist_next(it)) {
		uint32_t *uid = clist_content(it);
		if (uid != NULL && *uid != 0)
			g_array_append_val(uids, *uid);
	}
	g_array_sort(uids, imap_uid_cmp);
	/* Drop duplicates: a UID handled twice would be a message handled twice. */
	for (guint i = 1; i < uids->len;) {
		if (g_array_index(uids, uint32_t, i) == g_array_index(uids, uint32_t, i - 1))
			g_array_remove_index(uids, i);
		else
			i++;
	}
	*count_r = uids->len;
	*uids_r = (uint32_t *)(void *)g_array_free(uids, FALSE);
	uids = NULL;
	ret = 1;
out:
	if (uids != NULL)
		g_array_free(uids, TRUE);
	if (result != NULL)
		mailimap_search_result_free(result);
	return ret;
}

int imap_find_message_id(struct imap *imap, const char *mailbox, const char *message_id,
			 int *found_r, char **error_r)
{
	struct mailimap_search_key *key = NULL;
	char *header = NULL, *value = NULL;
	clist *result = NULL;
	int ret, r;

	*found_r = 0;
	r = mailimap_examine(imap->session, mailbox);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(imap, r, error_r, "EXAMINE");
	/* libetpan frees these with the key (malloc'd), but only once the key exists. */
	header = strdup("Message-ID");
	value = malloc(strlen(message_id) + 3);
	if (header != NULL && value != NULL) {
		snprintf(value, strlen(message_id) + 3, "<%s>", message_id);
		key = mailimap_search_key_new_header(header, value);
	}
	if (key == NULL) {
		free(header);
		free(value);
	}
	if ((ret = uid_search(imap, key, &result, error_r)) == 1)
		*found_r = result != NULL && clist_count(result) > 0;
	if (result != NULL)
		mailimap_search_result_free(result);
	return ret;
}

/* INTERNALDATE (local time + zone as sign*HHMM) to Unix time. 1, or 0 if out of range. */
static int imap_date_to_unix(const struct mailimap_date_time *dt, int64_t *unix_r)
{
	GTimeZone *tz;
	GDateTime *d;
	int zone, offset;

	if (dt == NULL || dt->dt_year < 1 || dt->dt_year > 9999 || dt->dt_month < 1 ||
	    dt->dt_month > 12 || dt->dt_day < 1 || dt->dt_day > 31 || dt->dt_hour < 0 ||
	    dt->dt_hour > 23 || dt->dt_min < 0 || dt->dt_min > 59 || dt->dt_sec < 0 ||
	    dt->dt_sec > 60 || dt->dt_zone < -9999 || dt->dt_zone > 9999)
		return 0;
	zone = abs(dt->dt_zone);
	if (zone % 100 > 59)
		return 0;
	offset = (zone / 100 * 3600 + zone % 100 * 60) * (dt->dt_zone < 0 ? -1 : 1);
	tz = g_time_zone_new_offset(offset);
	/* A leap second is counted as the next second's start, as timegm() would. */
	d = g_date_time_new(tz, dt->dt_year, dt->dt_month, dt->dt_day, dt->dt_hour, dt->dt_min,
			    dt->dt_sec == 60 ? 59 : dt->dt_sec);
	g_time_zone_unref(tz);
	if (d == NULL)
		return 0;
	*unix_r = g_date_time_to_unix(d) + (dt->dt_sec == 60 ? 1 : 0);
	g_date_time_unref(d);
	return 1;
}

/* UID FETCH attributes: UID with RFC822.SIZE + INTERNALDATE (length 0), or with the part
   BODY.PEEK[]<offset.length> of the message. */
static struct mailimap_fetch_type *imap_fetch_type(uint32_t offset, uint32_t length)
{
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_fetch_att *atts[3];
	size_t n = 0;

	if (ft == NULL)
		return NULL;
	atts[n++] = mailimap_fetch_att_new_uid();
	if (length > 0) {
		struct mailimap_section *sec = mailimap_section_new(NULL);
		atts[n] = sec == NULL ? NULL :
			  mailimap_fetch_att_new_body_peek_section_partial(sec, offset, length);
		if (atts[n++] == NULL && sec != NULL)
			mailimap_section_free(sec);
	} else {
		atts[n++] = mailimap_fetch_att_new_rfc822_size();
		atts[n++] = mailimap_fetch_att_new_internaldate();
	}
	for (size_t i = 0; i < n; i++) {
		if (atts[i] == NULL ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, atts[i]) != MAILIMAP_NO_ERROR) {
			for (size_t j = i; j < n; j++)
				if (atts[j] != NULL)
					mailimap_fetch_att_free(atts[j]);
			mailimap_fetch_type_free(ft);
			return NULL;
		}
	}
	return ft;
}

static uint32_t imap_msg_att_uid(struct mailimap_msg_att *att)
{
	for (clistiter *it = att->att_list != NULL ? clist_begin(att->att_list) : NULL;
	     it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		if (item != NULL && item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static != NULL &&
		    item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
			return item->att_data.att_static->att_data.att_uid;
	}
	return 0;
}

/* What one UID FETCH answered for the UID asked about. */
struct imap_items {
	int have_size;
	uint32_t size;
	int64_t internaldate;
	const struct mailimap_msg_att_body_section *body; /* borrowed from the result */
};

static void imap_take_item(const struct mailimap_msg_att_static *st, uint32_t uid,
			   struct imap_items *items)
{
	switch (st->att_type) {
	case MAILIMAP_MSG_ATT_RFC822_SIZE:
		items->size = st->att_data.att_rfc822_size;
		items->have_size = 1;
		break;
	case MAILIMAP_MSG_ATT_INTERNALDATE:
		if (!imap_date_to_unix(st->att_data.att_internal_date, &items->internaldate)) {
			log_warn("IMAP: UID %u: invalid INTERNALDATE, using 0", uid);
			items->internaldate = 0;
		}
		break;
	case MAILIMAP_MSG_ATT_BODY_SECTION:
		/* The first one counts; NIL or "" (past the end) has no bytes. */
		if (items->body == NULL && st->att_data.att_body_section != NULL)
			items->body = st->att_data.att_body_section;
		break;
	default:
		break;
	}
}

/* Collect what the FETCH responses say about uid; others (unsolicited) are ignored. */
static int imap_take_fetch(clist *result, uint32_t uid, struct imap_items *items)
{
	int found = 0;

	for (clistiter *it = result != NULL ? clist_begin(result) : NULL; it != NULL;
	     it = clist_next(it)) {
		struct mailimap_msg_att *att = clist_content(it);
		if (att == NULL || att->att_list == NULL || imap_msg_att_uid(att) != uid)
			continue;
		found = 1;
		for (clistiter *i = clist_begin(att->att_list); i != NULL; i = clist_next(i)) {
			struct mailimap_msg_att_item *item = clist_content(i);
			if (item != NULL && item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
			    item->att_data.att_static != NULL)
				imap_take_item(item->att_data.att_static, uid, items);
		}
	}
	return found;
}

/* One UID FETCH of uid (attributes as imap_fetch_type). *result_r is the caller's to free
   with mailimap_fetch_list_free, also on failure. 1 / 0 gone / -1. */
static int imap_fetch_items(struct imap *imap, uint32_t uid, uint32_t offset, uint32_t length,
			    struct imap_items *items, clist **result_r, char **error_r)
{
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_fetch_type *ft = imap_fetch_type(offset, length);
	int ret, r;

	memset(items, 0, sizeof(*items));
	*result_r = NULL;
	if (set == NULL || ft == NULL) {
		ret = imap_oom(error_r);
		goto out;
	}
	r = mailimap_uid_fetch(imap->session, set, ft, result_r);
	if (r != MAILIMAP_NO_ERROR)
		ret = imap_fail(imap, r, error_r, "UID FETCH");
	else if (!imap_take_fetch(*result_r, uid, items))
		ret = error_set(error_r, 0, "IMAP (%s): UID %u no longer exists", imap->host, uid);
	else if (length > 0 ? items->body == NULL : !items->have_size)
		ret = error_set(error_r, -1, "IMAP (%s): UID %u: server did not send the %s",
				imap->host, uid, length > 0 ? "message" : "size");
	else
		ret = 1;
out:
	if (ft != NULL)
		mailimap_fetch_type_free(ft);
	if (set != NULL)
		mailimap_set_free(set);
	return ret;
}

/* Is b the part of the whole message (BODY[], not BODY[TEXT] or another section) that
   starts at offset? */
static int imap_part_is(const struct mailimap_msg_att_body_section *b, uint32_t offset)
{
	return b->sec_origin_octet == offset &&
	       (b->sec_section == NULL || b->sec_section->sec_spec == NULL);
}

/* The part of uid at offset, at most want bytes, into sink; *got_r says how many came.
   1, 0 gone, -1, or the sink's failure. */
static int imap_fetch_chunk(struct imap *imap, uint32_t uid, uint32_t offset, uint32_t want,
			    imap_sink *sink, void *ctx, size_t *got_r, char **error_r)
{
	struct imap_items items;
	clist *result = NULL;
	int ret = imap_fetch_items(imap, uid, offset, want, &items, &result, error_r);
	const struct mailimap_msg_att_body_section *b = items.body;
	size_t len = ret == 1 && b->sec_body_part != NULL ? b->sec_length : 0;

	*got_r = 0;
	if (ret != 1)
		goto out;
	/* More than asked, or another part than asked: the server cannot be followed. */
	if (len > want || (len > 0 && !imap_part_is(b, offset))) {
		ret = error_set(error_r, -1, "IMAP (%s): UID %u: asked for %u bytes at %u, got %zu "
				"at %u", imap->host, uid, want, offset, len, b->sec_origin_octet);
		goto out;
	}
	if (len > 0)
		ret = sink(ctx, b->sec_body_part, len, error_r);
	*got_r = len;
out:
	if (result != NULL)
		mailimap_fetch_list_free(result);
	return ret;
}

/* A sink that passes on at most `room` bytes and notes that more came. */
struct imap_over {
	imap_sink *sink;
	void *ctx;
	size_t room;
	int over;
};

static int imap_sink_bounded(void *ctx, const char *data, size_t len, char **error_r)
{
	struct imap_over *o = ctx;

	if (len > o->room)
		o->over = 1;
	return MIN(len, o->room) == 0 ? 1 : o->sink(o->ctx, data, MIN(len, o->room), error_r);
}

/* The body, chunk after chunk, until a short chunk; at most max + 1 bytes are asked for, and
   only max reach the sink. */
static int imap_fetch_body(struct imap *imap, uint32_t uid, size_t max, imap_sink *sink,
			   void *ctx, struct imap_message *m, char **error_r)
{
	size_t got = 0;
	int ret = 1;

	for (;;) {
		size_t want = MIN((size_t)PD_FETCH_CHUNK, max + 1 - (size_t)m->fetched);
		/* The last byte asked for is the one past max: it is only counted, never kept. */
		struct imap_over over = { sink, ctx, max - (size_t)m->fetched, 0 };
		ret = imap_fetch_chunk(imap, uid, (uint32_t)m->fetched, (uint32_t)want,
				       imap_sink_bounded, &over, &got, error_r);
		m->fetched += MIN(got, over.room);
		if (ret != 1 || got < want)
			break;
		if (over.over) {
			m->over_max = 1;
			break;
		}
	}
	return ret;
}

int imap_fetch_to_sink(struct imap *imap, uint32_t uid, size_t max, imap_sink *sink, void *ctx,
		       struct imap_message *msg_r, char **error_r)
{
	struct imap_items items;
	clist *result = NULL;
	int ret;

	memset(msg_r, 0, sizeof(*msg_r));
	if (max >= UINT32_MAX)
		max = UINT32_MAX - 1; /* IMAP offsets are 32-bit */
	/* Size first, so a message too large to keep is never downloaded. */
	ret = imap_fetch_items(imap, uid, 0, 0, &items, &result, error_r);
	if (result != NULL)
		mailimap_fetch_list_free(result);
	if (ret != 1)
		return ret;
	msg_r->size = items.size;
	msg_r->internaldate = items.internaldate;
	if (items.size > max) {
		msg_r->over_max = 1;
		return 1;
	}
	return imap_fetch_body(imap, uid, max, sink, ctx, msg_r, error_r);
}

static int imap_sink_bytes(void *ctx, const char *data, size_t len, char **error_r)
{
	g_byte_array_append(ctx, (const guint8 *)data, (guint)len);
	return 1;
}

int imap_fetch(struct imap *imap, uint32_t uid, struct imap_fetched *out, char **error_r)
{
	GByteArray *bytes = g_byte_array_new();
	struct imap_message m;
	int ret = imap_fetch_to_sink(imap, uid, PD_MAX_MESSAGE_SIZE, imap_sink_bytes, bytes, &m,
				     error_r);

	memset(out, 0, sizeof(*out));
	out->uid = uid;
	out->size = MAX(m.size, (uint32_t)MIN(m.fetched, (uint64_t)UINT32_MAX));
	out->internaldate = m.internaldate;
	out->too_large = ret == 1 && m.over_max;
	if (ret == 1 && !m.over_max) {
		out->len = bytes->len;
		g_byte_array_append(bytes, (const guint8 *)"", 1);
		out->raw = (char *)g_byte_array_free(bytes, FALSE);
		bytes = NULL;
	}
	if (bytes != NULL)
		g_byte_array_free(bytes, TRUE);
	return ret;
}

static int imap_store_deleted(struct imap *imap, struct mailimap_set *set, char **error_r)
{
	struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
	struct mailimap_flag *deleted = mailimap_flag_new_deleted();
	struct mailimap_store_att_flags *store = NULL;
	int ret = 1, r;

	if (flags == NULL || deleted == NULL || mailimap_flag_list_add(flags, deleted) != 0) {
		ret = imap_oom(error_r);
		goto out;
	}
	deleted = NULL; /* owned by flags now */
	store = mailimap_store_att_flags_new_add_flags_silent(flags);
	if (store == NULL) {
		ret = imap_oom(error_r);
		goto out;
	}
	flags = NULL; /* owned by store now */
	r = mailimap_uid_store(imap->session, set, store);
	if (r != MAILIMAP_NO_ERROR)
		ret = imap_fail(imap, r, error_r, "UID STORE +FLAGS.SILENT (\\Deleted)");
out:
	if (store != NULL)
		mailimap_store_att_flags_free(store);
	if (flags != NULL)
		mailimap_flag_list_free(flags);
	if (deleted != NULL)
		mailimap_flag_free(deleted);
	return ret;
}

/* MOVE without the MOVE extension: COPY, flag \Deleted, expunge. */
static int imap_copy_delete(struct imap *imap, struct mailimap_set *set, const char *dest,
			    char **error_r)
{
	int uidplus = imap_has_capability(imap, "UIDPLUS");
	int r = mailimap_uid_copy(imap->session, set, dest);

	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(imap, r, error_r, "UID COPY");
	int ret = imap_store_deleted(imap, set, error_r);
	if (ret != 1)
		return ret;
	/* Without UIDPLUS, EXPUNGE also removes other messages already marked \Deleted. */
	r = uidplus ? mailimap_uid_expunge(imap->session, set) : mailimap_expunge(imap->session);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(imap, r, error_r, uidplus ? "UID EXPUNGE" : "EXPUNGE");
	return 1;
}

/* A UID set of every uid given (libetpan merges nothing: the server accepts a long list). */
static struct mailimap_set *imap_uid_set(const uint32_t *uids, size_t count)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	for (size_t i = 0; set != NULL && i < count; i++) {
		if (mailimap_set_add_single(set, uids[i]) != MAILIMAP_NO_ERROR) {
			mailimap_set_free(set);
			set = NULL;
		}
	}
	return set;
}

int imap_move(struct imap *imap, const uint32_t *uids, size_t count, const char *dest,
	      char **error_r)
{
	struct mailimap_set *set = NULL;
	int ret, r;

	if (count == 0)
		return 1;
	if ((set = imap_uid_set(uids, count)) == NULL) {
		ret = imap_oom(error_r);
		goto out;
	}
	if (imap_has_capability(imap, "MOVE")) {
		r = mailimap_uid_move(imap->session, set, dest);
		ret = r == MAILIMAP_NO_ERROR ? 1 : imap_fail(imap, r, error_r, "UID MOVE");
	} else {
		ret = imap_copy_delete(imap, set, dest, error_r);
	}
	if (ret == 1)
		log_debug("IMAP %s: moved %zu message(s) to %s", imap->host, count, dest);
out:
	if (set != NULL)
		mailimap_set_free(set);
	return ret;
}

/* Wait in IDLE until the server sends something, timeout, or a signal (caller rescans). */
static int imap_idle_wait(struct imap *imap, int timeout_secs, char **error_r)
{
	struct pollfd pfd = { .fd = mailimap_idle_get_fd(imap->session), .events = POLLIN };
	int r;

	if (imap->session->imap_stream->read_buffer_len > 0)
		return 1; /* already buffered by libetpan: the fd would not wake us */
	if (pfd.fd < 0)
		return error_set(error_r, -1, "IMAP IDLE (%s): no socket", imap->host);
	if (timeout_secs < 0)
		timeout_secs = 0;
	if (timeout_secs > IMAP_MAX_IDLE_SECS)
		timeout_secs = IMAP_MAX_IDLE_SECS;
	r = poll(&pfd, 1, timeout_secs * 1000);
	if (r < 0 && errno != EINTR)
		return error_set(error_r, -1, "IMAP IDLE (%s): poll: %s", imap->host,
				 g_strerror(errno));
	return 1;
}

int imap_idle(struct imap *imap, int timeout_secs, char **error_r)
{
	int ret, r;

	if (imap->session->imap_selection_info == NULL || imap->session->imap_stream == NULL)
		return error_set(error_r, -1, "IMAP IDLE (%s): no mailbox selected", imap->host);
	r = mailimap_idle(imap->session);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail_temp(imap, r, error_r, "IDLE");
	ret = imap_idle_wait(imap, timeout_secs, error_r);
	/* DONE also reads the untagged responses that ended the wait. */
	r = mailimap_idle_done(imap->session);
	if (r != MAILIMAP_NO_ERROR && ret == 1)
		ret = imap_fail_temp(imap, r, error_r, "IDLE DONE");
	return ret;
}

int imap_noop(struct imap *imap, char **error_r)
{
	int r = mailimap_noop(imap->session);

	return r == MAILIMAP_NO_ERROR ? 1 : imap_fail_temp(imap, r, error_r, "NOOP");
}
