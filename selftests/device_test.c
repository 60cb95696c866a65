// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel ABI as such: /dev/procdesc and the raw ioctls on it and on a
 * descriptor, their argument checks and the extensible-struct rules.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/mman.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

#define PD_DEV "/dev/procdesc"

/* PROCDESC_IOC_OPEN with a struct one u64 larger than version 1. */
struct procdesc_open_big {
	struct procdesc_open v1;
	__u64 tail;
};

#define PROCDESC_IOC_OPEN_BIG \
	_IOW(PROCDESC_IOC_MAGIC, 0x01, struct procdesc_open_big)

struct procdesc_wait_big {
	struct procdesc_wait v1;
	__u64 tail;
};

#define PROCDESC_IOC_WAIT_BIG \
	_IOWR(PROCDESC_IOC_MAGIC, 0x12, struct procdesc_wait_big)

struct procdesc_kill_big {
	struct procdesc_kill v1;
	__u32 tail;
	__u32 tail2;
};

#define PROCDESC_IOC_KILL_BIG \
	_IOW(PROCDESC_IOC_MAGIC, 0x11, struct procdesc_kill_big)

static int open_ctl(void)
{
	return open(PD_DEV, O_RDWR | O_CLOEXEC);
}

/*
 * A child made by raw clone3 with exit_signal 0, blocked reading @rfd until
 * the parent closes the other end; *pidfd is its pidfd.
 */
static pid_t spawn_blocked(int *pidfd, int p[2])
{
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = clone3_pidfd(pidfd, 0);
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(7);
	}
	close(p[0]);
	return pid;
}

/* Let the child of spawn_blocked() exit and reap it through its pidfd. */
static int finish_blocked(int pidfd, int wfd)
{
	siginfo_t info;

	close(wfd);
	memset(&info, 0, sizeof(info));
	if (sys_waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL))
		return -1;
	close(pidfd);
	return info.si_code == CLD_EXITED ? info.si_status : -1;
}

static int open_pd(int ctl, int pidfd, __u32 flags)
{
	struct procdesc_open args = { .pidfd = pidfd, .flags = flags };

	return ioctl(ctl, PROCDESC_IOC_OPEN, &args);
}

TEST(device_is_char_dev_mode_0666)
{
	struct stat st;

	ASSERT_EQ(0, stat(PD_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666U, st.st_mode & 07777);
}

TEST(version_is_2)
{
	__u32 v = 0xdeadbeef;
	int ctl = open_ctl();

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, ioctl(ctl, PROCDESC_IOC_VERSION, &v));
	EXPECT_EQ(2U, v);
	EXPECT_EQ((__u32)PROCDESC_ABI_VERSION, v);
	close(ctl);
}

TEST(version_bad_pointer_efault)
{
	int ctl = open_ctl();

	ASSERT_GE(ctl, 0);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_VERSION, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(ctl);
}

TEST(device_unknown_ioctl_enotty)
{
	__u32 v;
	__s32 pid;
	int ctl = open_ctl();

	ASSERT_GE(ctl, 0);
	EXPECT_EQ(-1, ioctl(ctl, _IO(0xB9, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(ctl, _IO('x', 1), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* VERSION with the wrong direction or size is another command. */
	EXPECT_EQ(-1, ioctl(ctl, _IOW(0xB9, 0x00, __u32), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(ctl, _IOR(0xB9, 0x00, __u64), &v));
	EXPECT_EQ(ENOTTY, errno);
	/* Descriptor commands mean nothing on the control device. */
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_GETPID, &pid));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_PIDFD, &pid));
	EXPECT_EQ(ENOTTY, errno);
	/* Version 1's PROCDESC_IOC_PIDFD is gone everywhere. */
	EXPECT_EQ(-1, ioctl(ctl, _IO(PROCDESC_IOC_MAGIC, 0x13), 0));
	EXPECT_EQ(ENOTTY, errno);
	close(ctl);
}

TEST(open_unknown_flags_einval)
{
	int ctl = open_ctl(), pidfd = -1, p[2];
	pid_t pid;

	ASSERT_GE(ctl, 0);
	pid = spawn_blocked(&pidfd, p);
	ASSERT_GT(pid, 0);

	EXPECT_EQ(-1, open_pd(ctl, pidfd, 0x10));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, open_pd(ctl, pidfd, 0x80000000u));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, open_pd(ctl, pidfd, 0xffffffffu));
	EXPECT_EQ(EINVAL, errno);
	/* Unknown flags are refused before the fd is looked at. */
	EXPECT_EQ(-1, open_pd(ctl, -1, 0x20));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(7, finish_blocked(pidfd, p[1]));
	close(ctl);
}

