// SPDX-License-Identifier: GPL-2.0
/*
 * pdopenpid(): a descriptor for an existing process that need not be a
 * child; the caller may pdwait but only the parent reaps. Its permission
 * rules are in permission_test.c.
 */
#define _GNU_SOURCE
#include <limits.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

TEST(self_daemon)
{
	struct stat st;
	char val[64];
	int fd;
	pid_t got = 0;

	fd = pdopenpid(getpid(), PD_DAEMON);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(getpid(), got);
	EXPECT_EQ(0, poll_now(fd, POLLIN));
	EXPECT_EQ(0, pdkill(fd, 0));
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, NULL, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((mode_t)(S_IFREG | 0700), st.st_mode);
	EXPECT_EQ(getuid(), st.st_uid);
	ASSERT_EQ(0, fdinfo_get(fd, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ("\t0x1", val);
	ASSERT_EQ(0, close(fd));
	/* Still here. */
	EXPECT_EQ(0, kill(getpid(), 0));
}

TEST(self_non_daemon_close_kills_caller)
{
	int status = -1;
	pid_t helper;

	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		int fd = pdopenpid(getpid(), 0);

		if (fd < 0)
			_exit(1);
		close(fd);
		_exit(2);
	}
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(SIGKILL, status);
}

TEST(cloexec_flag)
{
	int fd;

	fd = pdopenpid(getpid(), PD_DAEMON | PD_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	close(fd);
}

/*
 * A process that is not our child: a "keeper" helper forks a pinger T and
 * hands us T's pid and pinger socket; on request it reaps T and reports
 * the status.
 */
struct keeper {
	pid_t pid;	/* the keeper */
	pid_t target;	/* its child */
	int ctl;	/* our end of the keeper's socket */
	int tsk;	/* T's pinger socket */
};

static int keeper_start(struct keeper *k, int code, int zombie)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	k->pid = fork();
	if (k->pid < 0)
		return -1;
	if (k->pid == 0) {
		int tsk = -1, st = -1;
		pid_t t;

		close_all_but(sv[1]);
		if (zombie) {
			t = fork();
			if (t == 0)
				_exit(code);
			tsk = open("/dev/null", O_RDONLY | O_CLOEXEC);
		} else {
			t = fork_pinger(&tsk, code);
		}
		if (t <= 0 || tsk < 0)
			_exit(1);
		if (send_int(sv[1], t) || send_fd(sv[1], tsk))
			_exit(2);
		close(tsk);
		if (recv_byte(sv[1]) != 'r')
			_exit(3);
		if (waitpid_nointr(t, &st, 0) != t)
			_exit(4);
		if (send_int(sv[1], st))
			_exit(5);
		_exit(0);
	}
	close(sv[1]);
	k->ctl = sv[0];
	if (recv_int(k->ctl, &k->target))
		return -1;
	k->tsk = recv_fd(k->ctl);
	return k->tsk < 0 ? -1 : 0;
}

/* Have the keeper reap its child; the child's status, or -1. */
static int keeper_reap(struct keeper *k)
{
	int st = -1, kst = -1;

	if (!send_byte(k->ctl, 'r') || recv_int(k->ctl, &st))
		return -1;
	if (waitpid_nointr(k->pid, &kst, 0) != k->pid || kst != 0)
		return -1;
	close(k->ctl);
	close(k->tsk);
	return st;
}

TEST(non_child_poll_and_pdwait_but_keeper_reaps)
{
	struct keeper k;
	siginfo_t info;
	char val[64];
	int fd, status = -1;
	pid_t got = 0;

	ASSERT_EQ(0, keeper_start(&k, 42, 0));
	fd = pdopenpid(k.target, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(k.target, got);
	EXPECT_EQ(0, poll_now(fd, POLLIN));
	EXPECT_EQ(0, pdkill(fd, 0));
	EXPECT_TRUE(ping(k.tsk));
	close(k.tsk);
	k.tsk = -1;
	EXPECT_EQ(POLLHUP, wait_hup(fd));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	EXPECT_EQ(42 << 8, status);
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(42, info.si_status);
	EXPECT_EQ(k.target, info.si_pid);
	ASSERT_EQ(0, fdinfo_get(fd, "State", val, sizeof(val)));
	EXPECT_STREQ("\tcollected", val);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, 0));
	EXPECT_EQ(ESRCH, errno);
	/* Not ours to reap: the keeper still gets the status. */
	EXPECT_EQ(42 << 8, keeper_reap(&k));
	close(fd);
}

