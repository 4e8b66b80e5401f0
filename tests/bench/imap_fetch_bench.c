/* imap-fetch-bench: the floor any gateway pays — log in, select, fetch every message with
   the same commands pdgate uses, no processing. Prints "fetched N messages, B bytes in S s".
   Usage: imap-fetch-bench HOST PORT USER PASSWORD_FILE MAILBOX */
#include "config.h"
#include "core.h"
#include "imap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fetch_all(struct imap *imap, const char *mailbox, size_t *count_r, uint64_t *bytes_r,
		     char **error_r)
{
	uint32_t validity = 0, *uids = NULL;
	size_t count = 0;
	int ret = imap_select(imap, mailbox, &validity, error_r);
	if (ret == 1)
		ret = imap_list_uids(imap, &uids, &count, error_r);
	for (size_t i = 0; ret == 1 && i < count; i++) {
		struct imap_fetched f = { 0 };
		ret = imap_fetch(imap, uids[i], &f, error_r);
		*bytes_r += f.len;
		g_free(f.raw);
	}
	*count_r = count;
	g_free(uids);
	return ret;
}

int main(int argc, char **argv)
{
	struct imap *imap = NULL;
	char *password = NULL, *error = NULL;
	size_t count = 0;
	uint64_t bytes = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: %s HOST PORT USER PASSWORD_FILE MAILBOX\n", argv[0]);
		return 2;
	}
	if (!config_read_secret(argv[4], &password, &error))
		goto out;
	struct imap_settings set = { .host = argv[1], .port = (unsigned)atoi(argv[2]),
				     .tls = PD_TLS_NONE, .user = argv[3], .password = password,
				     .timeout_secs = 60 };
	gint64 start = g_get_monotonic_time();
	if (imap_connect(&set, &imap, &error) != 1 || fetch_all(imap, argv[5], &count, &bytes,
								 &error) != 1)
		goto out;
	double secs = (double)(g_get_monotonic_time() - start) / 1e6;
	printf("fetched %zu messages, %llu bytes in %.3f s\n", count, (unsigned long long)bytes,
	       secs);
out:
	imap_disconnect(&imap);
	pd_secret_free(&password);
	if (error != NULL)
		fprintf(stderr, "imap-fetch-bench: %s\n", error);
	int status = error != NULL ? 1 : 0;
	g_free(error);
	return status;
}
