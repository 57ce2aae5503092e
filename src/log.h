/*
 * log: the daemon's one logger.
 *
 * Messages go to stderr (foreground, tests) or syslog (daemon). Net-SNMP's
 * own log is routed here by the agent module, so one place decides where
 * everything goes and at which level.
 */
#ifndef VS_LOG_H
#define VS_LOG_H

#include <stdbool.h>

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG };

/* Chooses where messages go; ident names the program in syslog and stderr
 * lines. Before the first call, messages go to stderr. */
void log_init(const char *ident, enum log_target target);

/* Enables or silences log_debug. */
void log_set_debug(bool enabled);
bool log_debug_enabled(void);

/* Each appends nothing but a newline, except log_warn, which appends
 * ": <strerror(errno)>" for the errno current at the call. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs an already formatted message at a syslog priority (LOG_ERR…LOG_DEBUG):
 * the entry point for messages relayed from Net-SNMP. */
void log_message(int priority, const char *msg);

#endif
