// SPDX-License-Identifier: GPL-2.0
/*
 * The last close of a descriptor SIGKILLs a live process unless PD_DAEMON:
 * dup()s, fork()ed copies, SCM_RIGHTS copies and references in flight all
 * count, and so does the exit of the holder. A zombie is left alone.
 */
#define _GNU_SOURCE
#include "procdesc_test.h"
#include "kselftest_harness.h"

/* Reap @pid (a child or, as subreaper, an orphan) and return its status. */
static int reap(pid_t pid)
{
	int status = -1;

	if (waitpid_nointr(pid, &status, __WALL) != pid)
		return -1;
	return status;
}

TEST(last_close_kills_live_child)
{
	int w;
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_TRUE(ping(sk));
	ASSERT_EQ(0, close(fd));
	/* Not reaped by the close: the parent collects a SIGKILL. */
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	EXPECT_FALSE(ping(sk));
	close(sk);
}

TEST(dup_keeps_alive_until_last_close)
{
	int w;
	int fd = -1, fd2, fd3, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	fd2 = dup(fd);
	ASSERT_GE(fd2, 0);
	fd3 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	ASSERT_GE(fd3, 100);
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk));
	ASSERT_EQ(0, close(fd3));
	EXPECT_TRUE(ping(sk));
	ASSERT_EQ(0, close(fd2));
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	close(sk);
}

TEST(dup2_over_descriptor_is_a_close)
{
	int w;
	int fd = -1, sk = -1, null;
	pid_t pid;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_EQ(fd, dup2(null, fd));
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	close(fd);
	close(null);
	close(sk);
}

TEST(forked_holder_keeps_alive)
{
	int w;
	int fd = -1, sk = -1, p[2], status = -1;
	pid_t pid, holder;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	holder = fork();
	ASSERT_GE(holder, 0);
	if (holder == 0) {
		char c;

		close(sk);
		close(p[1]);
		/* Hold the inherited copy until told to go. */
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk));
	close(p[1]);
	ASSERT_EQ(holder, waitpid_nointr(holder, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	close(sk);
}

TEST(scm_rights_receiver_holds_last_ref)
{
	int w;
	int sv[2], fd = -1, sk = -1, status = -1;
	pid_t pid, rcv;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	rcv = fork();
	ASSERT_GE(rcv, 0);
	if (rcv == 0) {
		int rfd;

		close_all_but(sv[1]);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(1);
		if (!send_byte(sv[1], 'a'))
			_exit(2);
		if (recv_byte(sv[1]) != 'c')
			_exit(3);
		close(rfd);
		if (!send_byte(sv[1], 'd'))
			_exit(4);
		_exit(0);
	}
	close(sv[1]);
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ('a', recv_byte(sv[0]));
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk));
	ASSERT_TRUE(send_byte(sv[0], 'c'));
	ASSERT_EQ('d', recv_byte(sv[0]));
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	ASSERT_EQ(rcv, waitpid_nointr(rcv, &status, 0));
	EXPECT_EQ(0, status);
	close(sk);
	close(sv[0]);
}

TEST(in_flight_reference_keeps_alive)
{
	int w;
	int sv[2], fd = -1, sk = -1, rfd;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk));
	rfd = recv_fd(sv[1]);
	ASSERT_GE(rfd, 0);
	EXPECT_TRUE(ping(sk));
	ASSERT_EQ(0, close(rfd));
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	close(sk);
	close(sv[0]);
	close(sv[1]);
}

/* A reference in flight on a socket that is closed unread goes too. */
TEST(in_flight_reference_dropped_with_socket)
{
	int w;
	int sv[2], fd = -1, sk = -1;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk));
	close(sv[0]);
	close(sv[1]);
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	close(sk);
}

TEST(daemon_close_does_not_kill)
{
	int w;
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, PD_DAEMON, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk));
	/* Still our child (Linux does not reparent): end it. */
	EXPECT_EQ(0, waitpid(pid, NULL, __WALL | WNOHANG));
	ASSERT_EQ(0, kill(pid, SIGTERM));
	EXPECT_EQ(SIGTERM, closed_child_status(w, pid));
	close(sk);
}

TEST(daemon_child_exits_normally_after_close)
{
	int w;
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, PD_DAEMON | PD_CLOEXEC, &sk, 12);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk));
	close(sk);
	EXPECT_EQ(12 << 8, closed_child_status(w, pid));
}

TEST(close_of_zombie_does_not_reap)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 3);
	ASSERT_GT(pid, 0);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(pid, waitpid_nointr(pid, &status, __WALL | WNOHANG));
	EXPECT_EQ(3 << 8, status);
}

