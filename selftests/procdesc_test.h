/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the procdesc selftests: raw syscall wrappers, a
 * child that answers pings, "wait until POLLHUP", SCM_RIGHTS passing and
 * fdinfo parsing. Nothing here uses the kselftest harness, so every helper
 * may run in a forked child; the tests assert on what they return.
 */
#ifndef PROCDESC_TEST_H
#define PROCDESC_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/procdesc.h>
#include <linux/sched.h>
#include <sys/procdesc.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

/* Safety net for every blocking wait: long enough for a slow emulated CPU. */
#define PD_TIMEOUT_MS	20000

/*
 * How many times a test that forks in a loop goes round: @n, divided by
 * PROCDESC_TEST_FORK_DIVISOR when that is set (tools/check sets 10 for the
 * debug kernel, where KASAN and lockdep make a fork ~100 times slower under
 * TCG), never fewer than @min, the count below which the test would prove
 * nothing.
 */
static inline int fork_loops(int n, int min)
{
	const char *env = getenv("PROCDESC_TEST_FORK_DIVISOR");
	int divisor = env ? atoi(env) : 1;

	if (divisor > 1)
		n /= divisor;
	return n < min ? min : n;
}

/* Exit codes of helper processes that check something themselves. */
#define PD_CHILD_OK	0
#define PD_CHILD_FAIL	99

/* Counts SIGCHLD deliveries: procdesc children must never send one. */
static int pd_sigchld_count;

static inline void pd_count_sigchld(int sig)
{
	(void)sig;
	__atomic_fetch_add(&pd_sigchld_count, 1, __ATOMIC_RELAXED);
}

