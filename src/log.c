#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static enum log_target log_target = LOG_TO_STDERR;
static const char *log_ident = "vsacctd";
static bool log_debugging;

void log_init(const char *ident, enum log_target target)
{
	log_ident = ident;
	log_target = target;
	if (target == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_debug(bool enabled) { log_debugging = enabled; }
bool log_debug_enabled(void) { return log_debugging; }

void log_message(int priority, const char *msg)
{
	if (priority == LOG_DEBUG && !log_debugging)
		return;
	if (log_target == LOG_TO_SYSLOG) {
		syslog(priority, "%s", msg);
		return;
	}
	/* Net-SNMP hands over lines that may already end in a newline. */
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	fprintf(stderr, "%s: %.*s\n", log_ident, (int)n, msg);
}

static void log_vformat(int priority, const char *suffix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (suffix && n >= 0 && (size_t)n < sizeof buf)
		snprintf(buf + n, sizeof buf - (size_t)n, ": %s", suffix);
	log_message(priority, buf);
}

void log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;
	va_start(ap, fmt);
	log_vformat(LOG_WARNING, why, fmt, ap);
	va_end(ap);
}

#define LOG_DEFINE(name, priority)                       \
	void name(const char *fmt, ...)                  \
	{                                                \
		va_list ap;                              \
		va_start(ap, fmt);                       \
		log_vformat(priority, NULL, fmt, ap);    \
		va_end(ap);                              \
	}

LOG_DEFINE(log_warnx, LOG_WARNING)
LOG_DEFINE(log_info, LOG_INFO)
LOG_DEFINE(log_debug, LOG_DEBUG)
