/* Unit tests for smtp without any real mail server: address checks, a closed port, and a
   scripted SMTP responder thread on 127.0.0.1 that checks reply classification (451 -> -1,
   550 -> 0), data integrity, connection reuse and reconnection after a session limit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core.h"
#include "smtp.h"

/* ---- scripted responder ---- */

/* Replies depend on the address, so one server can script every case:
   MAIL FROM:<blocked...> -> 550; RCPT TO:<bad...> -> 550, <later...> -> 451; else 250. */
struct server {
	int listen_fd;
	unsigned int port;
	pthread_t thread;
	atomic_int stop;
	const char *greeting;      /* e.g. "220 test ESMTP" */
	int max_mails;             /* per session, then MAIL gets 452 (OpenSMTPD does this); 0 = none */
	/* Written by the server thread, read by the test only after server_stop(). */
	int accepts;
	int quits;
	GPtrArray *messages;       /* received DATA, dot-unstuffed, CRLF kept */
	GPtrArray *envelopes;      /* "from rcpt" for each accepted message */
};

struct session {
	struct server *srv;
	int fd;
	GString *in;
	int mails;
	char *from, *rcpt;
};

static void say(struct session *s, const char *line)
{
	char *out = g_strdup_printf("%s\r\n", line);

	/* MSG_NOSIGNAL: a client that hung up must not kill the test with SIGPIPE. A failed
	   write shows up as a wrong result on the client side. */
	if (send(s->fd, out, strlen(out), MSG_NOSIGNAL) < 0)
		g_printerr("test server: send: %s\n", g_strerror(errno));
	g_free(out);
}

/* Next line without its CRLF, or NULL on EOF / stop. */
static char *read_line(struct session *s)
{
	for (;;) {
		char *nl = memchr(s->in->str, '\n', s->in->len);
		if (nl != NULL) {
			size_t len = (size_t)(nl - s->in->str);
			char *line = g_strndup(s->in->str, len > 0 && nl[-1] == '\r' ? len - 1 : len);
			g_string_erase(s->in, 0, (gssize)len + 1);
			return line;
		}
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		if (poll(&pfd, 1, 50) == 0) {
			if (atomic_load(&s->srv->stop))
				return NULL;
			continue;
		}
		char buf[4096];
		ssize_t n = read(s->fd, buf, sizeof(buf));
		if (n <= 0)
			return NULL;
		g_string_append_len(s->in, buf, n);
	}
}

static int read_data(struct session *s)
{
	GString *msg = g_string_new(NULL);
	char *line;

	while ((line = read_line(s)) != NULL) {
		if (strcmp(line, ".") == 0) {
			g_free(line);
			g_ptr_array_add(s->srv->messages, g_string_free(msg, FALSE));
			g_ptr_array_add(s->srv->envelopes, g_strdup_printf("%s %s", s->from, s->rcpt));
			return 1;
		}
		g_string_append_printf(msg, "%s\r\n", line[0] == '.' ? line + 1 : line);
		g_free(line);
	}
	g_string_free(msg, TRUE);
	return 0;
}

static void on_mail(struct session *s, const char *arg)
{
	if (s->srv->max_mails > 0 && s->mails >= s->srv->max_mails) {
		say(s, "452 4.5.3 Too many messages sent");
		return;
	}
	if (strncmp(arg, "FROM:<blocked", 13) == 0) {
		say(s, "550 5.7.1 sender blocked");
		return;
	}
	g_free(s->from);
	s->from = g_strndup(arg + 5, strcspn(arg + 5, " "));
	say(s, "250 2.0.0 Ok");
}

static void on_rcpt(struct session *s, const char *arg)
{
	if (strncmp(arg, "TO:<bad", 7) == 0) {
		say(s, "550 5.1.1 no such user");
		return;
	}
	if (strncmp(arg, "TO:<later", 9) == 0) {
		say(s, "451 4.3.0 try again later");
		return;
	}
	g_free(s->rcpt);
	s->rcpt = g_strdup(arg + 3);
	say(s, "250 2.1.5 Ok");
}

