/*
 * lines: a text in memory as numbered lines, each refused when longer than
 * the caller's limit or holding a NUL byte, else copied NUL-terminated into
 * the caller's buffer; and a line split into words in place. The
 * configuration and the state files read their text through it; what a
 * line means, and how its errors read, stays with each parser.
 *
 * Lifecycle: lines_init over a text → lines_next until LINES_END (or until
 * the caller stops at a refused line) → lines_words on a line if wanted.
 * The text is only read and must outlive the reader.
 *
 * A line ends at '\n', which is not part of it; text after the last '\n'
 * is a last line of its own, so "a\nb" and "a\nb\n" are both two lines and
 * an empty text is none.
 */
#ifndef VS_LINES_H
#define VS_LINES_H

#include <stddef.h>

/* lines_init's flags. */
#define LINES_CRLF 1 /* a CR ending a line is not part of it (CRLF files) */

/* What lines_next found. */
enum lines_result {
	LINES_END = 0,       /* no more lines */
	LINES_OK = 1,        /* the next line, in the buffer */
	LINES_TOO_LONG = -1, /* a line longer than the limit (not copied) */
	LINES_NUL = -2,      /* a line holding a NUL byte (not copied) */
};

struct lines {
	unsigned number; /* of the line last found, from 1; 0 before the first */
	/* The rest is lines_next's. */
	const char *text;
	size_t len, pos;
	char *buf;
	size_t max;
	int flags;
};

/* Reads len bytes of text (NULL when len is 0) into buf, which holds
 * max + 1 bytes: lines up to max bytes are accepted. */
void lines_init(struct lines *lr, const char *text, size_t len, char *buf, size_t max,
		int flags);

/*
 * The next line: LINES_OK with *line pointing to its copy in the buffer
 * (valid until the next call), or LINES_END; or, for a line refused,
 * LINES_TOO_LONG (checked first) or LINES_NUL. Every result but LINES_END
 * moves past a line and numbers it in lr->number, so a caller may go on
 * after a refused line.
 */
enum lines_result lines_next(struct lines *lr, char **line);

/*
 * Splits line in place into words separated by runs of any of the
 * characters in blanks, storing at most max of them in words. A word that
 * starts with comment (when it is not '\0') ends the line, unstored.
 * Returns the number of words, or max + 1 when the line has more than max
 * (words then holds the first max).
 */
int lines_words(char *line, const char *blanks, char comment, char *words[], int max);

#endif
