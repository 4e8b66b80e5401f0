/* gateway/kinds: the team's word on a case's kinds. A case opened on a guess (kinds
   uncertain: its acknowledgement promised no date) gets, when the team confirms or corrects
   its kinds, the one acknowledgement with what was asked and the date; every confirmation
   or correction is recorded for training the classifier (store_cases_labelled). */
#include "gateway-private.h"

#include <string.h>

int gateway_kinds_labelled(struct gateway *gw, struct store_case *c, const char *actor,
			   unsigned before, unsigned after, char **error_r)
{
	const char *how = before == after ? "confirmed" : "corrected";
	char *was = case_kinds_string(before), *now = case_kinds_string(after), *detail;
	int ret;

	detail = before == after ?
		 g_strdup_printf("kinds confirmed by %s: %s", actor, now) :
		 g_strdup_printf("kinds corrected by %s: %s -> %s", actor, was, now);
	ret = store_case_kinds_labelled(gw->store, c->id, how, actor, pd_now(), error_r);
	if (ret == 1)
		ret = store_event_add(gw->store, c->id, actor, before == after ?
				      "kinds_confirmed" : "kinds_corrected", detail, error_r);
	if (ret == 1) {
		/* The notices composed next see the case as it now stands. */
		store_case_set_text(&c->kinds_uncertain, NULL);
		store_case_set_text(&c->kinds_labelled, how);
	}
	g_free(was);
	g_free(now);
	g_free(detail);
	return ret;
}

void gateway_kinds_identity(struct gateway *gw, const struct store_case *c,
			    struct case_record *rec)
{
	int days = gw->config->gateway.identity_reuse_days;
	int known;

	if (rec->state != CASE_OPEN || !case_kinds_need_identity(rec->kinds) ||
	    g_date_valid(&rec->identity_on))
		return;
	/* As on receipt (intake.c): a lookup error counts as not verified (fails closed). */
	known = c->identity_attached ||
		(days > 0 && store_requester_verified(gw->store, c->requester_addr,
						      c->received - (int64_t)days * 86400) == 1);
	if (known)
		rec->identity_on = rec->received;
	else
		rec->state = CASE_AWAITING_IDENTITY;
}

int gateway_kinds_acknowledge(struct gateway *gw, const struct store_case *c,
			      const struct case_record *rec, const struct case_deadlines *d,
			      const char *in_reply_to, char **references, char **error_r)
{
	struct gateway_facts f = { .c = c, .rec = rec, .d = d };

	return gateway_case_notice(gw, &f, "acknowledgement", in_reply_to, references, error_r);
}

int gateway_kinds_confirm(struct gateway *gw, struct store_case *c, const struct gateway_act *a,
			  const struct case_record *rec, const char *in_reply_to,
			  char **references, char **reply_r, char **error_r)
{
	struct case_deadlines d;
	char *kinds = case_kinds_string(rec->kinds);
	int ret;

	memset(&d, 0, sizeof(d));
	ret = gateway_case_save(gw, c, rec, &d, error_r);
	if (ret == 1)
		ret = gateway_kinds_labelled(gw, c, a->actor, rec->kinds, rec->kinds, error_r);
	if (ret == 1)
		ret = gateway_kinds_acknowledge(gw, c, rec, &d, in_reply_to, references, error_r);
	if (ret == 1 && a->told_r != NULL)
		*a->told_r = 1;
	if (ret == 1)
		*reply_r = g_strdup_printf("%s: kinds confirmed (%s); acknowledgement %s",
					   c->reference, kinds, c->requester_addr != NULL ?
					   "queued with the date" :
					   "NOT sent: the case has no reply address");
	case_deadlines_clear(&d);
	g_free(kinds);
	return ret;
}