/* One command; returns 0 when the session is over. */
static int on_command(struct session *s, const char *line)
{
	if (g_ascii_strncasecmp(line, "EHLO ", 5) == 0 || g_ascii_strncasecmp(line, "HELO ", 5) == 0) {
		say(s, "250-test.invalid");
		say(s, "250 8BITMIME");
	} else if (g_ascii_strncasecmp(line, "MAIL ", 5) == 0) {
		on_mail(s, line + 5);
	} else if (g_ascii_strncasecmp(line, "RCPT ", 5) == 0) {
		on_rcpt(s, line + 5);
	} else if (g_ascii_strcasecmp(line, "DATA") == 0) {
		say(s, "354 go ahead");
		if (!read_data(s))
			return 0;
		s->mails++;
		say(s, "250 2.0.0 queued");
	} else if (g_ascii_strcasecmp(line, "RSET") == 0 || g_ascii_strcasecmp(line, "NOOP") == 0) {
		say(s, "250 2.0.0 Ok");
	} else if (g_ascii_strcasecmp(line, "QUIT") == 0) {
		s->srv->quits++;
		say(s, "221 2.0.0 Bye");
		return 0;
	} else {
		say(s, "500 5.5.1 unknown command");
	}
	return 1;
}

static void serve(struct server *srv, int fd)
{
	struct session s = { .srv = srv, .fd = fd, .in = g_string_new(NULL) };
	char *line;

	say(&s, srv->greeting);
	while (srv->greeting[0] == '2' && (line = read_line(&s)) != NULL) {
		int more = on_command(&s, line);
		g_free(line);
		if (!more)
			break;
	}
	close(fd);
	g_string_free(s.in, TRUE);
	g_free(s.from);
	g_free(s.rcpt);
}

static void *server_main(void *ctx)
{
	struct server *srv = ctx;

	while (!atomic_load(&srv->stop)) {
		struct pollfd pfd = { .fd = srv->listen_fd, .events = POLLIN };
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		int fd = accept(srv->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		srv->accepts++;
		serve(srv, fd);
	}
	return NULL;
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port. */
static int listen_loopback(unsigned int *port_r)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port_r = ntohs(sin.sin_port);
	return fd;
}

static struct server *server_start(const char *greeting, int max_mails)
{
	struct server *srv = g_malloc0(sizeof(*srv));

	srv->greeting = greeting;
	srv->max_mails = max_mails;
	srv->messages = g_ptr_array_new_with_free_func(g_free);
	srv->envelopes = g_ptr_array_new_with_free_func(g_free);
	srv->listen_fd = listen_loopback(&srv->port);
	assert_int_equal(pthread_create(&srv->thread, NULL, server_main, srv), 0);
	return srv;
}

static void server_stop(struct server *srv)
{
	atomic_store(&srv->stop, 1);
	pthread_join(srv->thread, NULL);
	close(srv->listen_fd);
}

static void server_free(struct server *srv)
{
	g_ptr_array_unref(srv->messages);
	g_ptr_array_unref(srv->envelopes);
	g_free(srv);
}

static struct smtp *client_open(unsigned int port, enum pd_tls tls)
{
	struct smtp_settings set = {
		.host = "127.0.0.1", .port = port, .tls = tls, .helo_domain = "client.test",
		.timeout_secs = 5,
	};
	return smtp_open(&set);
}

static const char message[] =
	"From: a@example.org\r\nTo: b@example.org\r\nSubject: test\r\n\r\n"
	"Hello.\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n";

/* ---- tests ---- */

static void test_invalid_addresses(void **state)
{
	static const char *const bad[] = {
		"a\r\nRCPT TO:<x@y>", "a\n@b", "<a@b>", "a@b>", "a b@c", "a\t@b", "a\x7f@b", "",
	};
	struct smtp *smtp = client_open(1, PD_TLS_NONE); /* never reached */
	char *error = NULL;
	char *longaddr = g_strnfill(255, 'a');

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		assert_int_equal(smtp_send(smtp, "ok@example.org", bad[i], "x\r\n", 3, &error), 0);
		assert_string_equal(error, "SMTP: invalid envelope recipient");
		if (bad[i][0] != '\0') { /* an empty sender is the null reverse-path */
			assert_int_equal(smtp_send(smtp, bad[i], "ok@example.org", "x", 1, &error), 0);
			assert_string_equal(error, "SMTP: invalid envelope sender");
		}
	}
	assert_int_equal(smtp_send(smtp, "ok@example.org", longaddr, "x", 1, &error), 0);
	g_free(error);
	g_free(longaddr);
	smtp_close(&smtp);
	assert_null(smtp);
	smtp_close(&smtp); /* NULL-safe */
}

