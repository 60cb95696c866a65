// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libprocdesc: the FreeBSD process descriptor API on top of the procdesc
 * kernel module.
 *
 * pdfork() is the C library's own fork(), after PROCDESC_IOC_ARM: the
 * module binds a descriptor to the child in the kernel, before the child
 * runs (exit signal 0: no SIGCHLD, invisible to wait(-1), kept so across
 * exec), and installs it before fork() returns. So atfork handlers run, and
 * the C library resets its locks and thread ID in the child as for any
 * fork. pdspawn() is posix_spawn() the same way (pdspawn.c). The other
 * calls are ioctls on the descriptor.
 *
 * A module cannot reap, so the library does: the parent's pdwait() reaps
 * the zombie it reports, and the children whose descriptors were closed
 * before they were collected are reaped at the library's next pdfork(),
 * pdspawn() or pdwait(), when the module says there are some. A process
 * is named by its number only as a child of the caller that has not been
 * reaped (waitid(P_PID) with __WALL), which no other process can have.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/procdesc.h>
#include <sys/procdesc.h>

#include "internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define PD_DEVICE "/dev/procdesc"

/*
 * Issue a descriptor ioctl. When it fails on a file that is not a process
 * descriptor (whatever that file's own ioctl said: ENOTTY mostly, EINVAL
 * from a pidfd), report @wrong_type instead, FreeBSD's errno for "not a
 * process descriptor": EBADF for pdgetpid(), EINVAL for pdkill() and
 * pdwait(). The check costs nothing on success.
 */
static int pd_ioctl(int fd, unsigned long cmd, void *arg, int wrong_type)
{
	struct statfs fs;
	int ret, err;

	ret = ioctl(fd, cmd, arg);
	if (ret >= 0 || errno == EBADF)
		return ret;
	err = errno;
	if (fstatfs(fd, &fs) == 0 && fs.f_type != PROCDESC_FS_MAGIC)
		err = wrong_type;
	errno = err;
	return ret;
}

/*
 * The control device is opened once and kept, close-on-exec: opening it for
 * every call cost a path walk and, while the caller had no descriptor, a
 * mount and unmount of the module's filesystem, which an open control
 * device keeps mounted. The program may close that fd or reuse its number
 * behind our back (closefrom(), dup2()), so every use first checks with
 * fstat() that it is still our device, and opens it anew if not; the old
 * number is no longer ours to close. Threads race only to open: the loser
 * closes its own fd and takes the winner's.
 *
 * pd_ctl packs the fd (low half) and the device number (major << 20 | minor,
 * the kernel's encoding) so that one atomic load reads both; 0 is empty,
 * as the device number is never 0.
 */
static unsigned long long pd_ctl;

static unsigned long long pd_ctl_pack(int fd, dev_t rdev)
{
	return (unsigned long long)(major(rdev) << 20 | minor(rdev)) << 32 | (unsigned int)fd;
}

static int pd_ctl_fd(unsigned long long ctl)
{
	return (int)(unsigned int)ctl;
}

static bool pd_ctl_still_ours(unsigned long long ctl)
{
	struct stat st;

	return ctl && fstat(pd_ctl_fd(ctl), &st) == 0 && S_ISCHR(st.st_mode) &&
	       pd_ctl_pack(pd_ctl_fd(ctl), st.st_rdev) == ctl;
}

