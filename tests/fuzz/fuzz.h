/*
 * fuzz.h: what the fuzz targets share. CHECK aborts (a crash, to
 * libFuzzer) naming the promise a result broke; fuzz_fixed_conf sets up a
 * target that fuzzes against one fixed configuration.
 */
#ifndef VS_FUZZ_H
#define VS_FUZZ_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,    \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* Logs to nothing and returns text parsed as target's configuration;
 * aborts when it does not parse (the target itself is wrong). */
static inline struct conf *fuzz_fixed_conf(const char *target, const char *text)
{
	log_init(target, LOG_TO_NOTHING, NULL);
	struct conf_error err;
	struct conf *conf = conf_new();
	if (!conf || conf_parse_buffer(conf, target, text, strlen(text), &err) < 0) {
		fprintf(stderr, "%s: configuration: %s\n", target, conf ? err.msg : "no memory");
		abort();
	}
	return conf;
}

/* Whether s is 1 to max printable characters, none of them blank. */
static inline bool fuzz_visible(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

#endif
