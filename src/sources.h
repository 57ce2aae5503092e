/*
 * sources: the table of every discovery source vsacctd has (source.h is
 * the interface each of them implements).
 */
#ifndef VS_SOURCES_H
#define VS_SOURCES_H

#include "source.h"

/* The source of that kind, or NULL. */
const struct source_ops *sources_find(const char *kind);

/* The kinds there are, comma-separated: for messages. */
const char *sources_kinds(void);

#endif
