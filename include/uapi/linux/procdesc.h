/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * procdesc: FreeBSD-style process descriptors for Linux.
 *
 * The control device /dev/procdesc turns a pidfd into a process descriptor
 * (PROCDESC_IOC_OPEN). Everything else is an ioctl on the descriptor itself.
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

#define PROCDESC_ABI_VERSION	1

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
 * wait(-1)) across exec, which otherwise resets it. pdfork() sets it.
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

/* On a process descriptor */
#define PROCDESC_IOC_GETPID	_IOR(PROCDESC_IOC_MAGIC, 0x10, __s32)
#define PROCDESC_IOC_KILL	_IOW(PROCDESC_IOC_MAGIC, 0x11, struct procdesc_kill)
#define PROCDESC_IOC_WAIT	_IOWR(PROCDESC_IOC_MAGIC, 0x12, struct procdesc_wait)
/* Returns a new close-on-exec pidfd for the process; the argument must be 0. */
#define PROCDESC_IOC_PIDFD	_IO(PROCDESC_IOC_MAGIC, 0x13)

#endif /* _UAPI_LINUX_PROCDESC_H */
