/* gateway: set-up, the single-poller lock and the outbox sender. */
#include "gateway-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

static char *default_message_id_domain(const struct config *config)
{
	if (*config->gateway.message_id_domain != '\0')
		return g_strdup(config->gateway.message_id_domain);
	const char *at = strrchr(config->smtp.from, '@');
	return g_strdup(at != NULL ? at + 1 : "pdgate.invalid");
}

static void template_destroy(gpointer p)
{
	struct template *tpl = p;
	template_free(&tpl);
}

/* One template into set (keyed by its name); a missing optional one is no error. */
static void load_one(struct gateway *gw, GHashTable *set, const char *name, int required,
		     GString *errors)
{
	char *path = g_build_filename(gw->config->gateway.templates, name, NULL);
	struct template *tpl = NULL;
	char *error = NULL;

	if (!required && !g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_free(path);
		return;
	}
	if (template_load(path, gateway_notice_vars_of(name), &tpl, &error))
		g_hash_table_insert(set, g_strdup(name), tpl);
	else
		g_string_append_printf(errors, "%s%s", errors->len > 0 ? "\n" : "", error);
	g_free(error);
	g_free(path);
}

/* Every notice's template (NAME, and NAME.child when present); all errors of all files
   reported together. */
static int load_templates(struct gateway *gw, GHashTable **set_r, char **error_r)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, template_destroy);
	GString *errors = g_string_new(NULL);

	for (const char *const *name = gateway_notice_names; *name != NULL; name++) {
		load_one(gw, set, *name, 1, errors);
		char *child = g_strconcat(*name, ".child", NULL);
		load_one(gw, set, child, 0, errors);
		g_free(child);
	}
	if (errors->len > 0) {
		error_set(error_r, 0, "%s", errors->str);
		g_hash_table_unref(set);
		set = NULL;
	}
	g_string_free(errors, TRUE);
	*set_r = set;
	return set != NULL;
}

const struct case_env *gateway_env(struct gateway *gw)
{
	pd_london_day(pd_now(), &gw->env.today);
	return &gw->env;
}

/* The deadline table and the bank holidays as the config file says now: holidays are
   proclaimed while the poller runs. Only these are taken from the re-read file. */
static int reload_env(struct gateway *gw, struct case_env *env, char **error_r)
{
	struct config *fresh = NULL;
	int ret = config_load(gw->config->path, &fresh, error_r);

	if (ret == 1)
		ret = case_env_load(fresh, pd_now(), env, error_r);
	config_free(&fresh);
	return ret;
}

int gateway_model_load(const struct config *config, struct pd_model **m_r, char **error_r)
{
	const char *path = config->store.model;

	*m_r = NULL;
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		path = config->gateway.model;
	if (*path == '\0')
		return 1;
	return model_load(path, m_r, error_r);
}

static void log_loaded(const struct gateway *gw)
{
	log_info("templates, %u rules, %s%s, the deadline table and bank holidays loaded",
		 rules_count(gw->rules), gw->model != NULL ? "model " : "no model",
		 gw->model != NULL ? model_version(gw->model) : "");
}

/* Which rules Hyperscan runs and which it leaves to GRegex, and why (rules check prints the
   same). */
static void log_rules_engine(const struct rules *rules)
{
	struct rules_engine_info info;

	rules_engine_get(rules, &info);
	log_info("rules: %u regexes in Hyperscan, %u by GRegex%s%s", info.n_hyperscan,
		 info.n_gregex, info.off != NULL ? ": " : "", info.off != NULL ? info.off : "");
	for (unsigned i = 0; i < info.n_notes; i++)
		log_info("rules: GRegex for %s", info.notes[i]);
}

int gateway_reload(struct gateway *gw, char **error_r)
{
	GHashTable *templates = NULL;
	struct rules *rules = NULL;
	struct pd_model *model = NULL;
	struct case_env env;

	memset(&env, 0, sizeof(env));
	if (!load_templates(gw, &templates, error_r) ||
	    !rules_load(gw->config->gateway.rules, &rules, error_r) ||
	    !gateway_model_load(gw->config, &model, error_r) ||
	    !reload_env(gw, &env, error_r)) {
		if (templates != NULL)
			g_hash_table_unref(templates);
		rules_free(&rules);
		model_free(&model);
		return 0;
	}
	g_hash_table_unref(gw->templates);
	rules_free(&gw->rules);
	model_free(&gw->model);
	case_env_free(&gw->env);
	gw->templates = templates;
	gw->rules = rules;
	gw->model = model;
	gw->env = env;
	log_loaded(gw);
	log_rules_engine(rules);
	return 1;
}

