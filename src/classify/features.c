/* classify/features: the model's view of a message. Pure: the struct from mime and the
   rules' result in, hashed feature numbers out. The words never leave this file: only their
   hashes do (and the names, when one result is explained). */
#include "model.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* Words after a negation ("not", "don't", "without"...) also count as negated words, up to
   this many or the end of the sentence: "I am not making a request yet". */
#define NEGATION_SPAN 4
#define MAX_TOKEN_BYTES 64
#define SHORT_WORDS 25
#define LONG_WORDS 300

struct feature_set {
	GArray *ids;    /* uint32_t */
	GPtrArray *names; /* parallel, or NULL */
};

/* FNV-1a: stable across builds and machines, which a model file needs. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h & ((1u << MODEL_HASH_BITS) - 1);
}

static void add(struct feature_set *fs, const char *prefix, const char *a, const char *b)
{
	char buf[2 * MAX_TOKEN_BYTES + 8];
	uint32_t id;

	g_snprintf(buf, sizeof(buf), "%s%s%s%s", prefix, a, b != NULL ? " " : "",
		   b != NULL ? b : "");
	id = fnv1a(buf);
	if (strcmp(prefix, "r:") == 0 || strcmp(prefix, "k:") == 0 || strcmp(prefix, "m:") == 0)
		id |= MODEL_FACT_BIT;
	g_array_append_val(fs->ids, id);
	if (fs->names != NULL)
		g_ptr_array_add(fs->names, g_strdup(buf));
}

static int is_negation(const char *w)
{
	static const char *const words[] = {
		"not", "no", "never", "dont", "didnt", "doesnt", "isnt", "arent", "wasnt",
		"werent", "wont", "cant", "cannot", "without", "nor", "neither", "havent",
		"hasnt", "shouldnt", "wouldnt", "instead", "rather", NULL
	};
	for (size_t i = 0; words[i] != NULL; i++) {
		if (strcmp(w, words[i]) == 0)
			return 1;
	}
	return 0;
}

/* A crude English stemmer: "deleted", "deleting", "deletes" and "delete" are one word to a
   model that has seen few of each. */
static void stem(char *tok)
{
	static const char *const suffixes[] = { "ing", "ed", "es", "s", "ly", NULL };
	size_t len = strlen(tok);

	for (size_t i = 0; suffixes[i] != NULL; i++) {
		size_t sl = strlen(suffixes[i]);
		if (len >= sl + 4 && strcmp(tok + len - sl, suffixes[i]) == 0) {
			tok[len - sl] = '\0';
			return;
		}
	}
}

/* Numbers say little about the kind and much about the person (dates, references, phone
   numbers): short ones stay (999, 101, s45), longer ones become one token. */
static void normalise(char *tok)
{
	size_t len = strlen(tok), digits = 0;
	for (size_t i = 0; i < len; i++)
		digits += g_ascii_isdigit(tok[i]) != 0;
	if (digits > 0 && (len > 3 || digits < len))
		g_strlcpy(tok, digits == len ? "#num" : "#code", MAX_TOKEN_BYTES);
}

/* The next lowercase word of text from *pos: letters and digits, apostrophes dropped
   ("don't" is "dont"). *brk is set when a sentence ended before it. 0 at the end. */
static int next_token(const char **pos, char *tok, int *brk)
{
	const char *p = *pos;
	size_t n = 0;

	*brk = 0;
	while (*p != '\0') {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isalnum(c))
			break;
		if (c == '.' || c == '?' || c == '!' || c == ';' || c == ':' || c == '\n')
			*brk = 1;
		p = g_utf8_next_char(p);
	}
	while (*p != '\0') {
		gunichar c = g_utf8_get_char(p);
		if (c == '\'' || c == 0x2019) {
			p = g_utf8_next_char(p);
			continue;
		}
		if (!g_unichar_isalnum(c))
			break;
		if (n + 6 < MAX_TOKEN_BYTES)
			n += (size_t)g_unichar_to_utf8(g_unichar_tolower(c), tok + n);
		p = g_utf8_next_char(p);
	}
	tok[n] = '\0';
	*pos = p;
	if (n == 0)
		return 0;
	normalise(tok);
	stem(tok);
	return 1;
}

/* Words, word pairs within a sentence, and negated words of text; the word count. */
static size_t add_text(struct feature_set *fs, const char *text, const char *prefix)
{
	char prev[MAX_TOKEN_BYTES] = "", tok[MAX_TOKEN_BYTES];
	const char *pos = text;
	int brk, negated = 0;
	size_t words = 0;
	int pairs = strcmp(prefix, "w:") == 0;

	while (next_token(&pos, tok, &brk)) {
		if (brk) {
			prev[0] = '\0';
			negated = 0;
		}
		add(fs, prefix, tok, NULL);
		if (pairs && prev[0] != '\0')
			add(fs, "b:", prev, tok);
		if (pairs && negated > 0) {
			add(fs, "n:", tok, NULL);
			negated--;
		}
		if (is_negation(tok))
			negated = NEGATION_SPAN;
		g_strlcpy(prev, tok, sizeof(prev));
		words++;
	}
	return words;
}

