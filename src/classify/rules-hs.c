/* classify/rules-hs: the subject, body and rawbody regexes of a rule set compiled into one
   Hyperscan database per text (as rspamd does), so one scan of a text finds every rule that
   matches. GRegex stays the reference: a regex runs on Hyperscan only where the result is the
   same, and on GRegex otherwise:
   - GRegex is caseless, UTF-8 and Unicode (UCP), with NEWLINE_ANY. Hyperscan rejects \b in
     UCP mode, so the databases are UTF-8 without UCP: \b \w \s \d are ASCII there. They equal
     GRegex's on a text with no non-ASCII letter, number, mark or space ("covered", checked per
     text); an uncovered text runs its rules on GRegex.
   - A non-ASCII letter with no ASCII case partner ("é", not the Kelvin sign) is scanned as
     '_': both are word characters (\w \b \S \D '.') and nothing else, for a regex with no
     '_' of its own (rule->hs_letters, letters_alike). French or Polish names in a mail then
     leave only the other rules to GRegex.
   - '.' without the s flag excludes every NEWLINE_ANY character in GRegex: it is rewritten as
     that class. '$' and \Z (also before a final newline of any kind), backreferences, inline
     options and the escapes below go to GRegex whole.
   - A regex with lookarounds (Hyperscan has none) runs on GRegex, but only when Hyperscan
     finds the regex minus its lookarounds: removing an assertion can only add matches.
   - What Hyperscan itself rejects (empty match, too large...) runs on GRegex, reason kept.
   Scratch space: one per concurrent scan, kept in a pool inside the database object (a mutex
   around a pop and a push; hs_clone_scratch only when the pool is empty), so rules_eval stays
   callable from several threads on one compiled rule set without allocating per call. */
#include "rules-private.h"

#include <stdlib.h>
#include <string.h>

#ifdef PDGATE_HYPERSCAN
#include <hs.h>

/* What '.' matches in GRegex without the s flag on an ASCII text: anything but a
   NEWLINE_ANY character. */
#define DOT_CLASS "[^\\n\\r\\x0b\\x0c]"
/* What stands for a neutral non-ASCII character in the ASCII text Hyperscan scans. */
#define NEUTRAL_BYTE '\x01'
/* What stands for a non-ASCII letter with no ASCII case partner (see letters_alike). */
#define LETTER_BYTE '_'
/* Longer bounded repeats take Hyperscan long to compile: they are relaxed (x_repeat). At 50
   (gaps like [^.]{0,40} exact) pdgate.rules compiles in about 2 s instead of 1.6 s at 10, and
   a relaxed gap no longer sends most mail to GRegex (median 85 -> 77 us per message). */
#define REPEAT_MAX 50


struct scratch_pool {
	GMutex lock;
	GPtrArray *free; /* hs_scratch_t *, not in use */
	hs_scratch_t *proto;
};

struct rules_hs {
	hs_database_t *db[TEXT_COUNT];
	struct scratch_pool *pool;
};

/* ---- pattern translation ---- */

struct xlate {
	const char *p;
	GString *out;
	int dotall, relax;
	int relaxed;        /* some lookaround was dropped */
	const char *reason; /* static: why GRegex must run it; NULL while translatable */
};

/* p at '[': the position after the matching ']' (PCRE: a ']' first is literal). */
static const char *class_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p != '\0' && *p != ']') {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (p[0] == '[' && p[1] == ':' && strstr(p + 2, ":]") != NULL)
			p = strstr(p + 2, ":]") + 1;
		p++;
	}
	return *p == ']' ? p + 1 : p;
}

