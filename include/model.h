/* model: the statistical half of classification (classify.h is the other). For each kind a
   logistic regression (liblinear) over hashed features of the message: the words and word
   pairs of what the sender wrote (quoted history, signatures and forwarded headers
   removed), words under a negation ("not making a request"), the subject's words, the rules
   that fired and a few facts about the mail (a reply, a forward, HTML-only, an image).

   Privacy by construction: a feature is only its FNV-1a hash, and training keeps a feature
   only when at least MODEL_MIN_CASES training messages contain it, so no requester's name or
   address can be read out of a model and purging a case needs no retraining.

   Everything here is pure except model_load and model_save (one file each). A loaded model
   is immutable: share it between threads and callers freely. */
#ifndef PDGATE_MODEL_H
#define PDGATE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "mime.h"
#include "rules.h"

#define MODEL_FORMAT 1        /* the file format this build reads and writes */
#define MODEL_HASH_BITS 20    /* features are hashed into 2^20 buckets */
#define MODEL_MIN_CASES 3     /* a feature counts only if this many training messages have it */
/* Set on a feature id that is a fact (a rule fired, the rules found a kind, the mail is a
   reply) rather than text: facts weigh 1 each, while the text's features share a length of
   MODEL_TEXT_WEIGHT between them, so that neither a long letter's many words nor a short
   one's few change how much the words count against the rules (10: by cross-validation). */
#define MODEL_FACT_BIT (1u << 31)
#define MODEL_TEXT_WEIGHT 10.0

/* One message's features: sorted, unique bucket numbers. With names (model_features_new's
   want_names), names[i] is the feature that hashed to ids[i] ("w:footage", "b:copy my",
   "n:request", "s:foi", "r:ACCESS_NAMED", "m:reply"): only for explaining one result,
   never stored. Free with model_features_free. */
struct model_features {
	uint32_t *ids;
	char **names; /* NULL unless asked for */
	size_t n;
};

/* Features of msg, with the rules' result for it (NULL: no rule features). Pure. */
struct model_features *model_features_new(const struct mime_message *msg,
					  const struct rules_result *rules, int want_names);
void model_features_free(struct model_features **f);
/* The text the features are taken from (what the sender wrote, or for a forward, the
   forwarded mail without its header lines). g_malloc'd, never NULL. Exposed for tests. */
char *model_clean_text(const struct mime_message *msg);

struct pd_model;

/* Load a model file. 1 with *m_r (free with model_free); 0 with *error_r when the file is
   missing, unreadable or not a valid model of MODEL_FORMAT. */
int model_load(const char *path, struct pd_model **m_r, char **error_r);
/* Write m to path atomically (a temporary file renamed over it, synced), mode 0644: a
   model holds no personal data. 1, or 0 with *error_r. */
int model_save(const struct pd_model *m, const char *path, char **error_r);
void model_free(struct pd_model **m);

/* Its version ("20261203T181502Z-3f9a0c12": when it was trained and its content's hash)
   and what it was trained on; borrowed. */
const char *model_version(const struct pd_model *m);
const char *model_trained_on(const struct pd_model *m);
/* How many features it keeps. */
size_t model_feature_count(const struct pd_model *m);

/* The kinds those probabilities give: the most likely one if at least MODEL_TOP_MIN
   (people write to this mailbox to ask for something: one kind at 0.3 beats "other"), and
   any other at MODEL_SECOND_MIN or more (most mail asks for one thing: a second kind must
   be clear). Both by cross-validation on the training corpus. */
#define MODEL_TOP_MIN 0.15
#define MODEL_SECOND_MIN 0.65
unsigned model_kinds(const double *prob);

/* Each kind's probability (LABEL_KIND_COUNT values, 0..1) for f. Pure. */
void model_score(const struct pd_model *m, const struct model_features *f, double *prob);

/* What weighed most for kind: up to max features of f by the absolute size of their
   contribution, largest first. Needs f's names. Returns how many were written; names
   borrowed from f. */
struct model_weight {
	const char *feature;
	double weight; /* its contribution to kind's log-odds: positive for, negative against */
};
size_t model_explain(const struct pd_model *m, const struct model_features *f,
		     enum rules_label kind, struct model_weight *out, size_t max);

/* ---- training (liblinear) ---- */

struct model_trainer;

struct model_trainer *model_trainer_new(void);
void model_trainer_free(struct model_trainer **t);
/* Add one labelled message: its features (copied) and its kinds (bit 1u << LABEL_x per
   kind; 0 is "other"). */
void model_trainer_add(struct model_trainer *t, const struct model_features *f,
		       unsigned kinds);
size_t model_trainer_count(const struct model_trainer *t);

/* Train a model on everything added. trained_on says what (for the record, one line).
   1 with *m_r, or 0 with *error_r (nothing to learn from). Deterministic: the same
   messages give the same weights. */
int model_trainer_build(const struct model_trainer *t, const char *trained_on, int64_t now,
			struct pd_model **m_r, char **error_r);

/* k-fold cross-validation of training on everything added: the share of messages whose
   predicted kinds (model_kinds) are exactly their labels, each message predicted by
   the model trained without its fold. Folds are every k-th message, so it is
   deterministic. The share is returned; 
   predicted_r, when not NULL, receives each message's predicted kinds (in the order added;
   g_malloc'd). */
double model_trainer_cross_validate(const struct model_trainer *t, int folds,
				    unsigned **predicted_r);

#endif
