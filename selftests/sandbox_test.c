// SPDX-License-Identifier: GPL-2.0
/*
 * Process descriptors inside a sandbox that forbids every call that can
 * reach a process other than the caller's own children (the Linux
 * counterpart of Capsicum's capability mode): signals by number, pidfd_open,
 * ptrace, and waits for anything but one given child. libprocdesc needs
 * none of them: it names a process by number only to reap the caller's own
 * unreaped child (waitid(P_PID)), which no other process can be.
 */
#define _GNU_SOURCE
#include <seccomp.h>
#include <sys/epoll.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

/* Deny @name with EPERM when the rule's arguments match; skip calls this
 * architecture does not have (waitpid exists on i386 only).
 */
#define DENY(ctx, name, ...) \
	deny(#name, seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), \
				     SCMP_SYS(name), __VA_ARGS__))

static int deny(const char *name, int ret)
{
	if (ret && ret != -EDOM) {
		fprintf(stderr, "seccomp_rule_add(%s): %s\n", name, strerror(-ret));
		return -1;
	}
	return 0;
}

/*
 * The sandbox: every call that can reach another process fails with EPERM;
 * with @no_open, so does opening any file, as in Capsicum's capability mode.
 * Waits are allowed for one given child only (waitid(P_PID or P_PIDFD),
 * wait4(pid > 0)): a wait cannot reach another process's children anyway,
 * but no wildcard wait is needed either. What libprocdesc calls here:
 * ioctl and fstat (and openat the first time), clone or clone3 (the C
 * library's fork and posix_spawn), execve, waitid(P_PID) for its own child,
 * wait4(pid) (the C library's posix_spawn after a failed exec), close.
 */
static int enter_sandbox(bool no_open)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int err = 0;

	if (!ctx)
		return -1;
	/*
	 * Both ABIs of x86-64, so that a 32-bit test may exec a 64-bit
	 * program (the default for another ABI is to kill).
	 */
	err = seccomp_arch_add(ctx, SCMP_ARCH_X86_64);
	err = err == -EEXIST ? 0 : err;
	err |= DENY(ctx, kill, 0);
	err |= DENY(ctx, tkill, 0);
	err |= DENY(ctx, tgkill, 0);
	err |= DENY(ctx, rt_sigqueueinfo, 0);
	err |= DENY(ctx, rt_tgsigqueueinfo, 0);
	/* pid <= 0: 0, or the sign bit (libseccomp compares unsigned). */
	err |= DENY(ctx, wait4, 1, SCMP_A0(SCMP_CMP_EQ, 0));
	err |= DENY(ctx, wait4, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000, 0x80000000));
	err |= DENY(ctx, waitpid, 1, SCMP_A0(SCMP_CMP_EQ, 0));
	err |= DENY(ctx, waitpid, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000, 0x80000000));
	/* waitid's idtypes: P_ALL 0, P_PID 1, P_PGID 2, P_PIDFD 3. */
	err |= DENY(ctx, waitid, 1, SCMP_A0(SCMP_CMP_EQ, P_ALL));
	err |= DENY(ctx, waitid, 1, SCMP_A0(SCMP_CMP_EQ, P_PGID));
	err |= DENY(ctx, waitid, 1, SCMP_A0(SCMP_CMP_GT, P_PIDFD));
	err |= DENY(ctx, pidfd_open, 0);
	err |= DENY(ctx, ptrace, 0);
	err |= DENY(ctx, process_vm_readv, 0);
	err |= DENY(ctx, process_vm_writev, 0);
	err |= DENY(ctx, kcmp, 0);
	err |= DENY(ctx, sched_setaffinity, 1, SCMP_A0(SCMP_CMP_NE, 0));
	err |= DENY(ctx, sched_setscheduler, 1, SCMP_A0(SCMP_CMP_NE, 0));
	err |= DENY(ctx, sched_setparam, 1, SCMP_A0(SCMP_CMP_NE, 0));
	err |= DENY(ctx, sched_setattr, 1, SCMP_A0(SCMP_CMP_NE, 0));
	err |= DENY(ctx, setpriority, 1, SCMP_A0(SCMP_CMP_NE, PRIO_PROCESS));
	err |= DENY(ctx, setpriority, 1, SCMP_A1(SCMP_CMP_NE, 0));
	err |= DENY(ctx, get_robust_list, 1, SCMP_A0(SCMP_CMP_NE, 0));
	err |= DENY(ctx, prlimit64, 1, SCMP_A0(SCMP_CMP_NE, 0));
	if (no_open) {
		err |= DENY(ctx, open, 0);
		err |= DENY(ctx, openat, 0);
		err |= DENY(ctx, openat2, 0);
	}
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err ? -1 : 0;
}

/* A child that waits for a byte (or EOF) on @rfd, then exits with @code. */
static pid_t child_waiting(int *fd, int flags, int *wfd, int code)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = pdfork(fd, flags);
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(100);
		_exit(code);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static int proc_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", pid);
	return access(path, F_OK) == 0;
}

FIXTURE(sandbox) {
};

FIXTURE_SETUP(sandbox)
{
	ASSERT_EQ(0, enter_sandbox(false));
}

FIXTURE_TEARDOWN(sandbox)
{
}

