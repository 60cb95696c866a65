// SPDX-License-Identifier: GPL-2.0
/*
 * pdkill(): signals, signal 0, zombies, and ESRCH once the exit was
 * consumed or the process reaped. Its kill(2) permission rules are in
 * permission_test.c.
 */
#define _GNU_SOURCE
#include <limits.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

TEST(sigterm_terminates)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, SIGTERM));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGTERM, WTERMSIG(status));
	EXPECT_EQ(SIGTERM, status);
	close(fd);
	close(sk);
}

TEST(sigkill_and_highest_rt_signal)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, SIGKILL));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGKILL, status);
	close(fd);
	close(sk);

	/* 64 is the last valid signal (SIGRTMAX in the kernel's numbering). */
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, 64));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(64, status);
	close(fd);
	close(sk);
}

TEST(caught_signal_is_delivered)
{
	int fd = -1, p[2], status = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		sigset_t set;
		int sig = 0;

		close(p[0]);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		if (sigwait(&set, &sig))
			_exit(2);
		_exit(sig == SIGUSR1 ? 33 : 3);
	}
	close(p[1]);
	ASSERT_EQ('r', recv_byte(p[0]));
	ASSERT_EQ(0, pdkill(fd, SIGUSR1));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(33 << 8, status);
	close(fd);
	close(p[0]);
}

TEST(signal_zero_on_live_child)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 6);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, pdkill(fd, 0));
	EXPECT_TRUE(ping(sk));
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(6 << 8, status);
	close(fd);
}

TEST(invalid_signal_einval)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 6);
	ASSERT_GT(pid, 0);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, -1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, 65));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, 1000));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, INT_MAX));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, INT_MIN));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(ping(sk));
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(6 << 8, status);
	close(fd);
}

TEST(not_a_descriptor_einval)
{
	int p[2], ctl, pidfd, sv[2], null;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	errno = 0;
	EXPECT_EQ(-1, pdkill(p[0], SIGTERM));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(p[1], 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	EXPECT_EQ(-1, pdkill(sv[0], 0));
	EXPECT_EQ(EINVAL, errno);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(null, 0);
	EXPECT_EQ(-1, pdkill(null, 0));
	EXPECT_EQ(EINVAL, errno);
	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	EXPECT_EQ(-1, pdkill(ctl, SIGKILL));
	EXPECT_EQ(EINVAL, errno);
	/* A pidfd of ourselves: EINVAL, and certainly no signal. */
	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	EXPECT_EQ(-1, pdkill(pidfd, SIGKILL));
	EXPECT_EQ(EINVAL, errno);
	close(pidfd);
	close(ctl);
	close(null);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

TEST(closed_fd_ebadf)
{
	int fd = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, SIGTERM));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(-1, 0));
	EXPECT_EQ(EBADF, errno);
}

/* A zombie accepts (and ignores) signals; the status is unchanged. */
TEST(zombie_accepts_signals)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 8);
	ASSERT_GT(pid, 0);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	EXPECT_EQ(0, pdkill(fd, 0));
	EXPECT_EQ(0, pdkill(fd, SIGTERM));
	EXPECT_EQ(0, pdkill(fd, SIGKILL));
	/* A peek leaves it a zombie that still takes signals. */
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED | WNOWAIT, NULL, NULL));
	EXPECT_EQ(8 << 8, status);
	EXPECT_EQ(0, pdkill(fd, SIGKILL));
	status = -1;
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(8 << 8, status);
	close(fd);
}

TEST(after_pdwait_esrch)
{
	int fd = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, 0));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, SIGKILL));
	EXPECT_EQ(ESRCH, errno);
	/* The argument is checked first. */
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, 65));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST(after_waitpid_reap_esrch)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(9);
	ASSERT_EQ(pid, waitpid_nointr(pid, &status, __WALL));
	EXPECT_EQ(9 << 8, status);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, 0));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, SIGTERM));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

/* A stopped child is signalled, but a stop is not an exit. */
TEST(stop_and_continue)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 5);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, SIGSTOP));
	ASSERT_EQ(0, wait_proc_state(pid, 'T'));
	EXPECT_EQ(0, poll_now(fd, POLLIN));
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, pdkill(fd, SIGCONT));
	EXPECT_TRUE(ping(sk));
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(5 << 8, status);
	close(fd);
}

TEST_HARNESS_MAIN
