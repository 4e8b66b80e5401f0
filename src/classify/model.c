/* classify/model: a trained model in memory and in its file, and scoring with it. The file
   is text, so that an admin can see what it holds (numbers only) and diff two versions:

     pdgate-model 1
     version 20261203T181502Z-3f9a0c12
     trained-on shipped corpus 612 messages; 14 cases
     kinds access rectification ... complaint
     hash fnv1a 20
     bias B1 ... B10
     features N
     ID W1 ... W10          (N lines, IDs strictly increasing)
     end
*/
#include "model.h"
#include "core.h"
#include "model-private.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAX_FILE (64u * 1024 * 1024)
#define K LABEL_KIND_COUNT

struct pd_model {
	char *version, *trained_on;
	size_t n;
	uint32_t *ids;  /* sorted */
	float *w;       /* n rows of K weights */
	double bias[K];
	/* id -> row + 1 (0: empty), open addressing, a power of two at least twice n: a
	   message's few hundred features are looked up in one probe or two each */
	uint32_t *slots;
	uint32_t mask;
};

static uint32_t slot_of(uint32_t id, uint32_t mask)
{
	return (id * 2654435761u) & mask;
}

/* The lookup table over ids (called once ids are final). */
static void index_rows(struct pd_model *m)
{
	uint32_t size = 16;

	while (size < 2 * m->n + 1)
		size *= 2;
	m->mask = size - 1;
	m->slots = g_new0(uint32_t, size);
	for (size_t i = 0; i < m->n; i++) {
		uint32_t s = slot_of(m->ids[i], m->mask);
		while (m->slots[s] != 0)
			s = (s + 1) & m->mask;
		m->slots[s] = (uint32_t)i + 1;
	}
}

const char *model_version(const struct pd_model *m)
{
	return m->version;
}

const char *model_trained_on(const struct pd_model *m)
{
	return m->trained_on;
}

size_t model_feature_count(const struct pd_model *m)
{
	return m->n;
}

void model_free(struct pd_model **mp)
{
	struct pd_model *m = *mp;
	if (m == NULL)
		return;
	g_free(m->version);
	g_free(m->trained_on);
	g_free(m->ids);
	g_free(m->w);
	g_free(m->slots);
	g_free(m);
	*mp = NULL;
}

/* "20261203T181502Z-3f9a0c12": when it was trained, and a hash of what it learnt. */
static char *make_version(const struct pd_model *m, int64_t now)
{
	GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
	GDateTime *dt = g_date_time_new_from_unix_utc(now);
	char *when = g_date_time_format(dt, "%Y%m%dT%H%M%SZ");
	char *v;

	g_checksum_update(sum, (const guchar *)m->ids, (gssize)(m->n * sizeof(*m->ids)));
	g_checksum_update(sum, (const guchar *)m->w, (gssize)(m->n * K * sizeof(*m->w)));
	g_checksum_update(sum, (const guchar *)m->bias, (gssize)sizeof(m->bias));
	v = g_strdup_printf("%s-%.8s", when, g_checksum_get_string(sum));
	g_checksum_free(sum);
	g_date_time_unref(dt);
	g_free(when);
	return v;
}

struct pd_model *model_new_internal(const char *trained_on, size_t n, uint32_t *ids, float *w,
				 const double *bias, int64_t now)
{
	struct pd_model *m = g_new0(struct pd_model, 1);
	m->trained_on = g_strdup(trained_on);
	m->n = n;
	m->ids = ids;
	m->w = w;
	memcpy(m->bias, bias, sizeof(m->bias));
	m->version = make_version(m, now);
	index_rows(m);
	return m;
}

/* ---- scoring ---- */

static long find(const struct pd_model *m, uint32_t id)
{
	for (uint32_t s = slot_of(id, m->mask); m->slots[s] != 0; s = (s + 1) & m->mask) {
		uint32_t row = m->slots[s] - 1;
		if (m->ids[row] == id)
			return (long)row;
	}
	return -1;
}

/* The rows of f's features the model knows, and the value of a text feature: training
   gave every message's known text features length MODEL_TEXT_WEIGHT together; facts 1. */
static void known_rows(const struct pd_model *m, const struct model_features *f, long *rows,
		       double *text_value_r)
{
	size_t n_text = 0;
	for (size_t i = 0; i < f->n; i++) {
		long r = find(m, f->ids[i]);
		rows[i] = r;
		n_text += r >= 0 && !(f->ids[i] & MODEL_FACT_BIT);
	}
	*text_value_r = n_text > 0 ? MODEL_TEXT_WEIGHT / sqrt((double)n_text) : 0.0;
}

static double value_of(uint32_t id, double text_value)
{
	return (id & MODEL_FACT_BIT) ? 1.0 : text_value;
}

