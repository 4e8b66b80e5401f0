/* cli: subcommands that are more than a report: classify files, check rules. */
#ifndef PDGATE_CLI_H
#define PDGATE_CLI_H

#include "config.h"

/* pdgate classify [--json] FILE...: classify each file with the configured rules and print
   the result (JSON: one object per file, in an array). Returns an exit status. */
int cli_classify(const struct config *config, int argc, char **argv);

/* pdgate rules check: load every rule file, print the errors (file:line) or a summary.
   Returns an exit status (0 valid, 78 invalid). */
int cli_rules_check(const struct config *config);

/* pdgate deadline --kind K --regime R --received DATE [--valid-from DATE]
   [--stopped FROM:TO ...] [--extended] [--extension-asked DATE] [--json]: the statutory
   deadline by the configured table. Returns an exit status (64 bad arguments). */
int cli_deadline(const struct config *config, int argc, char **argv);

/* pdgate cases [--json] [--overdue] [--due-within N]: every case with its state and next
   deadline, most urgent first. Returns an exit status. */
int cli_cases(const struct config *config, int argc, char **argv);

/* pdgate case show REF [--json] | pdgate case REF ACTION [ARGS]: one case with every
   deadline, or a team action (lifecycle.h). Exit status: 0 done, 65 refused or unknown case,
   64 usage, 75 database busy, 78 configuration invalid. */
int cli_case(const struct config *config, int argc, char **argv);

/* pdgate templates check | templates render NAME [--case REF] [--regime R] [--child]:
   validate every notice template (file:line errors, exit 78) or print the exact message a
   notice would be, for a real case or a sample one. */
int cli_templates(const struct config *config, int argc, char **argv);

/* pdgate digest [--print] [--html FILE] [--send]: the team's digest as it would be now
   (text to stdout, a standalone HTML page to FILE) or queued to [team] notify (extra: the
   scheduled one still goes). pdgate report --from DATE --to DATE [--csv|--json] [--png FILE]
   [--send]: the statutory report. Exit statuses: 0, 64 usage, 65 bad dates, 75, 78. */
int cli_digest(const struct config *config, int argc, char **argv);
int cli_report(const struct config *config, int argc, char **argv);

/* pdgate outbox retry ID: queue a failed notice again (recorded on its case). */
int cli_outbox_retry(const struct config *config, int argc, char **argv);

/* pdgate quarantine [--json] | pdgate quarantine retry ID: the quarantined mail, and one of
   them processed again from its spool copy (quarantine.h, gateway_quarantine_retry). */
int cli_quarantine(const struct config *config, int argc, char **argv);

/* pdgate storms [--json] | storm show ID [--json] | storm open ID: the mail storms held
   without cases, one storm's messages, or a case for each of its held messages. Exit status:
   0, 64 usage, 65 no such storm, 75 database busy, 78 configuration invalid. */
int cli_storm(const struct config *config, int argc, char **argv);

/* pdgate train [--evaluate] [--shipped] [--output FILE] | pdgate train --rollback: learn a
   model from [gateway] corpus (folders with a labels.tsv, sealed ones skipped) and the
   cases the team confirmed or corrected, write it to [store] model (or FILE) keeping the
   previous one, and record which cases trained it; --evaluate prints the cross-validated
   accuracy instead; --shipped uses the corpus only (the build's shipped model); --rollback
   restores the previous model. Exit status: 0, 64 usage, 65 failed. */
int cli_train(const struct config *config, int argc, char **argv);

#endif
