/* cli/templates: `pdgate templates check` and `pdgate templates render NAME [--case REF]
   [--regime R] [--child]`, for an admin editing the notices. */
#include "cli.h"
#include "clock.h"
#include "core.h"
#include "gateway.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static int templates_check(const struct config *config)
{
	struct gateway *gw = NULL;
	char *error = NULL;
	int ok = gateway_init(config, GATEWAY_FLAG_NO_STORE, &gw, &error) == 1;

	if (ok) {
		char **names = gateway_template_names(gw);
		char *list = g_strjoinv(", ", names);
		printf("%s: %u templates valid: %s\n", config->gateway.templates,
		       g_strv_length(names), list);
		g_free(list);
		g_strfreev(names);
	} else {
		fprintf(stderr, "%s\n", error);
	}
	g_free(error);
	gateway_deinit(&gw);
	return ok ? EX_OK : EX_CONFIG;
}

static int parse_render(int argc, char **argv, struct gateway_preview *p)
{
	enum clock_regime regime = CLOCK_REGIME_LAW_ENFORCEMENT;

	memset(p, 0, sizeof(*p));
	if (argc < 3)
		return 0;
	p->name = argv[2];
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--child") == 0)
			p->child = 1;
		else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc)
			p->reference = argv[++i];
		else if (strcmp(argv[i], "--regime") == 0 && i + 1 < argc &&
			 clock_regime_parse(argv[++i], &regime) && regime != CLOCK_REGIME_ANY)
			continue;
		else
			return 0;
	}
	p->regime = regime;
	return 1;
}

static int from_database(const char *name)
{
	return strcmp(name, "team_digest") == 0 || strcmp(name, "team_report") == 0;
}

static int templates_render(const struct config *config, int argc, char **argv)
{
	struct gateway_preview p;
	struct gateway *gw = NULL;
	char *error = NULL, *raw = NULL;
	size_t len = 0;
	int status = EX_OK;

	if (!parse_render(argc, argv, &p)) {
		fprintf(stderr, "usage: pdgate templates render NAME [--case REF] "
			"[--regime law_enforcement|general|unknown] [--child]\n");
		return EX_USAGE;
	}
	/* A sample needs no database: do not create one just to preview. The digest and the
	   report are rendered from the database as they would be sent. */
	if (gateway_init(config, p.reference != NULL || from_database(p.name) ? 0 :
			 GATEWAY_FLAG_NO_STORE, &gw, &error) != 1)
		status = EX_CONFIG;
	else if (gateway_render_notice(gw, &p, &raw, &len, &error) != 1)
		status = EX_DATAERR;
	else
		fwrite(raw, 1, len, stdout);
	if (error != NULL)
		fprintf(stderr, "pdgate templates render: %s\n", error);
	g_free(error);
	g_free(raw);
	gateway_deinit(&gw);
	return status;
}

int cli_templates(const struct config *config, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return templates_check(config);
	if (argc >= 2 && strcmp(argv[1], "render") == 0)
		return templates_render(config, argc, argv);
	fprintf(stderr, "usage: pdgate templates check | pdgate templates render NAME ...\n");
	return EX_USAGE;
}
