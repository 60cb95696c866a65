// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF half of tracepoint_test: one program on every tracepoint of the
 * procdesc and procdesc32 trace systems, each copying its event's fields
 * into a ring buffer record, so that userspace sees every event in the
 * order it fired.
 *
 * The raw layouts are written by hand from the tracefs formats of
 * src/pd_events.h: the 8-byte common header, then the fields in their
 * order. The kernel is 64-bit, so addr is 8 bytes in procdesc32 too.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "tracepoint_test.h"

/* Records the ring buffer had no room for: the test expects none. */
__u64 pd_dropped;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} pd_events SEC(".maps");

/* The tracefs formats. */
struct pd_tp_common {
	unsigned short common_type;
	unsigned char common_flags;
	unsigned char common_preempt_count;
	int common_pid;
};

/* getpid_enter, pidfd_enter */
struct pd_tp_pid_enter {
	struct pd_tp_common common;
	int pid;
};

/*
 * getpid_return, kill_return, pidfd_return, open_return, arm_return,
 * disarm_return, reapable_return
 */
struct pd_tp_pid_return {
	struct pd_tp_common common;
	int pid;
	int ret;
};

/* arm_enter, disarm_enter, reapable_enter */
struct pd_tp_flags_enter {
	struct pd_tp_common common;
	__u32 flags;
};

struct pd_tp_open_enter {
	struct pd_tp_common common;
	int pidfd;
	__u32 flags;
};

struct pd_tp_kill_enter {
	struct pd_tp_common common;
	int pid;
	int signal;
};

struct pd_tp_wait_enter {
	struct pd_tp_common common;
	int pid;
	__u32 options;
};

struct pd_tp_wait_return {
	struct pd_tp_common common;
	int pid;
	int ret;
	int status;
};

struct pd_tp_error {
	struct pd_tp_common common;
	char op[16];
	int pid;
	int err;
};

struct pd_tp_create {
	struct pd_tp_common common;
	int pid;
	int fd;
	__u32 flags;
};

struct pd_tp_exit {
	struct pd_tp_common common;
	int pid;
	int status;
};

struct pd_tp_release {
	struct pd_tp_common common;
	int pid;
	int killed;
};

/* lock_acquired, lock_release */
struct pd_tp_lock {
	struct pd_tp_common common;
	char name[16];
	__u64 addr;
};

static __always_inline int pd_emit(__u32 id, __s32 f0, __s32 f1, __s32 f2,
				   const char *str, __u64 addr)
{
	struct pd_rec *r;

	r = bpf_ringbuf_reserve(&pd_events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&pd_dropped, 1);
		return 0;
	}
	r->id = id;
	r->tgid = bpf_get_current_pid_tgid() >> 32;
	r->f[0] = f0;
	r->f[1] = f1;
	r->f[2] = f2;
	if (str)
		__builtin_memcpy(r->str, str, sizeof(r->str));
	else
		__builtin_memset(r->str, 0, sizeof(r->str));
	r->pad = 0;
	r->addr = addr;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/*
 * PD_PROG(event, EVENT, raw struct, fields...) defines the programs for
 * procdesc:<event> and procdesc32:<event>32, with the ids PD_EV_<EVENT>
 * and PD_EV_<EVENT> | PD_EV_COMPAT; the fields are pd_emit()'s, from ctx.
 */
#define PD_PROG(ev, EV, type, ...)					\
	SEC("tracepoint/procdesc/" #ev)					\
	int tp_##ev(struct type *ctx)					\
	{								\
		return pd_emit(PD_EV_##EV, __VA_ARGS__);		\
	}								\
	SEC("tracepoint/procdesc32/" #ev "32")				\
	int tp_##ev##32(struct type *ctx)				\
	{								\
		return pd_emit(PD_EV_##EV | PD_EV_COMPAT, __VA_ARGS__);	\
	}

PD_PROG(open_enter, OPEN_ENTER, pd_tp_open_enter,
	ctx->pidfd, ctx->flags, 0, NULL, 0)
PD_PROG(open_return, OPEN_RETURN, pd_tp_pid_return,
	ctx->pid, ctx->ret, 0, NULL, 0)
PD_PROG(arm_enter, ARM_ENTER, pd_tp_flags_enter,
	ctx->flags, 0, 0, NULL, 0)
PD_PROG(arm_return, ARM_RETURN, pd_tp_pid_return,
	ctx->pid, ctx->ret, 0, NULL, 0)
PD_PROG(disarm_enter, DISARM_ENTER, pd_tp_flags_enter,
	ctx->flags, 0, 0, NULL, 0)
PD_PROG(disarm_return, DISARM_RETURN, pd_tp_pid_return,
	ctx->pid, ctx->ret, 0, NULL, 0)
PD_PROG(reapable_enter, REAPABLE_ENTER, pd_tp_flags_enter,
	ctx->flags, 0, 0, NULL, 0)
PD_PROG(reapable_return, REAPABLE_RETURN, pd_tp_pid_return,
	ctx->pid, ctx->ret, 0, NULL, 0)
PD_PROG(getpid_enter, GETPID_ENTER, pd_tp_pid_enter,
	ctx->pid, 0, 0, NULL, 0)
PD_PROG(getpid_return, GETPID_RETURN, pd_tp_pid_return,
	ctx->pid, ctx->ret, 0, NULL, 0)
PD_PROG(kill_enter, KILL_ENTER, pd_tp_kill_enter,
	ctx->pid, ctx->signal, 0, NULL, 0)
PD_PROG(kill_return, KILL_RETURN, pd_tp_pid_return,
	ctx->pid, ctx->ret, 0, NULL, 0)
PD_PROG(wait_enter, WAIT_ENTER, pd_tp_wait_enter,
	ctx->pid, ctx->options, 0, NULL, 0)
PD_PROG(wait_return, WAIT_RETURN, pd_tp_wait_return,
	ctx->pid, ctx->ret, ctx->status, NULL, 0)
PD_PROG(pidfd_enter, PIDFD_ENTER, pd_tp_pid_enter,
	ctx->pid, 0, 0, NULL, 0)
PD_PROG(pidfd_return, PIDFD_RETURN, pd_tp_pid_return,
	ctx->pid, ctx->ret, 0, NULL, 0)
PD_PROG(error, ERROR, pd_tp_error,
	ctx->pid, ctx->err, 0, ctx->op, 0)
PD_PROG(create, CREATE, pd_tp_create,
	ctx->pid, ctx->fd, ctx->flags, NULL, 0)
PD_PROG(exit, EXIT, pd_tp_exit,
	ctx->pid, ctx->status, 0, NULL, 0)
PD_PROG(release, RELEASE, pd_tp_release,
	ctx->pid, ctx->killed, 0, NULL, 0)
PD_PROG(lock_acquired, LOCK_ACQUIRED, pd_tp_lock,
	0, 0, 0, ctx->name, ctx->addr)
PD_PROG(lock_release, LOCK_RELEASE, pd_tp_lock,
	0, 0, 0, ctx->name, ctx->addr)

char LICENSE[] SEC("license") = "GPL";
