// SPDX-License-Identifier: GPL-2.0
/*
 * A pdfork child is invisible to the parent's SIGCHLD and to wait(-1):
 * no signal, no autoreap, ECHILD from waitpid(-1), but waitpid(pid, __WALL)
 * still finds it. Also after the child exec()s, which resets a Linux
 * child's exit signal, and after the parent exec()s.
 */
#define _GNU_SOURCE
#include "procdesc_test.h"
#include "kselftest_harness.h"

static int sigchld_pending(void)
{
	sigset_t set;

	if (sigpending(&set))
		return -1;
	return sigismember(&set, SIGCHLD);
}

static void block_sigchld(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(how, &set, NULL);
}

/*
 * The method, on a plain fork() child: once it is reaped, its SIGCHLD has
 * been sent (do_notify_parent() runs before the zombie can be reaped).
 */
TEST(control_fork_child_sends_sigchld)
{
	int status;
	pid_t pid;

	block_sigchld(SIG_BLOCK);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid_nointr(pid, &status, 0));
	EXPECT_EQ(1, sigchld_pending());
	block_sigchld(SIG_UNBLOCK);
}

TEST(no_sigchld_on_exit)
{
	int fd = -1, status = -1;
	pid_t pid;

	ASSERT_EQ(0, sigchld_counter_start());
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	/* A SIGCHLD would have been delivered on return from pdwait(). */
	EXPECT_EQ(0, sigchld_counted());
	close(fd);
}

TEST(no_sigchld_pending_when_blocked)
{
	int fd = -1, status = -1;
	pid_t pid;

	block_sigchld(SIG_BLOCK);
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, sigchld_pending());
	close(fd);
}

TEST(no_sigchld_when_killed)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	block_sigchld(SIG_BLOCK);
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, SIGKILL));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGKILL, status);
	EXPECT_EQ(0, sigchld_pending());
	close(fd);
	close(sk);
}

TEST(waitpid_any_echild_when_only_child)
{
	int fd = -1, sk = -1, status;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	errno = 0;
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	/* Blocking does not block either. */
	errno = 0;
	EXPECT_EQ(-1, waitpid(-1, &status, 0));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, wait(&status));
	EXPECT_EQ(ECHILD, errno);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	/* Nor when it is a zombie. */
	errno = 0;
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, waitpid(0, &status, 0));
	EXPECT_EQ(ECHILD, errno);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

TEST(waitpid_any_skips_zombie_next_to_other_child)
{
	int fd = -1, status = -1;
	pid_t pid, other;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(1);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	other = fork();
	ASSERT_GE(other, 0);
	if (other == 0) {
		pause();
		_exit(0);
	}
	EXPECT_EQ(0, waitpid(-1, &status, WNOHANG));
	ASSERT_EQ(0, kill(other, SIGKILL));
	EXPECT_EQ(other, waitpid_nointr(-1, &status, 0));
	EXPECT_EQ(SIGKILL, status);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(1 << 8, status);
	close(fd);
}

TEST(waitpid_pid_wall_sees_zombie)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(13);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	EXPECT_EQ(pid, waitpid(pid, &status, WNOHANG | __WALL));
	EXPECT_EQ(13 << 8, status);
	close(fd);
}

/*
 * Whether the exited child behind @fd is still a zombie once its exit has
 * run to the end: an autoreap happens in the same exit_notify() call that
 * wakes pollers, microseconds after POLLHUP, so 100 ms later it is done.
 */
static int still_a_zombie(int fd, pid_t pid)
{
	siginfo_t info;

	if (wait_hup(fd) != POLLHUP)
		return 0;
	usleep(100000);
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, pid, &info, WEXITED | WNOWAIT | WNOHANG | __WALL))
		return 0;
	return info.si_pid == pid;
}

TEST(sig_ign_does_not_autoreap)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	int fd = -1, status = -1;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGCHLD, &sa, NULL));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(15);
	EXPECT_TRUE(still_a_zombie(fd, pid));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(15 << 8, status);
	close(fd);
}

TEST(sa_nocldwait_does_not_autoreap)
{
	struct sigaction sa = { .sa_handler = SIG_DFL, .sa_flags = SA_NOCLDWAIT };
	int fd = -1, status = -1;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGCHLD, &sa, NULL));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(16);
	EXPECT_TRUE(still_a_zombie(fd, pid));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(16 << 8, status);
	close(fd);
}

/*
 * After the child exec()s: Linux resets a process's exit signal to SIGCHLD
 * in exec (de_thread()), so unless procdesc restores it, a pdfork+exec
 * child signals the parent and is seen by wait(-1).
 */
static pid_t pdfork_exec_true(int *fd)
{
	pid_t pid = pdfork(fd, 0);

	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	return pid;
}

TEST(exec_child_sends_no_sigchld)
{
	int fd = -1, status = -1;
	pid_t pid;

	block_sigchld(SIG_BLOCK);
	pid = pdfork_exec_true(&fd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, sigchld_pending()) {
		TH_LOG("SIGCHLD from a pdfork child that called execve()");
	}
	close(fd);
}

