/* core/fault: named fault points for the crash tests (tests/integration/test_faults.py).
   TEST-ONLY. PDGATE_FAULT_POINT=name[:N] makes the process SIGKILL itself the Nth time (default
   the first) the point `name` is reached, so a test can stop pdgate at an exact step of a pass
   and check that the restart repeats it safely. The variable is read once; unset, every call
   costs one predictable branch. SIGKILL, not abort() or exit(): nothing may be flushed,
   unwound or cleaned up, exactly as when the machine loses power or the OOM killer strikes. */
#include "core.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FAULT_UNREAD = 0, FAULT_OFF, FAULT_ARMED };

static int fault_state = FAULT_UNREAD;
static char fault_name[64];
static unsigned long fault_left;

/* Parse "name" or "name:N" (N >= 1); anything else leaves the facility off. */
static void fault_read_env(void)
{
	const char *v = getenv("PDGATE_FAULT_POINT");
	const char *colon = v != NULL ? strchr(v, ':') : NULL;
	size_t len = v == NULL ? 0 : colon != NULL ? (size_t)(colon - v) : strlen(v);
	char *end = NULL;

	fault_state = FAULT_OFF;
	if (len == 0 || len >= sizeof(fault_name))
		return;
	fault_left = colon != NULL ? strtoul(colon + 1, &end, 10) : 1;
	if (fault_left == 0 || (colon != NULL && (end == colon + 1 || *end != '\0')))
		return;
	memcpy(fault_name, v, len);
	fault_name[len] = '\0';
	fault_state = FAULT_ARMED;
	log_warn("test fault point armed: SIGKILL at %s (hit %lu)", fault_name, fault_left);
}

void pd_fault_point(const char *name)
{
	if (G_LIKELY(fault_state == FAULT_OFF))
		return;
	if (fault_state == FAULT_UNREAD) {
		fault_read_env();
		if (fault_state != FAULT_ARMED)
			return;
	}
	if (strcmp(name, fault_name) != 0 || --fault_left > 0)
		return;
	/* The test reads this line to know which step the kill hit. */
	log_warn("test fault point %s reached: SIGKILL", name);
	kill(getpid(), SIGKILL);
	_exit(137); /* not reached */
}