/* p at '(': the position after the matching ')'. */
static const char *group_end(const char *p)
{
	int depth = 0;

	while (*p != '\0') {
		if (*p == '\\' && p[1] != '\0') {
			p += 2;
			continue;
		}
		if (*p == '[') {
			p = class_end(p);
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
		p++;
	}
	return p;
}

static void x_escape(struct xlate *x)
{
	char c = x->p[1];

	if (c == '\0') {
		x->reason = "trailing backslash";
	} else if (c >= '1' && c <= '9') {
		x->reason = "backreference";
	} else if (strchr("ZGNRXKCcgkQEhvHVpPuULx0o", c) != NULL) {
		/* Anchors and escapes whose meaning Hyperscan does not share, \Q quoting, \p
		   properties, character codes (they could name NEUTRAL_BYTE): not translated. */
		x->reason = "an escape Hyperscan reads differently (\\Z \\R \\N \\Q \\p \\h \\x ...)";
	} else {
		g_string_append_len(x->out, x->p, 2);
		x->p += 2;
	}
}

/* p at '{': a repeat {m,n} with n above REPEAT_MAX becomes {m,} when relaxing (only more
   matches), else is refused: Hyperscan takes seconds to compile such repeats. Anything else
   ({n}, {m,}, a literal '{') is copied. */
static void x_repeat(struct xlate *x)
{
	const char *p = x->p + 1;
	char *end = NULL;
	guint64 m, n;

	if (!g_ascii_isdigit(*p))
		goto copy;
	m = g_ascii_strtoull(p, &end, 10);
	if (*end != ',' || !g_ascii_isdigit(end[1]))
		goto copy;
	n = g_ascii_strtoull(end + 1, &end, 10);
	if (*end != '}' || n <= REPEAT_MAX)
		goto copy;
	if (!x->relax) {
		x->reason = "a repeat {m,n} over " G_STRINGIFY(REPEAT_MAX);
		return;
	}
	g_string_append_printf(x->out, "{%" G_GUINT64_FORMAT ",}", m);
	x->p = end + 1;
	x->relaxed = 1;
	return;
copy:
	g_string_append_c(x->out, '{');
	x->p++;
}

/* A class is copied as written, unless it holds an escape read differently. */
static void x_class(struct xlate *x, const char *end)
{
	for (const char *q = x->p; q + 1 < end; q++) {
		if (*q == '\\' && strchr("hvHVpPNRXuULQEx0o123456789c", q[1]) != NULL) {
			x->reason = "an escape Hyperscan reads differently in a [class]";
			return;
		} else if (q[0] == '[' && q[1] == ':') {
			/* [:punct:] and others are Unicode in GRegex, ASCII in Hyperscan */
			x->reason = "a POSIX [:class:]";
			return;
		} else if (*q == '\\') {
			q++;
		}
	}
	g_string_append_len(x->out, x->p, end - x->p);
	x->p = end;
}

static void x_group(struct xlate *x)
{
	const char *p = x->p;

	if (p[1] != '?' || p[2] == ':') {
		g_string_append_c(x->out, '(');
		x->p++;
		return;
	}
	if (p[2] == '=' || p[2] == '!' || (p[2] == '<' && (p[3] == '=' || p[3] == '!'))) {
		if (!x->relax) {
			x->reason = p[2] == '<' ? "lookbehind" : "lookahead";
			return;
		}
		x->p = group_end(p);
		x->relaxed = 1;
		return;
	}
	x->reason = "inline option or special group (?...)";
}

/* The regex rewritten for Hyperscan (g_free), or NULL with x->reason. relax: drop the
   lookarounds instead of refusing them. */
static char *translate(const char *re, unsigned flags, int relax, const char **reason_r,
		       int *relaxed_r)
{
	struct xlate x = { .p = re, .out = g_string_new(NULL), .relax = relax,
			   .dotall = (flags & RULE_RE_DOTALL) != 0 };

	/* Their case partners are ASCII letters, which an ASCII text could hold. */
	if (strstr(re, "\u212a") != NULL || strstr(re, "\u017f") != NULL)
		x.reason = "Kelvin sign or long s";
	if (flags & RULE_RE_EXTENDED)
		g_string_append(x.out, "(?x)");
	while (*x.p != '\0' && x.reason == NULL) {
		const char *end;

		switch (*x.p) {
		case '\\':
			x_escape(&x);
			break;
		case '[':
			end = class_end(x.p);
			x_class(&x, end);
			break;
		case '(':
			x_group(&x);
			break;
		case '{':
			x_repeat(&x);
			break;
		case '.':
			g_string_append(x.out, x.dotall ? "." : DOT_CLASS);
			x.p++;
			break;
		case '$':
			x.reason = "$ (GRegex also matches before a final newline of any kind)";
			break;
		case '#':
			x.reason = (flags & RULE_RE_EXTENDED) ? "comment in x mode" : NULL;
			/* fall through */
		default:
			g_string_append_c(x.out, *x.p);
			x.p++;
			break;
		}
	}
	*reason_r = x.reason;
	*relaxed_r = x.relaxed;
	return g_string_free(x.out, x.reason != NULL);
}

/* A class of pattern (p at '[', end after its ']'; no '_' written in it) with no range over
   '_' ("[A-z]") and no escape but the ones on which '_' and a non-ASCII letter agree. */
static int class_letters_alike(const char *p, const char *end)
{
	const char *q = p + 1;
	unsigned char lo = 0;

	if (*q == '^')
		q++;
	for (; q + 1 < end; q++) {
		unsigned char c = (unsigned char)*q;
		if (c == '\\' && g_ascii_isalnum(q[1]) && strchr("wWsSdDnrtfae", q[1]) == NULL)
			return 0;
		if (c == '\\') {
			lo = (unsigned char)*++q;
			continue;
		}
		if (c == '[' && q[1] == ':')
			return 0;
		/* a range lo-hi: '_' inside it (an escaped hi is taken as written) */
		if (c == '-' && lo != 0 && q + 2 < end) {
			unsigned char hi = (unsigned char)(q[1] == '\\' ? q[2] : q[1]);
			if (lo <= '_' && '_' <= hi)
				return 0;
		}
		lo = c;
	}
	return 1;
}

/* 1 when '_' and every non-ASCII letter with no ASCII case partner fare alike in pattern: it
   is ASCII (no letter of its own), holds no '_', and escapes only with ones on which they
   agree (\w \W \s \S \d \D \b \B, anchors, character escapes); its classes likewise. */
static int letters_alike(const char *pattern)
{
	/* anywhere: in a class, escaped ("\_") or in a comment of x mode */
	for (const char *p = pattern; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80 || *p == '_')
			return 0;
	}
	for (const char *p = pattern; *p != '\0'; p++) {
		if (*p == '\\' && g_ascii_isalnum(p[1]) && strchr("bBwWsSdDnrtfaeAz", p[1]) == NULL)
			return 0;
		if (*p == '\\' && p[1] != '\0') {
			p++;
		} else if (*p == '[') {
			const char *end = class_end(p);
			if (!class_letters_alike(p, end))
				return 0;
			p = end - 1;
		}
	}
	return 1;
}