static int has_prefix_ci(const char *s, const char *prefix)
{
	return s != NULL && g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* A forward: the request is in the forwarded part, under its header lines. */
static int is_forward(const struct mime_message *msg)
{
	const char *body = msg->body_text != NULL ? msg->body_text : "";
	return has_prefix_ci(msg->subject, "fw:") || has_prefix_ci(msg->subject, "fwd:") ||
	       strstr(body, "Forwarded message") != NULL ||
	       strstr(body, "Begin forwarded message") != NULL;
}

static int is_header_line(const char *line)
{
	static const char *const names[] = { "from:", "sent:", "to:", "cc:", "subject:",
					     "date:", "reply-to:", NULL };
	while (*line == ' ' || *line == '\t' || *line == '>' || *line == '*')
		line++;
	for (size_t i = 0; names[i] != NULL; i++) {
		if (has_prefix_ci(line, names[i]))
			return 1;
	}
	return strstr(line, "Forwarded message") != NULL ||
	       strstr(line, "Original Message") != NULL;
}

/* Every line of a forward but the header lines of the mail it carries, '>' removed. */
static char *forward_text(const char *body)
{
	char **lines = g_strsplit(body, "\n", -1);
	GString *out = g_string_new(NULL);

	for (size_t i = 0; lines[i] != NULL; i++) {
		const char *l = lines[i];
		if (is_header_line(l))
			continue;
		while (*l == '>' || *l == ' ')
			l++;
		g_string_append(out, l);
		g_string_append_c(out, '\n');
	}
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

char *model_clean_text(const struct mime_message *msg)
{
	if (msg->body_text == NULL)
		return g_strdup("");
	if (is_forward(msg))
		return forward_text(msg->body_text);
	return mime_reply_new_text(msg->body_text,
				   MIME_REPLY_QUOTES_ONLY | MIME_REPLY_NO_SIGNATURE);
}

static void add_facts(struct feature_set *fs, const struct mime_message *msg, size_t words)
{
	int image = 0, other = 0;

	for (size_t i = 0; i < msg->n_attachments; i++) {
		if (g_str_has_prefix(msg->attachments[i].content_type, "image/"))
			image = 1;
		else
			other = 1;
	}
	if (image)
		add(fs, "m:", "image", NULL);
	if (other)
		add(fs, "m:", "file", NULL);
	if (msg->body_from_html)
		add(fs, "m:", "html", NULL);
	if (msg->in_reply_to != NULL || has_prefix_ci(msg->subject, "re:"))
		add(fs, "m:", "reply", NULL);
	if (is_forward(msg))
		add(fs, "m:", "forward", NULL);
	if (words < SHORT_WORDS)
		add(fs, "m:", "short", NULL);
	if (words > LONG_WORDS)
		add(fs, "m:", "long", NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Sorted and unique; a name follows its id (the first name of a bucket is kept). */
static struct model_features *finish(struct feature_set *fs)
{
	struct model_features *f = g_new0(struct model_features, 1);
	size_t n = fs->ids->len;
	uint64_t *pairs = g_new(uint64_t, n + 1);

	/* (id, position) pairs, so that the names can follow the ids. */
	for (size_t i = 0; i < n; i++)
		pairs[i] = ((uint64_t)g_array_index(fs->ids, uint32_t, i) << 32) | i;
	qsort(pairs, n, sizeof(*pairs), cmp_u64);
	f->ids = g_new(uint32_t, n + 1);
	if (fs->names != NULL)
		f->names = g_new0(char *, n + 1);
	for (size_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)(pairs[i] >> 32);
		if (f->n > 0 && f->ids[f->n - 1] == id)
			continue;
		if (f->names != NULL)
			f->names[f->n] = g_strdup(fs->names->pdata[pairs[i] & 0xffffffffu]);
		f->ids[f->n++] = id;
	}
	g_free(pairs);
	return f;
}

struct model_features *model_features_new(const struct mime_message *msg,
					  const struct rules_result *rules, int want_names)
{
	struct feature_set fs = { g_array_new(FALSE, FALSE, sizeof(uint32_t)), NULL };
	struct model_features *f;
	char *text = model_clean_text(msg);
	size_t words;

	if (want_names)
		fs.names = g_ptr_array_new_with_free_func(g_free);
	words = add_text(&fs, text, "w:");
	if (msg->subject != NULL)
		add_text(&fs, msg->subject, "s:");
	for (size_t i = 0; rules != NULL && i < rules->n_hits; i++)
		add(&fs, "r:", rules->hits[i].name, NULL);
	/* What the rules decided, per kind: the model learns how far to trust them. */
	for (int k = 0; rules != NULL && k < LABEL_KIND_COUNT; k++) {
		if (rules->fired[k])
			add(&fs, "k:", rules_label_name((enum rules_label)k), NULL);
	}
	add_facts(&fs, msg, words);
	f = finish(&fs);
	g_array_free(fs.ids, TRUE);
	if (fs.names != NULL)
		g_ptr_array_free(fs.names, TRUE);
	g_free(text);
	return f;
}

void model_features_free(struct model_features **fp)
{
	struct model_features *f = *fp;
	if (f == NULL)
		return;
	if (f->names != NULL)
		g_strfreev(f->names);
	g_free(f->ids);
	g_free(f);
	*fp = NULL;
}
