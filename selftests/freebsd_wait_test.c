// SPDX-License-Identifier: GPL-2.0
/*
 * FreeBSD code reaps a pdfork child by pid: waitpid(pid), wait4(pid),
 * waitid(P_PID), and the process-group forms, find it and reap it, while a
 * wait for any child never sees it. Built as a FreeBSD program is, with
 * libprocdesc-freebsd's include directory first (see the Makefile): this
 * file includes only <sys/wait.h> for its waits.
 */
#define _GNU_SOURCE
#include "procdesc_test.h"
#include "kselftest_harness.h"

/* A pdfork child that exits with @code once *@go is closed. */
static pid_t child_waiting(int *fd, int *go, int code)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = pdfork(fd, 0);
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

TEST(redirected)
{
	EXPECT_TRUE((void *)waitpid == (void *)procdesc_waitpid);
	EXPECT_TRUE((void *)wait4 == (void *)procdesc_wait4);
	EXPECT_TRUE((void *)waitid == (void *)procdesc_waitid);
}

/* FreeBSD's idiom before pdwait(): the parent reaps by pid. */
TEST(waitpid_pid_reaps)
{
	int fd = -1, go = -1, status = -1;
	pid_t pid;

	ASSERT_EQ(0, sigchld_counter_start());
	pid = child_waiting(&fd, &go, 3);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	close(go);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(3 << 8, status);
	/* Reaped: the descriptor knows, as on FreeBSD. */
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, waitpid(pid, &status, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(0, sigchld_counted());
	close(fd);
}

TEST(wait4_pid_reaps_with_rusage)
{
	int fd = -1, go = -1, status = -1;
	struct rusage ru;
	pid_t pid;

	pid = child_waiting(&fd, &go, 4);
	ASSERT_GT(pid, 0);
	close(go);
	memset(&ru, 0xa5, sizeof(ru));
	ASSERT_EQ(pid, wait4(pid, &status, 0, &ru));
	EXPECT_EQ(4 << 8, status);
	EXPECT_GT(ru.ru_maxrss, 0);
	EXPECT_EQ(0, count_children(0));
	close(fd);
}

TEST(waitid_pid_reaps)
{
	int fd = -1, go = -1;
	siginfo_t info;
	pid_t pid;

	pid = child_waiting(&fd, &go, 5);
	ASSERT_GT(pid, 0);
	close(go);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED));
	EXPECT_EQ(pid, info.si_pid);
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(5, info.si_status);
	EXPECT_EQ(0, count_children(0));
	close(fd);
}

/* Only P_ALL is filtered on FreeBSD: a process-group wait sees the child. */
TEST(process_group_waits_reap)
{
	int fd = -1, go = -1, status = -1;
	siginfo_t info;
	pid_t pid;

	pid = child_waiting(&fd, &go, 6);
	ASSERT_GT(pid, 0);
	close(go);
	ASSERT_EQ(pid, waitpid(0, &status, 0));
	EXPECT_EQ(6 << 8, status);
	close(fd);

	pid = child_waiting(&fd, &go, 7);
	ASSERT_GT(pid, 0);
	close(go);
	ASSERT_EQ(pid, waitpid(-getpgrp(), &status, 0));
	EXPECT_EQ(7 << 8, status);
	close(fd);

	pid = child_waiting(&fd, &go, 8);
	ASSERT_GT(pid, 0);
	close(go);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, waitid(P_PGID, getpgrp(), &info, WEXITED));
	EXPECT_EQ(pid, info.si_pid);
	EXPECT_EQ(8, info.si_status);
	close(fd);
	EXPECT_EQ(0, count_children(0));
}

/* A wait for any child never sees a pdfork child, alone or not. */
TEST(wildcard_waits_skip_it)
{
	int fd = -1, go = -1, status = -1;
	siginfo_t info;
	pid_t pid, plain;

	pid = child_waiting(&fd, &go, 9);
	ASSERT_GT(pid, 0);
	close(go);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	errno = 0;
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, wait(&status));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, waitid(P_ALL, 0, &info, WEXITED | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	plain = fork();
	ASSERT_GE(plain, 0);
	if (plain == 0)
		_exit(10);
	ASSERT_EQ(plain, waitpid(-1, &status, 0));
	EXPECT_EQ(10 << 8, status);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(9 << 8, status);
	close(fd);
}

TEST_HARNESS_MAIN