/* Only a parent may keep a process quiet: QUIET on another's process. */
TEST(open_quiet_nonchild_einval)
{
	int ctl = open_ctl(), pidfd;

	ASSERT_GE(ctl, 0);
	pidfd = sys_pidfd_open(getppid(), 0);
	ASSERT_GE(pidfd, 0);
	EXPECT_EQ(-1, open_pd(ctl, pidfd, PROCDESC_F_NONCHILD | PROCDESC_F_QUIET));
	EXPECT_EQ(EINVAL, errno);
	close(pidfd);
	close(ctl);
}

TEST(open_non_pidfd_ebadf)
{
	int ctl = open_ctl(), p[2], null;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(null, 0);

	EXPECT_EQ(-1, open_pd(ctl, p[0], 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, open_pd(ctl, null, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, open_pd(ctl, ctl, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, open_pd(ctl, -1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, open_pd(ctl, 100000, 0));
	EXPECT_EQ(EBADF, errno);
	close(null);
	close(p[1]);
	EXPECT_EQ(-1, open_pd(ctl, p[1], 0));
	EXPECT_EQ(EBADF, errno);
	close(p[0]);
	close(ctl);
}

TEST(open_descriptor_is_not_a_pidfd)
{
	int ctl = open_ctl(), pidfd = -1, p[2], pd;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	pid = spawn_blocked(&pidfd, p);
	ASSERT_GT(pid, 0);
	pd = open_pd(ctl, pidfd, 0);
	ASSERT_GE(pd, 0);
	/* A process descriptor cannot stand in for the pidfd. */
	EXPECT_EQ(-1, open_pd(ctl, pd, 0));
	EXPECT_EQ(EBADF, errno);
	close(p[1]);
	EXPECT_EQ(POLLHUP, wait_hup(pd));
	close(pd);
	EXPECT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	close(pidfd);
	close(ctl);
}

TEST(open_bad_pointer_efault)
{
	int ctl = open_ctl();

	ASSERT_GE(ctl, 0);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_OPEN, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_OPEN, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(ctl);
}

TEST(open_larger_struct)
{
	struct procdesc_open_big big;
	int ctl = open_ctl(), pidfd = -1, p[2], pd;
	__s32 got = 0;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	pid = spawn_blocked(&pidfd, p);
	ASSERT_GT(pid, 0);

	memset(&big, 0, sizeof(big));
	big.v1.pidfd = pidfd;
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_OPEN_BIG, &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail = 1ULL << 63;
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_OPEN_BIG, &big));
	EXPECT_EQ(E2BIG, errno);

	big.tail = 0;
	pd = ioctl(ctl, PROCDESC_IOC_OPEN_BIG, &big);
	ASSERT_GE(pd, 0);
	ASSERT_EQ(0, ioctl(pd, PROCDESC_IOC_GETPID, &got));
	EXPECT_EQ(pid, got);

	close(p[1]);
	EXPECT_EQ(POLLHUP, wait_hup(pd));
	close(pd);
	close(pidfd);
	EXPECT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	close(ctl);
}

TEST(open_smaller_struct_enotty)
{
	int ctl = open_ctl(), pidfd = -1, p[2];
	__s32 small;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	pid = spawn_blocked(&pidfd, p);
	ASSERT_GT(pid, 0);
	small = pidfd;
	EXPECT_EQ(-1, ioctl(ctl, _IOW(PROCDESC_IOC_MAGIC, 0x01, __s32), &small));
	EXPECT_EQ(ENOTTY, errno);
	/* OPEN as _IOR or _IOWR is not OPEN either. */
	EXPECT_EQ(-1, ioctl(ctl, _IOWR(PROCDESC_IOC_MAGIC, 0x01, struct procdesc_open),
			    &small));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(7, finish_blocked(pidfd, p[1]));
	close(ctl);
}

TEST(open_returns_rdwr_fd_with_flags)
{
	int ctl = open_ctl(), pidfd = -1, p[2], pd, pd2;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	pid = spawn_blocked(&pidfd, p);
	ASSERT_GT(pid, 0);

	pd = open_pd(ctl, pidfd, PROCDESC_F_DAEMON);
	ASSERT_GE(pd, 0);
	EXPECT_EQ(O_RDWR, fcntl(pd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(0, fcntl(pd, F_GETFD));
	pd2 = open_pd(ctl, pidfd, PROCDESC_F_CLOEXEC | PROCDESC_F_DAEMON);
	ASSERT_GE(pd2, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(pd2, F_GETFD));
	/* NONCHILD is allowed, not required, for one's own child. */
	close(pd);
	pd = open_pd(ctl, pidfd, PROCDESC_F_NONCHILD | PROCDESC_F_DAEMON);
	ASSERT_GE(pd, 0);
	close(pd);
	close(pd2);
	EXPECT_EQ(7, finish_blocked(pidfd, p[1]));
	close(ctl);
}

/* A descriptor from PROCDESC_IOC_OPEN, for the descriptor-ioctl tests. */
struct raw_pd {
	int ctl, pidfd, wfd, pd;
	pid_t pid;
};

static int raw_pd_make(struct raw_pd *r)
{
	int p[2];

	r->ctl = open_ctl();
	if (r->ctl < 0)
		return -1;
	r->pid = spawn_blocked(&r->pidfd, p);
	if (r->pid <= 0)
		return -1;
	r->wfd = p[1];
	r->pd = open_pd(r->ctl, r->pidfd, 0);
	return r->pd < 0 ? -1 : 0;
}

/* Let the child exit, reap it, close everything; its exit code or -1. */
static int raw_pd_finish(struct raw_pd *r)
{
	int ret;

	ret = finish_blocked(r->pidfd, r->wfd);
	close(r->pd);
	close(r->ctl);
	return ret;
}

TEST(descriptor_unknown_ioctl_enotty)
{
	struct raw_pd r;
	__u32 v;

	ASSERT_EQ(0, raw_pd_make(&r));
	EXPECT_EQ(-1, ioctl(r.pd, _IO(0xB9, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r.pd, _IO('x', 1), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* Control-device commands mean nothing on a descriptor. */
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_VERSION, &v));
	EXPECT_EQ(ENOTTY, errno);
	/* GETPID with another size or direction is another command. */
	EXPECT_EQ(-1, ioctl(r.pd, _IOR(PROCDESC_IOC_MAGIC, 0x10, __u64), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r.pd, _IOW(PROCDESC_IOC_MAGIC, 0x10, __s32), &v));
	EXPECT_EQ(ENOTTY, errno);
	/* KILL smaller than version 1. */
	EXPECT_EQ(-1, ioctl(r.pd, _IOW(PROCDESC_IOC_MAGIC, 0x11, __s32), &v));
	EXPECT_EQ(ENOTTY, errno);
	/* Version 1's PROCDESC_IOC_PIDFD, which returned a pidfd, is gone. */
	EXPECT_EQ(-1, ioctl(r.pd, _IO(PROCDESC_IOC_MAGIC, 0x13), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r.pd, _IOR(PROCDESC_IOC_MAGIC, 0x13, __s32), &v));
	EXPECT_EQ(ENOTTY, errno);
	/* PIDFD with another direction or size is another command. */
	EXPECT_EQ(-1, ioctl(r.pd, _IOR(PROCDESC_IOC_MAGIC, 0x14, __s32), &r.pidfd));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r.pd, _IOW(PROCDESC_IOC_MAGIC, 0x14, __u64), &r.pidfd));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r.pd, _IO(PROCDESC_IOC_MAGIC, 0x14), &r.pidfd));
	EXPECT_EQ(ENOTTY, errno);
	/* So do the control device's. */
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_ARM, &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_DISARM, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_REAPABLE, &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(7, raw_pd_finish(&r));
}

TEST(getpid_ioctl)
{
	struct raw_pd r;
	__s32 got = 0;

	ASSERT_EQ(0, raw_pd_make(&r));
	ASSERT_EQ(0, ioctl(r.pd, PROCDESC_IOC_GETPID, &got));
	EXPECT_EQ(r.pid, got);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_GETPID, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_GETPID, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(7, raw_pd_finish(&r));
}

TEST(kill_ioctl_argument_checks)
{
	struct procdesc_kill k;
	struct procdesc_kill_big big;
	struct raw_pd r;

	ASSERT_EQ(0, raw_pd_make(&r));

	k = (struct procdesc_kill){ .signal = 0, .flags = 1 };
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_KILL, &k));
	EXPECT_EQ(EINVAL, errno);
	k = (struct procdesc_kill){ .signal = 0, .flags = 0x80000000u };
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_KILL, &k));
	EXPECT_EQ(EINVAL, errno);
	k = (struct procdesc_kill){ .signal = -1 };
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_KILL, &k));
	EXPECT_EQ(EINVAL, errno);
	k = (struct procdesc_kill){ .signal = 65 };
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_KILL, &k));
	EXPECT_EQ(EINVAL, errno);
	k = (struct procdesc_kill){ .signal = INT32_MIN };
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_KILL, &k));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_KILL, (void *)1));
	EXPECT_EQ(EFAULT, errno);

	memset(&big, 0, sizeof(big));
	big.tail2 = 1;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_KILL_BIG, &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail2 = 0;
	EXPECT_EQ(0, ioctl(r.pd, PROCDESC_IOC_KILL_BIG, &big));

	/* The child is untouched by all this: signal 0 works, it exits 7. */
	k = (struct procdesc_kill){ .signal = 0 };
	EXPECT_EQ(0, ioctl(r.pd, PROCDESC_IOC_KILL, &k));
	EXPECT_EQ(7, raw_pd_finish(&r));
}

