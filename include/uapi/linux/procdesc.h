/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * procdesc: FreeBSD-style process descriptors for Linux.
 *
 * The control device /dev/procdesc makes process descriptors: at clone time
 * for the next child of the calling thread (PROCDESC_IOC_ARM, then fork(),
 * posix_spawn() or any clone that makes a child process), or from a pidfd
 * (PROCDESC_IOC_OPEN). Everything else is an ioctl on the descriptor.
 *
 * Every structure has fixed-width fields and no implicit padding, so 32- and
 * 64-bit callers share one layout. Structures can grow at their end: the
 * kernel reads the size from the ioctl number, zero-extends what an older
 * caller passes, and refuses (E2BIG) non-zero bytes it does not know, in the
 * manner of clone3() and openat2(). Reserved fields and unknown flag bits
 * must be zero (EINVAL).
 */
#ifndef _UAPI_LINUX_PROCDESC_H
#define _UAPI_LINUX_PROCDESC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PROCDESC_ABI_VERSION	2

/* 0xB9 is unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define PROCDESC_IOC_MAGIC	0xB9

/* Descriptor flags, with the values of FreeBSD's PD_DAEMON and PD_CLOEXEC. */
#define PROCDESC_F_DAEMON	0x00000001	/* last close does not SIGKILL */
#define PROCDESC_F_CLOEXEC	0x00000002	/* the new fd is close-on-exec */
/* PROCDESC_IOC_OPEN only: the process need not be the caller's child. */
#define PROCDESC_F_NONCHILD	0x00000004
/*
 * PROCDESC_IOC_OPEN only, for the caller's child: while the descriptor
 * exists, keep the child's exit signal at 0 (no SIGCHLD, invisible to
 * wait(-1)) across exec, which otherwise resets it. A child bound at
 * clone time (PROCDESC_IOC_ARM) is always quiet.
 */
#define PROCDESC_F_QUIET	0x00000008

/* The filesystem of process descriptors, as fstatfs() reports it. */
#define PROCDESC_FS_MAGIC	0x70646673

/**
 * struct procdesc_open - argument of PROCDESC_IOC_OPEN
 * @pidfd: a pidfd naming the process
 * @flags: PROCDESC_F_*
 *
 * Without PROCDESC_F_NONCHILD the process must be an unreaped child of the
 * caller (ECHILD otherwise); with it, any live process the caller may
 * signal under kill(2)'s rules. The ioctl returns the new descriptor.
 */
struct procdesc_open {
	__s32 pidfd;
	__u32 flags;
};

/**
 * struct procdesc_arm - argument of PROCDESC_IOC_ARM
 * @flags: in: PROCDESC_F_DAEMON, PROCDESC_F_CLOEXEC
 * @fd: out: -1 when armed; once the next child process of the calling
 *	thread exists, before the clone returns to the parent, the new
 *	descriptor, or a negative errno if it could not be installed (the
 *	child then got the kill of a last close)
 * @pid: out: 0 when armed; then the child's pid in the caller's namespace
 * @reapable: out: how many of the caller's children that have no
 *	descriptor left have ended, to collect with PROCDESC_IOC_REAPABLE
 *
 * Arms the calling thread: its next clone that makes a child process of
 * the caller (not a thread, not CLONE_PARENT) binds a descriptor to the
 * child before the child runs: exit signal 0, kept quiet across exec. The
 * kernel writes @fd and @pid back into this structure, at the address the
 * ioctl was given, before that clone returns in the parent. The arm is
 * one-shot; PROCDESC_IOC_DISARM cancels it; exec and exit drop it. A
 * thread already armed gets EBUSY; no free fd number, EMFILE.
 */
struct procdesc_arm {
	__u32 flags;
	__s32 fd;
	__s32 pid;
	__u32 reapable;
};

/* PROCDESC_IOC_REAPABLE: at most this many pids per call. */
#define PROCDESC_REAPABLE_MAX	16