/* ---- the text Hyperscan scans ---- */

/* A non-ASCII character on which GRegex's Unicode classes agree with how Hyperscan reads
   NEUTRAL_BYTE (punctuation, symbols, format characters): none of \w \s \d, not a newline,
   no ASCII case partner, matched by '.' and by a negated class. */
static int char_is_neutral(gunichar c)
{
	/* \h in PCRE2 although Cf in recent Unicode */
	if (c == 0x180e)
		return 0;
	switch (g_unichar_type(c)) {
	case G_UNICODE_FORMAT:
	case G_UNICODE_CONNECT_PUNCTUATION:
	case G_UNICODE_DASH_PUNCTUATION:
	case G_UNICODE_CLOSE_PUNCTUATION:
	case G_UNICODE_FINAL_PUNCTUATION:
	case G_UNICODE_INITIAL_PUNCTUATION:
	case G_UNICODE_OTHER_PUNCTUATION:
	case G_UNICODE_OPEN_PUNCTUATION:
	case G_UNICODE_CURRENCY_SYMBOL:
	case G_UNICODE_MODIFIER_SYMBOL:
	case G_UNICODE_MATH_SYMBOL:
	case G_UNICODE_OTHER_SYMBOL:
		return 1;
	default:
		return 0;
	}
}

/* A letter GRegex matches with \w and \b like any other, and never with an ASCII literal:
   no case partner in ASCII (the Kelvin sign and the long s have one). */
static int char_is_plain_letter(gunichar c)
{
	return g_unichar_isalpha(c) && g_unichar_tolower(c) >= 0x80 &&
	       g_unichar_toupper(c) >= 0x80 && g_unichar_totitle(c) >= 0x80;
}

/* The ASCII text Hyperscan scans for s: s itself (*copy_r NULL) when ASCII, else a copy
   (g_free *copy_r) with each neutral character replaced by NEUTRAL_BYTE and each plain letter
   by LETTER_BYTE (one character for one, so bounded repeats count alike). *cover_r: how far
   the result holds; NULL (HS_UNCOVERED) when s holds another non-ASCII letter, number, mark
   or space: GRegex's Unicode \w \s \d \b and caseless matching differ there. */
