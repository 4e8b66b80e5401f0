/* core: logging and small helpers shared by every module. No module-specific logic. */
#ifndef PDGATE_CORE_H
#define PDGATE_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Return convention used across pdgate (Dovecot's):
   1 = done, 0 = permanent failure, -1 = temporary failure.
   Functions taking `char **error_r` set it (g_malloc'd, caller g_free()s) on 0 or -1 only. */

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Set the lowest level printed (default INFO). */
void log_set_level(enum log_level level);
/* Parse "error|warn|info|debug"; returns 1 and sets *level_r, or 0. */
int log_level_parse(const char *name, enum log_level *level_r);
/* Log one line to stderr. Never pass passwords or message bodies. */
void log_msg(enum log_level level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Set *error_r (if error_r is not NULL) to a formatted string; returns `ret` for tail calls. */
int error_set(char **error_r, int ret, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Current time as Unix seconds. The only clock read outside main loops' own timers. */
int64_t pd_now(void);

/* `when` (Unix time) in Europe/London, where the mailbox and its deadlines live (UTC if no
   tzdata). pd_london_time's result is the caller's (g_date_time_unref). */
GDateTime *pd_london_time(int64_t when);
void pd_london_day(int64_t when, GDate *day_r);

/* Lowercase hex SHA-256 of data (g_malloc'd). */
char *pd_sha256_hex(const void *data, size_t len);

/* Read a whole file (max max_len bytes) into a NUL-terminated g_malloc'd buffer. 1/0. */
int pd_read_file(const char *path, size_t max_len, char **data_r, size_t *len_r, char **error_r);

/* Write data to path atomically (tmp + rename), mode 0600. With `sync`, the data is fsynced
   before the rename; without, the caller makes it durable later (syncfs). 1 or 0. */
int pd_write_file_atomic(const char *path, const void *data, size_t len, int sync,
			 char **error_r);

/* JSON text of what builder built (the builder is consumed: unref'd). g_malloc'd. */
struct _JsonBuilder;
char *pd_json_finish(struct _JsonBuilder *builder, int pretty);

/* Overwrite and free a secret (password); *secret = NULL. NULL-safe. */
void pd_secret_free(char **secret);

/* Copy of s made valid UTF-8 without control characters (except \t, and \n when keep_newlines),
   truncated to at most max bytes on a character boundary. Never NULL for non-NULL s. */
char *pd_utf8_clean(const char *s, size_t max, int keep_newlines);

/* local@domain, printable ASCII, no spaces or angle brackets: what SMTP would accept. 1/0.
   NULL-safe. */
int pd_address_plausible(const char *a);

/* 1 when host is this machine's loopback ("localhost", 127.0.0.0/8, ::1), the only place a
   connection without TLS may go (a password or personal data in clear goes nowhere else).
   NULL-safe. */
int pd_host_is_loopback(const char *host);

/* How a connection to a mail server is protected: TLS from the first byte, STARTTLS
   (required), or none (loopback only: pd_host_is_loopback). */
enum pd_tls { PD_TLS_IMPLICIT = 0, PD_TLS_STARTTLS, PD_TLS_NONE };

/* TEST-ONLY fault injection (src/core/fault.c). With PDGATE_FAULT_POINT=name[:N] in the
   environment the process SIGKILLs itself the Nth time (default 1) it reaches the point
   `name`, so the crash tests can stop it at an exact step of a pass. Without the variable it
   does nothing (the variable is read once; then one branch per call). Never set it in
   production. The points are listed in README.md ("Fault points"). */
void pd_fault_point(const char *name);

#endif
