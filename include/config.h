/* config: the INI file (GKeyFile), validated against a table of keys with types, defaults
   and bounds. Every error is reported as "file: [group] key: message", all in one pass. */
#ifndef PDGATE_CONFIG_H
#define PDGATE_CONFIG_H

#include "core.h" /* enum pd_tls */

struct config {
	char *path;            /* the file read */
	struct {
		char *host, *user, *password_file, *ca_file;
		char *mailbox, *processed_mailbox, *quarantine_mailbox, *journal_mailbox;
		int port, poll_interval, idle_minutes, timeout, max_attempts;
		enum pd_tls tls;
	} imap;
	struct {
		char *host, *user, *password_file, *ca_file, *from, *from_name, *journal;
		int port, retry_base, max_attempts, timeout, journal_wait;
		enum pd_tls tls;
	} smtp;
	struct {
		char *database, *spool;
		char *model; /* the trained model (never "": defaults beside the database) */
	} store;
	struct {
		char *reference_prefix, *templates, *rules, *deadlines, *exemptions,
		     *message_id_domain;
		char *model, *corpus; /* the shipped model and its corpus, "" when none */
		char *log_level;
		char **team;       /* the old name of [team] notify (read into it) */
		char **staff_domains; /* whose forwards carry a requester's mail (never empty) */
		int repeat_window_days, identity_reuse_days, max_auto_notices_per_day;
		/* storms: more than storm_threshold messages in storm_window minutes */
		int storm_threshold, storm_window;
		/* working days from receipt within which the team confirms an unsure case */
		int confirm_within;
		char *regulator_name, *regulator_contact;
	} gateway;
	struct {
		/* How sure of each kind the classifier must be not to ask the team: a kind's
		   probability strictly between 1 - confidence and confidence is a guess. 0.5
		   turns the check off. */
		double confidence;
	} classify;
	struct {
		/* Who may act on cases by mail: addresses and "@domain" entries. */
		char **members;
		/* Where team notifications go (NULL-terminated, never NULL). */
		char **notify;
		/* The authserv-id our receiving MTA writes into Authentication-Results, and the
		   method a member's mail must pass: none, spf, dkim or dmarc. */
		char *authserv_id, *require_auth;
		/* Largest mail composed with attachments (a response, a reply raised), bytes. */
		int max_response_size;
	} team;
	struct {
		/* The daily digest: sent by the poller or not (`pdgate digest --send` works
		   either way), when (minutes after midnight, Europe/London), on non-working
		   days too or not, and after how many days a requester who has not sent
		   identity or an answer is listed to be chased. */
		int send, time, non_working_days, chase_after;
	} digest;
	struct {
		int monthly;       /* mail the statutory report on each month's first working day */
	} report;
	struct {
		/* FOIA s12 and the Fees Regulations 2004: the appropriate limit for a police
		   force (pounds) and the hourly rate it is counted at; how a requester pays. */
		int foi_cost_limit, foi_hourly_rate;
		char *how_to_pay;
	} fees;
	struct {
		/* Texts notices take from the config: the force's own words and addresses. */
		char *not_for_emergencies, *identity_routes, *identity_retention;
		/* Where misdirected mail belongs, in lifecycle.h's case_redirect order from
		   emergency: emergency, crime, conduct, acro, other_force, other. */
		char *redirect[6];
	} notices;
	struct {
		/* YYYY-MM-DD lists (validated), NULL-terminated, per calendar: England and
		   Wales, Scotland, Northern Ireland (clock.h's order). */
		char **added[3], **cancelled[3];
	} holidays;
	char **warnings;       /* what check-config and poll report but accept (obsolete keys) */
};

/* Load and validate path. Relative paths become relative to the file's folder.
   1 with *config_r (free with config_free), or 0 with *error_r listing every problem. */
int config_load(const char *path, struct config **config_r, char **error_r);
/* The same from the file's text (len bytes) as if read from path (messages name it,
   relative paths start from its folder): for callers holding the text, such as the
   fuzzer (tests/fuzz/fuzz_config.c). */
int config_parse(const char *path, const char *data, size_t len, struct config **config_r,
		 char **error_r);

void config_free(struct config **config);

/* Read a secret file (first line, trailing newline removed). Refuses files readable by
   group/other. 1 with *secret_r (g_malloc'd; caller wipes and frees) or 0. */
int config_read_secret(const char *path, char **secret_r, char **error_r);

/* Parse "implicit|starttls|none". 1 or 0. */
int config_parse_tls(const char *s, enum pd_tls *tls_r);

#endif