static const char *ascii_text(const char *s, size_t *len_r, char **copy_r,
			      enum hs_cover *cover_r)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out;
	size_t n;

	*copy_r = NULL;
	*cover_r = HS_COVERED;
	while (*p != '\0' && *p < 0x80)
		p++;
	n = (size_t)(p - (const unsigned char *)s);
	if (*p == '\0') {
		*len_r = n;
		return s;
	}
	*copy_r = out = g_malloc(n + strlen((const char *)p) + 1);
	memcpy(out, s, n);
	for (; *p != '\0'; n++) {
		gunichar c;
		if (*p < 0x80) {
			out[n] = (char)*p++;
			continue;
		}
		c = g_utf8_get_char((const char *)p);
		if (char_is_neutral(c)) {
			out[n] = NEUTRAL_BYTE;
		} else if (char_is_plain_letter(c)) {
			out[n] = LETTER_BYTE;
			*cover_r = HS_COVERED_LETTERS;
		} else {
			g_free(out);
			*copy_r = NULL;
			*cover_r = HS_UNCOVERED;
			return NULL;
		}
		p = (const unsigned char *)g_utf8_next_char(p);
	}
	*len_r = n;
	return out;
}

/* ---- build ---- */

static enum rules_text text_of(enum rule_kind kind)
{
	return kind == RULE_SUBJECT ? TEXT_SUBJECT : kind == RULE_BODY ? TEXT_BODY : TEXT_RAWBODY;
}

static int kind_is_text(enum rule_kind kind)
{
	return kind == RULE_SUBJECT || kind == RULE_BODY || kind == RULE_RAWBODY;
}

static void note(struct rule *r, const char *reason, const char *more)
{
	g_free(r->engine_note);
	r->engine_note = g_strdup_printf("%s (%s%s)", r->name, reason, more);
}

/* Each text rule's expression for Hyperscan: exact, or relaxed (ENGINE_HS_PREFILTER, why[i]
   the construct), or none (ENGINE_GREGEX, noted). exprs[i] NULL for no expression. */
static void translate_all(struct rule *rules, unsigned n, char **exprs, const char **why)
{
	for (unsigned i = 0; i < n; i++) {
		struct rule *r = &rules[i];
		const char *reason = NULL, *again = NULL;
		int relaxed = 0;

		r->engine = ENGINE_GREGEX;
		if (!kind_is_text(r->kind) || r->pattern == NULL)
			continue;
		r->hs_letters = letters_alike(r->pattern);
		exprs[i] = translate(r->pattern, r->re_flags, 0, &reason, &relaxed);
		if (exprs[i] != NULL) {
			r->engine = ENGINE_HS;
			continue;
		}
		exprs[i] = translate(r->pattern, r->re_flags, 1, &again, &relaxed);
		if (exprs[i] != NULL && relaxed) {
			r->engine = ENGINE_HS_PREFILTER;
			why[i] = reason;
			note(r, reason, "; GRegex only when Hyperscan finds a looser form");
			continue;
		}
		g_free(exprs[i]);
		exprs[i] = NULL;
		note(r, reason, "");
	}
}

/* ---- the compiled databases cached on disk ----
   Compiling takes about 2 s (seconds more under valgrind): too much for every `pdgate`
   command. As rspamd does, a compiled database is kept in a file named by a SHA-256 of
   Hyperscan's version and every expression, flag and id it was built from, so an edited rule
   gets a new file. Folder: $PDGATE_HS_CACHE (empty: no cache), else ~/.cache/pdgate. A file
   that cannot be read, written or loaded only means compiling again. */

static char *cache_path(GPtrArray *pats, GArray *fl, GArray *ids)
{
	const char *env = g_getenv("PDGATE_HS_CACHE");
	GChecksum *sum;
	char *dir, *path, num[32];

	if (env != NULL && env[0] == '\0')
		return NULL;
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	dir = env != NULL ? g_strdup(env)
			  : g_build_filename(g_get_user_cache_dir(), "pdgate", NULL);
	g_checksum_update(sum, (const guchar *)hs_version(), -1);
	for (guint k = 0; k < pats->len; k++) {
		g_snprintf(num, sizeof(num), "\n%u %u\n", g_array_index(fl, unsigned, k),
			   g_array_index(ids, unsigned, k));
		g_checksum_update(sum, (const guchar *)num, -1);
		g_checksum_update(sum, pats->pdata[k], -1);
	}
	path = g_strdup_printf("%s/hs-%s.db", dir, g_checksum_get_string(sum));
	g_checksum_free(sum);
	g_free(dir);
	return path;
}

