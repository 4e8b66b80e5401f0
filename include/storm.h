/* storm: pure decisions about one sender's rate (no I/O). A storm is more than `threshold`
   new messages from one sender within `window` seconds, counted by INTERNALDATE: the
   messages past the threshold are held (stored, no case, no reply) in one storm record,
   which grows while they keep coming and ends once a window passes without one. */
#ifndef PDGATE_STORM_H
#define PDGATE_STORM_H

#include <stddef.h>
#include <stdint.h>

/* The window that ends at `now` holds `then` when now - window < then <= now: a message
   exactly `window` seconds older has left it; a later one (mail delivered out of order)
   is not counted against an earlier one. */
int storm_in_window(int64_t then, int64_t now, int64_t window);

/* How many of times[0..n) lie in the window ending at now (for tests and callers that keep
   the times themselves; the store counts with the same bounds). */
size_t storm_count(const int64_t *times, size_t n, int64_t now, int64_t window);

enum storm_verdict {
	STORM_NONE = 0,  /* below the threshold: an ordinary message */
	STORM_NEW,       /* the first past it: a new storm record, the team told once */
	STORM_MORE,      /* held in the sender's current storm record: nobody told again */
};

/* Verdict for a message received at `now` when `earlier` messages of its sender are in the
   window ending at now (this one not counted) and the sender's latest storm last held a
   message at `last_storm` (0: never). threshold >= 1, window >= 1. */
enum storm_verdict storm_decide(int64_t earlier, int64_t threshold, int64_t last_storm,
				int64_t now, int64_t window);

/* The sender key a rate is counted under: the address lower-cased (ASCII; the domain is
   case-insensitive and every mail system we meet treats the local part so too), surrounding
   white space removed. g_malloc'd; NULL for NULL or an empty address. */
char *storm_sender_key(const char *addr);

#endif