static void test_closed_port(void **state)
{
	unsigned int port;
	char *error = NULL;

	close(listen_loopback(&port));
	struct smtp *smtp = client_open(port, PD_TLS_NONE);
	assert_int_equal(smtp_send(smtp, "a@example.org", "b@example.org", message,
				   sizeof(message) - 1, &error), -1);
	assert_non_null(error);
	assert_true(g_str_has_prefix(error, "SMTP: "));
	g_free(error);
	smtp_close(&smtp);
}

static void test_bad_settings(void **state)
{
	struct smtp_settings set = { .host = "evil.example/x?", .port = 25, .tls = PD_TLS_NONE };
	struct smtp *smtp = smtp_open(&set);
	char *error = NULL;

	assert_int_equal(smtp_send(smtp, "a@example.org", "b@example.org", "x", 1, &error), -1);
	assert_string_equal(error, "SMTP: invalid host name");
	smtp_close(&smtp);
	set.host = "localhost";
	set.helo_domain = "x/../y";
	smtp = smtp_open(&set);
	assert_int_equal(smtp_send(smtp, "a@example.org", "b@example.org", "x", 1, &error), -1);
	assert_string_equal(error, "SMTP: invalid HELO domain");
	smtp_close(&smtp);
	g_free(error);
}

/* Send one message expecting `want`; returns the error (g_free it) or NULL. */
static char *send_expect(struct smtp *smtp, const char *from, const char *rcpt, int want)
{
	char *error = NULL;
	int ret = smtp_send(smtp, from, rcpt, message, sizeof(message) - 1, &error);

	if (ret != want)
		fail_msg("send %s -> %s: got %d want %d (%s)", from, rcpt, ret, want,
			 error != NULL ? error : "no error");
	if (want == 1)
		assert_null(error);
	return error;
}

static void test_success_reuses_connection(void **state)
{
	struct server *srv = server_start("220 test ESMTP", 0);
	struct smtp *smtp = client_open(srv->port, PD_TLS_NONE);

	send_expect(smtp, "a@example.org", "b@example.org", 1);
	send_expect(smtp, "", "c@example.org", 1);
	smtp_close(&smtp);
	server_stop(srv);
	assert_int_equal(srv->accepts, 1);
	assert_int_equal(srv->quits, 1);
	assert_int_equal(srv->messages->len, 2);
	for (guint i = 0; i < srv->messages->len; i++)
		assert_string_equal(g_ptr_array_index(srv->messages, i), message);
	assert_string_equal(g_ptr_array_index(srv->envelopes, 0), "<a@example.org> <b@example.org>");
	assert_string_equal(g_ptr_array_index(srv->envelopes, 1), "<> <c@example.org>");
	server_free(srv);
}

static void test_rcpt_451_is_temporary(void **state)
{
	struct server *srv = server_start("220 test ESMTP", 0);
	struct smtp *smtp = client_open(srv->port, PD_TLS_NONE);
	char *error = send_expect(smtp, "a@example.org", "later@example.org", -1);

	assert_non_null(strstr(error, "SMTP 451: "));
	assert_non_null(strstr(error, "451 4.3.0 try again later"));
	g_free(error);
	smtp_close(&smtp);
	server_stop(srv);
	server_free(srv);
}