static hs_database_t *cache_load(const char *path)
{
	hs_database_t *db = NULL;
	char *bytes = NULL;
	gsize len = 0;

	if (path != NULL && g_file_get_contents(path, &bytes, &len, NULL) &&
	    hs_deserialize_database(bytes, len, &db) != HS_SUCCESS)
		db = NULL;
	g_free(bytes);
	return db;
}

static void cache_store(const char *path, const hs_database_t *db)
{
	char *bytes = NULL, *dir;
	size_t len = 0;

	if (path == NULL || hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	dir = g_path_get_dirname(path);
	/* Atomic (a temporary file renamed): several processes may store the same file. */
	if (g_mkdir_with_parents(dir, 0700) == 0)
		(void)g_file_set_contents(path, bytes, (gssize)len, NULL);
	g_free(dir);
	free(bytes);
}

/* One database for the rules of text kind; a rule Hyperscan rejects is taken out (noted,
   ENGINE_GREGEX) and the rest compiled again. NULL when no expression is left. */
static hs_database_t *compile_text(struct rule *rules, unsigned n, char **exprs,
				   const char **why, enum rules_text kind)
{
	GPtrArray *pats = g_ptr_array_new();
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(unsigned));
	GArray *fl = g_array_new(FALSE, FALSE, sizeof(unsigned));
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;
	char *path;
	int clean = 1;

	for (unsigned i = 0; i < n; i++) {
		/* No HS_FLAG_UTF8: the text scanned is ASCII (ascii_text), and byte mode
		   keeps bounded repeats of classes small to compile. */
		unsigned f = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		if (exprs[i] == NULL || text_of(rules[i].kind) != kind)
			continue;
		if (rules[i].re_flags & RULE_RE_DOTALL)
			f |= HS_FLAG_DOTALL;
		g_ptr_array_add(pats, exprs[i]);
		g_array_append_val(ids, i);
		g_array_append_val(fl, f);
	}
	/* Cached only when every expression compiled: the notes of rejected ones are not kept. */
	path = pats->len > 0 ? cache_path(pats, fl, ids) : NULL;
	if ((db = cache_load(path)) != NULL)
		goto out;
	while (pats->len > 0 &&
	       hs_compile_multi((const char *const *)pats->pdata, (unsigned *)(void *)fl->data,
				(unsigned *)(void *)ids->data, pats->len, HS_MODE_BLOCK, NULL, &db,
				&err) != HS_SUCCESS) {
		/* Not one expression's fault: give the whole text to GRegex. */
		guint bad = err->expression >= 0 ? (guint)err->expression : 0;
		guint upto = err->expression >= 0 ? bad + 1 : pats->len;
		for (guint k = bad; k < upto; k++) {
			unsigned i = g_array_index(ids, unsigned, k);
			char *more = g_strdup_printf("; Hyperscan: %s", err->message);
			if (why[i] != NULL)
				note(&rules[i], why[i], more);
			else
				note(&rules[i], "Hyperscan: ", err->message);
			rules[i].engine = ENGINE_GREGEX;
			g_free(more);
		}
		g_ptr_array_remove_range(pats, bad, upto - bad);
		g_array_remove_range(ids, bad, upto - bad);
		g_array_remove_range(fl, bad, upto - bad);
		hs_free_compile_error(err);
		err = NULL;
		db = NULL;
		clean = 0;
	}
	if (db != NULL && clean)
		cache_store(path, db);
out:
	g_free(path);
	g_ptr_array_unref(pats);
	g_array_unref(ids);
	g_array_unref(fl);
	return db;
}

const char *rules_hs_unavailable(void)
{
	const char *env = g_getenv("PDGATE_NO_HYPERSCAN");

	if (env != NULL && env[0] != '\0' && strcmp(env, "0") != 0)
		return "Hyperscan disabled by PDGATE_NO_HYPERSCAN";
	if (hs_valid_platform() != HS_SUCCESS)
		return "Hyperscan: this CPU lacks SSSE3";
	return NULL;
}

