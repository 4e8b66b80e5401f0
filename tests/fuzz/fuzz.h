/* What every libFuzzer target of tests/fuzz/ shares: libFuzzer's entry points (declared here
   so -Wmissing-prototypes holds), a NUL-terminated copy of the input, and one private
   temporary folder per process for the loaders that only read files.
   Each target calls the real entry point of a module on the bytes libFuzzer gives it and,
   where the module promises something about its output (valid UTF-8, no control
   characters, bounds), checks that promise too: a broken promise aborts, so libFuzzer keeps
   the input as a crash. */
#ifndef PDGATE_FUZZ_H
#define PDGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a NUL-terminated g_malloc'd string (embedded NULs stay: the length is size). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = g_malloc(size + 1);

	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Abort with a message: libFuzzer records the input that broke a promise as a crash. */
#define FUZZ_REQUIRE(cond, ...) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz: broken promise at %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* Valid UTF-8 without C0 controls or DEL (except \t, and \n when newlines), at most max
   bytes: what mime_message and the template subjects promise. NULL passes. */
static inline int fuzz_clean_text(const char *s, size_t max, int newlines)
{
	if (s == NULL)
		return 1;
	if (strlen(s) > max || !g_utf8_validate(s, -1, NULL))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\t' && !(newlines && *p == '\n')) || *p == 0x7f)
			return 0;
	}
	return 1;
}

/* A private folder for this process, removed at exit (files made by fuzz_write_file). */
static char *fuzz_dir;
static GPtrArray *fuzz_files;

static inline void fuzz_dir_remove(void)
{
	for (guint i = 0; fuzz_files != NULL && i < fuzz_files->len; i++)
		g_unlink(fuzz_files->pdata[i]);
	if (fuzz_dir != NULL)
		g_rmdir(fuzz_dir);
}

/* Write data to NAME in the private folder (made on first use); returns its path (owned
   here, valid until exit). Aborts when the folder or file cannot be written: a target that
   silently tests nothing is worse than one that stops. */
static inline const char *fuzz_write_file(const char *name, const void *data, size_t size)
{
	GError *err = NULL;
	char *path;

	if (fuzz_dir == NULL) {
		fuzz_dir = g_dir_make_tmp("pdgate-fuzz-XXXXXX", &err);
		FUZZ_REQUIRE(fuzz_dir != NULL, "temp dir: %s", err->message);
		fuzz_files = g_ptr_array_new_with_free_func(g_free);
		atexit(fuzz_dir_remove);
	}
	path = g_build_filename(fuzz_dir, name, NULL);
	FUZZ_REQUIRE(g_file_set_contents(path, data, (gssize)size, &err), "%s: %s", path,
		     err->message);
	for (guint i = 0; i < fuzz_files->len; i++) {
		if (strcmp(fuzz_files->pdata[i], path) == 0) {
			g_free(path);
			return fuzz_files->pdata[i];
		}
	}
	g_ptr_array_add(fuzz_files, path);
	return path;
}

#endif
