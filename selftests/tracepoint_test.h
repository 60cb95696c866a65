/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tracepoint_test.bpf.c writes to its ring buffer and tracepoint_test.c
 * reads: one record per event, in the order the events fired.
 */
#ifndef TRACEPOINT_TEST_H
#define TRACEPOINT_TEST_H

#include <linux/types.h>

enum {
	PD_EV_OPEN_ENTER = 1,
	PD_EV_OPEN_RETURN,
	PD_EV_ARM_ENTER,
	PD_EV_ARM_RETURN,
	PD_EV_DISARM_ENTER,
	PD_EV_DISARM_RETURN,
	PD_EV_REAPABLE_ENTER,
	PD_EV_REAPABLE_RETURN,
	PD_EV_GETPID_ENTER,
	PD_EV_GETPID_RETURN,
	PD_EV_KILL_ENTER,
	PD_EV_KILL_RETURN,
	PD_EV_WAIT_ENTER,
	PD_EV_WAIT_RETURN,
	PD_EV_PIDFD_ENTER,
	PD_EV_PIDFD_RETURN,
	PD_EV_ERROR,
	PD_EV_CREATE,
	PD_EV_EXIT,
	PD_EV_RELEASE,
	PD_EV_LOCK_ACQUIRED,
	PD_EV_LOCK_RELEASE,
	PD_EV_COUNT
};

/* Or'ed into the id of an event of procdesc32. */
#define PD_EV_COMPAT	0x100

/* One event; userspace checks the size of every record it reads. */
struct pd_rec {
	__u32 id;	/* PD_EV_*, with PD_EV_COMPAT for procdesc32 */
	__u32 tgid;	/* the process that fired it */
	__s32 f[3];	/* its integer fields, in their order; 0 past the last */
	char str[16];	/* op (error) or name (lock_*) */
	__u32 pad;
	__u64 addr;	/* addr (lock_*) */
};

#endif /* TRACEPOINT_TEST_H */
