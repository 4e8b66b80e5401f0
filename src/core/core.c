/* core: logging to stderr and small helpers (hashing, files, UTF-8 cleaning).
   Trusts nothing about the strings it cleans; trusts its callers for paths. */
#include "core.h"

#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static enum log_level log_threshold = LOG_LEVEL_INFO;

static const char *const log_level_names[] = { "error", "warn", "info", "debug" };

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

int log_level_parse(const char *name, enum log_level *level_r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(log_level_names); i++) {
		if (g_ascii_strcasecmp(name, log_level_names[i]) == 0) {
			*level_r = (enum log_level)i;
			return 1;
		}
	}
	return 0;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* systemd's journal adds its own timestamps; the level keeps lines greppable. */
	fprintf(stderr, "pdgate: %s: %s\n", log_level_names[level], text);
	g_free(text);
}

int error_set(char **error_r, int ret, const char *fmt, ...)
{
	if (error_r == NULL)
		return ret;
	va_list ap;
	va_start(ap, fmt);
	g_free(*error_r);
	*error_r = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return ret;
}

int64_t pd_now(void)
{
	return (int64_t)time(NULL);
}

char *pd_sha256_hex(const void *data, size_t len)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

/* Read at most max_len + 1 bytes of fd into a NUL-terminated buffer: one more than allowed
   tells "too large" without reading the rest. */
static int read_bounded(int fd, size_t max_len, GString *buf)
{
	char chunk[65536];
	ssize_t n;

	while (buf->len <= max_len &&
	       (n = read(fd, chunk, MIN(sizeof(chunk), max_len + 1 - buf->len))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		g_string_append_len(buf, chunk, n);
	}
	return 1;
}

int pd_read_file(const char *path, size_t max_len, char **data_r, size_t *len_r, char **error_r)
{
	GString *buf = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	/* Never the whole of a device or a huge file: the size is checked before and during. */
	if (fd < 0 || fstat(fd, &st) != 0) {
		error_set(error_r, 0, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(error_r, 0, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max_len) {
		error_set(error_r, 0, "%s: larger than %zu bytes", path, max_len);
		goto out;
	}
	buf = g_string_sized_new((gsize)st.st_size + 1);
	if (read_bounded(fd, max_len, buf) != 1) {
		error_set(error_r, 0, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	if (buf->len > max_len) {
		error_set(error_r, 0, "%s: larger than %zu bytes", path, max_len);
		goto out;
	}
	if (len_r != NULL)
		*len_r = buf->len;
	*data_r = g_string_free(buf, FALSE);
	buf = NULL;
	ret = 1;
out:
	if (buf != NULL)
		g_string_free(buf, TRUE);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pd_write_file_atomic(const char *path, const void *data, size_t len, int sync,
			 char **error_r)
{
	char *tmp = g_strdup_printf("%s.tmp.%ld", path, (long)getpid());
	int fd = -1, ret = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set(error_r, 0, "open(%s): %s", tmp, g_strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		error_set(error_r, 0, "write(%s): %s", tmp, g_strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		error_set(error_r, 0, "close(%s): %s", tmp, g_strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		error_set(error_r, 0, "rename(%s): %s", path, g_strerror(errno));
		goto out;
	}
	ret = 1;
out:
	if (fd >= 0)
		close(fd);
	if (ret != 1)
		unlink(tmp);
	g_free(tmp);
	return ret;
}

char *pd_utf8_clean(const char *s, size_t max, int keep_newlines)
{
	GString *out = g_string_sized_new(MIN(strlen(s), max) + 1);
	const char *p = s;

	while (*p != '\0') {
		gunichar c = g_utf8_get_char_validated(p, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			/* Invalid byte: replace with U+FFFD so downstream sees valid UTF-8. */
			c = 0xFFFD;
			p++;
		} else {
			p = g_utf8_next_char(p);
		}
		if (c == '\r')
			continue;
		if (c == '\n' && !keep_newlines)
			c = ' ';
		else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f ||
			 (c >= 0x80 && c < 0xa0))
			continue;
		char buf[6];
		int n = g_unichar_to_utf8(c, buf);
		if (out->len + (size_t)n > max)
			break;
		g_string_append_len(out, buf, n);
	}
	return g_string_free(out, FALSE);
}

void pd_secret_free(char **secret)
{
	if (*secret == NULL)
		return;
	/* explicit_bzero: a plain memset before free may be optimised away. */
	explicit_bzero(*secret, strlen(*secret));
	g_free(*secret);
	*secret = NULL;
}

char *pd_json_finish(JsonBuilder *builder, int pretty)
{
	JsonGenerator *gen = json_generator_new();
	JsonNode *root = json_builder_get_root(builder);
	json_generator_set_pretty(gen, pretty);
	json_generator_set_root(gen, root);
	char *text = json_generator_to_data(gen, NULL);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(builder);
	return text;
}

/* Parsed once: loading the zone file costs more than the rest of a date. */
static GTimeZone *london(void)
{
	static GTimeZone *tz;
	if (g_once_init_enter(&tz)) {
		GTimeZone *t = g_time_zone_new_identifier("Europe/London");
		g_once_init_leave(&tz, t != NULL ? t : g_time_zone_new_utc());
	}
	return g_time_zone_ref(tz);
}

GDateTime *pd_london_time(int64_t when)
{
	GTimeZone *tz = london();
	GDateTime *utc = g_date_time_new_from_unix_utc(when);
	GDateTime *local = g_date_time_to_timezone(utc, tz);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return local;
}

void pd_london_day(int64_t when, GDate *day_r)
{
	GDateTime *t = pd_london_time(when);
	g_date_clear(day_r, 1);
	g_date_set_dmy(day_r, (GDateDay)g_date_time_get_day_of_month(t),
		       (GDateMonth)g_date_time_get_month(t), (GDateYear)g_date_time_get_year(t));
	g_date_time_unref(t);
}

int pd_address_plausible(const char *a)
{
	const char *at = a != NULL ? strchr(a, '@') : NULL;

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strlen(a) > 254)
		return 0;
	for (const char *p = a; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>')
			return 0;
	}
	return 1;
}

int pd_host_is_loopback(const char *host)
{
	GInetAddress *addr;
	int loopback;

	if (host == NULL)
		return 0;
	/* RFC 6761 6.3: "localhost" is always the loopback; other names could resolve anywhere */
	if (g_ascii_strcasecmp(host, "localhost") == 0)
		return 1;
	addr = g_inet_address_new_from_string(host);
	loopback = addr != NULL && g_inet_address_get_is_loopback(addr);
	if (addr != NULL)
		g_object_unref(addr);
	return loopback;
}