TEST(non_child_pdkill)
{
	struct keeper k;
	int fd, status = -1;

	ASSERT_EQ(0, keeper_start(&k, 0, 0));
	fd = pdopenpid(k.target, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pdkill(fd, SIGTERM));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGTERM, status);
	EXPECT_EQ(SIGTERM, keeper_reap(&k));
	close(fd);
}

TEST(non_child_close_kills)
{
	struct keeper k;
	int fd;

	ASSERT_EQ(0, keeper_start(&k, 0, 0));
	fd = pdopenpid(k.target, 0);
	ASSERT_GE(fd, 0);
	EXPECT_TRUE(ping(k.tsk));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(SIGKILL, keeper_reap(&k));
}

TEST(non_child_daemon_close_spares)
{
	struct keeper k;
	int fd;

	ASSERT_EQ(0, keeper_start(&k, 8, 0));
	fd = pdopenpid(k.target, PD_DAEMON);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(k.tsk));
	close(k.tsk);
	k.tsk = -1;
	EXPECT_EQ(8 << 8, keeper_reap(&k));
}

TEST(own_fork_child_pdwait_reaps)
{
	int sk = -1, fd, status = -1;
	pid_t pid;

	pid = fork_pinger(&sk, 24);
	ASSERT_GT(pid, 0);
	fd = pdopenpid(pid, 0);
	ASSERT_GE(fd, 0);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(24 << 8, status);
	errno = 0;
	EXPECT_EQ(-1, waitpid(pid, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
}

/*
 * One descriptor object per process, as FreeBSD 16: pdopenpid() of a
 * process that has a descriptor opens another file on the same object.
 * Closing one of two files does not kill; the last file's own PD_DAEMON
 * decides (whatever the first one's was).
 */
static void close_two_files(struct __test_metadata *_metadata, int first_flags,
			    int second_flags, bool killed)
{
	int fd = -1, fd2, sk = -1, w;
	pid_t pid, got = 0;

	pid = pdfork_pinger(&fd, first_flags, &sk, 2);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	fd2 = pdopenpid(pid, second_flags);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, pdgetpid(fd2, &got));
	EXPECT_EQ(pid, got);
	ASSERT_EQ(0, close(fd));
	EXPECT_TRUE(ping(sk)) TH_LOG("closing one of two files killed");
	ASSERT_EQ(0, close(fd2));
	EXPECT_EQ(!killed, ping(sk));
	close(sk);
	/* Quiet; no library call since, so not reaped by the library. */
	EXPECT_EQ(killed ? SIGKILL : 2 << 8, closed_child_status(w, pid));
}

TEST(last_of_two_files_kills)
{
	close_two_files(_metadata, PD_DAEMON, 0, true);
}

TEST(last_of_two_files_daemon_spares)
{
	close_two_files(_metadata, 0, PD_DAEMON, false);
}

/*
 * An exit consumed through one file is consumed for all, but the parent:
 * two helpers open files on our child; the first consumes the exit, the
 * second then gets ESRCH, and our own pdwait still reports and reaps.
 */
TEST(exit_consumed_through_one_file_for_all)
{
	int fd = -1, sk = -1, p[2][2], status = -1, hst = -1, i;
	pid_t pid, helper[2];

	/* A pipe each: one helper must not read the other's go-ahead. */
	ASSERT_EQ(0, pipe2(p[0], O_CLOEXEC));
	ASSERT_EQ(0, pipe2(p[1], O_CLOEXEC));
	pid = pdfork_pinger(&fd, 0, &sk, 6);
	ASSERT_GT(pid, 0);
	for (i = 0; i < 2; i++) {
		helper[i] = fork();
		ASSERT_GE(helper[i], 0);
		if (helper[i] == 0) {
			int hfd = pdopenpid(pid, PD_DAEMON), st = -1;
			char c;

			close(fd);
			close(sk);
			close(p[i][1]);
			if (hfd < 0 || read(p[i][0], &c, 1) != 1)
				_exit(10);
			if (i == 0) {
				if (pdwait(hfd, &st, WEXITED, NULL, NULL) || st != 6 << 8)
					_exit(11);
				_exit(0);
			}
			/* After the first helper has reported. */
			if (read(p[i][0], &c, 1) != 1)
				_exit(12);
			errno = 0;
			if (pdwait(hfd, &st, WEXITED, NULL, NULL) != -1 || errno != ESRCH)
				_exit(13);
			_exit(0);
		}
		close(p[i][0]);
	}
	close(sk);
	ASSERT_EQ(1, write(p[0][1], "x", 1));
	ASSERT_EQ(1, write(p[1][1], "x", 1));
	ASSERT_EQ(helper[0], waitpid_nointr(helper[0], &hst, 0));
	EXPECT_EQ(0, hst);
	ASSERT_EQ(1, write(p[1][1], "y", 1));
	ASSERT_EQ(helper[1], waitpid_nointr(helper[1], &hst, 0));
	EXPECT_EQ(0, hst);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(6 << 8, status);
	EXPECT_EQ(0, count_children(0));
	close(fd);
	close(p[0][1]);
	close(p[1][1]);
}

TEST(no_such_process_esrch)
{
	pid_t pid = 4194303;
	int status;

	if (kill(pid, 0) == 0 || errno != ESRCH)
		SKIP(return, "pid %d exists", pid);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(pid, 0));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(INT_MAX, PD_DAEMON));
	EXPECT_EQ(ESRCH, errno);

	/* A child that was just reaped. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid_nointr(pid, &status, 0));
	ASSERT_EQ(-1, kill(pid, 0));
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(pid, 0));
	EXPECT_EQ(ESRCH, errno);
}

TEST(bad_arguments_einval)
{
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(getpid(), 0x4));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(getpid(), PD_DAEMON << 5));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(getpid(), -1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(0, PD_DAEMON));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(-1, PD_DAEMON));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(INT_MIN, PD_DAEMON));
	EXPECT_EQ(EINVAL, errno);
}

TEST(kernel_thread_ebusy)
{
	char comm[32] = "";
	int fd;
	ssize_t n;

	fd = open("/proc/2/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (strcmp(comm, "kthreadd\n"))
		SKIP(return, "pid 2 is not kthreadd here");
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(2, 0));
	EXPECT_EQ(EBUSY, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(2, PD_DAEMON));
	EXPECT_EQ(EBUSY, errno);
}

/* A process that has already exited (a zombie of someone else). */
TEST(exited_non_child_ebusy)
{
	struct keeper k;

	ASSERT_EQ(0, keeper_start(&k, 3, 1));
	ASSERT_EQ(0, wait_proc_state(k.target, 'Z'));
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(k.target, 0));
	EXPECT_EQ(EBUSY, errno);
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(k.target, PD_DAEMON));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(3 << 8, keeper_reap(&k));
}

/*
 * As on FreeBSD, a process that is exiting or has exited cannot be opened,
 * our own zombie child included (EBUSY); pdopenpidfd(), which takes a pidfd
 * of one's own child, still adopts a zombie.
 */
TEST(own_zombie_child_ebusy)
{
	int fd, pidfd, status = -1;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(4);
	ASSERT_EQ(0, wait_proc_state(pid, 'Z'));
	errno = 0;
	EXPECT_EQ(-1, pdopenpid(pid, 0));
	EXPECT_EQ(EBUSY, errno);
	pidfd = sys_pidfd_open(pid, 0);
	ASSERT_GE(pidfd, 0);
	fd = pdopenpidfd(pidfd, 0);
	ASSERT_GE(fd, 0);
	close(pidfd);
	EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(4 << 8, status);
	EXPECT_EQ(-1, waitpid(pid, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
}

TEST_HARNESS_MAIN
