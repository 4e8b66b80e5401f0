/* cli/digest: `pdgate digest [--print] [--html FILE] [--send]` and `pdgate report --from DATE
   --to DATE [--csv|--json] [--png FILE] [--send]`: the team's digest and the statutory report
   on demand. Arguments are the operator's, still parsed strictly. Files are written 0600:
   they hold requesters' addresses. */
#include "cli.h"
#include "clock.h"
#include "core.h"
#include "gateway.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static int has(int argc, char **argv, const char *flag)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], flag) == 0)
			return 1;
	}
	return 0;
}

/* The value after `option`, or NULL. */
static const char *value_of(int argc, char **argv, const char *option)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], option) == 0)
			return argv[i + 1];
	}
	return NULL;
}

/* Only the options a command knows, each value where one is needed. */
static int args_ok(int argc, char **argv, const char *const *flags, const char *const *valued)
{
	for (int i = 1; i < argc; i++) {
		if (g_strv_contains(flags, argv[i]))
			continue;
		if (!g_strv_contains(valued, argv[i]) || ++i >= argc)
			return 0;
	}
	return 1;
}

static int write_private(const char *path, const char *data, size_t len)
{
	char *error = NULL;

	if (pd_write_file_atomic(path, data, len, 1, &error))
		return 1;
	fprintf(stderr, "pdgate: %s\n", error);
	g_free(error);
	return 0;
}

static int digest_run(struct gateway *gw, int argc, char **argv)
{
	const char *html_file = value_of(argc, argv, "--html");
	char *text = NULL, *html = NULL, *error = NULL;
	int status = EX_OK;

	if (has(argc, argv, "--send") && gateway_digest_send(gw, &error) != 1) {
		status = EX_TEMPFAIL;
	} else if (has(argc, argv, "--send")) {
		printf("digest queued for the team ([team] notify); it goes with the outbox\n");
		gateway_flush_outbox(gw);
	}
	if (status == EX_OK && (html_file != NULL || has(argc, argv, "--print") ||
				!has(argc, argv, "--send"))) {
		if (gateway_digest_render(gw, &text, &html, &error) != 1)
			status = EX_SOFTWARE;
		else if (html_file != NULL && !write_private(html_file, html, strlen(html)))
			status = EX_CANTCREAT;
		else if (html_file == NULL || has(argc, argv, "--print"))
			fputs(text, stdout);
	}
	if (error != NULL)
		fprintf(stderr, "pdgate digest: %s\n", error);
	g_free(text);
	g_free(html);
	g_free(error);
	return status;
}

int cli_digest(const struct config *config, int argc, char **argv)
{
	static const char *const flags[] = { "--print", "--send", NULL };
	static const char *const valued[] = { "--html", NULL };
	struct gateway *gw = NULL;
	char *error = NULL;
	int status;

	if (!args_ok(argc, argv, flags, valued)) {
		fprintf(stderr, "usage: pdgate digest [--print] [--html FILE] [--send]\n");
		return EX_USAGE;
	}
	if (gateway_init(config, 0, &gw, &error) != 1) {
		fprintf(stderr, "pdgate: %s\n", error);
		g_free(error);
		return EX_CONFIG;
	}
	status = digest_run(gw, argc, argv);
	gateway_deinit(&gw);
	return status;
}

static int report_run(struct gateway *gw, int argc, char **argv, const GDate *from,
		      const GDate *to)
{
	enum gateway_report_format format = has(argc, argv, "--csv") ? GATEWAY_REPORT_CSV :
					     has(argc, argv, "--json") ? GATEWAY_REPORT_JSON :
					     GATEWAY_REPORT_TEXT;
	const char *png_file = value_of(argc, argv, "--png");
	char *out = NULL, *png = NULL, *error = NULL;
	size_t png_len = 0;
	int status = EX_OK;

	if (gateway_report_render(gw, from, to, format, &out, png_file != NULL ? &png : NULL,
				  &png_len, &error) != 1)
		status = EX_DATAERR;
	else if (png_file != NULL && !write_private(png_file, png, png_len))
		status = EX_CANTCREAT;
	else
		fputs(out, stdout);
	if (status == EX_OK && has(argc, argv, "--send")) {
		if (gateway_report_send(gw, from, to, &error) != 1)
			status = EX_TEMPFAIL;
		else
			gateway_flush_outbox(gw);
	}
	if (error != NULL)
		fprintf(stderr, "pdgate report: %s\n", error);
	g_free(out);
	g_free(png);
	g_free(error);
	return status;
}

int cli_report(const struct config *config, int argc, char **argv)
{
	static const char *const flags[] = { "--csv", "--json", "--send", NULL };
	static const char *const valued[] = { "--from", "--to", "--png", NULL };
	const char *from_s = value_of(argc, argv, "--from"), *to_s = value_of(argc, argv, "--to");
	struct gateway *gw = NULL;
	char *error = NULL;
	GDate from, to;
	int status;

	if (!args_ok(argc, argv, flags, valued) || from_s == NULL || to_s == NULL ||
	    !clock_date_parse(from_s, &from) || !clock_date_parse(to_s, &to) ||
	    (has(argc, argv, "--csv") && has(argc, argv, "--json"))) {
		fprintf(stderr, "usage: pdgate report --from YYYY-MM-DD --to YYYY-MM-DD "
			"[--csv|--json] [--png FILE] [--send]\n");
		return EX_USAGE;
	}
	if (gateway_init(config, 0, &gw, &error) != 1) {
		fprintf(stderr, "pdgate: %s\n", error);
		g_free(error);
		return EX_CONFIG;
	}
	status = report_run(gw, argc, argv, &from, &to);
	gateway_deinit(&gw);
	return status;
}
