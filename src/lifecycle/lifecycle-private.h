/* lifecycle internals, shared by the module's own files only. */
#ifndef PDGATE_LIFECYCLE_PRIVATE_H
#define PDGATE_LIFECYCLE_PRIVATE_H

#include "core.h"
#include "lifecycle.h"
#include "pd-limits.h"

/* decisions.c: the checks, notices, outcomes and record of the decisions (refusals, NCND,
   fees, a partial answer) beyond what apply.c's table says. */
int lifecycle_check_decision(const struct case_env *env, const struct case_record *rec,
			     const struct case_command *cmd, const GDate *day, char **error_r);
/* The notice the action sends: the table's, or another for a variant (NULL: none). */
const char *lifecycle_decision_notice(const struct case_command *cmd, const char *table_notice);
/* The outcome a decision records, or NULL. Static. */
const char *lifecycle_decision_outcome(const struct case_command *cmd);
/* A second event the decision records (a partial restriction). */
void lifecycle_decision_extra(const struct case_command *cmd, struct case_change *ch);
/* Its words in the event's detail: "exceptions ...; public interest: ...; ". */
void lifecycle_decision_describe(const struct case_command *cmd, GString *s);

#endif