TEST(kill_ioctl_sends_signal)
{
	struct procdesc_kill k = { .signal = SIGTERM };
	struct raw_pd r;
	siginfo_t info;

	ASSERT_EQ(0, raw_pd_make(&r));
	ASSERT_EQ(0, ioctl(r.pd, PROCDESC_IOC_KILL, &k));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PIDFD, r.pidfd, &info, WEXITED | __WALL));
	EXPECT_EQ(r.pid, info.si_pid);
	EXPECT_EQ(CLD_KILLED, info.si_code);
	EXPECT_EQ(SIGTERM, info.si_status);
	close(r.wfd);
	close(r.pd);
	close(r.pidfd);
	close(r.ctl);
}

TEST(wait_ioctl_argument_checks)
{
	struct procdesc_wait w;
	struct procdesc_wait_big big;
	struct raw_pd r;

	ASSERT_EQ(0, raw_pd_make(&r));

	memset(&w, 0, sizeof(w));
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.options = WEXITED | WUNTRACED;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.options = WEXITED | WCONTINUED;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.options = WEXITED | __WALL;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.options = WNOHANG;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.options = WEXITED | WNOHANG;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, (void *)1));
	EXPECT_EQ(EFAULT, errno);

	memset(&big, 0, sizeof(big));
	big.v1.options = WEXITED | WNOHANG;
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT_BIG, &big));
	EXPECT_EQ(E2BIG, errno);
	big.tail = 0;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT_BIG, &big));
	EXPECT_EQ(EAGAIN, errno);

	EXPECT_EQ(7, raw_pd_finish(&r));
}