void model_score(const struct pd_model *m, const struct model_features *f, double *prob)
{
	long *rows = g_new(long, f->n + 1);
	double z[K], v;

	memcpy(z, m->bias, sizeof(z));
	known_rows(m, f, rows, &v);
	for (size_t i = 0; i < f->n; i++) {
		if (rows[i] < 0)
			continue;
		const float *w = m->w + (size_t)rows[i] * K;
		for (int k = 0; k < K; k++)
			z[k] += w[k] * value_of(f->ids[i], v);
	}
	for (int k = 0; k < K; k++)
		prob[k] = 1.0 / (1.0 + exp(-z[k]));
	g_free(rows);
}

unsigned model_kinds(const double *prob)
{
	unsigned kinds = 0;
	int top = 0;

	for (int k = 1; k < K; k++) {
		if (prob[k] > prob[top])
			top = k;
	}
	if (prob[top] < MODEL_TOP_MIN)
		return 0;
	kinds = 1u << top;
	for (int k = 0; k < K; k++) {
		if (k != top && prob[k] >= MODEL_SECOND_MIN)
			kinds |= 1u << k;
	}
	return kinds;
}

static int cmp_weight(const void *a, const void *b)
{
	double x = fabs(((const struct model_weight *)a)->weight);
	double y = fabs(((const struct model_weight *)b)->weight);
	return (x < y) - (x > y);
}

size_t model_explain(const struct pd_model *m, const struct model_features *f,
		     enum rules_label kind, struct model_weight *out, size_t max)
{
	long *rows = g_new(long, f->n + 1);
	struct model_weight *all = g_new(struct model_weight, f->n + 1);
	size_t n = 0;
	double v;

	if (f->names != NULL && (int)kind < K) {
		known_rows(m, f, rows, &v);
		for (size_t i = 0; i < f->n; i++) {
			if (rows[i] < 0)
				continue;
			all[n].feature = f->names[i];
			all[n++].weight = m->w[(size_t)rows[i] * K + kind] *
					  value_of(f->ids[i], v);
		}
		qsort(all, n, sizeof(*all), cmp_weight);
	}
	n = MIN(n, max);
	memcpy(out, all, n * sizeof(*out));
	g_free(all);
	g_free(rows);
	return n;
}

/* ---- the file ---- */

static void append_kinds(GString *s)
{
	g_string_append(s, "kinds");
	for (int k = 0; k < K; k++)
		g_string_append_printf(s, " %s", rules_label_name((enum rules_label)k));
	g_string_append_c(s, '\n');
}

static void append_row(GString *s, const float *w)
{
	for (int k = 0; k < K; k++)
		g_string_append_printf(s, " %.6g", (double)w[k]);
	g_string_append_c(s, '\n');
}

int model_save(const struct pd_model *m, const char *path, char **error_r)
{
	GString *s = g_string_new(NULL);
	GError *err = NULL;
	int ok;

	g_string_append_printf(s, "pdgate-model %d\nversion %s\ntrained-on %s\n", MODEL_FORMAT,
			       m->version, m->trained_on);
	append_kinds(s);
	g_string_append_printf(s, "hash fnv1a %d\nbias", MODEL_HASH_BITS);
	for (int k = 0; k < K; k++)
		g_string_append_printf(s, " %.9g", m->bias[k]);
	g_string_append_printf(s, "\nfeatures %zu\n", m->n);
	for (size_t i = 0; i < m->n; i++) {
		g_string_append_printf(s, "%u", m->ids[i]);
		append_row(s, m->w + i * K);
	}
	g_string_append(s, "end\n");
	ok = g_file_set_contents_full(path, s->str, (gssize)s->len,
				      G_FILE_SET_CONTENTS_CONSISTENT |
				      G_FILE_SET_CONTENTS_DURABLE, 0644, &err);
	if (!ok)
		error_set(error_r, 0, "%s", err->message);
	g_clear_error(&err);
	g_string_free(s, TRUE);
	return ok;
}

/* The lines of text, cut in place (each '\n' becomes the end of a line): a
   NULL-terminated array pointing into text, freed with g_free (the lines with text).
   g_strsplit would do, but its strstr per line is quadratic under AddressSanitizer. */
static char **cut_lines(char *text)
{
	GPtrArray *lines = g_ptr_array_new();
	char *p = text, *nl;

	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		g_ptr_array_add(lines, p);
	}
	g_ptr_array_add(lines, p);
	g_ptr_array_add(lines, NULL);
	return (char **)g_ptr_array_free(lines, FALSE);
}

/* A parser over the file's lines; the first error wins. */
struct reader {
	char **lines;
	size_t at;
	char *error;
};

