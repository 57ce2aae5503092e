/*
 * agent: vsacctd as a Net-SNMP AgentX subagent.
 *
 * Lifecycle: agent_init (subagent role, Net-SNMP's log routed to ours, its
 * configuration tokens registered) → the configuration is parsed, with
 * agent_knows_token deciding which foreign tokens Net-SNMP takes →
 * agent_start (hands those lines to Net-SNMP, registers the MIB, connects
 * to the master; a missing master is retried every ping interval) → the
 * loop drives agent_loop_client → agent_stop.
 */
#ifndef VS_AGENT_H
#define VS_AGENT_H

#include <stdbool.h>

#include "conf.h"
#include "loop.h"
#include "mib.h"

/* Seconds between AgentX pings, and between reconnection attempts while
 * the master is away, unless agentXPingInterval says otherwise. */
#define AGENT_DEFAULT_PING_INTERVAL 5

/* Seconds between attempts to register again when the master refused a
 * registration (it still held a dead predecessor's). */
#define AGENT_REREGISTER_SECONDS 1

/* Sets up Net-SNMP for the subagent app. agentx_socket (or NULL) is the
 * master's socket from the command line: it wins over the config's. */
void agent_init(const char *app, const char *agentx_socket);

/* Whether Net-SNMP has a configuration handler for token. */
bool agent_knows_token(const char *token);

/* Hands conf's Net-SNMP lines to Net-SNMP, registers mib, connects.
 * Returns 0 or -1. */
int agent_start(const struct conf *conf, struct mib *mib);

/* The loop's view of the agent: Net-SNMP's descriptors and timers. */
extern const struct loop_client agent_loop_client;

void agent_stop(void);

/* Send vsVmStateChange / vsNetCaptureLoss through the master (to its trap
 * sinks). */
void agent_notify_vm_state(const struct inv_vm *vm);
void agent_notify_capture_loss(const struct inv_net *net);

/* The clocks for mib: the master's sysUpTime, monotonic and wall time. */
void agent_clock(struct mib_clock *now);

/*
 * The instant (monotonic µs) the master's sysUpTime was 0, as the
 * TimeStamps served count from it (0 before the first request), and the
 * one a previous run of vsacctd served with: a master whose uptime agrees
 * with it (within the hundredth it is read to) is that same master, and
 * its instant is taken as it was, so that a restarted subagent serves the
 * TimeStamp of a discontinuity it kept unchanged.
 */
int64_t agent_uptime_origin(void);
void agent_previous_uptime_origin(int64_t origin_usec);

#endif
