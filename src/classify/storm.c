/* classify/storm: the storm rule as pure arithmetic on times and counts, so every edge of
   the window can be tested without a database. Inputs are numbers and an address the mime
   module validated. */
#include "storm.h"

#include <glib.h>

int storm_in_window(int64_t then, int64_t now, int64_t window)
{
	return then > now - window && then <= now;
}

size_t storm_count(const int64_t *times, size_t n, int64_t now, int64_t window)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += storm_in_window(times[i], now, window) ? 1 : 0;
	return count;
}

enum storm_verdict storm_decide(int64_t earlier, int64_t threshold, int64_t last_storm,
				int64_t now, int64_t window)
{
	if (earlier < threshold)
		return STORM_NONE;
	/* The storm goes on while its messages are less than a window apart; a later one that
	   arrived with an earlier INTERNALDATE still belongs to it. */
	if (last_storm != 0 && last_storm > now - window)
		return STORM_MORE;
	return STORM_NEW;
}

char *storm_sender_key(const char *addr)
{
	char *key;

	if (addr == NULL)
		return NULL;
	key = g_strstrip(g_ascii_strdown(addr, -1));
	if (key[0] == '\0') {
		g_free(key);
		return NULL;
	}
	return key;
}
