// SPDX-License-Identifier: GPL-2.0
/*
 * Between process descriptors and pidfds: pdgetpidfd() gives a working
 * close-on-exec pidfd (while the process is not reaped), pdopenpidfd()
 * adopts a pidfd of one's own unreaped child (made with clone3(CLONE_PIDFD),
 * or plain fork() + pidfd_open()).
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

TEST(pdgetpidfd_signal_and_reap)
{
	siginfo_t info;
	int fd = -1, sk = -1, pidfd;
	char buf[64];
	ssize_t n;
	pid_t pid, got = 0;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	pidfd = pdgetpidfd(fd);
	ASSERT_GE(pidfd, 0);
	EXPECT_NE(fd, pidfd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(pidfd, F_GETFD));
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", pidfd);
	{
		char link[64];

		n = readlink(buf, link, sizeof(link) - 1);
		ASSERT_GT(n, 0);
		link[n] = '\0';
		EXPECT_STREQ("anon_inode:[pidfd]", link);
	}
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGTERM, NULL, 0));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL));
	EXPECT_EQ(pid, info.si_pid);
	EXPECT_EQ(CLD_KILLED, info.si_code);
	EXPECT_EQ(SIGTERM, info.si_status);
	/* Reaped behind the descriptor's back. */
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, NULL, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	close(pidfd);
	close(fd);
	close(sk);
}

/*
 * A module cannot make a pidfd: pdgetpidfd() opens one from the pid, so
 * once the process is reaped there is none to give (ESRCH), and no fd is
 * left behind.
 */
TEST(pdgetpidfd_after_reap_esrch)
{
	int fd = -1, before;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	before = count_fds();
	errno = 0;
	EXPECT_EQ(-1, pdgetpidfd(fd));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(before, count_fds());
	close(fd);
}

TEST(pdgetpidfd_pidfd_poll_and_open_again)
{
	int fd = -1, sk = -1, pidfd, fd2, status = -1;
	pid_t pid, got = 0;

	pid = pdfork_pinger(&fd, 0, &sk, 9);
	ASSERT_GT(pid, 0);
	pidfd = pdgetpidfd(fd);
	ASSERT_GE(pidfd, 0);
	/* The pidfd makes another descriptor for the same child. */
	fd2 = pdopenpidfd(pidfd, PD_DAEMON);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, pdgetpid(fd2, &got));
	EXPECT_EQ(pid, got);
	close(fd2);
	EXPECT_TRUE(ping(sk));
	close(sk);
	EXPECT_EQ(POLLIN, wait_revents(pidfd, POLLIN, PD_TIMEOUT_MS) & POLLIN);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(9 << 8, status);
	close(pidfd);
	close(fd);
}

TEST(pdgetpidfd_not_a_descriptor_ebadf)
{
	int p[2], ctl, pidfd;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	errno = 0;
	EXPECT_EQ(-1, pdgetpidfd(p[0]));
	EXPECT_EQ(EBADF, errno);
	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	errno = 0;
	EXPECT_EQ(-1, pdgetpidfd(ctl));
	EXPECT_EQ(EBADF, errno);
	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	errno = 0;
	EXPECT_EQ(-1, pdgetpidfd(pidfd));
	EXPECT_EQ(EBADF, errno);
	close(pidfd);
	close(ctl);
	close(p[0]);
	close(p[1]);
	errno = 0;
	EXPECT_EQ(-1, pdgetpidfd(p[0]));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, pdgetpidfd(-1));
	EXPECT_EQ(EBADF, errno);
}

/* A pidfd of a reaped process is no process descriptor either. */
TEST(pdgetpidfd_on_dead_pidfd_ebadf)
{
	siginfo_t info;
	int pidfd = -1;
	pid_t pid;

	pid = clone3_pidfd(&pidfd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL));
	errno = 0;
	EXPECT_EQ(-1, pdgetpidfd(pidfd));
	EXPECT_EQ(EBADF, errno) {
		TH_LOG("pdgetpidfd() on a reaped process's pidfd: %s",
		       strerror(errno));
	}
	close(pidfd);
}

/* A child made with clone3(CLONE_PIDFD, exit_signal 0) is adopted. */
TEST(pdopenpidfd_clone3_child)
{
	siginfo_t info;
	int pidfd = -1, fd, p[2], status = -1;
	pid_t pid, got = 0;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = clone3_pidfd(&pidfd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(44);
	}
	close(p[0]);
	fd = pdopenpidfd(pidfd, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	EXPECT_EQ(0, poll_now(fd, POLLIN));
	close(p[1]);
	EXPECT_EQ(POLLHUP, wait_hup(fd));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	EXPECT_EQ(44 << 8, status);
	EXPECT_EQ(pid, info.si_pid);
	/* The parent's pdwait reaped it. */
	errno = 0;
	EXPECT_EQ(-1, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | WNOHANG | __WALL));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
	close(pidfd);
}

