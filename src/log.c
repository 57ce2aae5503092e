#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

static enum log_target log_target = LOG_TO_STDERR;
static const char *log_ident = "vsacctd";
static int log_level = LOG_INFO;
static FILE *log_file;

int log_init(const char *ident, enum log_target target, const char *path)
{
	log_ident = ident;
	log_target = target;
	if (target == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (target == LOG_TO_FILE) {
		if (log_file)
			fclose(log_file);
		log_file = fopen(path, "a");
		if (!log_file) {
			log_target = LOG_TO_STDERR;
			log_warn("cannot open log file %s", path);
			return -1;
		}
		setvbuf(log_file, NULL, _IOLBF, 0);
	}
	return 0;
}

void log_set_level(int max_priority) { log_level = max_priority; }

void log_message(int priority, const char *msg)
{
	if (priority > log_level)
		return;
	FILE *out;
	switch (log_target) {
	case LOG_TO_NOTHING:
		return;
	case LOG_TO_SYSLOG:
		syslog(priority, "%s", msg);
		return;
	case LOG_TO_FILE: out = log_file; break;
	case LOG_TO_STDOUT: out = stdout; break;
	default: out = stderr; break;
	}
	/* Net-SNMP hands over lines that may already end in a newline. */
	size_t n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	fprintf(out, "%s: %.*s\n", log_ident, (int)n, msg);
	fflush(out);
}

static void log_vformat(int priority, const char *suffix, const char *fmt, va_list ap)
{
	if (priority > log_level)
		return;
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

const char *log_printable(const char *s, char out[68])
{
	size_t i = 0;
	for (; s && s[i] && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	if (s && s[i])
		out[i++] = '~';
	out[i] = '\0';
	return out;
}
