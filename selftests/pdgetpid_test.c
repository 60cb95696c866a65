// SPDX-License-Identifier: GPL-2.0
/*
 * pdgetpid(): the pid pdfork() returned, for the whole life of the
 * descriptor (after exit and after reap too), in the caller's pid
 * namespace, and EBADF for anything that is not a process descriptor.
 */
#define _GNU_SOURCE
#include "procdesc_test.h"
#include "kselftest_harness.h"

TEST(equals_pdfork_pid)
{
	int fd = -1, sk = -1;
	pid_t pid, got = 0;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	/* Twice: it does not change. */
	got = 0;
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

TEST(valid_after_exit_and_after_pdwait)
{
	int fd = -1, sk = -1;
	pid_t pid, got = 0;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	/* Reaped: the pid is gone from the system, not from the descriptor. */
	EXPECT_EQ(-1, kill(pid, 0));
	EXPECT_EQ(ESRCH, errno);
	got = 0;
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	close(fd);
}

TEST(valid_after_waitpid_reap)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid, got = 0;

	pid = pdfork_pinger(&fd, 0, &sk, 4);
	ASSERT_GT(pid, 0);
	close(sk);
	ASSERT_EQ(pid, waitpid_nointr(pid, &status, __WALL));
	EXPECT_EQ(4 << 8, status);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	close(fd);
}

TEST(not_a_descriptor_ebadf)
{
	int p[2], ctl, pidfd;
	pid_t got = 12345;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	errno = 0;
	EXPECT_EQ(-1, pdgetpid(p[0], &got));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, pdgetpid(STDERR_FILENO, &got));
	EXPECT_EQ(EBADF, errno);
	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	EXPECT_EQ(-1, pdgetpid(ctl, &got));
	EXPECT_EQ(EBADF, errno);
	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	errno = 0;
	EXPECT_EQ(-1, pdgetpid(pidfd, &got));
	EXPECT_EQ(EBADF, errno) {
		TH_LOG("pdgetpid() on a pidfd: %s", strerror(errno));
	}
	EXPECT_EQ(12345, got);
	close(pidfd);
	close(ctl);
	close(p[0]);
	close(p[1]);
}

TEST(closed_fd_ebadf)
{
	int fd = -1;
	pid_t pid, got = 0;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	errno = 0;
	EXPECT_EQ(-1, pdgetpid(fd, &got));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, pdgetpid(-1, &got));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, pdgetpid(1 << 20, &got));
	EXPECT_EQ(EBADF, errno);
}

TEST(bad_pointer_efault)
{
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, PROCDESC_IOC_GETPID, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, pdgetpid(fd, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, pdgetpid(fd, (pid_t *)(uintptr_t)8));
	EXPECT_EQ(EFAULT, errno);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

/* A forked copy of the holder and an SCM_RIGHTS receiver see the same pid. */
TEST(same_pid_for_every_holder)
{
	int fd = -1, sk = -1, sv[2], status = -1;
	pid_t pid, helper, got = 0;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);

	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		int rfd;

		/* The inherited copy. */
		if (pdgetpid(fd, &got) || got != pid)
			_exit(1);
		rfd = recv_fd(sv[1]);
		if (rfd < 0 || rfd == fd)
			_exit(2);
		got = 0;
		if (pdgetpid(rfd, &got) || got != pid)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* Read "NSpid:" of a pidfd's fdinfo: the outermost and innermost pids. */
static int pidfd_nspids(int pidfd, pid_t *outer, pid_t *inner)
{
	char val[128], *p, *end;
	long v;

	if (fdinfo_get(pidfd, "NSpid", val, sizeof(val)))
		return -1;
	p = val;
	*outer = *inner = -1;
	for (;;) {
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (*outer == -1)
			*outer = (pid_t)v;
		*inner = (pid_t)v;
		p = end;
	}
	return *outer == -1 ? -1 : 0;
}

/*
 * In a child pid namespace pdgetpid() gives the namespace's pid; the same
 * descriptor passed out to the parent namespace gives the global one.
 */
TEST(pid_in_callers_namespace)
{
	int sv[2], fd, pidfd, status = -1;
	pid_t helper, got = 0, outer, inner;

	if (!is_root())
		SKIP(return, "needs root for a pid namespace");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID))
			_exit(10);
		init = fork();
		if (init < 0)
			_exit(11);
		if (init == 0) {
			int cfd = -1, csk = -1;
			pid_t c, cgot = 0;

			/* pid 1 of the new namespace. */
			if (getpid() != 1)
				_exit(12);
			c = pdfork_pinger(&cfd, 0, &csk, 0);
			if (c != 2)
				_exit(13);
			if (pdgetpid(cfd, &cgot) || cgot != 2)
				_exit(14);
			if (send_fd(sv[1], cfd))
				_exit(15);
			/* Stay until the parent is done with the child. */
			if (recv_byte(sv[1]) != 'd')
				_exit(16);
			close(csk);
			if (pdwait(cfd, NULL, WEXITED, NULL, NULL))
				_exit(17);
			_exit(0);
		}
		if (waitpid_nointr(init, &status, 0) != init)
			_exit(18);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 19);
	}
	fd = recv_fd(sv[0]);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	pidfd = pdgetpidfd(fd);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, pidfd_nspids(pidfd, &outer, &inner));
	EXPECT_EQ(outer, got);
	EXPECT_EQ(2, inner);
	EXPECT_NE(2, got);
	close(pidfd);
	close(fd);
	ASSERT_TRUE(send_byte(sv[0], 'd'));
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status);
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
