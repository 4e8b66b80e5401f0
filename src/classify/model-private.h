/* Between the model's files (model.c, train.c): not for other modules. */
#ifndef PDGATE_MODEL_PRIVATE_H
#define PDGATE_MODEL_PRIVATE_H

#include "model.h"

/* A model from what train.c learnt: n features (ids sorted), w n rows of LABEL_KIND_COUNT
   weights, bias LABEL_KIND_COUNT values. Takes ownership of ids and w; copies the rest;
   the version is made from now and the weights. */
struct pd_model *model_new_internal(const char *trained_on, size_t n, uint32_t *ids, float *w,
				 const double *bias, int64_t now);

#endif