/*
 * The kernel reports but never reaps: PROCDESC_IOC_WAIT tells the parent
 * (PROCDESC_WAIT_PARENT) to reap the zombie itself.
 */
TEST(wait_ioctl_reports_without_reaping)
{
	struct procdesc_wait w;
	struct procdesc_wait_big big;
	struct raw_pd r;
	int status = 0;

	ASSERT_EQ(0, raw_pd_make(&r));
	close(r.wfd);
	ASSERT_EQ(POLLHUP, wait_hup(r.pd));

	memset(&w, 0xa5, sizeof(w));
	w.options = WEXITED | WNOWAIT;
	ASSERT_EQ(0, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ((__u32)(WEXITED | WNOWAIT), w.options);
	EXPECT_EQ((__u32)PROCDESC_WAIT_PARENT, w.result);
	EXPECT_EQ(7 << 8, w.status);
	EXPECT_EQ(CLD_EXITED, w.code);
	EXPECT_EQ(r.pid, w.pid);
	EXPECT_EQ((__u32)getuid(), w.uid);
	EXPECT_EQ(0, w.children.utime_sec);
	EXPECT_EQ(0, w.children.utime_usec);
	EXPECT_EQ(0, w.children.stime_sec);
	EXPECT_EQ(0, w.children.maxrss);
	EXPECT_GT(w.self.maxrss, 0);

	/* A larger struct gets the tail zeroed. */
	memset(&big, 0, sizeof(big));
	big.v1.options = WEXITED;
	big.tail = 0;
	ASSERT_EQ(0, ioctl(r.pd, PROCDESC_IOC_WAIT_BIG, &big));
	EXPECT_EQ(7 << 8, big.v1.status);
	EXPECT_EQ(r.pid, big.v1.pid);
	EXPECT_EQ(0ULL, (unsigned long long)big.tail);

	/*
	 * Consumed; but the parent, who alone can reap, is told of the
	 * zombie as long as it is there, and only then gets ESRCH.
	 */
	memset(&w, 0, sizeof(w));
	w.options = WEXITED;
	ASSERT_EQ(0, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ((__u32)PROCDESC_WAIT_PARENT, w.result);
	EXPECT_EQ(7 << 8, w.status);
	EXPECT_EQ(r.pid, waitpid_nointr(r.pid, &status, __WALL | WNOHANG));
	EXPECT_EQ(7 << 8, status);
	memset(&w, 0, sizeof(w));
	w.options = WEXITED;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(ESRCH, errno);
	close(r.pd);
	close(r.pidfd);
	close(r.ctl);
}

/* PROCDESC_IOC_PIDFD with the pidfd @pidfd at the argument: 0 or the errno. */
static int check_pidfd(int pd, int pidfd)
{
	return ioctl(pd, PROCDESC_IOC_PIDFD, &pidfd) ? errno : 0;
}

/* A page that is not mapped: mapped, then unmapped. */
static void *unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p, 4096);
	return p;
}

