/* cli/storm: pdgate storms, storm show ID, storm open ID (issue 13). Arguments are the
   operator's; what is printed comes from the store (validated when it was stored). */
#include "cli.h"
#include "core.h"
#include "gateway.h"
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static int has_json(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			return 1;
	}
	return 0;
}

/* A storm id argument: > 0, digits only. */
static int64_t storm_id(const char *arg)
{
	char *end = NULL;
	int64_t id = arg != NULL ? g_ascii_strtoll(arg, &end, 10) : 0;
	return id > 0 && end != NULL && *end == '\0' ? id : 0;
}

/* storms / storm show ID: read-only, from the store. */
static int show(const struct config *config, const char *id, int json)
{
	struct store *store = NULL;
	char *error = NULL;
	int ok = store_open(config->store.database, config->store.spool, &store, &error) &&
		 report_storms(store, id, json, stdout, &error);

	if (!ok)
		fprintf(stderr, "pdgate storms: %s\n", error != NULL ? error : "?");
	store_close(&store);
	g_free(error);
	return ok ? EX_OK : EX_DATAERR;
}

static int open_storm(const struct config *config, int64_t id)
{
	struct gateway *gw = NULL;
	char *error = NULL;
	int64_t opened = 0;
	int ret = gateway_init(config, 0, &gw, &error), status;

	if (ret == 1)
		ret = gateway_storm_open(gw, id, &opened, &error);
	if (ret == 1)
		printf("storm %" G_GINT64_FORMAT ": %" G_GINT64_FORMAT " case(s) opened; the poller "
		       "sends their notices on its next pass\n", id, opened);
	else
		fprintf(stderr, "pdgate storm open: %s\n", error != NULL ? error : "?");
	status = ret == 1 ? EX_OK : ret < 0 ? EX_TEMPFAIL : EX_DATAERR;
	gateway_deinit(&gw);
	g_free(error);
	return status;
}

int cli_storm(const struct config *config, int argc, char **argv)
{
	int json = has_json(argc, argv);

	if (strcmp(argv[0], "storms") == 0)
		return show(config, NULL, json);
	if (argc >= 3 && strcmp(argv[1], "show") == 0 && storm_id(argv[2]) > 0)
		return show(config, argv[2], json);
	if (argc == 3 && strcmp(argv[1], "open") == 0 && storm_id(argv[2]) > 0)
		return open_storm(config, storm_id(argv[2]));
	fprintf(stderr, "usage: pdgate storms [--json] | storm show ID [--json] | storm open ID\n");
	return EX_USAGE;
}