/* The filter really forbids what it should, and nothing pdfork needs. */
TEST_F(sandbox, pid_calls_fail)
{
	siginfo_t info;

	EXPECT_EQ(-1, kill(getpid(), 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, waitid(P_ALL, 0, &info, WEXITED | WNOHANG));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, waitid(P_PGID, 0, &info, WEXITED | WNOHANG));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, syscall(SYS_pidfd_open, getpid(), 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, setpriority(PRIO_PROCESS, 1, 0));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(sandbox, pdfork_pdgetpid_pdwait_reaps)
{
	struct __wrusage wru;
	siginfo_t info;
	int fd, wfd, status;
	pid_t pid, got;

	pid = child_waiting(&fd, PD_CLOEXEC, &wfd, 7);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EWOULDBLOCK, errno);

	close(wfd);
	ASSERT_EQ(POLLHUP, wait_revents(fd, POLLHUP, 10000));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, &wru, &info));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(7, WEXITSTATUS(status));
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(pid, info.si_pid);
	/* pdwait reaped it through waitid(P_PID): the pid is gone. */
	EXPECT_FALSE(proc_exists(pid));
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, pdkill(fd, SIGTERM));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

TEST_F(sandbox, pdkill)
{
	int fd, wfd, status;
	pid_t pid;

	pid = child_waiting(&fd, 0, &wfd, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, 0));
	ASSERT_EQ(0, pdkill(fd, SIGTERM));
	ASSERT_EQ(POLLHUP, wait_revents(fd, POLLHUP, 10000));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGTERM, WTERMSIG(status));
	EXPECT_EQ(-1, pdkill(fd, 65));
	EXPECT_EQ(EINVAL, errno);
	close(wfd);
	close(fd);
}

TEST_F(sandbox, epoll)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	int fd[2], wfd[2], ep, status;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	for (int i = 0; i < 2; i++) {
		ASSERT_GT(child_waiting(&fd[i], 0, &wfd[i], 10 + i), 0);
		ev.data.u32 = i;
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev));
	}
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	close(wfd[1]);
	ASSERT_EQ(1, epoll_wait(ep, out, 2, 10000));
	EXPECT_EQ(1U, out[0].data.u32);
	EXPECT_EQ((uint32_t)EPOLLHUP, out[0].events);
	ASSERT_EQ(0, pdwait(fd[1], &status, WEXITED, NULL, NULL));
	EXPECT_EQ(11, WEXITSTATUS(status));
	close(wfd[0]);
	ASSERT_EQ(0, pdwait(fd[0], &status, WEXITED, NULL, NULL));
	EXPECT_EQ(10, WEXITSTATUS(status));
	close(fd[0]);
	close(fd[1]);
	close(ep);
}

/*
 * Last close kills; the parent can still wait for its own child, unless
 * the kernel reaps it (7.1 and later).
 */
TEST_F(sandbox, close_kills)
{
	siginfo_t info;
	int fd, wfd;
	pid_t pid;

	pid = child_waiting(&fd, 0, &wfd, 0);
	ASSERT_GT(pid, 0);
	close(fd);
	if (kernel_autoreaps()) {
		/* Nobody can wait for it: wait until it is gone. */
		ASSERT_EQ(0, wait_proc_state(pid, 0));
		EXPECT_EQ(-1, waitid(P_PID, pid, &info, WEXITED | WNOHANG | __WALL));
		EXPECT_EQ(ECHILD, errno);
	} else {
		ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | __WALL));
		EXPECT_EQ(CLD_KILLED, info.si_code);
		EXPECT_EQ(SIGKILL, info.si_status);
	}
	close(wfd);
}

TEST_F(sandbox, daemon_survives_close)
{
	siginfo_t info;
	int fd, wfd;
	pid_t pid;

	pid = child_waiting(&fd, PD_DAEMON, &wfd, 5);
	ASSERT_GT(pid, 0);
	close(fd);
	info.si_pid = 0;
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOHANG | __WALL));
	EXPECT_EQ(0, info.si_pid);
	/* Still alive: it exits with its own status when told to. */
	close(wfd);
	if (kernel_autoreaps()) {
		/* Nobody can wait for it: wait until it is gone. */
		ASSERT_EQ(0, wait_proc_state(pid, 0));
		EXPECT_EQ(-1, waitid(P_PID, pid, &info, WEXITED | WNOHANG | __WALL));
		EXPECT_EQ(ECHILD, errno);
		return;
	}
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | __WALL));
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(5, info.si_status);
}

/* pdspawnp runs a program; a failed exec leaves nothing behind. */
TEST_F(sandbox, pdspawnp_and_failed_exec)
{
	static char *const argv[] = { "true", NULL };
	int fd = -1, status = -1;
	pid_t pid = 0;

	ASSERT_EQ(0, pdspawnp(&pid, &fd, PD_CLOEXEC, "true", NULL, NULL, argv, environ));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	EXPECT_FALSE(proc_exists(pid));
	close(fd);
	fd = -1;
	EXPECT_EQ(ENOENT, pdspawn(&pid, &fd, 0, "/nonexistent/procdesc-test", NULL, NULL,
				  argv, environ));
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(0, count_children(0));
}

/*
 * Where no file can be opened, pdfork() works once the library has the
 * control device, which it keeps from its first use; before that it fails
 * with the open's errno and makes no child.
 */
TEST(no_open_after_first_use)
{
	int fd = -1, status = -1;
	pid_t pid;

	ASSERT_EQ(0, pdfork_and_wait(3));
	ASSERT_EQ(0, enter_sandbox(true));
	EXPECT_EQ(-1, open("/dev/null", O_RDONLY));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, pdfork_and_wait(4));
	EXPECT_EQ(0, pdfork_and_wait(5));

	/* A fork of the sandboxed process has the device too. */
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(pdfork_and_wait(6) ? 1 : 0);
	EXPECT_EQ(0, pdfork_and_wait(7));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
}

TEST(no_open_before_first_use_eperm)
{
	int fd = -1;
	pid_t pid;

	ASSERT_EQ(0, enter_sandbox(true));
	errno = 0;
	pid = pdfork(&fd, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fd);
}

TEST_HARNESS_MAIN
