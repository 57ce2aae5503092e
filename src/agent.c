#include "agent.h"

#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/library/large_fd_set.h>
#include <stdlib.h>
#include <strings.h>

#include "clock.h"
#include "log.h"

static const char *agent_app;
static bool socket_from_command_line;
static bool registration_refused;
static unsigned int reregister_alarm;

/* Net-SNMP's messages, through our logger. */
static int agent_log(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message *m = serverarg;
	/* A master that has not yet noticed our previous run's death still
	 * holds its registrations and refuses ours as duplicates; Net-SNMP
	 * only says so in its log. */
	if (!strncmp(m->msg, "registering pdu failed", 22))
		registration_refused = true;
	log_message(m->priority, m->msg);
	return 0;
}

/* Registers everything afresh (what did get registered first goes, so
 * nothing is refused as our own duplicate). */
static void agent_reregister(unsigned int alarm, void *ctx)
{
	registration_refused = false;
	log_info("registering VS-ACCOUNTING-MIB with the master again");
	register_mib_detach();
	register_mib_reattach();
	if (registration_refused) {
		registration_refused = false; /* the alarm repeats */
		return;
	}
	snmp_alarm_unregister(alarm);
	reregister_alarm = 0;
}

void agent_init(const char *app, const char *agentx_socket)
{
	agent_app = app;
	snmp_disable_log();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, agent_log, NULL);
	snmp_enable_calllog();

	netsnmp_enable_subagent();
	/* vsacctd reads its own configuration file; Net-SNMP gets only the
	 * lines meant for it, and keeps no persistent files of its own. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	/* The loop runs the alarms: no SIGALRM interrupting it. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	if (agentx_socket) {
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, agentx_socket);
		socket_from_command_line = true;
	}
	/* A subagent resolves no OIDs by name: reading every MIB file on the
	 * host would only cost start-up time and fill the log. */
	setenv("MIBS", "", 1);
	init_agent(app);
	/* init_agent sets the ping interval to 15 s: ours goes after it,
	 * the config's agentXPingInterval after that, in agent_start. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
			   AGENT_DEFAULT_PING_INTERVAL);
}

static bool has_handler(const char *type, const char *token)
{
	for (struct config_line *l = read_config_get_handlers(type); l; l = l->next)
		if (l->config_token && !strcasecmp(l->config_token, token))
			return true;
	return false;
}

bool agent_knows_token(const char *token)
{
	return has_handler(agent_app, token) || has_handler("agentx", token);
}

int agent_start(const struct conf *conf, struct mib *mib)
{
	for (size_t i = 0; i < conf->n_foreign; i++) {
		const struct conf_foreign *f = &conf->foreign[i];
		if (socket_from_command_line && !strncasecmp(f->text, "agentxsocket", 12)) {
			log_info("%s:%u: agentXSocket: -x on the command line wins", f->file, f->line);
			continue;
		}
		netsnmp_config_remember(f->text);
	}
	if (mib_register(mib) < 0) {
		log_warnx("cannot register VS-ACCOUNTING-MIB with the agent library");
		return -1;
	}
	/* Reads the remembered lines, then opens the master session. */
	init_snmp(agent_app);
	return 0;
}

/* Sends a notification's varbinds (NULL: out of memory) through the master. */
static void agent_send(netsnmp_variable_list *vars, const char *what)
{
	if (!vars) {
		log_warnx("out of memory for %s", what);
		return;
	}
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

void agent_notify_vm_state(const struct inv_vm *vm)
{
	agent_send(mib_vm_state_change(vm), "vsVmStateChange");
}

void agent_notify_capture_loss(const struct inv_net *net)
{
	agent_send(mib_capture_loss(net), "vsNetCaptureLoss");
}

void agent_stop(void)
{
	snmp_shutdown(agent_app);
}

/* A value derived from two clock readings wobbles from one read to the
 * next; keep the stored one until it is off by more than tolerance. */
static int64_t steady(int64_t *stored, int64_t fresh, int64_t tolerance)
{
	if (*stored == 0 || fresh - *stored > tolerance || *stored - fresh > tolerance)
		*stored = fresh;
	return *stored;
}

/* The instant the master's sysUpTime was 0, on our monotonic clock: as
 * served, and as a previous run served it (0: none). */
static int64_t uptime_origin_usec, previous_origin_usec;
#define ORIGIN_WOBBLE_USEC 20000

void agent_clock(struct mib_clock *now)
{
	static int64_t offset_usec;
	now->mono_usec = clock_mono_usec();
	/* Net-SNMP gives uptime in hundredths, so the instant read afresh
	 * wobbles by one; it really moves only when a (new) master's session
	 * opens. The same master as the previous run's: its instant, so that
	 * the TimeStamps of kept discontinuities stay what they were. */
	int64_t fresh = now->mono_usec - (int64_t)netsnmp_get_agent_uptime() * 10000;
	if (previous_origin_usec && fresh - previous_origin_usec <= ORIGIN_WOBBLE_USEC &&
	    previous_origin_usec - fresh <= ORIGIN_WOBBLE_USEC)
		fresh = previous_origin_usec;
	now->start_usec = steady(&uptime_origin_usec, fresh, ORIGIN_WOBBLE_USEC);
	/* Moves only when the wall clock is set. */
	now->real_offset_usec = steady(&offset_usec, clock_real_usec() - now->mono_usec, 500000);
}

int64_t agent_uptime_origin(void) { return uptime_origin_usec; }
void agent_previous_uptime_origin(int64_t origin_usec) { previous_origin_usec = origin_usec; }

static size_t agent_pollfds(void *ctx, struct pollfd *fds, size_t max, int *timeout_ms)
{
	netsnmp_large_fd_set readfds;
	netsnmp_large_fd_set_init(&readfds, FD_SETSIZE);
	int numfds = 0, block = 1;
	struct timeval tv = { 0, 0 };
	/* Asked afresh every time: a reconnected master may have a new fd. */
	snmp_select_info2(&numfds, &readfds, &tv, &block);
	size_t n = 0;
	for (int fd = 0; fd < numfds && n < max; fd++)
		if (NETSNMP_LARGE_FD_ISSET(fd, &readfds))
			fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	netsnmp_large_fd_set_cleanup(&readfds);
	if (!block) {
		long ms = tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)ms;
	}
	return n;
}

static void agent_handle(void *ctx, const struct pollfd *fds, size_t n, const struct loop_now *now)
{
	netsnmp_large_fd_set readfds;
	netsnmp_large_fd_set_init(&readfds, FD_SETSIZE);
	bool readable = false;
	for (size_t i = 0; i < n; i++) {
		if (fds[i].revents) {
			NETSNMP_LARGE_FD_SET(fds[i].fd, &readfds);
			readable = true;
		}
	}
	if (readable)
		snmp_read2(&readfds);
	else
		snmp_timeout();
	netsnmp_large_fd_set_cleanup(&readfds);
	if (registration_refused && !reregister_alarm)
		reregister_alarm = snmp_alarm_register(AGENT_REREGISTER_SECONDS, SA_REPEAT,
						       agent_reregister, NULL);
	registration_refused = false;
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
}

const struct loop_client agent_loop_client = { agent_pollfds, agent_handle, NULL, true };