static void test_rcpt_550_is_permanent(void **state)
{
	struct server *srv = server_start("220 test ESMTP", 0);
	struct smtp *smtp = client_open(srv->port, PD_TLS_NONE);
	char *error = send_expect(smtp, "a@example.org", "bad@example.org", 0);

	assert_non_null(strstr(error, "SMTP 550: "));
	assert_non_null(strstr(error, "550 5.1.1 no such user"));
	g_free(error);
	/* The next message still goes out, on a new connection. */
	send_expect(smtp, "a@example.org", "b@example.org", 1);
	g_free(send_expect(smtp, "blocked@example.org", "b@example.org", 0));
	send_expect(smtp, "a@example.org", "b@example.org", 1);
	smtp_close(&smtp);
	server_stop(srv);
	assert_int_equal(srv->messages->len, 2);
	server_free(srv);
}

/* A 5xx greeting is about the server, not the message: temporary. */
static void test_greeting_554_is_temporary(void **state)
{
	struct server *srv = server_start("554 5.3.2 not now", 0);
	struct smtp *smtp = client_open(srv->port, PD_TLS_NONE);

	g_free(send_expect(smtp, "a@example.org", "b@example.org", -1));
	smtp_close(&smtp);
	server_stop(srv);
	server_free(srv);
}

/* Dot-stuffing is libcurl's job, also for a dot as the very first byte and with no final CRLF. */
static void test_data_dots(void **state)
{
	static const char *const datas[] = { ".first\r\n..x\r\n.\r\n", "no final newline\r\n." };
	static const char *const want[] = { ".first\r\n..x\r\n.\r\n", "no final newline\r\n.\r\n" };
	struct server *srv = server_start("220 test ESMTP", 0);
	struct smtp *smtp = client_open(srv->port, PD_TLS_NONE);
	char *error = NULL;

	for (size_t i = 0; i < G_N_ELEMENTS(datas); i++)
		assert_int_equal(smtp_send(smtp, "a@example.org", "b@example.org", datas[i],
					   strlen(datas[i]), &error), 1);
	smtp_close(&smtp);
	server_stop(srv);
	assert_int_equal(srv->messages->len, G_N_ELEMENTS(datas));
	for (size_t i = 0; i < G_N_ELEMENTS(datas); i++)
		assert_string_equal(g_ptr_array_index(srv->messages, i), want[i]);
	server_free(srv);
}

/* OpenSMTPD answers MAIL with 452 after 100 messages in one session: the send must still
   succeed, on a new connection. */
static void test_session_limit_reconnects(void **state)
{
	struct server *srv = server_start("220 test ESMTP", 2);
	struct smtp *smtp = client_open(srv->port, PD_TLS_NONE);

	for (int i = 0; i < 5; i++)
		send_expect(smtp, "a@example.org", "b@example.org", 1);
	smtp_close(&smtp);
	server_stop(srv);
	assert_int_equal(srv->messages->len, 5);
	assert_int_equal(srv->accepts, 3);
	server_free(srv);
}

/* tls = starttls must never fall back to plain text when the server lacks STARTTLS. */
static void test_starttls_required(void **state)
{
	struct server *srv = server_start("220 test ESMTP", 0);
	struct smtp *smtp = client_open(srv->port, PD_TLS_STARTTLS);

	g_free(send_expect(smtp, "a@example.org", "b@example.org", -1));
	smtp_close(&smtp);
	server_stop(srv);
	assert_int_equal(srv->messages->len, 0);
	server_free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_addresses),
		cmocka_unit_test(test_closed_port),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_success_reuses_connection),
		cmocka_unit_test(test_rcpt_451_is_temporary),
		cmocka_unit_test(test_rcpt_550_is_permanent),
		cmocka_unit_test(test_greeting_554_is_temporary),
		cmocka_unit_test(test_data_dots),
		cmocka_unit_test(test_session_limit_reconnects),
		cmocka_unit_test(test_starttls_required),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
