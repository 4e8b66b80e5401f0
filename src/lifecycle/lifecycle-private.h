/* lifecycle internals, shared by the module's own files only. */
#ifndef PDGATE_LIFECYCLE_PRIVATE_H
#define PDGATE_LIFECYCLE_PRIVATE_H

#include "core.h"
#include "lifecycle.h"
#include "pd-limits.h"

/* The open stop of rec (the last, with no end), or NULL. */
struct clock_stop *case_open_stop(const struct case_record *rec);

#endif