/* A read-only page whose first bytes are @len bytes of @src. */
static void *read_only_copy(const void *src, size_t len)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, 4096, PROT_READ)) {
		munmap(p, 4096);
		return NULL;
	}
	return p;
}

TEST(pidfd_check_same_process)
{
	int before = count_fds(), pidfd, *ro;
	struct raw_pd r;

	ASSERT_EQ(0, raw_pd_make(&r));
	/* The clone3 pidfd, and one opened from the pid, name the process. */
	EXPECT_EQ(0, check_pidfd(r.pd, r.pidfd));
	pidfd = sys_pidfd_open(r.pid, 0);
	ASSERT_GE(pidfd, 0);
	EXPECT_EQ(0, check_pidfd(r.pd, pidfd));
	/* The kernel only reads the argument: read-only memory will do. */
	ro = read_only_copy(&pidfd, sizeof(pidfd));
	ASSERT_TRUE(!!ro);
	EXPECT_EQ(0, ioctl(r.pd, PROCDESC_IOC_PIDFD, ro));
	munmap(ro, 4096);
	close(pidfd);
	EXPECT_EQ(7, raw_pd_finish(&r));
	EXPECT_EQ(before, count_fds());
}

TEST(pidfd_check_other_process_esrch)
{
	int before = count_fds(), pidfd, p[2];
	struct raw_pd r;
	pid_t other;

	ASSERT_EQ(0, raw_pd_make(&r));
	pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(pidfd, 0);
	EXPECT_EQ(ESRCH, check_pidfd(r.pd, pidfd));
	close(pidfd);
	other = spawn_blocked(&pidfd, p);
	ASSERT_GT(other, 0);
	EXPECT_EQ(ESRCH, check_pidfd(r.pd, pidfd));
	EXPECT_EQ(7, finish_blocked(pidfd, p[1]));
	EXPECT_EQ(7, raw_pd_finish(&r));
	EXPECT_EQ(before, count_fds());
}