/* Zero the count and install the counting handler; sigaction()'s result. */
static inline int sigchld_counter_start(void)
{
	struct sigaction sa = { .sa_handler = pd_count_sigchld,
				.sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	__atomic_store_n(&pd_sigchld_count, 0, __ATOMIC_RELAXED);
	return sigaction(SIGCHLD, &sa, NULL);
}

static inline int sigchld_counted(void)
{
	return __atomic_load_n(&pd_sigchld_count, __ATOMIC_RELAXED);
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(__NR_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
					unsigned int flags)
{
	return syscall(__NR_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int sys_waitid(int which, pid_t pid, siginfo_t *info, int options)
{
	return syscall(__NR_waitid, which, pid, info, options, NULL);
}

/*
 * A raw clone3(): the child must only call async-signal-safe functions and
 * _exit(), since glibc's cached TID and locks are not fixed up.
 */
static inline pid_t sys_clone3(struct clone_args *args)
{
	return syscall(__NR_clone3, args, sizeof(*args));
}

/* clone3(CLONE_PIDFD) with the given exit signal; *pidfd set in the parent. */
static inline pid_t clone3_pidfd(int *pidfd, int exit_signal)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (__u64)(uintptr_t)pidfd;
	args.exit_signal = (__u64)exit_signal;
	return sys_clone3(&args);
}

static inline pid_t sys_gettid(void)
{
	return syscall(__NR_gettid);
}

/* Retry on EINTR. */
static inline pid_t waitpid_nointr(pid_t pid, int *status, int options)
{
	pid_t ret;

	do {
		ret = waitpid(pid, status, options);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

/*
 * Wait until @fd reports something, at most @ms. Returns the revents, 0 on
 * timeout, -1 on error.
 */
static inline int wait_revents(int fd, short events, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, ms);
	} while (ret < 0 && errno == EINTR);
	if (ret <= 0)
		return ret;
	return pfd.revents;
}

/* Wait for the process behind descriptor @fd to exit: POLLHUP or 0/-1. */
static inline int wait_hup(int fd)
{
	return wait_revents(fd, POLLIN, PD_TIMEOUT_MS);
}

/* revents of a poll that does not wait. */
static inline int poll_now(int fd, short events)
{
	return wait_revents(fd, events, 0);
}

/* Write one byte; 1 on success, 0 if the peer is gone. Never SIGPIPE. */
static inline int send_byte(int sk, char c)
{
	ssize_t n;

	do {
		n = send(sk, &c, 1, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == 1;
}

/* Read one byte; returns it (0..255), or -1 on EOF, error or timeout. */
static inline int recv_byte(int sk)
{
	unsigned char c;
	ssize_t n;

	if (wait_revents(sk, POLLIN, PD_TIMEOUT_MS) <= 0)
		return -1;
	do {
		n = read(sk, &c, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1 ? c : -1;
}

/* Exchange an int over a socket/pipe. */
static inline int send_int(int sk, int v)
{
	return write(sk, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

static inline int recv_int(int sk, int *v)
{
	ssize_t n;

	if (wait_revents(sk, POLLIN, PD_TIMEOUT_MS) <= 0)
		return -1;
	do {
		n = read(sk, v, sizeof(*v));
	} while (n < 0 && errno == EINTR);
	return n == sizeof(*v) ? 0 : -1;
}

/*
 * A "pinger": the child end of a socketpair. The child echoes every byte
 * it receives and exits with @code when the other end is closed. The parent
 * proves the child is alive with ping(): a child killed earlier cannot
 * answer any more.
 */
static inline noreturn void serve_pings(int sk, int code)
{
	int c;

	for (;;) {
		unsigned char b;
		ssize_t n = read(sk, &b, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1)
			_exit(code);
		c = b;
		if (!send_byte(sk, (char)c))
			_exit(code);
	}
}

/* socketpair for a pinger; sv[0] stays in the parent, sv[1] in the child. */
static inline int pinger_pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
}

/* Close every fd from 3 up except @keep (which must be >= 3). */
static inline void close_all_but(int keep)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
}

/* The thread of pdfork_leader_first()'s child: exit(code) at EOF on fd. */
static inline void *leader_first_thread(void *arg)
{
	intptr_t a = (intptr_t)arg;
	char c;

	while (read(a & 0xffff, &c, 1) < 0 && errno == EINTR)
		;
	exit(a >> 16);
}

/*
 * pdfork a child whose leader exits first while a second thread runs on
 * until *wfd is closed, then exits the whole process with @code.
 */
static inline pid_t pdfork_leader_first(int *fd, int *wfd, int code)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = pdfork(fd, 0);
	if (pid == 0) {
		pthread_t t;

		close(p[1]);
		if (pthread_create(&t, NULL, leader_first_thread,
				   (void *)(intptr_t)(code << 16 | p[0])))
			_exit(1);
		pthread_exit(NULL);
	}
	close(p[0]);
	if (pid < 0)
		close(p[1]);
	else
		*wfd = p[1];
	return pid;
}

/*
 * pdfork() a pinger: the child keeps only its end of the socketpair (no
 * copy of any descriptor or socket of the parent) and exits with @code
 * once *sk is closed. Returns the pid, or -1 with errno set.
 */
static inline pid_t pdfork_pinger(int *fd, int flags, int *sk, int code)
{
	int sv[2], err;
	pid_t pid;

	if (pinger_pair(sv))
		return -1;
	pid = pdfork(fd, flags);
	if (pid == 0) {
		close_all_but(sv[1]);
		serve_pings(sv[1], code);
	}
	err = errno;
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		errno = err;
		return -1;
	}
	*sk = sv[0];
	return pid;
}

/* fork() a pinger, likewise. */
static inline pid_t fork_pinger(int *sk, int code)
{
	int sv[2];
	pid_t pid;

	if (pinger_pair(sv))
		return -1;
	pid = fork();
	if (pid == 0) {
		close_all_but(sv[1]);
		serve_pings(sv[1], code);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	*sk = sv[0];
	return pid;
}

/* 1 if the child behind @sk answered, 0 if it is gone. */
static inline int ping(int sk)
{
	if (!send_byte(sk, 'p'))
		return 0;
	return recv_byte(sk) == 'p';
}

/* Send the @n fds of @fds (at most 4) with SCM_RIGHTS, one data byte 'F'. */
static inline int send_fds(int sk, const int *fds, int n)
{
	char data = 'F';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cmsg;

	if (n < 1 || n > 4)
		return -1;
	memset(&u, 0, sizeof(u));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	return sendmsg(sk, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Send @fd with SCM_RIGHTS. */
static inline int send_fd(int sk, int fd)
{
	return send_fds(sk, &fd, 1);
}

/* Receive one fd sent by send_fd(); -1 on error. */
static inline int recv_fd(int sk)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (wait_revents(sk, POLLIN, PD_TIMEOUT_MS) <= 0)
		return -1;
	if (recvmsg(sk, &msg, MSG_CMSG_CLOEXEC) != 1 || data != 'F')
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * Read "<key>:\t<value>" from /proc/self/fdinfo/<fd> into @val.
 * Returns 0, or -1 if the file or the key is missing.
 */
static inline int fdinfo_get(int fd, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		size_t n;

		line[strcspn(line, "\n")] = '\0';
		n = strlen(line + klen + 1);
		if (n >= len)
			n = len - 1;
		memcpy(val, line + klen + 1, n);
		val[n] = '\0';
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* What /proc/self/fd shows for @fd, in @buf of @len bytes; "" if nothing. */
static inline char *fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/*
 * Count the open fds of the calling process that do (@control true) or do
 * not refer to /dev/procdesc, closing the counted ones if @close_them; -1 if
 * /proc is missing. libprocdesc keeps one of /dev/procdesc open once it has
 * used it, so leak checks count the others.
 */
static inline int scan_fds(bool control, bool close_them)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char target[64];
	int n = 0, fd;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (!strcmp(fd_path(fd, target, sizeof(target)), "/dev/procdesc") != control)
			continue;
		n++;
		if (close_them)
			close(fd);
	}
	closedir(d);
	return n;
}

static inline int count_fds(void)
{
	return scan_fds(false, false);
}

static inline int count_control_fds(void)
{
	return scan_fds(true, false);
}

/* As a program's closefrom() would: the library must open it anew. */
static inline int close_control_fds(void)
{
	return scan_fds(true, true);
}

/*
 * The procdesc module's reference count (open descriptors and control
 * device files hold one each); -1 if there is no
 * /sys/module/procdesc/refcnt.
 */
static inline int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/procdesc/refcnt", "re");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* The reference count once it is 0, or after 5 s: the last fput may be deferred. */
static inline int module_refcnt_settled(void)
{
	int n = module_refcnt(), t;

	for (t = 0; n > 0 && t < 500; t++) {
		usleep(10000);
		n = module_refcnt();
	}
	return n;
}

/* pdfork() a child that exits with @code; 0 if pdwait() reports just that. */
static inline int pdfork_and_wait(int code)
{
	int fd, status = -1;
	pid_t pid = pdfork(&fd, 0);

	if (pid == 0)
		_exit(code);
	if (pid < 0)
		return -1;
	if (pdwait(fd, &status, WEXITED, NULL, NULL) || status != code << 8)
		status = -1;
	close(fd);
	return status < 0 ? -1 : 0;
}

/*
 * The EMFILE steps of pdfork() and pdspawn(), in order from a process that
 * has not used the library: @spare free fd numbers, and how many fds of
 * /dev/procdesc are open after the failed call. No fd for the control
 * device; the device (kept from then on) but no number for the arm; the
 * kept device, no number for the arm. With the device kept and one number
 * free the call succeeds: the arm only checks that a number is free, and
 * the descriptor takes it when the clone returns (a number taken in
 * between by another thread is a failure of its own, with a child to
 * discard: pdspawn_test's emfile_at_install).
 */
static const struct {
	int spare, control;
} emfile_steps[] = { { 0, 0 }, { 1, 1 }, { 0, 1 } };

/*
 * @make(@fdp) with RLIMIT_NOFILE at 64 and exactly @spare numbers free
 * below it; its result, and its errno.
 */
static inline pid_t with_spare_fds(int spare, pid_t (*make)(int *fdp), int *fdp)
{
	struct rlimit old, rl;
	int extra[64], n = 0, e, err;
	pid_t pid;

	if (getrlimit(RLIMIT_NOFILE, &old))
		return -2;
	rl = old;
	rl.rlim_cur = 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -2;
	while (n < 64 && (e = dup(0)) >= 0)
		extra[n++] = e;
	while (spare-- > 0 && n > 0)
		close(extra[--n]);
	errno = 0;
	pid = make(fdp);
	err = errno;
	while (n > 0)
		close(extra[--n]);
	setrlimit(RLIMIT_NOFILE, &old);
	errno = err;
	return pid;
}

/* No child of ours exists at all, exited or not. */
static inline int no_children(void)
{
	return waitpid(-1, NULL, __WALL | WNOHANG) == -1 && errno == ECHILD;
}

/*
 * @make (pdfork() or pdspawn() of a child that ends at once) at every
 * emfile_steps step, from a process that has not used the library: each
 * call must fail with EMFILE and leave no child and no fd but the kept
 * control device. The number of steps that did not; each is printed.
 */
static inline int emfile_step_failures(const char *name, pid_t (*make)(int *fdp))
{
	int before = count_fds(), fails = 0, i, fd, err, fds, control;
	bool childless;
	pid_t pid;

	for (i = 0; i < (int)ARRAY_SIZE(emfile_steps); i++) {
		fd = -1;
		pid = with_spare_fds(emfile_steps[i].spare, make, &fd);
		err = errno;
		childless = no_children();
		fds = count_fds();
		control = count_control_fds();
		if (pid == -1 && err == EMFILE && fd == -1 && childless && fds == before &&
		    control == emfile_steps[i].control)
			continue;
		fails++;
		fprintf(stderr,
			"# step %d: %s returned %d (%s), fd %d, %s, %d fds (%d before), %d of /dev/procdesc (not %d)\n",
			i, name, pid, strerror(err), fd, childless ? "no child" : "a child",
			fds, before, control, emfile_steps[i].control);
		if (fd >= 0)
			close(fd);
		while (waitpid(-1, NULL, __WALL) > 0)
			;
	}
	return fails;
}

/* The state letter in a /proc stat file, or 0. */
static inline char proc_stat_state(const char *path)
{
	char buf[512], *p;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Process state letter from /proc/<pid>/stat, or 0. */
static inline char proc_state(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return proc_stat_state(path);
}

/* The same for one thread of @pid. */
static inline char proc_task_state(pid_t pid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	return proc_stat_state(path);
}

/*
 * How many children of ours /proc shows, in state @state ('Z' for zombies)
 * or in any state if @state is 0; -1 without /proc. Unlike waitpid(-1), it
 * sees children whose exit signal is 0 and works where waits are forbidden.
 */
static inline int count_children(char state)
{
	char path[300], line[256], st;
	struct dirent *e;
	int n = 0, ppid;
	DIR *d = opendir("/proc");
	FILE *f;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		st = 0;
		ppid = 0;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "State:", 6))
				st = line[6 + strspn(line + 6, " \t")];
			else if (!strncmp(line, "PPid:", 5))
				ppid = atoi(line + 5);
		}
		fclose(f);
		if (ppid == getpid() && (!state || st == state))
			n++;
	}
	closedir(d);
	return n;
}

/* Wait (bounded) until /proc/<pid>/stat shows @state. 0 on success. */
static inline int wait_proc_state(pid_t pid, char state)
{
	int i;

	for (i = 0; i < PD_TIMEOUT_MS; i++) {
		if (proc_state(pid) == state)
			return 0;
		usleep(1000);
	}
	return -1;
}

#ifndef CLONE_AUTOREAP
#define CLONE_AUTOREAP 0x400000000ULL	/* 1 << 34 */
#endif

/*
 * Whether the kernel autoreaps (CLONE_AUTOREAP, Linux 7.1 and later): there
 * the module has a child whose descriptors were all closed released at its
 * exit, where older kernels leave a quiet zombie for libprocdesc to reap
 * (PROCDESC_IOC_REAPABLE). Probed once, by a child that exits at once;
 * call it while no arm is pending, or the probe's child would be bound.
 */
static inline bool kernel_autoreaps(void)
{
	static int known = -1;
	struct clone_args args = { .flags = CLONE_AUTOREAP };
	pid_t pid;

	if (known < 0) {
		pid = sys_clone3(&args);
		if (pid == 0)
			syscall(SYS_exit, 0);
		known = pid > 0;
	}
	return known;
}

/*
 * The start of struct pidfd_info (Linux 6.15+, PIDFD_INFO_SIZE_VER0), which
 * the C library's headers may not have: pidfs keeps the exit status of a
 * reaped process for whoever holds a pidfd on it.
 */
struct pd_pidfd_info {
	__u64 mask;
	__u64 cgroupid;
	__u32 pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	__s32 exit_code;
};

#define PD_PIDFD_INFO_EXIT	0x8UL	/* 1 << 3 */
#define PD_PIDFD_GET_INFO	_IOWR(0xFF, 11, struct pd_pidfd_info)

/*
 * A watch on @pid, a child about to lose its last descriptor: a pidfd,
 * through which closed_child_status() reads how it ended where the kernel
 * reaps it. Open it while the child runs.
 */
static inline int watch_child(pid_t pid)
{
	return sys_pidfd_open(pid, 0);
}

/*
 * The wait status of @pid, a child that lost its last descriptor, watched
 * by @pidfd (which this closes), once it has ended; -1 if none. The caller,
 * its parent, reaps it; but where the kernel autoreaps a quiet child (7.1
 * and later), the kernel did, and the status comes from the pidfd.
 */
static inline int closed_child_status(int pidfd, pid_t pid)
{
	struct pd_pidfd_info info;
	int status = -1, tries;

	if (!kernel_autoreaps()) {
		if (waitpid_nointr(pid, &status, __WALL) != pid)
			status = -1;
		goto out;
	}
	/* POLLHUP too, once it is reaped. */
	if (!(wait_revents(pidfd, POLLIN, PD_TIMEOUT_MS) & POLLIN))
		goto out;
	if (waitpid(pid, &status, WNOHANG | __WALL) == pid || errno != ECHILD)
		goto out;
	/* pidfs records the status as the task is released, after the POLLIN. */
	for (tries = 0; tries < PD_TIMEOUT_MS / 10; tries++) {
		memset(&info, 0, sizeof(info));
		info.mask = PD_PIDFD_INFO_EXIT;
		if (ioctl(pidfd, PD_PIDFD_GET_INFO, &info))
			break;
		if (info.mask & PD_PIDFD_INFO_EXIT) {
			status = info.exit_code;
			break;
		}
		usleep(10000);
	}
out:
	close(pidfd);
	return status;
}

/* Whether we run as root; most tests need it inside the VM. */
static inline int is_root(void)
{
	return geteuid() == 0;
}

/* Drop to @uid/@gid for good (all of real, effective and saved). */
static inline int drop_to(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) && errno != EPERM)
		return -1;
	if (setresgid(gid, gid, gid))
		return -1;
	return setresuid(uid, uid, uid);
}

/* Monotonic milliseconds. */
static inline __s64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Burn CPU time in the calling process for @ms milliseconds. */
static inline void burn_cpu(int ms)
{
	struct timespec ts;

	do {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while ((__s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < ms);
}

/*
 * kselftest_harness.h is written for -Wall: its TEST() wrapper and its
 * SIGALRM handler leave parameters unused, which -Wextra -Werror refuses at
 * every TEST() of ours. Nothing else is silenced.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#endif /* PROCDESC_TEST_H */
