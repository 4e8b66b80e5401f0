/* lifecycle internals, shared by the module's own files only. */
#ifndef PDGATE_LIFECYCLE_PRIVATE_H
#define PDGATE_LIFECYCLE_PRIVATE_H

#include "core.h"
#include "lifecycle.h"
#include "pd-limits.h"


#endif