/* 1 taken, -1 held by another poller, 0 the lock file cannot be opened. */
static int take_lock(struct gateway *gw, char **error_r)
{
	char *path = g_strdup_printf("%s.lock", gw->config->store.database);
	char *dir = g_path_get_dirname(path);
	char pid[32] = "";
	int fd = -1, ret = 0;

	/* First run: the database folder does not exist yet. */
	if (g_mkdir_with_parents(dir, 0700) == 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set(error_r, 0, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		g_strstrip(pid);
		ret = error_set(error_r, -1,
				"another poller (pid %s) holds %s: not starting a second one",
				*pid != '\0' ? pid : "?", path);
		goto out;
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		if (write(fd, pid, (size_t)n) != n)
			log_warn("could not write pid to %s", path);
	}
	gw->lock_fd = fd;
	fd = -1;
	ret = 1;
out:
	if (fd >= 0)
		close(fd);
	g_free(path);
	g_free(dir);
	return ret;
}

int gateway_init(const struct config *config, unsigned flags, struct gateway **gw_r,
		 char **error_r)
{
	struct gateway *gw = g_new0(struct gateway, 1);
	int ret = 0;

	gw->config = config;
	gw->lock_fd = -1;
	gw->started = pd_now();
	gw->message_id_domain = default_message_id_domain(config);
	if (!load_templates(gw, &gw->templates, error_r) ||
	    !rules_load(config->gateway.rules, &gw->rules, error_r) ||
	    !gateway_model_load(config, &gw->model, error_r) ||
	    !case_env_load(config, pd_now(), &gw->env, error_r))
		goto out;
	if ((flags & GATEWAY_FLAG_POLLER) != 0 && (ret = take_lock(gw, error_r)) != 1)
		goto out;
	if ((flags & GATEWAY_FLAG_POLLER) != 0)
		log_rules_engine(gw->rules);
	ret = 0;
	if ((flags & GATEWAY_FLAG_NO_STORE) == 0 &&
	    !store_open(config->store.database, config->store.spool, &gw->store, error_r))
		goto out;
	*gw_r = gw;
	gw = NULL;
	ret = 1;
out:
	gateway_deinit(&gw);
	return ret;
}

void gateway_deinit(struct gateway **gwp)
{
	struct gateway *gw = *gwp;
	if (gw == NULL)
		return;
	store_close(&gw->store);
	if (gw->templates != NULL)
		g_hash_table_unref(gw->templates);
	rules_free(&gw->rules);
	model_free(&gw->model);
	case_env_free(&gw->env);
	g_free(gw->message_id_domain);
	if (gw->lock_fd >= 0)
		close(gw->lock_fd); /* releases the flock */
	g_free(gw);
	*gwp = NULL;
}

static struct smtp *smtp_connect(struct gateway *gw, char **password_r)
{
	const struct config *c = gw->config;
	char *error = NULL;
	*password_r = NULL;
	if (*c->smtp.user != '\0' && !config_read_secret(c->smtp.password_file, password_r, &error)) {
		log_error("smtp: %s", error);
		g_free(error);
		return NULL;
	}
	struct smtp_settings set = {
		.host = c->smtp.host,
		.port = (unsigned)c->smtp.port,
		.tls = c->smtp.tls,
		.ca_file = *c->smtp.ca_file != '\0' ? c->smtp.ca_file : NULL,
		.user = c->smtp.user,
		.password = *password_r,
		.helo_domain = gw->message_id_domain,
		.timeout_secs = c->smtp.timeout,
	};
	return smtp_open(&set);
}

/* Exponential backoff: base, 2*base, 4*base ... capped at a day. */
static int64_t retry_delay(int base, int attempts)
{
	int64_t d = base;
	for (int i = 1; i < attempts && d < 86400; i++)
		d *= 2;
	return MIN(d, 86400);
}

/* A notice that will not be sent: failed, on the case's record and told to the team. */
int gateway_outbox_failed(struct gateway *gw, const struct store_outbox_item *it,
			  const char *error)
{
	const char *why = error != NULL ? error : "?";
	char *err = NULL;
	int ret = store_begin(gw->store, &err);

	/* Never silently, and all or nothing: failed, on the case's record, told to the team. */
	if (ret == 1)
		ret = store_outbox_mark_failed(gw->store, it->id, why, &err);
	if (ret == 1 && it->case_id != 0)
		ret = store_event_add(gw->store, it->case_id, "gateway", "notice_failed", why, &err);
	if (ret == 1 && it->case_id != 0)
		ret = gateway_raise_failed_notice(gw, it->case_id, it->id, it->rcpt, why);
	if (ret == 1)
		ret = store_commit(gw->store, &err);
	if (ret != 1) {
		store_rollback(gw->store);
		log_error("notice %" G_GINT64_FORMAT ": recording its failure failed (retried "
			  "later): %s", it->id, err != NULL ? err : "?");
	} else {
		log_error("notice %" G_GINT64_FORMAT " to %s failed: %s", it->id, it->rcpt, why);
	}
	g_free(err);
	return ret;
}

/* After a temporary failure: retry later. With a journal the attempt's outcome is unknown
   until the journal was checked (a lost reply may hide an acceptance), so even the last
   attempt waits for that check (poll.c) before it counts as failed. */
static void deferred(struct gateway *gw, const struct store_outbox_item *it, const char *error)
{
	int journal = *gw->config->smtp.journal != '\0';
	int64_t next = pd_now() + retry_delay(gw->config->smtp.retry_base, it->attempts + 1);

	if (!journal && it->attempts + 1 >= gw->config->smtp.max_attempts) {
		gateway_outbox_failed(gw, it, error);
		return;
	}
	if (store_outbox_mark_retry(gw->store, it->id, next, error, NULL) != 1)
		log_error("notice %" G_GINT64_FORMAT " deferred (%s) but its retry not recorded: "
			  "it stays 'sending', settled by the journal or sent again after a "
			  "restart", it->id, error);
	else
		log_warn("notice %" G_GINT64_FORMAT " deferred: %s", it->id, error);
}

/* Send one item; returns smtp_send's result, with the outcome recorded. */
static int send_item(struct gateway *gw, struct smtp *smtp, const struct store_outbox_item *it)
{
	const char *journal = gw->config->smtp.journal;
	const char *rcpts[] = { it->rcpt, *journal != '\0' ? journal : NULL, NULL };
	char *raw = NULL, *error = NULL;
	size_t len = 0;
	int ret;

	if (!store_spool_get(gw->store, it->sha256, &raw, &len, &error)) {
		gateway_outbox_failed(gw, it, error);
		ret = 0;
		goto out;
	}
	/* Nothing was tried: no attempt to count, the row stays queued. */
	if (store_outbox_mark_sending(gw->store, it->id, pd_now(), &error) != 1) {
		ret = -1;
		goto out;
	}
	pd_fault_point("sending");
	ret = smtp_send_all(smtp, it->sender, rcpts, raw, len, &error);
	pd_fault_point("after_smtp");
	if (ret == 1 && store_outbox_mark_sent(gw->store, it->id, pd_now(), NULL) != 1)
		log_error("notice %" G_GINT64_FORMAT " sent but not recorded: the journal (or a "
			  "later start) settles it", it->id);
	else if (ret == 1)
		log_info("notice %" G_GINT64_FORMAT " sent", it->id);
	else if (ret == 0)
		gateway_outbox_failed(gw, it, error);
	else
		deferred(gw, it, error);
out:
	g_free(raw);
	g_free(error);
	return ret;
}

/* Send one batch over an open connection. Returns the number sent, or -1 when the first
   send failed temporarily (the server is down: the rest would fail the same way). */
static int send_batch(struct gateway *gw, struct smtp *smtp, struct store_outbox_item *items,
		      size_t count)
{
	int sent = 0;
	for (size_t i = 0; i < count; i++) {
		int r = send_item(gw, smtp, &items[i]);
		if (r == 1)
			sent++;
		else if (r < 0 && sent == 0)
			return -1;
	}
	return sent;
}

int gateway_flush_outbox(struct gateway *gw)
{
	struct store_outbox_item *items = NULL;
	size_t count = 0;
	char *password = NULL;
	struct smtp *smtp = NULL;
	int sent = 0, r;

	/* Bounded: a database that cannot record outcomes must not make us loop forever. */
	for (int round = 0; round < 1000; round++) {
		if (store_outbox_due(gw->store, pd_now(), *gw->config->smtp.journal != '\0',
				     gw->started, PD_POLL_BATCH, &items, &count) != 1 ||
		    count == 0)
			break;
		if (smtp == NULL && (smtp = smtp_connect(gw, &password)) == NULL) {
			sent = -1;
			break;
		}
		r = send_batch(gw, smtp, items, count);
		store_outbox_items_free(&items, count);
		if (r < 0) {
			sent = sent > 0 ? sent : -1;
			break;
		}
		sent += r;
	}
	store_outbox_items_free(&items, count);
	smtp_close(&smtp);
	pd_secret_free(&password);
	return sent;
}
