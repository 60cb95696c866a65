// SPDX-License-Identifier: GPL-2.0
/*
 * A supervisor that manages its workers through process descriptors only.
 *
 * It first enters a seccomp sandbox in which every call that can reach a
 * process other than its own children fails (kill, tgkill, pidfd_open,
 * ptrace, ...), and so does every wait but for one given child, the Linux
 * counterpart of FreeBSD's capability mode. libprocdesc needs nothing else:
 * ioctl and fstat on its kept /dev/procdesc and on descriptors, clone (the
 * C library's fork), and waitid(P_PID) to reap its own child, which no other
 * process can be. Then the supervisor starts workers with pdfork(), watches
 * them with epoll, restarts the one that crashes, and stops them all with
 * pdkill() and pdwait(). Build: cc sandboxed-supervisor.c -lprocdesc -lseccomp
 */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/procdesc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define DENY(ctx, call, ...) \
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(call), __VA_ARGS__)

#define NWORKERS 3
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct worker {
	int fd;
	pid_t pid;
	int restarts;
};

static void die(const char *what)
{
	fprintf(stderr, "supervisor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void enter_sandbox(void)
{
	static const char *const pid_calls[] = {
		"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
		"pidfd_open", "ptrace", "process_vm_readv", "process_vm_writev",
		"kcmp",
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int ret = 0;

	if (!ctx)
		die("seccomp_init");
	for (size_t i = 0; i < ARRAY_SIZE(pid_calls); i++) {
		int nr = seccomp_syscall_resolve_name(pid_calls[i]);

		if (nr != __NR_SCMP_ERROR)
			ret |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* Waits for one given child only: P_PID or P_PIDFD, or a pid > 0. */
	ret |= DENY(ctx, waitid, 1, SCMP_A0(SCMP_CMP_EQ, P_ALL));
	ret |= DENY(ctx, waitid, 1, SCMP_A0(SCMP_CMP_EQ, P_PGID));
	ret |= DENY(ctx, waitid, 1, SCMP_A0(SCMP_CMP_GT, P_PIDFD));
	ret |= DENY(ctx, wait4, 1, SCMP_A0(SCMP_CMP_EQ, 0));
	ret |= DENY(ctx, wait4, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000, 0x80000000));
	ret |= DENY(ctx, sched_setaffinity, 1, SCMP_A0(SCMP_CMP_NE, 0));
	ret |= DENY(ctx, setpriority, 1, SCMP_A1(SCMP_CMP_NE, 0));
	if (ret || seccomp_load(ctx)) {
		errno = ret ? -ret : errno;
		die("seccomp");
	}
	seccomp_release(ctx);
	printf("supervisor: sandbox entered; kill(getpid(), 0) now fails: %s\n",
	       kill(getpid(), 0) ? strerror(errno) : "no!");
}

/* Worker 1 crashes once, after a moment; the others serve until stopped. */
static void work(int n, int restarts)
{
	if (n == 1 && restarts == 0) {
		usleep(200 * 1000);
		__builtin_trap();	/* raise() would need tgkill */
	}
	for (;;)
		pause();
}

static void start(struct worker *w, int n, int ep)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = n };

	w->pid = pdfork(&w->fd, PD_CLOEXEC);
	if (w->pid < 0)
		die("pdfork");
	if (w->pid == 0)
		work(n, w->restarts);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, w->fd, &ev))
		die("epoll_ctl");
	printf("supervisor: worker %d started as pid %d\n", n, w->pid);
}

/* Collect a worker that exited; returns its status. */
static int collect(struct worker *w, int ep)
{
	int status;

	if (pdwait(w->fd, &status, WEXITED, NULL, NULL))
		die("pdwait");
	epoll_ctl(ep, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
	return status;
}

int main(void)
{
	struct worker w[NWORKERS] = { 0 };
	struct epoll_event ev;
	int ep, status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	enter_sandbox();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	for (int i = 0; i < NWORKERS; i++)
		start(&w[i], i, ep);

	/* Watch: the first exit is worker 1's crash; restart it. */
	if (epoll_wait(ep, &ev, 1, 10000) != 1)
		die("epoll_wait");
	status = collect(&w[ev.data.u32], ep);
	printf("supervisor: worker %u (pid %d) died of signal %d (%s); restarting\n",
	       ev.data.u32, w[ev.data.u32].pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	w[ev.data.u32].restarts++;
	start(&w[ev.data.u32], ev.data.u32, ep);

	/* Stop everyone through the descriptors. */
	for (int i = 0; i < NWORKERS; i++) {
		if (pdkill(w[i].fd, SIGTERM))
			die("pdkill");
		status = collect(&w[i], ep);
		printf("supervisor: worker %d (pid %d) stopped: %s\n", i, w[i].pid,
		       WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited");
	}
	printf("supervisor: all workers stopped, %d restart(s)\n", w[1].restarts);
	return 0;
}
