/* pdgate: command-line entry point. Parses arguments, loads the config, dispatches. */
#include "cli.h"
#include "config.h"
#include "core.h"
#include "digest.h"
#include "gateway.h"
#include "imap.h"
#include "mime.h"
#include "report.h"
#include "store.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define DEFAULT_CONFIG "/etc/pdgate/pdgate.conf"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		reload_requested = 1;
		return;
	}
	stop_requested = 1;
	/* A stalled server must not hold a stop for the IMAP timeout (see imap.c). */
	imap_abort_from_signal();
}

static void usage(FILE *out)
{
	fputs("usage: pdgate [-c CONFIG] [-v] COMMAND [ARGS]\n"
	      "commands:\n"
	      "  poll [--once]          fetch and process mail (keep running without --once)\n"
	      "  cases [--json] [--overdue] [--due-within DAYS]\n"
	      "                         cases with state and next deadline, most urgent first\n"
	      "  case show REF [--json] one case: deadlines, messages, events, outbox\n"
	      "  case REF ACTION [ARGS] a team action: verify-identity, request-identity,\n"
	      "                         clarify, clarified, set-regime, set-kinds,\n"
	      "                         set-complaint-type, extend, restrict, refuse,\n"
	      "                         no-action, respond, withdraw, close, redirect,\n"
	      "                         lift-restriction, note\n"
	      "  messages [--json]      list stored messages\n"
	      "  outbox [--json]        list outgoing notices (queued, sent, failed)\n"
	      "  outbox retry ID        queue a failed notice again\n"
	      "  quarantine [--json]    list quarantined mail (why, where it was moved)\n"
	      "  quarantine retry ID    process a quarantined message again from its spool copy\n"
	      "  storms [--json]        mail storms: messages held without a case\n"
	      "  storm show ID | storm open ID   a storm's messages; a case for each\n"
	      "  classify [--json] FILE...  classify messages with the rules (no database)\n"
	      "  train [--evaluate] [--shipped] [--output FILE]\n"
	      "                         learn a model from the corpus and the team's corrections\n"
	      "  train --rollback       restore the previous model\n"
	      "  rules check            validate the rule files\n"
	      "  templates check        validate the notice templates\n"
	      "  templates render NAME [--case REF] [--regime R] [--child]\n"
	      "                         the exact message a notice would be\n"
	      "  deadline --kind K [--complaint-type T] --regime R --received DATE\n"
	      "           [--valid-from DATE] [--stopped FROM:TO ...] [--extended] [--json]\n"
	      "                         a statutory deadline\n"
	      "  digest [--print] [--html FILE] [--send]   the team's digest now\n"
	      "  report --from DATE --to DATE [--csv|--json] [--png FILE] [--send]\n"
	      "                         the statutory report (figures by right and regime)\n"
	      "  check-config           validate the configuration, templates and rules\n",
	      out);
}

static int has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], flag) == 0)
			return 1;
	}
	return 0;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* Restart reads and writes: a signal must not look like a broken connection. poll()
	   in IDLE still returns early, which is what makes stop and reload prompt. SA_RESTART
	   does not reach libetpan's waits (poll()/select() are never restarted): a SIGHUP during
	   an IMAP read fails that read and the session reconnects. A stop does not rely on EINTR
	   at all: the handler shuts the IMAP socket down (imap_abort_from_signal). */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Exit codes follow sysexits.h so systemd and monitoring can tell failures apart:
   75 another poller runs, 77 login/certificate refused, 69 server unreachable, 78 bad config. */
static int cmd_poll(const struct config *config, int argc, char **argv)
{
	struct gateway *gw = NULL;
	char *error = NULL;
	int status = EX_OK;

	/* Before anything slow (compiling the rules' Hyperscan databases, loading the model):
	   a stop while starting is a stop, never a kill by the default action. */
	install_signals();
	int ret = gateway_init(config, GATEWAY_FLAG_POLLER, &gw, &error);
	if (ret != 1) {
		status = ret < 0 ? EX_TEMPFAIL : EX_CONFIG;
		goto out;
	}
	if (stop_requested)
		goto out;
	if (*config->smtp.journal == '\0')
		log_warn("no [smtp] journal address: a crash between the SMTP server's acceptance "
			 "and its record can send that one notice twice");
	/* A case whose deadlines cannot be recomputed must not stop the mail. */
	if (gateway_recompute_deadlines(gw, &error) != 1) {
		log_error("deadlines not recomputed: %s", error);
		g_free(error);
		error = NULL;
	}
	if (has_flag(argc, argv, "--once")) {
		ret = gateway_poll_once(gw, &error);
		status = ret == 1 ? EX_OK : ret == 0 ? EX_NOPERM : EX_UNAVAILABLE;
	} else {
		status = gateway_run(gw, &stop_requested, &reload_requested);
	}
out:
	if (error != NULL)
		log_error("%s", error);
	g_free(error);
	gateway_deinit(&gw);
	return status;
}