static int pool_init(struct rules_hs *hs)
{
	hs->pool = g_malloc0(sizeof(*hs->pool));
	g_mutex_init(&hs->pool->lock);
	hs->pool->free = g_ptr_array_new();
	for (unsigned k = 0; k < TEXT_COUNT; k++) {
		if (hs->db[k] != NULL && hs_alloc_scratch(hs->db[k], &hs->pool->proto) != HS_SUCCESS)
			return 0;
	}
	return 1;
}

struct rules_hs *rules_hs_build(struct rule *rules, unsigned n_rules, const char **why_r)
{
	char **exprs = g_malloc0_n(n_rules + 1, sizeof(*exprs));
	const char **why = g_malloc0_n(n_rules + 1, sizeof(*why));
	struct rules_hs *hs = g_malloc0(sizeof(*hs));
	int any = 0;

	translate_all(rules, n_rules, exprs, why);
	for (unsigned k = 0; k < TEXT_COUNT; k++) {
		hs->db[k] = compile_text(rules, n_rules, exprs, why, (enum rules_text)k);
		any |= hs->db[k] != NULL;
	}
	*why_r = any ? NULL : "no regex compiled with Hyperscan";
	if (any && !pool_init(hs))
		*why_r = "Hyperscan: no scratch space";
	if (*why_r != NULL) {
		for (unsigned i = 0; i < n_rules; i++)
			rules[i].engine = ENGINE_GREGEX;
		rules_hs_free(&hs);
	}
	for (unsigned i = 0; i < n_rules; i++)
		g_free(exprs[i]);
	g_free(exprs);
	g_free(why);
	return hs;
}

void rules_hs_free(struct rules_hs **hs)
{
	struct scratch_pool *pool;

	if (*hs == NULL)
		return;
	if ((pool = (*hs)->pool) != NULL) {
		for (guint i = 0; i < pool->free->len; i++)
			hs_free_scratch(pool->free->pdata[i]);
		g_ptr_array_unref(pool->free);
		hs_free_scratch(pool->proto);
		g_mutex_clear(&pool->lock);
		g_free(pool);
	}
	for (unsigned k = 0; k < TEXT_COUNT; k++)
		hs_free_database((*hs)->db[k]);
	g_free(*hs);
	*hs = NULL;
}

/* ---- scan ---- */

static hs_scratch_t *scratch_get(struct scratch_pool *pool)
{
	hs_scratch_t *s = NULL;

	g_mutex_lock(&pool->lock);
	if (pool->free->len > 0)
		s = g_ptr_array_steal_index_fast(pool->free, pool->free->len - 1);
	g_mutex_unlock(&pool->lock);
	if (s == NULL && hs_clone_scratch(pool->proto, &s) != HS_SUCCESS)
		return NULL;
	return s;
}

static void scratch_put(struct scratch_pool *pool, hs_scratch_t *s)
{
	g_mutex_lock(&pool->lock);
	g_ptr_array_add(pool->free, s);
	g_mutex_unlock(&pool->lock);
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	((unsigned char *)ctx)[id] = 1;
	return 0;
}

enum hs_cover rules_hs_scan(const struct rules_hs *hs, enum rules_text kind, const char *text,
			    unsigned char *hit)
{
	hs_scratch_t *s = NULL;
	hs_error_t e = HS_INVALID;
	enum hs_cover cover = HS_UNCOVERED;
	char *copy = NULL;
	const char *ascii;
	size_t len = 0;

	if (hs->db[kind] == NULL)
		return HS_COVERED;
	if ((ascii = ascii_text(text, &len, &copy, &cover)) != NULL && len <= G_MAXUINT &&
	    (s = scratch_get(hs->pool)) != NULL) {
		e = hs_scan(hs->db[kind], ascii, (unsigned)len, 0, s, on_match, hit);
		scratch_put(hs->pool, s);
	}
	g_free(copy);
	return e == HS_SUCCESS ? cover : HS_UNCOVERED;
}

#else /* !PDGATE_HYPERSCAN: every regex on GRegex */

const char *rules_hs_unavailable(void)
{
	return "built without Hyperscan";
}

struct rules_hs *rules_hs_build(struct rule *rules, unsigned n_rules, const char **why_r)
{
	*why_r = rules_hs_unavailable();
	return NULL;
}

void rules_hs_free(struct rules_hs **hs)
{
	*hs = NULL;
}

enum hs_cover rules_hs_scan(const struct rules_hs *hs, enum rules_text kind, const char *text,
			    unsigned char *hit)
{
	return HS_UNCOVERED;
}

#endif
