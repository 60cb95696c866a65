// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libprocdesc: the FreeBSD process descriptor API on top of the procdesc
 * kernel module.
 *
 * pdfork() is clone3(CLONE_PIDFD) with exit_signal 0, so the child sends no
 * SIGCHLD and is invisible to wait(-1), followed by PROCDESC_IOC_OPEN, which
 * turns the pidfd into a descriptor and keeps exit_signal at 0 across the
 * child's execs. The other calls are ioctls on the
 * descriptor. A module cannot reap, so pdwait() reaps the zombie here when
 * the caller is its parent, through waitid(P_PIDFD): nothing in this library
 * names a process by its number, so it works where PID-based calls are
 * forbidden.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/procdesc.h>
#include <linux/sched.h>
#include <sys/procdesc.h>

#include "internal.h"

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

/*
 * glibc caches each thread's TID in its struct pthread, and raise(),
 * abort() and pthread_kill() signal that TID. fork() has the kernel store
 * the child's TID there (CLONE_CHILD_SETTID); a raw clone3() must do the
 * same. glibc publishes the field's place for debuggers as
 * _thread_db_pthread_tid: { size in bits, count, offset }.
 */
static pid_t *pd_self_tid(void)
{
	static const unsigned int *desc;
	static int looked_up;

	if (!__atomic_load_n(&looked_up, __ATOMIC_ACQUIRE)) {
		desc = dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
		__atomic_store_n(&looked_up, 1, __ATOMIC_RELEASE);
	}
	if (!desc || desc[0] != 8 * sizeof(pid_t))
		return NULL;
	return (pid_t *)((char *)pthread_self() + desc[2]);
}

static pid_t pd_clone(int *pidfd)
{
	struct clone_args args;
	pid_t *tid = pd_self_tid();

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uintptr_t)pidfd;
	args.exit_signal = 0;
	if (tid) {
		args.flags |= CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
		args.child_tid = (uintptr_t)tid;
	}
	return syscall(SYS_clone3, &args, sizeof(args));
}

void pd_discard_child(int pidfd)
{
	siginfo_t info;

	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED | __WALL, NULL) < 0 &&
	       errno == EINTR)
		;
}

int pd_fork_begin(int *fdp, int flags)
{
	if (flags & ~PD_ALLOWED_AT_FORK) {
		errno = EINVAL;
		return -1;
	}
	if (!fdp) {
		errno = EFAULT;
		return -1;
	}
	/* The device first: without it, or without a free fd for it, no child. */
	return pd_control();
}

int pd_adopt_child(int ctl, int pidfd, int flags)
{
	/* QUIET: exit_signal stays 0 when the child execs. */
	struct procdesc_open args = {
		.pidfd = pidfd,
		.flags = (unsigned int)flags | PROCDESC_F_QUIET,
	};
	int fd, err;

	fd = ioctl(ctl, PROCDESC_IOC_OPEN, &args);
	if (fd < 0) {
		err = errno;
		pd_discard_child(pidfd);
		errno = err;
	}
	return fd;
}

pid_t pdfork(int *fdp, int flags)
{
	sigset_t all, saved;
	void *robust_head;
	size_t robust_len;
	int ctl, pidfd, fd, err;
	pid_t pid;

	ctl = pd_fork_begin(fdp, flags);
	if (ctl < 0)
		return -1;
	syscall(SYS_get_robust_list, 0, &robust_head, &robust_len);

	/* No handler may run between the fork and the descriptor's creation. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);

	pid = pd_clone(&pidfd);
	if (pid == 0) {
		/* As glibc's fork: the kernel cleared the robust list. */
		syscall(SYS_set_robust_list, robust_head, robust_len);
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		return 0;
	}
	err = errno;
	if (pid > 0) {
		fd = pd_adopt_child(ctl, pidfd, flags);
		err = errno;
		if (fd < 0)
			pid = -1;
		else
			*fdp = fd;
		close(pidfd);
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	errno = err;
	return pid;
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

/* The parent reaps the zombie the module reported, through its pidfd. */
static void pd_reap(int fd)
{
	siginfo_t info;
	int pidfd;

	pidfd = ioctl(fd, PROCDESC_IOC_PIDFD, 0);
	if (pidfd < 0)
		return;
	/* ECHILD: somebody else, e.g. waitpid(pid) in another thread, won. */
	syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED | WNOHANG | __WALL, NULL);
	close(pidfd);
}

static int pd_wait(int fd, int options, struct procdesc_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->options = (unsigned int)options;
	if (pd_ioctl(fd, PROCDESC_IOC_WAIT, w, EINVAL) < 0)
		return -1;
	if ((w->result & PROCDESC_WAIT_PARENT) && !(options & WNOWAIT))
		pd_reap(fd);
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

pid_t pdwait4(int fd, int *status, int options, struct rusage *rusage)
{
	struct procdesc_wait w;

	/* wait4() semantics: exits are implied, WNOHANG returns 0. */
	if (pd_wait(fd, options | WEXITED, &w) < 0)
		return (options & WNOHANG) && errno == EAGAIN ? 0 : -1;
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

int pdgetpidfd(int fd)
{
	return pd_ioctl(fd, PROCDESC_IOC_PIDFD, NULL, EBADF);
}

int pdopenpidfd(int pidfd, int flags)
{
	if (flags & ~PD_ALLOWED_AT_FORK) {
		errno = EINVAL;
		return -1;
	}
	return pd_open(pidfd, (unsigned int)flags);
}