/**
 * struct procdesc_reapable - argument of PROCDESC_IOC_REAPABLE
 * @count: out: how many pids follow
 * @more: out: non-zero if more remain
 * @pid: out: children of the caller, in its pid namespace, that ended
 *	after their last descriptor was closed, and are not reaped yet: the
 *	caller's to reap (waitid(P_PID, pid, ..., WEXITED | __WALL))
 *
 * A child whose descriptors are all closed is no longer watched by any
 * descriptor but stays quiet; the module lists it here once it has ended,
 * once, and forgets it.
 */
struct procdesc_reapable {
	__u32 count;
	__u32 more;
	__s32 pid[PROCDESC_REAPABLE_MAX];
};

/**
 * struct procdesc_kill - argument of PROCDESC_IOC_KILL
 * @signal: signal number, 0 to check only (kill(2) rules)
 * @flags: must be 0
 */
struct procdesc_kill {
	__s32 signal;
	__u32 flags;
};

/**
 * struct procdesc_rusage - struct rusage with fixed-width fields
 *
 * Times are seconds and microseconds; maxrss is in KiB. Linux keeps no
 * other rusage counters.
 */
struct procdesc_rusage {
	__s64 utime_sec;
	__s64 utime_usec;
	__s64 stime_sec;
	__s64 stime_usec;
	__s64 maxrss;
	__s64 minflt;
	__s64 majflt;
	__s64 inblock;
	__s64 oublock;
	__s64 nvcsw;
	__s64 nivcsw;
};

/* procdesc_wait.result bits */
#define PROCDESC_WAIT_PARENT	0x00000001	/* caller is the parent: reap it */
/* The caller has children to reap that no descriptor names any more. */
#define PROCDESC_WAIT_REAPABLE	0x00000002

/**
 * struct procdesc_wait - argument of PROCDESC_IOC_WAIT
 * @options: in: WEXITED, optionally WNOHANG and WNOWAIT (Linux values)
 * @result: out: PROCDESC_WAIT_* bits
 * @status: out: the wait(2) status word
 * @code: out: CLD_EXITED, CLD_KILLED or CLD_DUMPED
 * @pid: out: the pid in the caller's pid namespace
 * @uid: out: the real uid of the process in the caller's user namespace
 * @self: out: resources used by the process
 * @children: out: resources used by its reaped descendants
 *
 * Without WNOWAIT the exit is consumed: later PROCDESC_IOC_WAIT and
 * PROCDESC_IOC_KILL on this descriptor fail with ESRCH.
 */
struct procdesc_wait {
	__u32 options;
	__u32 result;
	__s32 status;
	__s32 code;
	__s32 pid;
	__u32 uid;
	struct procdesc_rusage self;
	struct procdesc_rusage children;
};

/* On /dev/procdesc */
#define PROCDESC_IOC_VERSION	_IOR(PROCDESC_IOC_MAGIC, 0x00, __u32)
#define PROCDESC_IOC_OPEN	_IOW(PROCDESC_IOC_MAGIC, 0x01, struct procdesc_open)
#define PROCDESC_IOC_ARM	_IOWR(PROCDESC_IOC_MAGIC, 0x02, struct procdesc_arm)
/* Cancels the calling thread's arm; ENOENT if it has none. Argument 0. */
#define PROCDESC_IOC_DISARM	_IO(PROCDESC_IOC_MAGIC, 0x03)
#define PROCDESC_IOC_REAPABLE	_IOR(PROCDESC_IOC_MAGIC, 0x04, struct procdesc_reapable)

/* On a process descriptor */
#define PROCDESC_IOC_GETPID	_IOR(PROCDESC_IOC_MAGIC, 0x10, __s32)
#define PROCDESC_IOC_KILL	_IOW(PROCDESC_IOC_MAGIC, 0x11, struct procdesc_kill)
#define PROCDESC_IOC_WAIT	_IOWR(PROCDESC_IOC_MAGIC, 0x12, struct procdesc_wait)
/*
 * 0 if the pidfd at the argument names the descriptor's process, ESRCH if
 * it names another, EBADF if it is not a pidfd: a pidfd from
 * pidfd_open(pdgetpid()) is checked this way against pid reuse.
 */
#define PROCDESC_IOC_PIDFD	_IOW(PROCDESC_IOC_MAGIC, 0x14, __s32)

#endif /* _UAPI_LINUX_PROCDESC_H */