/* Read-only commands open the store directly. */
static int cmd_report(const struct config *config, const char *cmd, int argc, char **argv)
{
	struct store *store = NULL;
	char *error = NULL;
	int json = has_flag(argc, argv, "--json"), ret = 0;

	if (!store_open(config->store.database, config->store.spool, &store, &error))
		goto out;
	if (strcmp(cmd, "messages") == 0) {
		ret = report_messages(store, json, stdout, &error);
	} else if (strcmp(cmd, "outbox") == 0) {
		ret = report_outbox(store, json, stdout, &error);
	} else {
		usage(stderr);
		ret = 0;
	}
out:
	if (error != NULL)
		log_error("%s", error);
	g_free(error);
	store_close(&store);
	return ret == 1 ? EX_OK : EX_DATAERR;
}

static int cmd_check_config(const struct config *config)
{
	struct gateway *gw = NULL;
	char *error = NULL;
	int ok = gateway_init(config, 0, &gw, &error) == 1;
	if (ok)
		printf("%s: configuration, templates, rules and deadline table are valid\n",
		       config->path);
	else
		log_error("%s", error);
	g_free(error);
	gateway_deinit(&gw);
	return ok ? EX_OK : EX_CONFIG;
}

static int dispatch(const struct config *config, int argc, char **argv)
{
	const char *cmd = argv[0];
	if (strcmp(cmd, "poll") == 0)
		return cmd_poll(config, argc, argv);
	if (strcmp(cmd, "cases") == 0)
		return cli_cases(config, argc, argv);
	if (strcmp(cmd, "case") == 0)
		return cli_case(config, argc, argv);
	if (strcmp(cmd, "outbox") == 0 && argc >= 2 && strcmp(argv[1], "retry") == 0)
		return cli_outbox_retry(config, argc, argv);
	if (strcmp(cmd, "storms") == 0 || strcmp(cmd, "storm") == 0)
		return cli_storm(config, argc, argv);
	if (strcmp(cmd, "messages") == 0 || strcmp(cmd, "outbox") == 0)
		return cmd_report(config, cmd, argc, argv);
	if (strcmp(cmd, "quarantine") == 0)
		return cli_quarantine(config, argc, argv);
	if (strcmp(cmd, "check-config") == 0)
		return cmd_check_config(config);
	if (strcmp(cmd, "deadline") == 0)
		return cli_deadline(config, argc, argv);
	if (strcmp(cmd, "digest") == 0)
		return cli_digest(config, argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cli_report(config, argc, argv);
	if (strcmp(cmd, "classify") == 0)
		return cli_classify(config, argc, argv);
	if (strcmp(cmd, "train") == 0)
		return cli_train(config, argc, argv);
	if (strcmp(cmd, "templates") == 0)
		return cli_templates(config, argc, argv);
	if (strcmp(cmd, "rules") == 0 && argc >= 2 && strcmp(argv[1], "check") == 0)
		return cli_rules_check(config);
	usage(stderr);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	struct config *config = NULL;
	char *error = NULL;
	int i = 1, status;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config_path = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0) {
			log_set_level(LOG_LEVEL_DEBUG);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EX_OK;
		} else {
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (!config_load(config_path, &config, &error)) {
		log_error("%s", error);
		g_free(error);
		return EX_CONFIG;
	}
	enum log_level level;
	if (log_level_parse(config->gateway.log_level, &level) && !has_flag(argc, argv, "-v"))
		log_set_level(level);
	for (char **w = config->warnings; w != NULL && *w != NULL; w++)
		log_warn("%s: %s", config_path, *w);
	mime_init();
	status = dispatch(config, argc - i, argv + i);
	digest_chart_deinit();
	mime_deinit();
	config_free(&config);
	return status;
}