/* The adopted descriptor kills on last close like a pdfork one. */
TEST(pdopenpidfd_last_close_kills)
{
	siginfo_t info;
	int pidfd = -1, fd;
	pid_t pid;

	pid = clone3_pidfd(&pidfd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	fd = pdopenpidfd(pidfd, PD_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	close(fd);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL));
	EXPECT_EQ(CLD_KILLED, info.si_code);
	EXPECT_EQ(SIGKILL, info.si_status);
	close(pidfd);
}

/* A plain fork() child works too (it will still send SIGCHLD). */
TEST(pdopenpidfd_fork_child)
{
	int pidfd, fd, status = -1, p[2];
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(45);
	}
	close(p[0]);
	pidfd = sys_pidfd_open(pid, 0);
	ASSERT_GE(pidfd, 0);
	fd = pdopenpidfd(pidfd, 0);
	ASSERT_GE(fd, 0);
	close(pidfd);
	close(p[1]);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(45 << 8, status);
	EXPECT_EQ(-1, waitpid(pid, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
}

TEST(pdopenpidfd_non_child_echild)
{
	int pidfd;

	pidfd = sys_pidfd_open(getppid(), 0);
	ASSERT_GE(pidfd, 0);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, 0));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, PD_DAEMON));
	EXPECT_EQ(ECHILD, errno);
	close(pidfd);
	/* Not ourselves either. */
	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, PD_DAEMON));
	EXPECT_EQ(ECHILD, errno);
	close(pidfd);
}

/* A grandchild is not a child. */
TEST(pdopenpidfd_grandchild_echild)
{
	int sv[2], fd = -1, pidfd, status = -1;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int gpidfd = -1;
		pid_t g = clone3_pidfd(&gpidfd, 0);

		if (g == 0) {
			for (;;)
				pause();
		}
		if (g < 0 || send_fd(sv[1], gpidfd))
			_exit(1);
		if (recv_byte(sv[1]) != 'd')
			_exit(2);
		sys_pidfd_send_signal(gpidfd, SIGKILL, NULL, 0);
		_exit(0);
	}
	pidfd = recv_fd(sv[0]);
	ASSERT_GE(pidfd, 0);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, 0));
	EXPECT_EQ(ECHILD, errno);
	ASSERT_TRUE(send_byte(sv[0], 'd'));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(pidfd);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

TEST(pdopenpidfd_not_a_pidfd_ebadf)
{
	int p[2], fd = -1, sk = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(p[0], 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(-1, 0));
	EXPECT_EQ(EBADF, errno);
	/* A process descriptor is not a pidfd. */
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(fd, 0));
	EXPECT_EQ(EBADF, errno);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(p[0]);
	close(p[1]);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(p[0], 0));
	EXPECT_EQ(EBADF, errno);
}

TEST(pdopenpidfd_reaped_child_esrch)
{
	siginfo_t info;
	int pidfd = -1;
	pid_t pid;

	pid = clone3_pidfd(&pidfd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL));
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, 0));
	EXPECT_EQ(ESRCH, errno);
	close(pidfd);
}

/* An exited but unreaped child is still adoptable, and reports. */
TEST(pdopenpidfd_zombie_child)
{
	int pidfd = -1, fd, status = -1;
	pid_t pid;

	pid = clone3_pidfd(&pidfd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(46);
	ASSERT_EQ(POLLIN, wait_revents(pidfd, POLLIN, PD_TIMEOUT_MS) & POLLIN);
	fd = pdopenpidfd(pidfd, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(46 << 8, status);
	close(fd);
	close(pidfd);
}

TEST(pdopenpidfd_bad_flags_einval)
{
	int pidfd = -1, p[2];
	siginfo_t info;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = clone3_pidfd(&pidfd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, 0x4));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, PD_DAEMON << 5));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, -1));
	EXPECT_EQ(EINVAL, errno);
	close(p[1]);
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL));
	close(pidfd);
}

static void *idle_thread(void *arg)
{
	int rfd = *(int *)arg;
	char c;

	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* Our own thread's tid: the task in /proc/self/task that is not us. */
static pid_t other_tid(void)
{
	struct dirent *e;
	pid_t tid = 0;
	DIR *d;

	d = opendir("/proc/self/task");
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != getpid())
			tid = atoi(e->d_name);
	closedir(d);
	return tid;
}

/* A thread's pidfd (PIDFD_THREAD, Linux 6.9+) names no process. */
TEST(pdopenpidfd_thread_pidfd_einval)
{
	pthread_t t;
	int p[2], pidfd;
	pid_t tid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, pthread_create(&t, NULL, idle_thread, &p[0]));
	tid = other_tid();
	ASSERT_GT(tid, 0);
	pidfd = sys_pidfd_open(tid, PIDFD_THREAD);
	if (pidfd < 0) {
		close(p[1]);
		pthread_join(t, NULL);
		close(p[0]);
		SKIP(return, "no PIDFD_THREAD in this kernel (needs 6.9)");
	}
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpidfd(pidfd, PD_DAEMON));
	EXPECT_EQ(EINVAL, errno);
	close(pidfd);
	close(p[1]);
	pthread_join(t, NULL);
	close(p[0]);
}

TEST_HARNESS_MAIN