/*
 * After the reap the pid may name another process: a pidfd opened from it
 * then names that one, which a pidfd of another process stands for here.
 * A pidfd of the process itself still names it.
 */
TEST(pidfd_check_after_reap)
{
	int before = count_fds(), pidfd, p[2];
	struct raw_pd r;
	siginfo_t info;
	pid_t other;

	ASSERT_EQ(0, raw_pd_make(&r));
	close(r.wfd);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PIDFD, r.pidfd, &info, WEXITED | __WALL));
	EXPECT_EQ(0, check_pidfd(r.pd, r.pidfd));
	other = spawn_blocked(&pidfd, p);
	ASSERT_GT(other, 0);
	EXPECT_EQ(ESRCH, check_pidfd(r.pd, pidfd));
	EXPECT_EQ(7, finish_blocked(pidfd, p[1]));
	close(r.pidfd);
	close(r.pd);
	close(r.ctl);
	EXPECT_EQ(before, count_fds());
}

TEST(pidfd_check_not_a_pidfd_ebadf)
{
	int before = count_fds(), p[2], null;
	struct raw_pd r;

	ASSERT_EQ(0, raw_pd_make(&r));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(null, 0);
	EXPECT_EQ(EBADF, check_pidfd(r.pd, -1));
	EXPECT_EQ(EBADF, check_pidfd(r.pd, INT_MIN));
	EXPECT_EQ(EBADF, check_pidfd(r.pd, INT_MAX));
	EXPECT_EQ(EBADF, check_pidfd(r.pd, 100000));
	EXPECT_EQ(EBADF, check_pidfd(r.pd, p[0]));
	EXPECT_EQ(EBADF, check_pidfd(r.pd, null));
	EXPECT_EQ(EBADF, check_pidfd(r.pd, r.ctl));
	/* A process descriptor, even its own, is not a pidfd. */
	EXPECT_EQ(EBADF, check_pidfd(r.pd, r.pd));
	close(null);
	close(p[0]);
	EXPECT_EQ(EBADF, check_pidfd(r.pd, p[0]));
	close(p[1]);
	EXPECT_EQ(7, raw_pd_finish(&r));
	EXPECT_EQ(before, count_fds());
}

TEST(pidfd_check_bad_pointer_efault)
{
	struct raw_pd r;
	void *gone;

	ASSERT_EQ(0, raw_pd_make(&r));
	gone = unmapped_page();
	ASSERT_TRUE(!!gone);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_PIDFD, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_PIDFD, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_PIDFD, gone));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(7, raw_pd_finish(&r));
}

TEST_HARNESS_MAIN
