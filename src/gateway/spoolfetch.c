/* gateway/spoolfetch: a message from the mailbox into the spool, chunk by chunk, so that even
   mail of PD_MAX_MESSAGE_SIZE (or more, to be quarantined) is never whole in memory. The bytes
   are untrusted and only copied: the imap module bounds what the server may send, the spool
   writer hashes them, and the size that counts is the number of bytes received, not the one
   the server announced. */
#include "gateway-private.h"

#include <string.h>

static int spool_sink(void *ctx, const char *data, size_t len, char **error_r)
{
	return store_spool_writer_append(ctx, data, len, error_r);
}

int gateway_fetch_spooled(struct gateway *gw, struct imap *imap, uint32_t uid,
			  struct gateway_fetched *f, char **error_r)
{
	struct store_spool_writer *w = NULL;
	struct imap_message m = { 0 };
	int ret = store_spool_writer_open(gw->store, &w, error_r);

	memset(f, 0, sizeof(*f));
	if (ret == 1)
		ret = imap_fetch_to_sink(imap, uid, PD_MAX_SPOOL_FILE, spool_sink, w, &m, error_r);
	if (ret != 1 || m.over_max) {
		/* Failed, or too large even to keep: nothing partial stays in the spool. */
		store_spool_writer_abort(&w);
		f->size = m.size;
		/* The server sent more than it announced: at least one byte more than kept. */
		if (m.over_max && m.fetched > 0)
			f->size = MAX(f->size, m.fetched + 1);
	} else {
		f->size = store_spool_writer_size(w);
		ret = store_spool_writer_finish(&w, 0, &f->sha256, error_r);
	}
	f->internaldate = m.internaldate;
	f->too_large = m.over_max || f->size > PD_MAX_MESSAGE_SIZE;
	return ret;
}
