/* classify/reference: finds our case reference in untrusted text (a subject, usually). */
#include "classify.h"
#include "core.h"

#include <string.h>

char *classify_find_reference(const char *text, const char *prefix)
{
	char *pattern = NULL, *found = NULL, *escaped = NULL;
	GRegex *re = NULL;
	GMatchInfo *mi = NULL;

	if (text == NULL || prefix == NULL || *prefix == '\0')
		return NULL;
	escaped = g_regex_escape_string(prefix, -1);
	/* Not preceded or followed by a letter/digit, so PD-2026-0001234 or XPD-... never match. */
	pattern = g_strdup_printf("(?<![[:alnum:]])%s-(\\d{4})-(\\d{6})(?![[:alnum:]])", escaped);
	re = g_regex_new(pattern, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
	if (re != NULL && g_regex_match(re, text, 0, &mi)) {
		char *year = g_match_info_fetch(mi, 1), *num = g_match_info_fetch(mi, 2);
		found = g_strdup_printf("%s-%s-%s", prefix, year, num);
		g_free(year);
		g_free(num);
	}
	if (mi != NULL)
		g_match_info_free(mi);
	if (re != NULL)
		g_regex_unref(re);
	g_free(pattern);
	g_free(escaped);
	return found;
}
