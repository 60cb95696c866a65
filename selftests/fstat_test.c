// SPDX-License-Identifier: GPL-2.0
/*
 * What a descriptor looks like as a file: fstat() as on FreeBSD (mode bits
 * tell alive from dead, owner = real ids, times = start time), statx
 * birth time, /proc/self/fd and fdinfo, and no way to reopen it.
 */
#define _GNU_SOURCE
#include "procdesc_test.h"
#include "kselftest_harness.h"

static __s64 ts_ns(const struct timespec *ts)
{
	return (__s64)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

TEST(mode_running_exited_reaped)
{
	struct stat st;
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((mode_t)(S_IFREG | 0700), st.st_mode);
	EXPECT_EQ(0, st.st_size);

	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((mode_t)S_IFREG, st.st_mode);
	EXPECT_EQ(getuid(), st.st_uid);
	EXPECT_NE(0, st.st_mtim.tv_sec);

	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((mode_t)S_IFREG, st.st_mode);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0U, st.st_gid);
	EXPECT_EQ(0, st.st_atim.tv_sec);
	EXPECT_EQ(0, st.st_atim.tv_nsec);
	EXPECT_EQ(0, st.st_mtim.tv_sec);
	EXPECT_EQ(0, st.st_mtim.tv_nsec);
	EXPECT_EQ(0, st.st_ctim.tv_sec);
	EXPECT_EQ(0, st.st_ctim.tv_nsec);
	close(fd);
}

/* A zombie reaped by waitpid() instead of pdwait() looks the same. */
TEST(mode_after_waitpid_reap)
{
	struct stat st;
	int fd = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ((mode_t)S_IFREG, st.st_mode);
	EXPECT_EQ(0U, st.st_uid);
	EXPECT_EQ(0, st.st_mtim.tv_sec);
	close(fd);
}

/* Owner: the real uid and gid, not the effective ones. */
TEST(owner_is_real_ids)
{
	struct stat st;
	int fd = -1, p[2];
	pid_t pid;

	if (!is_root())
		SKIP(return, "needs root to change ids");
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (setgroups(0, NULL) || setresgid(65534, 65532, 65532) ||
		    setresuid(65534, 65533, 65533))
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		pause();
		_exit(3);
	}
	close(p[1]);
	ASSERT_EQ('r', recv_byte(p[0]));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(65534U, st.st_uid);
	EXPECT_EQ(65534U, st.st_gid);
	EXPECT_EQ((mode_t)(S_IFREG | 0700), st.st_mode);
	ASSERT_EQ(0, pdkill(fd, SIGKILL));
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	/* Still the child's ids while it is a zombie. */
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(65534U, st.st_uid);
	EXPECT_EQ(65534U, st.st_gid);
	EXPECT_EQ((mode_t)S_IFREG, st.st_mode);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(p[0]);
}

TEST(times_equal_and_at_fork)
{
	struct timespec before, after;
	struct stat st;
	int fd = -1, sk = -1;
	__s64 t;
	pid_t pid;

	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &after));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(st.st_mtim.tv_sec, st.st_atim.tv_sec);
	EXPECT_EQ(st.st_mtim.tv_nsec, st.st_atim.tv_nsec);
	EXPECT_EQ(st.st_mtim.tv_sec, st.st_ctim.tv_sec);
	EXPECT_EQ(st.st_mtim.tv_nsec, st.st_ctim.tv_nsec);
	t = ts_ns(&st.st_mtim);
	/* Within the fork, give or take 1 s of clock granularity. */
	EXPECT_GE(t, ts_ns(&before) - 1000000000LL);
	EXPECT_LE(t, ts_ns(&after) + 1000000000LL);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	/* Still equal once exited. */
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(st.st_mtim.tv_sec, st.st_ctim.tv_sec);
	EXPECT_EQ(st.st_mtim.tv_nsec, st.st_ctim.tv_nsec);
	EXPECT_GE(ts_ns(&st.st_mtim), ts_ns(&before) - 1000000000LL);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

/* The start time is a fixed point in time: every fstat() gives the same. */
TEST(start_time_stable_across_calls)
{
	struct stat st, st2;
	int fd = -1, sk = -1, i;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, fstat(fd, &st));
	for (i = 0; i < 3; i++) {
		usleep(1000);
		ASSERT_EQ(0, fstat(fd, &st2));
		EXPECT_EQ(st.st_mtim.tv_sec, st2.st_mtim.tv_sec);
		EXPECT_EQ(st.st_mtim.tv_nsec, st2.st_mtim.tv_nsec) {
			TH_LOG("st_mtim moved by %lld ns between two fstat()s",
			       (long long)(ts_ns(&st2.st_mtim) - ts_ns(&st.st_mtim)));
		}
	}
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, fstat(fd, &st2));
	EXPECT_EQ(st.st_mtim.tv_sec, st2.st_mtim.tv_sec);
	EXPECT_EQ(st.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

TEST(statx_btime_is_start_time)
{
	struct timespec before;
	struct statx stx;
	int fd = -1, sk = -1;
	pid_t pid;

	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &before));
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &stx));
	EXPECT_EQ((__u32)STATX_BTIME, stx.stx_mask & STATX_BTIME);
	EXPECT_EQ(stx.stx_mtime.tv_sec, stx.stx_btime.tv_sec);
	EXPECT_EQ(stx.stx_mtime.tv_nsec, stx.stx_btime.tv_nsec);
	EXPECT_EQ(stx.stx_mtime.tv_sec, stx.stx_atime.tv_sec);
	EXPECT_EQ(stx.stx_mtime.tv_nsec, stx.stx_ctime.tv_nsec);
	EXPECT_GE(stx.stx_btime.tv_sec, (__s64)before.tv_sec - 1);
	EXPECT_LE(stx.stx_btime.tv_sec, (__s64)before.tv_sec + 2);
	EXPECT_EQ((__u16)(S_IFREG | 0700), stx.stx_mode);
	EXPECT_EQ((__u32)getuid(), stx.stx_uid);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