TEST(exec_child_invisible_to_wait_any)
{
	int fd = -1, status = -1;
	pid_t pid, got;

	pid = pdfork_exec_true(&fd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	errno = 0;
	got = waitpid(-1, &status, WNOHANG);
	EXPECT_EQ(-1, got) {
		TH_LOG("waitpid(-1) reaped the exec'd pdfork child (%d)", got);
	}
	EXPECT_EQ(ECHILD, errno);
	if (got == pid)
		status = -1;
	else
		ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	close(fd);
}

TEST(exec_child_not_autoreaped_with_sig_ign)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	int fd = -1, status = -1;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGCHLD, &sa, NULL));
	pid = pdfork_exec_true(&fd);
	ASSERT_GT(pid, 0);
	EXPECT_TRUE(still_a_zombie(fd, pid)) {
		TH_LOG("the exec'd pdfork child was autoreaped");
	}
	EXPECT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL)) {
		TH_LOG("pdwait: %s", strerror(errno));
	}
	EXPECT_EQ(0, status);
	close(fd);
}

/*
 * After the parent exec()s: the kernel turns a non-SIGCHLD exit signal
 * into SIGCHLD when the parent has exec'd since the fork. The helper
 * pdforks, exec()s this binary (see the constructor below) keeping the
 * descriptor, lets the child exit and checks for SIGCHLD.
 */
#define EXEC_HELPER_ENV "PROCDESC_SIGCHLD_EXEC_HELPER"

static void __attribute__((constructor)) exec_helper(void)
{
	const char *arg = getenv(EXEC_HELPER_ENV);
	int fd, sk, status = -1;
	sigset_t set;

	if (!arg)
		return;
	if (sscanf(arg, "%d,%d", &fd, &sk) != 2)
		_exit(50);
	/* SIGCHLD stays blocked across the exec. */
	if (pdkill(fd, 0))
		_exit(51);
	close(sk);		/* the pinger exits */
	if (pdwait(fd, &status, WEXITED, NULL, NULL))
		_exit(52);
	if (status != 0)
		_exit(53);
	if (sigpending(&set))
		_exit(54);
	_exit(sigismember(&set, SIGCHLD) ? 55 : 0);
}

TEST(parent_exec_no_sigchld)
{
	int status = -1;
	pid_t helper;

	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		char env[64], *envp[2] = { env, NULL };
		int fd = -1, sk = -1;

		block_sigchld(SIG_BLOCK);
		if (pdfork_pinger(&fd, 0, &sk, 0) <= 0)
			_exit(40);
		/* Both must survive the exec. */
		if (fcntl(sk, F_SETFD, 0))
			_exit(41);
		snprintf(env, sizeof(env), EXEC_HELPER_ENV "=%d,%d", fd, sk);
		execle("/proc/self/exe", "sigchld_test", (char *)NULL, envp);
		_exit(42);
	}
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		if (WEXITSTATUS(status) == 55)
			TH_LOG("SIGCHLD from a pdfork child after its parent exec()ed");
		else
			TH_LOG("helper exit status %d", WEXITSTATUS(status));
	}
}

/*
 * An orphan is its reaper's ordinary child: when its parent dies, Linux
 * resets its exit signal to SIGCHLD, and the module must not set it back
 * to 0 behind that reparenting (its exec and exit probes race with it), or
 * the new reaper's wait(-1) never sees it. Here the reaper is a subreaper,
 * and the parent a fork of it that pdforks a child, hands the descriptor
 * (PD_DAEMON) to the subreaper, which keeps the module watching the child,
 * and exits while the child execs; many times over.
 */
TEST(orphan_of_dying_parent_reaches_subreaper)
{
	int i, t, status, sv[2], go[2], fd, lost = 0, n = fork_loops(100, 10);
	pid_t mid, w;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
		mid = fork();
		ASSERT_GE(mid, 0);
		if (mid == 0) {
			pid_t c = pdfork(&fd, PD_DAEMON);

			if (c == 0) {
				if (write(go[1], "e", 1) == 1)
					execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			if (c < 0 || send_fd(sv[1], fd) || recv_byte(go[0]) != 'e')
				_exit(1);
			/* Spread the exits over the child's exec. */
			usleep(i % 10 * 500);
			_exit(0);
		}
		close(go[0]);
		close(go[1]);
		fd = recv_fd(sv[0]);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(mid, waitpid_nointr(mid, &status, 0));
		ASSERT_EQ(0, status);
		/* The orphan, found by a wait that skips clone children. */
		w = 0;
		for (t = 0; w == 0 && t < PD_TIMEOUT_MS; t++) {
			w = waitpid(-1, &status, WNOHANG);
			if (w == 0)
				usleep(1000);
		}
		if (w <= 0) {
			lost++;
			waitpid_nointr(-1, &status, __WALL);
		} else {
			EXPECT_EQ(0, status);
		}
		close(fd);
	}
	EXPECT_EQ(0, lost) TH_LOG("orphans reparented with exit signal 0");
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