TEST(close_after_reap_is_harmless)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(-1, waitpid(-1, NULL, __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
}

/* The holder's exit closes its descriptors: its pdfork child dies. */
TEST(dying_holder_kills_child)
{
	int p[2], status = -1;
	pid_t holder, child = 0;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	holder = fork();
	ASSERT_GE(holder, 0);
	if (holder == 0) {
		int fd = -1, sk = -1;
		pid_t c;

		close(p[0]);
		c = pdfork_pinger(&fd, 0, &sk, 0);
		if (c <= 0 || !ping(sk))
			_exit(1);
		if (send_int(p[1], c))
			_exit(2);
		/* Exit holding the descriptor and the pinger socket. */
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(0, recv_int(p[0], &child));
	ASSERT_EQ(holder, waitpid_nointr(holder, &status, 0));
	EXPECT_EQ(0, status);
	/* Reparented to us, the subreaper. */
	EXPECT_EQ(SIGKILL, reap(child));
	close(p[0]);
}

TEST(dying_holder_spares_daemon_child)
{
	int p[2], status = -1, sk = -1;
	pid_t holder, child = 0;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p));
	holder = fork();
	ASSERT_GE(holder, 0);
	if (holder == 0) {
		int fd = -1, csk = -1;
		pid_t c;

		close(p[0]);
		c = pdfork_pinger(&fd, PD_DAEMON, &csk, 7);
		if (c <= 0)
			_exit(1);
		/* Hand the pinger socket and the pid up, then exit. */
		if (send_fd(p[1], csk) || send_int(p[1], c))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	sk = recv_fd(p[0]);
	ASSERT_GE(sk, 0);
	ASSERT_EQ(0, recv_int(p[0], &child));
	ASSERT_EQ(holder, waitpid_nointr(holder, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_TRUE(ping(sk));
	close(sk);
	EXPECT_EQ(7 << 8, reap(child));
	close(p[0]);
}

/*
 * A chain: our child pdforks a grandchild; killing the child closes its
 * descriptor of the grandchild, which dies too.
 */
static pid_t chain(struct __test_metadata *_metadata, int gflags, int *fd,
		   pid_t *grandchild)
{
	int p[2];
	pid_t pid;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = pdfork(fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int gfd = -1;
		pid_t g;

		close(p[0]);
		g = pdfork(&gfd, gflags);
		if (g < 0)
			_exit(1);
		if (g == 0) {
			close(p[1]);
			for (;;)
				pause();
		}
		if (send_int(p[1], g))
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	ASSERT_EQ(0, recv_int(p[0], grandchild));
	close(p[0]);
	return pid;
}

TEST(chain_kills_grandchild)
{
	int fd = -1, status = -1;
	pid_t g = 0;

	chain(_metadata, 0, &fd, &g);
	ASSERT_GT(g, 0);
	ASSERT_EQ(0, pdkill(fd, SIGKILL));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGKILL, status);
	EXPECT_EQ(SIGKILL, reap(g));
	close(fd);
}

TEST(chain_closing_child_descriptor_kills_both)
{
	int w, wg;
	int fd = -1;
	pid_t g = 0, pid;

	pid = chain(_metadata, 0, &fd, &g);
	ASSERT_GT(g, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	wg = watch_child(g);
	ASSERT_GE(wg, 0);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	EXPECT_EQ(SIGKILL, closed_child_status(wg, g));
}

TEST(chain_daemon_grandchild_survives)
{
	int fd = -1, status = -1;
	pid_t g = 0;

	chain(_metadata, PD_DAEMON, &fd, &g);
	ASSERT_GT(g, 0);
	ASSERT_EQ(0, pdkill(fd, SIGKILL));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGKILL, status);
	/* Reparented to us and still running. */
	ASSERT_EQ(0, waitpid(g, &status, __WALL | WNOHANG));
	ASSERT_EQ(0, kill(g, SIGTERM));
	EXPECT_EQ(SIGTERM, reap(g));
	close(fd);
}

/*
 * The descriptor survives exec() unless PD_CLOEXEC: readlink(1) exec'd
 * with it open resolves /proc/self/fd/N.
 */
static int readlink_in_exec(int fd, char *out, size_t len)
{
	char path[64];
	int p[2], status = -1;
	ssize_t n, total = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dup2(p[1], 1) < 0)
			_exit(126);
		execl("/usr/bin/readlink", "readlink", path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], out + total, len - 1 - total)) > 0)
		total += n;
	out[total] = '\0';
	close(p[0]);
	if (waitpid_nointr(pid, &status, 0) != pid)
		return -1;
	return status;
}

TEST(survives_exec_unless_cloexec)
{
	int w, w2;
	char out[128];
	int fd = -1, fd2 = -1, sk = -1, sk2 = -1;
	pid_t pid, pid2;

	if (access("/usr/bin/readlink", X_OK))
		SKIP(return, "no /usr/bin/readlink");
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	EXPECT_EQ(0, readlink_in_exec(fd, out, sizeof(out)));
	EXPECT_STREQ("anon_inode:[procdesc]\n", out);

	pid2 = pdfork_pinger(&fd2, PD_CLOEXEC, &sk2, 0);
	ASSERT_GT(pid2, 0);
	w2 = watch_child(pid2);
	ASSERT_GE(w2, 0);
	EXPECT_EQ(1 << 8, readlink_in_exec(fd2, out, sizeof(out)));
	EXPECT_STREQ("", out);
	/* The exec'd copy went away with its process: neither one died. */
	EXPECT_TRUE(ping(sk));
	EXPECT_TRUE(ping(sk2));
	close(fd);
	close(fd2);
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	EXPECT_EQ(SIGKILL, closed_child_status(w2, pid2));
	close(sk);
	close(sk2);
}

TEST_HARNESS_MAIN