TEST(proc_fd_link_name)
{
	char path[64], buf[128];
	int fd = -1, sk = -1;
	ssize_t n;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, sizeof(buf) - 1);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	EXPECT_STREQ("anon_inode:[procdesc]", buf);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	n = readlink(path, buf, sizeof(buf) - 1);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	EXPECT_STREQ("anon_inode:[procdesc]", buf);
	close(fd);
}

TEST(fdinfo_pid_flags_state)
{
	char val[64], want[64];
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	snprintf(want, sizeof(want), "\t%d", pid);
	ASSERT_EQ(0, fdinfo_get(fd, "Pid", val, sizeof(val)));
	EXPECT_STREQ(want, val);
	ASSERT_EQ(0, fdinfo_get(fd, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ("\t0x0", val);
	ASSERT_EQ(0, fdinfo_get(fd, "State", val, sizeof(val)));
	EXPECT_STREQ("\trunning", val);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, fdinfo_get(fd, "State", val, sizeof(val)));
	EXPECT_STREQ("\texited", val);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	ASSERT_EQ(0, fdinfo_get(fd, "State", val, sizeof(val)));
	EXPECT_STREQ("\tcollected", val);
	ASSERT_EQ(0, fdinfo_get(fd, "Pid", val, sizeof(val)));
	EXPECT_STREQ(want, val);
	close(fd);
}

TEST(fdinfo_daemon_and_reaped)
{
	char val[64];
	int fd = -1;
	pid_t pid;

	pid = pdfork(&fd, PD_DAEMON);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, fdinfo_get(fd, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ("\t0x1", val);
	ASSERT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	ASSERT_EQ(0, fdinfo_get(fd, "State", val, sizeof(val)));
	EXPECT_STREQ("\treaped", val);
	close(fd);
}

TEST(fdinfo_flags_line)
{
	char val[64];
	int fd = -1, fd2 = -1;
	long flags;
	pid_t pid;

	pid = pdfork(&fd, PD_CLOEXEC);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	pid = pdfork(&fd2, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	/* O_RDWR, with O_CLOEXEC exactly when asked for. */
	ASSERT_EQ(0, fdinfo_get(fd, "flags", val, sizeof(val)));
	flags = strtol(val, NULL, 8);
	EXPECT_EQ(O_RDWR, flags & O_ACCMODE);
	EXPECT_EQ(O_CLOEXEC, flags & O_CLOEXEC);
	ASSERT_EQ(0, fdinfo_get(fd2, "flags", val, sizeof(val)));
	flags = strtol(val, NULL, 8);
	EXPECT_EQ(0, flags & O_CLOEXEC);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	ASSERT_EQ(0, pdwait(fd2, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(fd2);
}

TEST(reopen_through_proc_enxio)
{
	char path[64];
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	errno = 0;
	EXPECT_EQ(-1, open(path, O_RDONLY | O_CLOEXEC));
	EXPECT_EQ(ENXIO, errno);
	errno = 0;
	EXPECT_EQ(-1, open(path, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(ENXIO, errno);
	/* No second file means no second "last close": still alive. */
	EXPECT_TRUE(ping(sk));
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

/*
 * An O_PATH handle on /proc/self/fd/N pins the inode but is not a
 * reference to the descriptor: it can fstat, nothing else, and the last
 * close of the real descriptor still kills.
 */
TEST(o_path_handle_is_not_a_reference)
{
	struct pollfd pfd;
	struct stat st;
	char path[64];
	int fd = -1, sk = -1, opath, w;
	pid_t pid, got = 0;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	opath = open(path, O_PATH | O_CLOEXEC);
	ASSERT_GE(opath, 0);
	ASSERT_EQ(0, fstat(opath, &st));
	EXPECT_EQ((mode_t)(S_IFREG | 0700), st.st_mode);
	errno = 0;
	EXPECT_EQ(-1, pdgetpid(opath, &got));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, pdkill(opath, SIGKILL));
	EXPECT_EQ(EBADF, errno);
	pfd = (struct pollfd){ .fd = opath, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLNVAL, pfd.revents);
	EXPECT_TRUE(ping(sk));

	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(SIGKILL, closed_child_status(w, pid));
	/* The pinned inode still answers fstat, as a reaped process. */
	ASSERT_EQ(0, fstat(opath, &st));
	EXPECT_EQ((mode_t)S_IFREG, st.st_mode);
	EXPECT_EQ(0, st.st_mtim.tv_sec);
	close(opath);
	close(sk);
}

/* read and write mean nothing on a descriptor. */
TEST(read_write_fail)
{
	char buf[8];
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_TRUE(ping(sk));
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

TEST_HARNESS_MAIN