static int pd_control(void)
{
	unsigned long long cur = __atomic_load_n(&pd_ctl, __ATOMIC_ACQUIRE), new;
	struct stat st;
	int fd, err;

	if (pd_ctl_still_ours(cur))
		return pd_ctl_fd(cur);
	fd = open(PD_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* No device: the module is not loaded. */
		if (errno == ENOENT)
			errno = ENODEV;
		return -1;
	}
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	new = pd_ctl_pack(fd, st.st_rdev);
	if (__atomic_compare_exchange_n(&pd_ctl, &cur, new, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return fd;
	close(fd);
	return pd_ctl_fd(cur);
}

static int pd_open(int pidfd, unsigned int flags)
{
	struct procdesc_open args = { .pidfd = pidfd, .flags = flags };
	int ctl = pd_control();

	if (ctl < 0)
		return -1;
	return ioctl(ctl, PROCDESC_IOC_OPEN, &args);
}

void pd_reap(pid_t pid, int options)
{
	int err = errno;
	siginfo_t info;

	/* The raw call: a program may redirect waitid() (see pdwait(2)). */
	while (syscall(SYS_waitid, P_PID, pid, &info, WEXITED | __WALL | options, NULL) < 0 &&
	       errno == EINTR)
		;
	errno = err;
}

/*
 * Reap the caller's children whose descriptors were all closed before they
 * were collected: the module keeps them quiet and lists them once they
 * have ended.
 */
static void pd_reap_detached(int ctl)
{
	struct procdesc_reapable r;
	unsigned int i;

	do {
		if (ioctl(ctl, PROCDESC_IOC_REAPABLE, &r) < 0)
			return;
		for (i = 0; i < r.count; i++)
			pd_reap(r.pid[i], WNOHANG);
	} while (r.more);
}

int pd_arm(struct procdesc_arm *arm, int flags, const int *fdp)
{
	int ctl;

	if (flags & ~PD_ALLOWED_AT_FORK) {
		errno = EINVAL;
		return -1;
	}
	if (!fdp) {
		errno = EFAULT;
		return -1;
	}
	ctl = pd_control();
	if (ctl < 0)
		return -1;
	memset(arm, 0, sizeof(*arm));
	arm->flags = (unsigned int)flags;
	if (ioctl(ctl, PROCDESC_IOC_ARM, arm) < 0)
		return -1;
	if (arm->reapable)
		pd_reap_detached(ctl);
	return ctl;
}

int pd_armed_result(int ctl, const struct procdesc_arm *arm, pid_t pid, int *fdp)
{
	int err = errno;

	if (pid > 0 && arm->pid == pid && arm->fd >= 0) {
		*fdp = arm->fd;
		return 0;
	}
	/* Still armed if no clone bound the arm. */
	if (arm->pid == 0)
		ioctl(ctl, PROCDESC_IOC_DISARM, 0);
	if (pid <= 0)
		return pid < 0 ? err : EAGAIN;
	/*
	 * The child has no descriptor: the module could not install it (the
	 * errno is in arm->fd; the release of the file killed the child as a
	 * last close would, unless PD_DAEMON or its credentials said no), or
	 * a clone made in between, by a signal handler, took the arm (whose
	 * own child keeps that descriptor). Ours is the caller's unreaped
	 * child: kill it and reap it, if kill(2) allows; else it is reaped
	 * like any child left without a descriptor.
	 */
	if (arm->pid == pid)
		err = -arm->fd;
	else
		err = EAGAIN;
	if (!kill(pid, SIGKILL))
		pd_reap(pid, 0);
	return err;
}

pid_t pdfork(int *fdp, int flags)
{
	struct procdesc_arm arm;
	int ctl, err;
	pid_t pid;

	ctl = pd_arm(&arm, flags, fdp);
	if (ctl < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		return 0;
	err = pd_armed_result(ctl, &arm, pid, fdp);
	if (!err)
		return pid;
	errno = err;
	return -1;
}

/*
 * FreeBSD 16's pdrfork(): the forms that are a fork with a copied
 * descriptor table, which the C library's fork() is. A shared table (no
 * RFFDG) or RFSPAWN's vfork would need a clone of our own, which is what
 * the clone-time design exists to avoid.
 */
pid_t pdrfork(int *fdp, int pdflags, int rfflags)
{
	if ((unsigned int)rfflags != (RFPROC | RFPROCDESC | RFFDG)) {
		errno = EINVAL;
		return -1;
	}
	return pdfork(fdp, pdflags);
}

int pdgetpid(int fd, pid_t *pidp)
{
	return pd_ioctl(fd, PROCDESC_IOC_GETPID, pidp, EBADF) < 0 ? -1 : 0;
}

int pdkill(int fd, int signum)
{
	struct procdesc_kill args = { .signal = signum };

	return pd_ioctl(fd, PROCDESC_IOC_KILL, &args, EINVAL) < 0 ? -1 : 0;
}

static void pd_rusage(const struct procdesc_rusage *in, struct rusage *out)
{
	memset(out, 0, sizeof(*out));
	out->ru_utime.tv_sec = in->utime_sec;
	out->ru_utime.tv_usec = in->utime_usec;
	out->ru_stime.tv_sec = in->stime_sec;
	out->ru_stime.tv_usec = in->stime_usec;
	out->ru_maxrss = in->maxrss;
	out->ru_minflt = in->minflt;
	out->ru_majflt = in->majflt;
	out->ru_inblock = in->inblock;
	out->ru_oublock = in->oublock;
	out->ru_nvcsw = in->nvcsw;
	out->ru_nivcsw = in->nivcsw;
}

/*
 * PROCDESC_IOC_WAIT; the parent then reaps what it was told of, and the
 * children left without a descriptor. errno is left alone on success.
 */
static int pd_wait(int fd, int options, struct procdesc_wait *w)
{
	int err = errno, ctl;

	memset(w, 0, sizeof(*w));
	w->options = (unsigned int)options;
	if (pd_ioctl(fd, PROCDESC_IOC_WAIT, w, EINVAL) < 0)
		return -1;
	if ((w->result & PROCDESC_WAIT_PARENT) && !(options & WNOWAIT))
		pd_reap(w->pid, WNOHANG);
	if (w->result & PROCDESC_WAIT_REAPABLE) {
		ctl = pd_control();
		if (ctl >= 0)
			pd_reap_detached(ctl);
	}
	errno = err;
	return 0;
}

int pdwait(int fd, int *status, int options, struct __wrusage *wrusage,
	   siginfo_t *info)
{
	struct procdesc_wait w;

	if (pd_wait(fd, options, &w) < 0)
		return -1;
	if (status)
		*status = w.status;
	if (wrusage) {
		pd_rusage(&w.self, &wrusage->wru_self);
		pd_rusage(&w.children, &wrusage->wru_children);
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		info->si_signo = SIGCHLD;
		info->si_code = w.code;
		info->si_pid = w.pid;
		info->si_uid = w.uid;
		info->si_status = WIFEXITED(w.status) ? WEXITSTATUS(w.status) :
							WTERMSIG(w.status);
	}
	return 0;
}

static void pd_timeval_add(struct timeval *a, const struct timeval *b)
{
	a->tv_sec += b->tv_sec;
	a->tv_usec += b->tv_usec;
	if (a->tv_usec >= 1000000) {
		a->tv_sec++;
		a->tv_usec -= 1000000;
	}
}

/*
 * The 2014 Linux Capsicum port's call, with wait4()'s contract: exits are
 * implied; WNOHANG with nothing to report returns 0 and leaves errno alone;
 * a process already reaped, or whose exit was consumed, is no child to wait
 * for: ECHILD.
 */
pid_t pdwait4(int fd, int *status, int options, struct rusage *rusage)
{
	struct procdesc_wait w;
	int err = errno;

	if (pd_wait(fd, options | WEXITED, &w) < 0) {
		if ((options & WNOHANG) && errno == EAGAIN) {
			errno = err;
			return 0;
		}
		if (errno == ESRCH)
			errno = ECHILD;
		return -1;
	}
	if (status)
		*status = w.status;
	if (rusage) {
		struct rusage children;

		pd_rusage(&w.self, rusage);
		pd_rusage(&w.children, &children);
		pd_timeval_add(&rusage->ru_utime, &children.ru_utime);
		pd_timeval_add(&rusage->ru_stime, &children.ru_stime);
		if (children.ru_maxrss > rusage->ru_maxrss)
			rusage->ru_maxrss = children.ru_maxrss;
		rusage->ru_minflt += children.ru_minflt;
		rusage->ru_majflt += children.ru_majflt;
		rusage->ru_inblock += children.ru_inblock;
		rusage->ru_oublock += children.ru_oublock;
		rusage->ru_nvcsw += children.ru_nvcsw;
		rusage->ru_nivcsw += children.ru_nivcsw;
	}
	return w.pid;
}

int pdopenpid(pid_t pid, int flags)
{
	int pidfd, fd, err;

	if ((flags & ~PD_ALLOWED_AT_FORK) || pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	fd = pd_open(pidfd, (unsigned int)flags | PROCDESC_F_NONCHILD);
	err = errno;
	close(pidfd);
	errno = err;
	return fd;
}

/*
 * A pidfd for the process of descriptor @fd. A module cannot make one: open
 * one from the pid and have the module check that it names the
 * descriptor's process, not one that reused its number. @wrong_type is the
 * errno for an @fd that is not a process descriptor.
 */
static int pd_pidfd(int fd, int wrong_type)
{
	int pidfd, err;
	pid_t pid;

	if (pd_ioctl(fd, PROCDESC_IOC_GETPID, &pid, wrong_type) < 0)
		return -1;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	if (pd_ioctl(fd, PROCDESC_IOC_PIDFD, &pidfd, wrong_type) < 0) {
		err = errno;
		close(pidfd);
		errno = err;
		return -1;
	}
	return pidfd;
}

int pdgetpidfd(int fd)
{
	return pd_pidfd(fd, EBADF);
}

/*
 * FreeBSD 16's pddupfd(): a close-on-exec copy of the process's file
 * descriptor @fd, for a caller who may ptrace-attach to it (FreeBSD:
 * p_candebug()); pidfd_getfd() (5.6) checks exactly that.
 */
int pddupfd(int pd, int fd, int flags)
{
	int pidfd, copy, err;

	if (flags) {
		errno = EINVAL;
		return -1;
	}
	pidfd = pd_pidfd(pd, EINVAL);
	if (pidfd < 0)
		return -1;
	copy = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	err = errno;
	close(pidfd);
	errno = err;
	return copy;
}

int pdopenpidfd(int pidfd, int flags)
{
	if (flags & ~PD_ALLOWED_AT_FORK) {
		errno = EINVAL;
		return -1;
	}
	return pd_open(pidfd, (unsigned int)flags);
}
