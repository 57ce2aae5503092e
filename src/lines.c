#include "lines.h"

#include <string.h>

void lines_init(struct lines *lr, const char *text, size_t len, char *buf, size_t max,
		int flags)
{
	*lr = (struct lines){ .text = text, .len = len, .buf = buf, .max = max, .flags = flags };
}

enum lines_result lines_next(struct lines *lr, char **line)
{
	if (lr->pos >= lr->len)
		return LINES_END;
	const char *start = lr->text + lr->pos;
	size_t rest = lr->len - lr->pos;
	const char *nl = memchr(start, '\n', rest);
	size_t n = nl ? (size_t)(nl - start) : rest;
	lr->pos += nl ? n + 1 : n;
	lr->number++;
	if ((lr->flags & LINES_CRLF) && n > 0 && start[n - 1] == '\r')
		n--;
	/* A refused line is never copied: the buffer is sized for the limit. */
	if (n > lr->max)
		return LINES_TOO_LONG;
	if (memchr(start, '\0', n))
		return LINES_NUL;
	memcpy(lr->buf, start, n);
	lr->buf[n] = '\0';
	*line = lr->buf;
	return LINES_OK;
}

int lines_words(char *line, const char *blanks, char comment, char *words[], int max)
{
	int n = 0;
	for (char *p = line;;) {
		p += strspn(p, blanks);
		if (!*p || (comment && *p == comment))
			return n;
		if (n == max)
			return max + 1;
		words[n++] = p;
		p += strcspn(p, blanks);
		if (*p)
			*p++ = '\0';
	}
}
