/* SPDX-License-Identifier: GPL-2.0 */

/*
 * The kernel's event macros paste their name argument, which would not
 * expand PD_EV(); these pass it through one more macro level so it does,
 * and wrap the rest in PARAMS() as TRACE_EVENT() does.
 */
#undef PD_EV
#define PD_EV(name) __PASTE(name, PD_SUFFIX)
#undef PD_EVENT_CLASS
#define PD_EVENT_CLASS(name, proto, args, tstruct, assign, print)		\
	DECLARE_EVENT_CLASS(name, PARAMS(proto), PARAMS(args),		\
			    PARAMS(tstruct), PARAMS(assign), PARAMS(print))
#undef PD_EVENT
#define PD_EVENT(class, name, proto, args)				\
	DEFINE_EVENT(class, name, PARAMS(proto), PARAMS(args))
#undef PD_TRACE_EVENT
#define PD_TRACE_EVENT(name, proto, args, tstruct, assign, print)		\
	TRACE_EVENT(name, PARAMS(proto), PARAMS(args), PARAMS(tstruct),	\
		    PARAMS(assign), PARAMS(print))
/*
 * The procdesc trace events, defined once for both trace systems: src/trace.h
 * includes this with an empty PD_SUFFIX for the "procdesc" system (native
 * callers), src/trace32.h with PD_SUFFIX 32 for "procdesc32"
 * (32-bit callers on amd64, through compat_ioctl), as FreeBSD's linuxulator
 * has one DTrace provider per ABI bitsize. Event symbols must differ, hence
 * the suffix.
 *
 * - <op>_enter / <op>_return bracket every ioctl (op: open, arm, disarm,
 *   reapable, getpid, kill, wait, pidfd); error fires on every failure
 *   with the errno. The calls on /dev/procdesc other than open name no
 *   process: their pid is 0, and the input of arm, disarm and reapable is
 *   their flags or argument.
 * - create, exit and release follow a descriptor's life: made, its process
 *   seen exiting (once), its last reference gone.
 *
 * - lock_acquired / lock_release: the one lock procdesc takes in one
 *   function and releases in another, a descriptor's collect lock (see
 *   pd_collect_lock()), fired after locking and before unlocking. Locks
 *   taken and dropped in one function are paired by reading the code and
 *   have no events.
 *
 * pids are global (init namespace) numbers, as in the kernel's own events;
 * open_return's pid is 0 when no process was found. Life events go to the
 * system of the caller that made the descriptor.
 */

PD_EVENT_CLASS(PD_EV(pd_pid_enter),
	TP_PROTO(pid_t pid),
	TP_ARGS(pid),
	TP_STRUCT__entry(
		__field(pid_t, pid)
	),
	TP_fast_assign(
		__entry->pid = pid;
	),
	TP_printk("pid=%d", __entry->pid)
);

PD_EVENT(PD_EV(pd_pid_enter), PD_EV(getpid_enter),
	TP_PROTO(pid_t pid), TP_ARGS(pid));
PD_EVENT(PD_EV(pd_pid_enter), PD_EV(pidfd_enter),
	TP_PROTO(pid_t pid), TP_ARGS(pid));

PD_EVENT_CLASS(PD_EV(pd_pid_return),
	TP_PROTO(pid_t pid, int ret),
	TP_ARGS(pid, ret),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->ret = ret;
	),
	TP_printk("pid=%d ret=%d", __entry->pid, __entry->ret)
);

PD_EVENT(PD_EV(pd_pid_return), PD_EV(getpid_return),
	TP_PROTO(pid_t pid, int ret), TP_ARGS(pid, ret));
PD_EVENT(PD_EV(pd_pid_return), PD_EV(kill_return),
	TP_PROTO(pid_t pid, int ret), TP_ARGS(pid, ret));
PD_EVENT(PD_EV(pd_pid_return), PD_EV(pidfd_return),
	TP_PROTO(pid_t pid, int ret), TP_ARGS(pid, ret));

PD_TRACE_EVENT(PD_EV(open_enter),
	TP_PROTO(int pidfd, u32 flags),
	TP_ARGS(pidfd, flags),
	TP_STRUCT__entry(
		__field(int, pidfd)
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->pidfd = pidfd;
		__entry->flags = flags;
	),
	TP_printk("pidfd=%d flags=%#x", __entry->pidfd, __entry->flags)
);

PD_EVENT(PD_EV(pd_pid_return), PD_EV(open_return),
	TP_PROTO(pid_t pid, int ret), TP_ARGS(pid, ret));

