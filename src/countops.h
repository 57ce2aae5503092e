/*
 * countops: what a counting method implements (see countmethod.h, the seam
 * that dispatches to it): a table of functions over the method's own state.
 */
#ifndef VS_COUNTOPS_H
#define VS_COUNTOPS_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "countwindow.h"
#include "hostif.h"
#include "inventory.h"

/* Called when a network's counting lost frames (at most once a minute). */
typedef void (*count_loss_fn)(void *ctx, const struct inv_net *net);

/* What a method implements; impl is its own state. */
struct count_method_ops {
	const char *name;
	int (*bind)(void *impl, struct inventory *inv, const struct conf *conf);
	int (*fd)(void *impl);
	void (*read_ready)(void *impl);
	void (*drain)(void *impl);
	void (*link)(void *impl, const char *ifname, const struct hostif_info *info,
		     int64_t mono_usec);
	/* read: also hand acct what was counted (else upkeep only). */
	void (*tick)(void *impl, int64_t mono_usec, bool read);
	void (*saved)(void *impl);
	void (*restored)(void *impl);
	void (*on_loss)(void *impl, count_loss_fn fn, void *ctx);
	void (*window)(void *impl, struct count_window window);
	void (*close)(void *impl);
	void (*retire)(void *impl);
	void (*stop)(void *impl);
};

#endif
