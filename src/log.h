/*
 * log: the daemon's one logger.
 *
 * Messages go to stderr, stdout, a file or syslog, or nowhere (-L, as in
 * Net-SNMP's tools). Net-SNMP's own log is routed here by the agent
 * module, so one place decides where everything goes and at which level.
 */
#ifndef VS_LOG_H
#define VS_LOG_H

#include <stdbool.h>

enum log_target { LOG_TO_STDERR, LOG_TO_STDOUT, LOG_TO_FILE, LOG_TO_SYSLOG, LOG_TO_NOTHING };

/* Chooses where messages go; ident names the program in syslog and stream
 * lines; path is the file for LOG_TO_FILE. Before the first call, messages
 * go to stderr. Returns 0, or -1 when the file cannot be opened (messages
 * then go to stderr). */
int log_init(const char *ident, enum log_target target, const char *path);

/* Messages above this syslog priority (LOG_ERR … LOG_DEBUG) are dropped;
 * LOG_INFO by default. */
void log_set_level(int max_priority);

/* Each appends nothing but a newline, except log_warn, which appends
 * ": <strerror(errno)>" for the errno current at the call. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies s (NULL: "") for a log line: at most 64 characters, anything but
 * visible ASCII and space as '?', '~' when cut, so that a name from a
 * hostile document cannot forge log lines. Returns out. */
const char *log_printable(const char *s, char out[68]);

/* Logs an already formatted message at a syslog priority: the entry point
 * for messages relayed from Net-SNMP. */
void log_message(int priority, const char *msg);

#endif
