// SPDX-License-Identifier: GPL-2.0
/*
 * pddupfd() (FreeBSD 16-CURRENT): a close-on-exec copy of one of the
 * process's file descriptors, for a caller allowed to ptrace-attach to it;
 * EINVAL when the descriptor argument is not a process descriptor, EBADF
 * for a bad file descriptor in the process.
 */
#define _GNU_SOURCE
#include "procdesc_test.h"
#include "kselftest_harness.h"

#ifndef PROCDESC_HAVE_PDDUPFD
#error "<sys/procdesc.h> does not define PROCDESC_HAVE_PDDUPFD"
#endif

/* The fd number at which the child keeps the write end of our pipe. */
#define CHILD_FD	40

/*
 * pdfork a child holding the write end of a new pipe at CHILD_FD until
 * *@go is closed; *@rd gets the read end, once the child is ready.
 */
static pid_t child_with_pipe(int *fd, int *rd, int *go)
{
	int p[2], g[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) || pipe2(g, O_CLOEXEC))
		return -1;
	pid = pdfork(fd, 0);
	if (pid == 0) {
		if (dup2(p[1], CHILD_FD) != CHILD_FD || write(CHILD_FD, "r", 1) != 1)
			_exit(1);
		close(g[1]);
		while (read(g[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[1]);
	close(g[0]);
	*rd = p[0];
	*go = g[1];
	return pid > 0 && recv_byte(p[0]) == 'r' ? pid : -1;
}

TEST(copies_the_childs_fd)
{
	int fd = -1, rd = -1, go = -1, copy, status = -1;
	char buf[8] = { 0 };

	ASSERT_GT(child_with_pipe(&fd, &rd, &go), 0);
	copy = pddupfd(fd, CHILD_FD, 0);
	ASSERT_GE(copy, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(copy, F_GETFD));
	/* The child's pipe end: what we write there comes out of ours. */
	ASSERT_EQ(2, write(copy, "ok", 2));
	ASSERT_EQ(2, read(rd, buf, sizeof(buf)));
	EXPECT_STREQ("ok", buf);
	close(copy);
	close(go);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(rd);
	close(fd);
}

TEST(bad_arguments)
{
	int fd = -1, rd = -1, go = -1, p[2], status = -1, before;

	ASSERT_GT(child_with_pipe(&fd, &rd, &go), 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	before = count_fds();
	errno = 0;
	EXPECT_EQ(-1, pddupfd(fd, 999, 0));
	EXPECT_EQ(EBADF, errno) TH_LOG("no fd 999 in the child");
	errno = 0;
	EXPECT_EQ(-1, pddupfd(p[0], 0, 0));
	EXPECT_EQ(EINVAL, errno) TH_LOG("a pipe is not a process descriptor");
	errno = 0;
	EXPECT_EQ(-1, pddupfd(1000, 0, 0));
	EXPECT_EQ(EBADF, errno) TH_LOG("fd 1000 is not open here");
	errno = 0;
	EXPECT_EQ(-1, pddupfd(fd, CHILD_FD, 1));
	EXPECT_EQ(EINVAL, errno) TH_LOG("flags must be 0");
	EXPECT_EQ(before, count_fds());
	close(go);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	/* Reaped: no process to copy from. */
	errno = 0;
	EXPECT_EQ(-1, pddupfd(fd, CHILD_FD, 0));
	EXPECT_EQ(ESRCH, errno);
	close(p[0]);
	close(p[1]);
	close(rd);
	close(fd);
}

/*
 * ptrace-attach rights, not a descriptor's: an unprivileged receiver of a
 * descriptor for a root process may not copy its fds (EPERM).
 */
TEST(needs_ptrace_rights)
{
	int fd = -1, rd = -1, go = -1, sv[2], status = -1;
	pid_t helper;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		int rfd;

		close_all_but(sv[1]);
		if (drop_to(65533, 65533))
			_exit(10);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(11);
		errno = 0;
		if (pddupfd(rfd, CHILD_FD, 0) != -1 || errno != EPERM)
			_exit(12);
		_exit(0);
	}
	close(sv[1]);
	ASSERT_GT(child_with_pipe(&fd, &rd, &go), 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status);
	close(go);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	close(rd);
	close(fd);
	close(sv[0]);
}

TEST_HARNESS_MAIN