PD_EVENT_CLASS(PD_EV(pd_flags_enter),
	TP_PROTO(u32 flags),
	TP_ARGS(flags),
	TP_STRUCT__entry(
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->flags = flags;
	),
	TP_printk("flags=%#x", __entry->flags)
);

PD_EVENT(PD_EV(pd_flags_enter), PD_EV(arm_enter),
	TP_PROTO(u32 flags), TP_ARGS(flags));
PD_EVENT(PD_EV(pd_flags_enter), PD_EV(disarm_enter),
	TP_PROTO(u32 flags), TP_ARGS(flags));
PD_EVENT(PD_EV(pd_flags_enter), PD_EV(reapable_enter),
	TP_PROTO(u32 flags), TP_ARGS(flags));
PD_EVENT(PD_EV(pd_pid_return), PD_EV(arm_return),
	TP_PROTO(pid_t pid, int ret), TP_ARGS(pid, ret));
PD_EVENT(PD_EV(pd_pid_return), PD_EV(disarm_return),
	TP_PROTO(pid_t pid, int ret), TP_ARGS(pid, ret));
PD_EVENT(PD_EV(pd_pid_return), PD_EV(reapable_return),
	TP_PROTO(pid_t pid, int ret), TP_ARGS(pid, ret));

PD_TRACE_EVENT(PD_EV(kill_enter),
	TP_PROTO(pid_t pid, int signal),
	TP_ARGS(pid, signal),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(int, signal)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->signal = signal;
	),
	TP_printk("pid=%d signal=%d", __entry->pid, __entry->signal)
);

PD_TRACE_EVENT(PD_EV(wait_enter),
	TP_PROTO(pid_t pid, u32 options),
	TP_ARGS(pid, options),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(u32, options)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->options = options;
	),
	TP_printk("pid=%d options=%#x", __entry->pid, __entry->options)
);

PD_TRACE_EVENT(PD_EV(wait_return),
	TP_PROTO(pid_t pid, int ret, int status),
	TP_ARGS(pid, ret, status),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(int, ret)
		__field(int, status)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->ret = ret;
		__entry->status = status;
	),
	TP_printk("pid=%d ret=%d status=%#x", __entry->pid, __entry->ret,
		  __entry->status)
);

PD_TRACE_EVENT(PD_EV(error),
	TP_PROTO(const char *op, pid_t pid, int err),
	TP_ARGS(op, pid, err),
	TP_STRUCT__entry(
		__array(char, op, 16)
		__field(pid_t, pid)
		__field(int, err)
	),
	TP_fast_assign(
		strscpy_pad(__entry->op, op, sizeof(__entry->op));
		__entry->pid = pid;
		__entry->err = err;
	),
	TP_printk("op=%s pid=%d errno=%d", __entry->op, __entry->pid,
		  __entry->err)
);

PD_TRACE_EVENT(PD_EV(create),
	TP_PROTO(pid_t pid, int fd, u32 flags),
	TP_ARGS(pid, fd, flags),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(int, fd)
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->fd = fd;
		__entry->flags = flags;
	),
	TP_printk("pid=%d fd=%d flags=%#x", __entry->pid, __entry->fd,
		  __entry->flags)
);

PD_TRACE_EVENT(PD_EV(exit),
	TP_PROTO(pid_t pid, int status),
	TP_ARGS(pid, status),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(int, status)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->status = status;
	),
	TP_printk("pid=%d status=%#x", __entry->pid, __entry->status)
);

PD_TRACE_EVENT(PD_EV(release),
	TP_PROTO(pid_t pid, int killed),
	TP_ARGS(pid, killed),
	TP_STRUCT__entry(
		__field(pid_t, pid)
		__field(int, killed)
	),
	TP_fast_assign(
		__entry->pid = pid;
		__entry->killed = killed;
	),
	TP_printk("pid=%d killed=%d", __entry->pid, __entry->killed)
);

PD_EVENT_CLASS(PD_EV(pd_lock),
	TP_PROTO(const char *name, const void *addr),
	TP_ARGS(name, addr),
	TP_STRUCT__entry(
		__array(char, name, 16)
		__field(const void *, addr)
	),
	TP_fast_assign(
		strscpy_pad(__entry->name, name, sizeof(__entry->name));
		__entry->addr = addr;
	),
	TP_printk("name=%s addr=%p", __entry->name, __entry->addr)
);

PD_EVENT(PD_EV(pd_lock), PD_EV(lock_acquired),
	TP_PROTO(const char *name, const void *addr), TP_ARGS(name, addr));
PD_EVENT(PD_EV(pd_lock), PD_EV(lock_release),
	TP_PROTO(const char *name, const void *addr), TP_ARGS(name, addr));
