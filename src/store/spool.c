/* store/spool: writing a message into the content-addressed spool as its bytes arrive, and
   hashing a spool file without reading it into memory. A message of PD_MAX_MESSAGE_SIZE must
   never be held whole in memory: it goes to a temporary file in spool/tmp (0600), is hashed on
   the way (SHA-256), and is renamed to spool/ab/<sha256> only once complete, so a spool key
   never names a partial file. The bytes are untrusted and only ever copied, never interpreted.

   A temporary file is flock()ed by its writer for its whole life: store_open removes the ones
   no process holds (left by a crash), and never one being written by another process (the CLI
   opens the store while the poller writes). */
#include "store-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read size when hashing a spool file: few system calls, little memory. */
#define SPOOL_READ_CHUNK (256u * 1024u)

struct store_spool_writer {
	struct store *store;
	char *tmp_path;
	int fd;
	GChecksum *sha;
	uint64_t size;
};

static char *spool_tmp_dir(struct store *s)
{
	return g_build_filename(s->spool, "tmp", NULL);
}

char *store_spool_path(struct store *store, const char *sha256)
{
	if (sha256 == NULL || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
		return NULL;
	return store_spool_file(store, sha256);
}

/* Remove the temporary files of writers that died (no lock held on them). */
void store_spool_clean_tmp(struct store *store)
{
	char *dir_path = spool_tmp_dir(store);
	DIR *dir = opendir(dir_path);
	struct dirent *e;

	while (dir != NULL && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *path = g_build_filename(dir_path, e->d_name, NULL);
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(path) == 0)
			log_info("spool: removed %s, left by an interrupted write", path);
		if (fd >= 0)
			close(fd);
		g_free(path);
	}
	if (dir != NULL)
		closedir(dir);
	g_free(dir_path);
}

int store_spool_writer_open(struct store *store, struct store_spool_writer **w_r,
			    char **error_r)
{
	struct store_spool_writer *w = g_new0(struct store_spool_writer, 1);
	char *dir = spool_tmp_dir(store);
	int ret = -1;

	*w_r = NULL;
	w->fd = -1;
	w->store = store;
	w->tmp_path = g_build_filename(dir, "msg.XXXXXX", NULL);
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		error_set(error_r, -1, "mkdir %s: %s", dir, g_strerror(errno));
		goto out;
	}
	/* mkstemp creates the file 0600. A cleaner racing between mkstemp and flock may unlink
	   it: finish then fails to rename and the message is fetched again later. */
	w->fd = g_mkstemp_full(w->tmp_path, O_RDWR | O_CLOEXEC, 0600);
	if (w->fd < 0 || flock(w->fd, LOCK_EX) < 0) {
		error_set(error_r, -1, "create %s: %s", w->tmp_path, g_strerror(errno));
		goto out;
	}
	w->sha = g_checksum_new(G_CHECKSUM_SHA256);
	*w_r = w;
	w = NULL;
	ret = 1;
out:
	store_spool_writer_abort(&w);
	g_free(dir);
	return ret;
}

int store_spool_writer_append(struct store_spool_writer *w, const void *data, size_t len,
			      char **error_r)
{
	const char *p = data;
	size_t left = len;

	while (left > 0) {
		ssize_t n = write(w->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(error_r, -1, "write %s: %s", w->tmp_path,
					 g_strerror(errno));
		p += n;
		left -= (size_t)n;
	}
	g_checksum_update(w->sha, data, len);
	w->size += len;
	return 1;
}

uint64_t store_spool_writer_size(const struct store_spool_writer *w)
{
	return w->size;
}

/* Rename the complete temporary file to its spool key. An existing file of that name is
   replaced: it should hold the same bytes, and if it was damaged (a crash before the batch
   was synced), this is what repairs it. */
static int writer_publish(struct store_spool_writer *w, int sync, const char *sha,
			  char **error_r)
{
	char *path = store_spool_file(w->store, sha);
	char *dir = g_path_get_dirname(path);
	int ret = -1;

	if (sync && fsync(w->fd) < 0)
		error_set(error_r, -1, "fsync %s: %s", w->tmp_path, g_strerror(errno));
	else if (g_mkdir_with_parents(dir, 0700) < 0)
		error_set(error_r, -1, "mkdir %s: %s", dir, g_strerror(errno));
	else if (rename(w->tmp_path, path) < 0)
		error_set(error_r, -1, "rename %s: %s", path, g_strerror(errno));
	else
		ret = 1;
	g_free(dir);
	g_free(path);
	return ret;
}

int store_spool_writer_finish(struct store_spool_writer **wp, int sync, char **sha256_r,
			      char **error_r)
{
	struct store_spool_writer *w = *wp;
	char *sha = g_strdup(g_checksum_get_string(w->sha));
	int ret = writer_publish(w, sync, sha, error_r);

	if (ret == 1) {
		*sha256_r = sha;
		sha = NULL;
		/* Renamed: nothing left for abort to remove. */
		g_clear_pointer(&w->tmp_path, g_free);
	}
	store_spool_writer_abort(wp);
	g_free(sha);
	return ret;
}

void store_spool_writer_abort(struct store_spool_writer **wp)
{
	struct store_spool_writer *w = wp == NULL ? NULL : *wp;

	if (w == NULL)
		return;
	*wp = NULL;
	if (w->tmp_path != NULL && w->fd >= 0)
		unlink(w->tmp_path);
	if (w->fd >= 0)
		close(w->fd);
	if (w->sha != NULL)
		g_checksum_free(w->sha);
	g_free(w->tmp_path);
	g_free(w);
}

/* SHA-256 of the file at path, read in chunks, and its size. 1, or 0 (unreadable, or longer
   than max). */
static int hash_file(const char *path, size_t max, char **sha256_r, uint64_t *size_r,
		     char **error_r)
{
	GChecksum *sha = g_checksum_new(G_CHECKSUM_SHA256);
	char *buf = g_malloc(SPOOL_READ_CHUNK);
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	uint64_t size = 0;
	ssize_t n;

	if (fd < 0) {
		error_set(error_r, 0, "open %s: %s", path, g_strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf, SPOOL_READ_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (size += (uint64_t)n) > max) {
			error_set(error_r, 0, "read %s: %s", path,
				  n < 0 ? g_strerror(errno) : "larger than a spool file can be");
			goto out;
		}
		g_checksum_update(sha, (const guchar *)buf, (gssize)n);
	}
	*sha256_r = g_strdup(g_checksum_get_string(sha));
	*size_r = size;
	ret = 1;
out:
	if (fd >= 0)
		close(fd);
	g_free(buf);
	g_checksum_free(sha);
	return ret;
}

int store_spool_verify(struct store *store, const char *sha256, uint64_t *size_r,
		       char **error_r)
{
	char *path = store_spool_path(store, sha256), *check = NULL;
	uint64_t size = 0;
	int ret = 0;

	if (path == NULL)
		ret = error_set(error_r, 0, "invalid spool key");
	else if (hash_file(path, PD_MAX_SPOOL_FILE, &check, &size, error_r) != 1)
		ret = 0;
	else if (strcmp(check, sha256) != 0)
		ret = error_set(error_r, 0, "spool file %s is corrupt (hash mismatch)", path);
	else
		ret = 1;
	if (ret == 1 && size_r != NULL)
		*size_r = size;
	g_free(check);
	g_free(path);
	return ret;
}