static const char *next_line(struct reader *r, const char *key)
{
	const char *l = r->lines[r->at];
	size_t klen = strlen(key);

	if (r->error != NULL)
		return NULL;
	if (l == NULL || strncmp(l, key, klen) != 0 || (l[klen] != ' ' && l[klen] != '\0')) {
		r->error = g_strdup_printf("line %zu: expected \"%s\"", r->at + 1, key);
		return NULL;
	}
	r->at++;
	return l[klen] == ' ' ? l + klen + 1 : l + klen;
}

/* n finite numbers separated by spaces, nothing after them. */
static int parse_numbers(const char *s, double *out, int n)
{
	char *end;
	for (int i = 0; i < n; i++) {
		out[i] = g_ascii_strtod(s, &end);
		if (end == s || !isfinite(out[i]) || (*end != ' ' && *end != '\0'))
			return 0;
		s = end;
	}
	return *s == '\0';
}

static void read_header(struct reader *r, struct pd_model *m)
{
	GString *kinds = g_string_new(NULL);
	char *want;
	const char *v;

	v = next_line(r, "pdgate-model");
	if (v != NULL && atoi(v) != MODEL_FORMAT)
		r->error = g_strdup_printf("model format %s: this pdgate reads format %d", v,
					   MODEL_FORMAT);
	if ((v = next_line(r, "version")) != NULL)
		m->version = g_strdup(v);
	if ((v = next_line(r, "trained-on")) != NULL)
		m->trained_on = g_strdup(v);
	append_kinds(kinds);
	want = g_strdup_printf("fnv1a %d", MODEL_HASH_BITS);
	g_strchomp(kinds->str);
	if ((v = next_line(r, "kinds")) != NULL && strcmp(v, kinds->str + 6) != 0)
		r->error = g_strdup("it was made for other kinds than this pdgate's");
	if ((v = next_line(r, "hash")) != NULL && strcmp(v, want) != 0)
		r->error = g_strdup_printf("hash \"%s\": this pdgate hashes %s", v, want);
	if ((v = next_line(r, "bias")) != NULL && !parse_numbers(v, m->bias, K))
		r->error = g_strdup("bad bias line");
	g_free(want);
	g_string_free(kinds, TRUE);
}

static void read_rows(struct reader *r, struct pd_model *m)
{
	const char *v = next_line(r, "features");
	guint64 n = 0;
	double w[K];

	if (v != NULL && (!g_ascii_string_to_unsigned(v, 10, 0, 1u << MODEL_HASH_BITS, &n, NULL)))
		r->error = g_strdup("bad features line");
	if (r->error != NULL)
		return;
	m->ids = g_new(uint32_t, n + 1);
	m->w = g_new(float, n * K + 1);
	for (m->n = 0; m->n < n && r->error == NULL; m->n++, r->at++) {
		const char *l = r->lines[r->at];
		char *end;
		guint64 id = l != NULL ? g_ascii_strtoull(l, &end, 10) : 0;
		if (l == NULL || end == l || *end != ' ' ||
		    (id & ~(guint64)MODEL_FACT_BIT) >= (1u << MODEL_HASH_BITS) ||
		    (m->n > 0 && id <= m->ids[m->n - 1]) || !parse_numbers(end + 1, w, K)) {
			r->error = g_strdup_printf("line %zu: bad feature", r->at + 1);
			break;
		}
		m->ids[m->n] = (uint32_t)id;
		for (int k = 0; k < K; k++)
			m->w[m->n * K + k] = (float)w[k];
	}
	next_line(r, "end");
	/* Nothing after the end: a file appended to or concatenated is not this model. */
	for (size_t i = r->at; r->error == NULL && r->lines[i] != NULL; i++) {
		if (*r->lines[i] != '\0')
			r->error = g_strdup_printf("line %zu: text after the end", i + 1);
	}
}

int model_load(const char *path, struct pd_model **m_r, char **error_r)
{
	struct pd_model *m = g_new0(struct pd_model, 1);
	struct reader r = { NULL, 0, NULL };
	char *raw = NULL;
	size_t len = 0;
	int ok = 0;

	if (!pd_read_file(path, MODEL_MAX_FILE, &raw, &len, error_r))
		goto out;
	if (memchr(raw, '\0', len) != NULL || !g_utf8_validate(raw, (gssize)len, NULL)) {
		error_set(error_r, 0, "%s: not a model file", path);
		goto out;
	}
	r.lines = cut_lines(raw);
	read_header(&r, m);
	read_rows(&r, m);
	if (r.error != NULL) {
		error_set(error_r, 0, "%s: not a valid model: %s", path, r.error);
		goto out;
	}
	index_rows(m);
	*m_r = m;
	m = NULL;
	ok = 1;
out:
	model_free(&m);
	g_free(r.lines);
	g_free(r.error);
	g_free(raw);
	return ok;
}
