/* gateway/fees: a fee not paid within three months of its notice ends the request (FOIA
   s9(2); the force applies the same period to the other rights): the poller closes such
   cases once a day with the fee_unpaid notice, as the team's action would. */
#include "gateway-private.h"

#include <string.h>

static int collect_waiting(void *ctx, const struct store_case *c)
{
	if (c->state != NULL && strcmp(c->state, "awaiting_fee") == 0)
		g_ptr_array_add(ctx, g_strdup(c->reference));
	return 1;
}

/* Close one case whose fee lapsed; a case not yet due is refused by the lifecycle and left
   alone. */
static void close_unpaid(struct gateway *gw, const char *reference)
{
	struct case_command cmd = { .action = CASE_FEE_UNPAID };
	char *reply = NULL, *error = NULL;

	g_date_clear(&cmd.on, 1);
	if (gateway_case_action(gw, reference, &cmd, "gateway", NULL, 0, &reply, &error) == 1)
		log_info("%s: the fee was not paid within three months: closed", reference);
	else if (error != NULL && strstr(error, "may still be paid") == NULL)
		log_warn("%s: fee not closed: %s", reference, error);
	g_free(reply);
	g_free(error);
}

void gateway_fees_due(struct gateway *gw)
{
	GPtrArray *refs;
	char today[11], *error = NULL;

	clock_date_iso(&gateway_env(gw)->today, today);
	if (strcmp(gw->fees_checked, today) == 0)
		return;
	refs = g_ptr_array_new_with_free_func(g_free);
	if (store_case_each(gw->store, collect_waiting, refs, &error) == 1) {
		for (guint i = 0; i < refs->len; i++)
			close_unpaid(gw, g_ptr_array_index(refs, i));
		g_strlcpy(gw->fees_checked, today, sizeof(gw->fees_checked));
	} else {
		log_warn("fees: cases not read (tried again on the next pass): %s", error);
	}
	g_ptr_array_free(refs, TRUE);
	g_free(error);
}
