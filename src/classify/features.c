/* classify/features: the model's view of a message. Pure: the struct from mime and the
   rules' result in, hashed feature numbers out. The words never leave this file: only their
   hashes do (and the names, when one result is explained). */
#include "classify.h"
#include "model.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* Words after a negation ("not", "don't", "without"...) also count as negated words, up to
   this many or the end of the sentence: "I am not making a request yet". */
#define NEGATION_SPAN 4
#define MAX_TOKEN_BYTES 64
/* What the model reads of a message's text: a request says what it wants near the top, and
   a 1 MB text would otherwise make ~10 MB of features. */
#define MODEL_MAX_TEXT (64 * 1024)
#define SHORT_WORDS 25
#define LONG_WORDS 300

struct feature_set {
	GArray *ids;    /* uint32_t */
	GPtrArray *names; /* parallel, or NULL */
};

/* FNV-1a: stable across builds and machines, which a model file needs. Streamed over the
   pieces of a feature ("b:" "copy" " " "my"), so that no string is built to hash it. */
#define FNV_START 2166136261u

static uint32_t fnv1a(uint32_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

/* Rules fired, the rules' kinds and facts about the mail: prefixes r:, k: and m:. */
static int is_fact(const char *prefix)
{
	return prefix[0] == 'r' || prefix[0] == 'k' || prefix[0] == 'm';
}

/* The hash of n bytes of s, continuing from h. */
static uint32_t fnv1a_len(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* A feature whose hash h is known; its name is built only when names are kept. */
static void add_hashed(struct feature_set *fs, uint32_t h, const char *prefix, const char *a,
		       const char *b)
{
	uint32_t id = h & ((1u << MODEL_HASH_BITS) - 1);

	if (is_fact(prefix))
		id |= MODEL_FACT_BIT;
	g_array_append_val(fs->ids, id);
	if (fs->names != NULL)
		g_ptr_array_add(fs->names, g_strconcat(prefix, a, b != NULL ? " " : "", b, NULL));
}

static void add(struct feature_set *fs, const char *prefix, const char *a, const char *b)
{
	uint32_t h = fnv1a(fnv1a(FNV_START, prefix), a);

	if (b != NULL)
		h = fnv1a(fnv1a(h, " "), b);
	add_hashed(fs, h, prefix, a, b);
}

static int is_negation(const char *w, size_t len)
{
	static const char *const words[] = {
		"not", "no", "never", "dont", "didnt", "doesnt", "isnt", "arent", "wasnt",
		"werent", "wont", "cant", "cannot", "without", "nor", "neither", "havent",
		"hasnt", "shouldnt", "wouldnt", "instead", "rather", NULL
	};
	if (len < 2 || len > 8)
		return 0;
	for (size_t i = 0; words[i] != NULL; i++) {
		if (words[i][0] == w[0] && strcmp(w, words[i]) == 0)
			return 1;
	}
	return 0;
}

/* A crude English stemmer: "deleted", "deleting", "deletes" and "delete" are one word to a
   model that has seen few of each. tok is len bytes; its new length. */
static size_t stem(char *tok, size_t len)
{
	static const char *const suffixes[] = { "ing", "ed", "es", "s", "ly", NULL };
	static const size_t lens[] = { 3, 2, 2, 1, 2 };

	for (size_t i = 0; suffixes[i] != NULL; i++) {
		size_t sl = lens[i];
		if (len >= sl + 4 && memcmp(tok + len - sl, suffixes[i], sl) == 0) {
			tok[len - sl] = '\0';
			return len - sl;
		}
	}
	return len;
}

/* Numbers say little about the kind and much about the person (dates, references, phone
   numbers): short ones stay (999, 101, s45), longer ones become one token. tok is len
   bytes, digits of them ASCII digits; its new length. */
static size_t normalise(char *tok, size_t len, size_t digits)
{
	if (digits > 0 && (len > 3 || digits < len)) {
		memcpy(tok, digits == len ? "#num" : "#code", digits == len ? 5 : 6);
		return digits == len ? 4 : 5;
	}
	return len;
}

/* The next lowercase word of text from *pos: letters and digits, apostrophes dropped
   ("don't" is "dont"). *brk is set when a sentence ended before it. 0 at the end. */
static int is_break(gunichar c)
{
	return c == '.' || c == '?' || c == '!' || c == ';' || c == ':' || c == '\n';
}

/* The next character of p and where the one after starts; ASCII without a table lookup of
   Unicode properties (most mail is ASCII). */
static gunichar next_char(const char *p, const char **after)
{
	if ((unsigned char)*p < 0x80) {
		*after = p + 1;
		return (gunichar)(unsigned char)*p;
	}
	*after = g_utf8_next_char(p);
	return g_utf8_get_char(p);
}

static int is_alnum(gunichar c)
{
	return c < 0x80 ? g_ascii_isalnum((char)c) : g_unichar_isalnum(c);
}

/* The token's length (0 at the end of text). */
static size_t next_token(const char **pos, char *tok, int *brk)
{
	const char *p = *pos, *after;
	size_t n = 0, digits = 0;
	gunichar c;

	*brk = 0;
	for (; *p != '\0'; p = after) {
		c = next_char(p, &after);
		if (is_alnum(c))
			break;
		*brk |= is_break(c);
	}
	for (; *p != '\0'; p = after) {
		c = next_char(p, &after);
		if (c == '\'' || c == 0x2019)
			continue;
		if (!is_alnum(c))
			break;
		if (n + 6 >= MAX_TOKEN_BYTES)
			continue;
		if (c < 0x80) {
			/* ASCII A-Z only, as g_ascii_tolower */
			tok[n++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
			digits += c >= '0' && c <= '9';
		} else {
			n += (size_t)g_unichar_to_utf8(g_unichar_tolower(c), tok + n);
		}
	}
	tok[n] = '\0';
	*pos = p;
	if (n == 0)
		return 0;
	n = normalise(tok, n, digits);
	return stem(tok, n);
}

/* Words, word pairs within a sentence, and negated words of text; the word count. Each
   feature's hash is streamed from its prefix's (computed once) and the pair's from the
   previous word's, so no byte is hashed twice for one feature. */
static size_t add_text(struct feature_set *fs, const char *text, const char *prefix)
{
	char prev[MAX_TOKEN_BYTES] = "", tok[MAX_TOKEN_BYTES];
	const char *pos = text;
	int brk, negated = 0, has_prev = 0;
	size_t words = 0, len;
	int pairs = strcmp(prefix, "w:") == 0;
	uint32_t h_word = fnv1a(FNV_START, prefix), h_neg = fnv1a(FNV_START, "n:");
	uint32_t h_pair = fnv1a(FNV_START, "b:"), h_prev = 0;

	while ((len = next_token(&pos, tok, &brk)) > 0) {
		if (brk) {
			has_prev = 0;
			negated = 0;
		}
		add_hashed(fs, fnv1a_len(h_word, tok, len), prefix, tok, NULL);
		if (pairs && has_prev)
			add_hashed(fs, fnv1a_len(h_prev, tok, len), "b:", prev, tok);
		if (pairs && negated > 0) {
			add_hashed(fs, fnv1a_len(h_neg, tok, len), "n:", tok, NULL);
			negated--;
		}
		if (is_negation(tok, len))
			negated = NEGATION_SPAN;
		/* "b:" prev " ", ready for the next word */
		h_prev = fnv1a(fnv1a_len(h_pair, tok, len), " ");
		memcpy(prev, tok, len + 1);
		has_prev = 1;
		words++;
	}
	return words;
}

static int has_prefix_ci(const char *s, const char *prefix)
{
	return s != NULL && g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

char *model_clean_text(const struct mime_message *msg)
{
	return classify_request_text(msg, MIME_REPLY_NO_SIGNATURE);
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
	if (classify_is_forward(msg))
		add(fs, "m:", "forward", NULL);
	if (words < SHORT_WORDS)
		add(fs, "m:", "short", NULL);
	if (words > LONG_WORDS)
		add(fs, "m:", "long", NULL);
}

/* Sort (id << 32 | position) pairs by id, keeping positions in order for equal ids: an
   LSD radix sort over the id's four bytes, several times faster than qsort here (features
   are made for every message). */
static void sort_pairs(uint64_t *pairs, size_t n)
{
	uint64_t *tmp = g_new(uint64_t, n + 1), *from = pairs, *to = tmp, *swap;

	for (int shift = 32; shift < 64; shift += 8) {
		size_t count[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((from[i] >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			to[count[(from[i] >> shift) & 0xff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	/* four passes: the sorted pairs are back in pairs */
	g_free(tmp);
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
	sort_pairs(pairs, n);
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
	if (strlen(text) > MODEL_MAX_TEXT)
		*g_utf8_find_prev_char(text, text + MODEL_MAX_TEXT + 1) = '\0';
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
