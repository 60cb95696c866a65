// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel ABI as such: /dev/procdesc and the raw ioctls on it and on a
 * descriptor, their argument checks and the extensible-struct rules.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/mman.h>
#include <sys/statfs.h>

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
	 * Consumed by the parent: it is not told again, and the zombie is
	 * its to reap.
	 */
	memset(&w, 0, sizeof(w));
	w.options = WEXITED;
	EXPECT_EQ(-1, ioctl(r.pd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(ESRCH, errno);
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

/* PROCDESC_IOC_ARM with a struct one u64 larger than version 2's. */
struct procdesc_arm_big {
	struct procdesc_arm v1;
	__u64 tail;
};

#define PROCDESC_IOC_ARM_BIG \
	_IOWR(PROCDESC_IOC_MAGIC, 0x02, struct procdesc_arm_big)

/* What ARM must leave alone when it fails before writing back. */
#define ARM_UNTOUCHED	0x5a5a5a5a

static int arm(int ctl, struct procdesc_arm *a, __u32 flags)
{
	memset(a, 0x5a, sizeof(*a));
	a->flags = flags;
	return ioctl(ctl, PROCDESC_IOC_ARM, a);
}

/* PROCDESC_IOC_DISARM: 0 if the thread was armed, else the errno. */
static int disarm(int ctl)
{
	return ioctl(ctl, PROCDESC_IOC_DISARM, 0) ? errno : 0;
}

/*
 * exit_signal, field 38 of /proc/<pid>/stat: 0 for a child bound at clone
 * time, whatever its clone asked for; -1 if unreadable.
 */
static int proc_exit_signal(pid_t pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* Field 2, the name, may hold spaces: count from its ')'. */
	p = strrchr(buf, ')');
	for (i = 3; p && i <= 38; i++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

/* How a test makes its child: the C library, the raw clone, clone3. */
enum { VIA_FORK, VIA_CLONE, VIA_CLONE3 };

/*
 * A child that reads @rfd (made its stdin; every other fd closed, so it
 * holds no copy of any descriptor) until EOF and exits with @code. Only
 * system calls in the child: after a raw clone the C library's state is
 * the parent's.
 */
static pid_t fork_reader(int how, int rfd, int code)
{
	struct clone_args args;
	pid_t pid;
	char c;

	if (how == VIA_FORK) {
		pid = fork();
	} else if (how == VIA_CLONE) {
		pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	} else {
		/* Any exit signal asked for becomes 0. */
		memset(&args, 0, sizeof(args));
		args.exit_signal = SIGUSR1;
		pid = sys_clone3(&args);
	}
	if (pid)
		return pid;
	if (dup2(rfd, 0) == 0 && !syscall(__NR_close_range, 3, ~0U, 0))
		while (read(0, &c, 1) < 0 && errno == EINTR)
			;
	_exit(code);
}

/*
 * Arm with @flags, fork a reader child @how, and check what the arm
 * wrote back and what the child is: its descriptor (of the right kind,
 * flags as asked) for its pid, exit signal 0, so that it is invisible to
 * waitpid(-1) and sends no SIGCHLD, but visible with __WALL.
 */
static void check_armed_fork(struct __test_metadata *_metadata, int how, __u32 flags)
{
	int ctl = open_ctl(), before = count_fds(), p[2], status;
	struct procdesc_arm a;
	char val[32] = "";
	struct statfs sfs;
	__s32 got = 0;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, arm(ctl, &a, flags));
	EXPECT_EQ(-1, a.fd);
	EXPECT_EQ(0, a.pid);
	EXPECT_EQ(0U, a.reapable);
	pid = fork_reader(how, p[0], 9);
	ASSERT_GT(pid, 0);
	close(p[0]);
	/* Written back before the clone returned. */
	EXPECT_EQ(pid, a.pid);
	ASSERT_GE(a.fd, 0);
	EXPECT_EQ(flags, a.flags);
	ASSERT_EQ(0, fstatfs(a.fd, &sfs));
	EXPECT_EQ(PROCDESC_FS_MAGIC, (long)sfs.f_type);
	EXPECT_EQ(O_RDWR, fcntl(a.fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ((flags & PROCDESC_F_CLOEXEC) ? FD_CLOEXEC : 0, fcntl(a.fd, F_GETFD));
	ASSERT_EQ(0, fdinfo_get(a.fd, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ((flags & PROCDESC_F_DAEMON) ? "\t0x1" : "\t0x0", val);
	ASSERT_EQ(0, ioctl(a.fd, PROCDESC_IOC_GETPID, &got));
	EXPECT_EQ(pid, got);
	EXPECT_EQ(0, proc_exit_signal(pid));
	/* One-shot: the arm is spent. */
	EXPECT_EQ(ENOENT, disarm(ctl));

	close(p[1]);
	EXPECT_EQ(POLLHUP, wait_hup(a.fd));
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(pid, waitpid_nointr(-1, &status, WNOHANG | __WALL));
	EXPECT_EQ(9 << 8, status);
	EXPECT_EQ(0, sigchld_counted());
	close(a.fd);
	close(ctl);
	EXPECT_EQ(before, count_fds());
}

TEST(arm_fork_writes_back_fd_and_pid)
{
	check_armed_fork(_metadata, VIA_FORK, 0);
}

TEST(arm_raw_clone_writes_back_fd_and_pid)
{
	check_armed_fork(_metadata, VIA_CLONE, PROCDESC_F_CLOEXEC);
}

TEST(arm_clone3_exit_signal_becomes_0)
{
	check_armed_fork(_metadata, VIA_CLONE3, PROCDESC_F_DAEMON | PROCDESC_F_CLOEXEC);
}

/* A fork of a thread that is not armed: SIGCHLD, seen by waitpid(-1). */
static void check_ordinary_fork(struct __test_metadata *_metadata)
{
	int status = 0;
	pid_t pid;

	ASSERT_EQ(0, sigchld_counter_start());
	pid = fork();
	if (pid == 0)
		_exit(4);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(pid, waitpid_nointr(-1, &status, 0));
	EXPECT_EQ(4 << 8, status);
	EXPECT_EQ(1, sigchld_counted());
}

TEST(arm_unknown_flags_einval)
{
	static const __u32 bad[] = {
		PROCDESC_F_NONCHILD, PROCDESC_F_QUIET, 0x10, 0x80000000u, 0xffffffffu,
		PROCDESC_F_DAEMON | PROCDESC_F_QUIET,
	};
	int ctl = open_ctl(), before;
	struct procdesc_arm a;
	size_t i;

	ASSERT_GE(ctl, 0);
	before = count_fds();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, arm(ctl, &a, bad[i]));
		EXPECT_EQ(EINVAL, errno);
		/* Refused before anything was written back or armed. */
		EXPECT_EQ(ARM_UNTOUCHED, a.fd);
		EXPECT_EQ(ARM_UNTOUCHED, a.pid);
		EXPECT_EQ(ENOENT, disarm(ctl));
	}
	check_ordinary_fork(_metadata);
	EXPECT_EQ(before, count_fds());
	close(ctl);
}

TEST(arm_twice_ebusy)
{
	int ctl = open_ctl(), before;
	struct procdesc_arm a, b;

	ASSERT_GE(ctl, 0);
	before = count_fds();
	ASSERT_EQ(0, arm(ctl, &a, 0));
	EXPECT_EQ(-1, arm(ctl, &b, PROCDESC_F_DAEMON));
	EXPECT_EQ(EBUSY, errno);
	/* The first arm stands, the second left nothing behind. */
	EXPECT_EQ(0, disarm(ctl));
	EXPECT_EQ(ENOENT, disarm(ctl));
	EXPECT_EQ(before, count_fds());
	close(ctl);
}

TEST(arm_larger_struct)
{
	struct procdesc_arm_big big;
	int ctl = open_ctl();

	ASSERT_GE(ctl, 0);
	memset(&big, 0, sizeof(big));
	big.tail = 1;
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM_BIG, &big));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(ENOENT, disarm(ctl));
	big.tail = 0;
	big.v1.fd = 5;
	ASSERT_EQ(0, ioctl(ctl, PROCDESC_IOC_ARM_BIG, &big));
	EXPECT_EQ(-1, big.v1.fd);
	EXPECT_EQ(0ULL, (unsigned long long)big.tail);
	EXPECT_EQ(0, disarm(ctl));
	/* Smaller than version 1, or another direction: not ARM at all. */
	EXPECT_EQ(-1, ioctl(ctl, _IOWR(PROCDESC_IOC_MAGIC, 0x02, __u64), &big));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(ctl, _IOW(PROCDESC_IOC_MAGIC, 0x02, struct procdesc_arm), &big));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(ctl, _IOR(PROCDESC_IOC_MAGIC, 0x02, struct procdesc_arm), &big));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(ENOENT, disarm(ctl));
	close(ctl);
}

/*
 * RLIMIT_NOFILE at 64 with every number below it taken but @spare; the fds
 * taken in @extra, their count returned, or -1.
 */
static int fill_fds(int extra[64], int spare, struct rlimit *old)
{
	struct rlimit rl;
	int n = 0, e;

	if (getrlimit(RLIMIT_NOFILE, old))
		return -1;
	rl = *old;
	rl.rlim_cur = 64;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	while (n < 64 && (e = dup(0)) >= 0)
		extra[n++] = e;
	while (spare-- > 0 && n > 0)
		close(extra[--n]);
	return n;
}

static void unfill_fds(int extra[64], int n, const struct rlimit *old)
{
	while (n > 0)
		close(extra[--n]);
	setrlimit(RLIMIT_NOFILE, old);
}

TEST(arm_emfile_arms_nothing)
{
	int ctl = open_ctl(), before, extra[64], n, last;
	struct procdesc_arm a;
	struct rlimit old;

	ASSERT_GE(ctl, 0);
	before = count_fds();
	n = fill_fds(extra, 0, &old);
	ASSERT_GT(n, 0);
	EXPECT_EQ(-1, arm(ctl, &a, 0));
	EXPECT_EQ(EMFILE, errno);
	EXPECT_EQ(ARM_UNTOUCHED, a.fd);
	EXPECT_EQ(ENOENT, disarm(ctl));
	check_ordinary_fork(_metadata);
	/* One free number is enough; the arm does not keep it. */
	close(extra[--n]);
	EXPECT_EQ(0, arm(ctl, &a, 0));
	EXPECT_EQ(-1, a.fd);
	last = dup(0);
	EXPECT_GE(last, 0);
	EXPECT_EQ(0, disarm(ctl));
	close(last);
	unfill_fds(extra, n, &old);
	EXPECT_EQ(before, count_fds());
	close(ctl);
}

/*
 * Wait until @pid, a child that ended after its descriptors were all
 * closed, is a quiet zombie listed for the caller to reap, or, where the
 * kernel autoreaps, gone. 0 on success.
 */
static int wait_closed_child_ended(pid_t pid)
{
	return wait_proc_state(pid, kernel_autoreaps() ? 0 : 'Z');
}

/*
 * @pid, killed when its descriptor's file went, ended: PROCDESC_IOC_REAPABLE
 * lists it and waitid() reaps it, killed by SIGKILL; where the kernel
 * autoreaps, it is gone without a trace for anyone to reap.
 */
static void check_killed_and_listed(struct __test_metadata *_metadata, int ctl, pid_t pid)
{
	struct procdesc_reapable r;
	siginfo_t info;

	if (kernel_autoreaps()) {
		EXPECT_EQ(0, ioctl(ctl, PROCDESC_IOC_REAPABLE, &r));
		EXPECT_EQ(-1, sys_waitid(P_PID, pid, &info, WEXITED | WNOHANG | __WALL));
		EXPECT_EQ(ECHILD, errno);
		return;
	}
	EXPECT_EQ(1, ioctl(ctl, PROCDESC_IOC_REAPABLE, &r));
	EXPECT_EQ(pid, r.pid[0]);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, pid, &info, WEXITED | __WALL));
	EXPECT_EQ(CLD_KILLED, info.si_code);
	EXPECT_EQ(SIGKILL, info.si_status);
}

/*
 * The number the arm saw free is taken before the fork: the child exists,
 * its descriptor cannot be installed, the arm's fd says -EMFILE, and the
 * file's release killed the child as a last close does. The child is the
 * caller's to reap, through PROCDESC_IOC_REAPABLE.
 */
TEST(arm_install_emfile_kills_the_child)
{
	int ctl = open_ctl(), before, extra[64], n, p[2], last;
	struct procdesc_arm a;
	struct rlimit old;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	before = count_fds();
	n = fill_fds(extra, 1, &old);
	ASSERT_GT(n, 0);
	ASSERT_EQ(0, arm(ctl, &a, 0));
	last = dup(0);
	ASSERT_GE(last, 0);
	pid = fork_reader(VIA_CLONE, p[0], 0);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(-EMFILE, a.fd);
	EXPECT_EQ(pid, a.pid);
	close(last);
	unfill_fds(extra, n, &old);
	EXPECT_EQ(before, count_fds());

	ASSERT_EQ(0, wait_closed_child_ended(pid));
	check_killed_and_listed(_metadata, ctl, pid);
	close(p[0]);
	close(p[1]);
	close(ctl);
}

TEST(arm_bad_pointer_efault_arms_nothing)
{
	int ctl = open_ctl(), before;
	struct procdesc_arm a = { 0 };
	char *page, *ro, *gone;

	ASSERT_GE(ctl, 0);
	before = count_fds();
	gone = unmapped_page();
	ro = read_only_copy(&a, sizeof(a));
	/* The struct's first 8 bytes mapped, the rest not. */
	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(gone && ro && page != MAP_FAILED);
	ASSERT_EQ(0, munmap(page + 4096, 4096));
	memset(page + 4096 - 8, 0, 8);

	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM, gone));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM, page + 4096 - 8));
	EXPECT_EQ(EFAULT, errno);
	/* Readable, but the write-back at once fails: nothing armed either. */
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(ENOENT, disarm(ctl));
	check_ordinary_fork(_metadata);
	munmap(ro, 4096);
	munmap(page, 4096);
	EXPECT_EQ(before, count_fds());
	close(ctl);
}

/*
 * The struct became read-only between the arm and the fork: the write-back
 * at the fork fails, nothing is installed, and the release of the file
 * kills the child, as with EMFILE.
 */
TEST(arm_install_efault_kills_the_child)
{
	int ctl = open_ctl(), before, p[2];
	struct procdesc_arm *a;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	before = count_fds();
	a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(a != MAP_FAILED);
	ASSERT_EQ(0, arm(ctl, a, 0));
	ASSERT_EQ(0, mprotect(a, 4096, PROT_READ));
	pid = fork_reader(VIA_CLONE, p[0], 0);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(-1, a->fd);
	EXPECT_EQ(0, a->pid);
	EXPECT_EQ(before, count_fds());
	EXPECT_EQ(ENOENT, disarm(ctl));

	ASSERT_EQ(0, wait_closed_child_ended(pid));
	check_killed_and_listed(_metadata, ctl, pid);
	munmap(a, 4096);
	close(p[0]);
	close(p[1]);
	close(ctl);
}

static void *idle(void *arg)
{
	return arg;
}

/* Threads are not children: pthread_create() leaves the arm for the fork. */
TEST(arm_survives_pthread_create)
{
	int ctl = open_ctl(), p[2];
	struct procdesc_arm a;
	pthread_t t;
	void *ret;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, arm(ctl, &a, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, idle, &a));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(-1, a.fd);
	EXPECT_EQ(0, a.pid);
	pid = fork_reader(VIA_FORK, p[0], 3);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(pid, a.pid);
	ASSERT_GE(a.fd, 0);
	EXPECT_EQ(0, proc_exit_signal(pid));
	close(p[1]);
	EXPECT_EQ(POLLHUP, wait_hup(a.fd));
	EXPECT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	close(a.fd);
	close(p[0]);
	close(ctl);
}

struct arm_race {
	pthread_barrier_t *barrier;
	int ctl, rfd, ret, disarmed;
	struct procdesc_arm a;
	pid_t pid;
};

static void *arm_and_fork(void *arg)
{
	struct arm_race *r = arg;

	r->ret = arm(r->ctl, &r->a, 0);
	/* Both threads armed before either forks. */
	pthread_barrier_wait(r->barrier);
	r->pid = r->ret ? -1 : fork_reader(VIA_FORK, r->rfd, 6);
	return NULL;
}

/* Two threads armed at once: each fork binds its own thread's arm. */
TEST(arm_two_threads_each_its_own_child)
{
	int ctl = open_ctl(), before = count_fds(), p[2], i;
	pthread_barrier_t barrier;
	struct arm_race r[2];
	pthread_t t;
	__s32 got;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		r[i].barrier = &barrier;
		r[i].ctl = ctl;
		r[i].rfd = p[0];
	}
	ASSERT_EQ(0, pthread_create(&t, NULL, arm_and_fork, &r[1]));
	arm_and_fork(&r[0]);
	ASSERT_EQ(0, pthread_join(t, NULL));
	close(p[0]);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, r[i].ret);
		ASSERT_GT(r[i].pid, 0);
		EXPECT_EQ(r[i].pid, r[i].a.pid);
		ASSERT_GE(r[i].a.fd, 0);
		got = 0;
		EXPECT_EQ(0, ioctl(r[i].a.fd, PROCDESC_IOC_GETPID, &got));
		EXPECT_EQ(r[i].pid, got);
	}
	EXPECT_NE(r[0].pid, r[1].pid);
	EXPECT_NE(r[0].a.fd, r[1].a.fd);
	close(p[1]);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(POLLHUP, wait_hup(r[i].a.fd));
		EXPECT_EQ(r[i].pid, waitpid_nointr(r[i].pid, NULL, __WALL));
		close(r[i].a.fd);
	}
	pthread_barrier_destroy(&barrier);
	close(ctl);
	EXPECT_EQ(before, count_fds());
}

static void *arm_and_wait(void *arg)
{
	struct arm_race *r = arg;

	r->ret = arm(r->ctl, &r->a, 0);
	pthread_barrier_wait(r->barrier);
	/* The other thread forks. */
	pthread_barrier_wait(r->barrier);
	r->disarmed = disarm(r->ctl);
	return NULL;
}

/* Another thread's arm is not the forking thread's. */
TEST(arm_of_another_thread_is_not_taken)
{
	int ctl = open_ctl(), before = count_fds();
	pthread_barrier_t barrier;
	struct arm_race r;
	pthread_t t;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	memset(&r, 0, sizeof(r));
	r.barrier = &barrier;
	r.ctl = ctl;
	ASSERT_EQ(0, pthread_create(&t, NULL, arm_and_wait, &r));
	pthread_barrier_wait(&barrier);
	check_ordinary_fork(_metadata);
	pthread_barrier_wait(&barrier);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(-1, r.a.fd);
	EXPECT_EQ(0, r.disarmed);
	pthread_barrier_destroy(&barrier);
	close(ctl);
	EXPECT_EQ(before, count_fds());
}

/* This binary, exec'd with this argument, runs fork_ordinary(). */
#define FORK_ORDINARY_ARG	"--fork-ordinary"

/*
 * The program an armed thread execs: its fork must make an ordinary child
 * (SIGCHLD, seen by waitpid() without __WALL), and no arm may be left.
 * Exit status 0, or which check failed.
 */
static int fork_ordinary(void)
{
	int status = 0, ctl;
	pid_t pid;

	if (sigchld_counter_start())
		return 10;
	pid = fork();
	if (pid == 0)
		_exit(4);
	if (pid < 0)
		return 11;
	if (waitpid_nointr(pid, &status, 0) != pid || status != 4 << 8)
		return 12;
	if (sigchld_counted() != 1)
		return 13;
	ctl = open_ctl();
	if (ctl < 0 || disarm(ctl) != ENOENT)
		return 14;
	return 0;
}

static void *arm_and_exec(void *arg)
{
	static char *const argv[] = { "device_test", FORK_ORDINARY_ARG, NULL };
	struct procdesc_arm a;
	int ctl = open_ctl();

	if (ctl < 0 || arm(ctl, &a, 0))
		_exit(20);
	execv("/proc/self/exe", argv);
	_exit(21);
}

/* In a child of ours, a thread arms and execs: the exec drops the arm. */
static void check_exec_drops_arm(struct __test_metadata *_metadata, bool thread)
{
	int status = -1;
	pthread_t t;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (!thread)
			arm_and_exec(NULL);
		/* exec from a thread that is not the leader: de_thread(). */
		if (pthread_create(&t, NULL, arm_and_exec, NULL))
			_exit(22);
		pause();
		_exit(23);
	}
	ASSERT_GT(pid, 0);
	ASSERT_EQ(pid, waitpid_nointr(pid, &status, 0));
	EXPECT_EQ(0, status);
}

TEST(arm_dropped_by_exec)
{
	check_exec_drops_arm(_metadata, false);
}

TEST(arm_dropped_by_exec_of_a_thread)
{
	check_exec_drops_arm(_metadata, true);
}

TEST(disarm_not_armed_enoent)
{
	int ctl = open_ctl(), other = open_ctl();

	ASSERT_GE(ctl, 0);
	ASSERT_GE(other, 0);
	EXPECT_EQ(ENOENT, disarm(ctl));
	EXPECT_EQ(ENOENT, disarm(other));
	close(other);
	close(ctl);
}

TEST(disarm_argument_must_be_zero)
{
	int ctl = open_ctl(), other = open_ctl(), before = count_fds();
	struct procdesc_arm a;

	ASSERT_GE(ctl, 0);
	ASSERT_GE(other, 0);
	/* Checked before the arm is looked for. */
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_DISARM, 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, arm(ctl, &a, 0));
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_DISARM, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_DISARM, &a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_DISARM, -1L));
	EXPECT_EQ(EINVAL, errno);
	/* Another direction or a size: not DISARM. */
	EXPECT_EQ(-1, ioctl(ctl, _IOW(PROCDESC_IOC_MAGIC, 0x03, int), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(ctl, _IOR(PROCDESC_IOC_MAGIC, 0x03, int), &a));
	EXPECT_EQ(ENOTTY, errno);
	/* The arm belongs to the thread, not to the file that armed it. */
	EXPECT_EQ(0, disarm(other));
	EXPECT_EQ(ENOENT, disarm(ctl));
	close(other);
	close(ctl);
	EXPECT_EQ(before, count_fds());
}

TEST(disarm_then_fork_is_ordinary)
{
	int ctl = open_ctl(), before = count_fds();
	struct procdesc_arm a;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, arm(ctl, &a, PROCDESC_F_DAEMON));
	EXPECT_EQ(0, disarm(ctl));
	check_ordinary_fork(_metadata);
	EXPECT_EQ(-1, a.fd);
	EXPECT_EQ(0, a.pid);
	EXPECT_EQ(before, count_fds());
	close(ctl);
}

/* PROCDESC_IOC_REAPABLE into @r (poisoned first): its result. */
static int reapable(int ctl, struct procdesc_reapable *r)
{
	memset(r, 0xa5, sizeof(*r));
	return ioctl(ctl, PROCDESC_IOC_REAPABLE, r);
}

/* What an arm says is reapable now; the arm is cancelled. -1 on error. */
static int arm_reapable(int ctl)
{
	struct procdesc_arm a;

	if (arm(ctl, &a, 0) || disarm(ctl))
		return -1;
	return (int)a.reapable;
}

/*
 * @n children bound at clone time, each reading @rfd until EOF and then
 * exiting with 10 + its index; their pids in @pids, descriptors in @fds.
 */
static int armed_children(int ctl, __u32 flags, int rfd, int n, pid_t *pids, int *fds)
{
	struct procdesc_arm a;
	int i;

	for (i = 0; i < n; i++) {
		if (arm(ctl, &a, flags))
			return -1;
		pids[i] = fork_reader(VIA_CLONE, rfd, 10 + i);
		if (pids[i] < 0 || a.pid != pids[i] || a.fd < 0)
			return -1;
		fds[i] = a.fd;
	}
	return 0;
}

/* The index of @pid in @pids, or -1. */
static int pid_index(const pid_t *pids, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return i;
	return -1;
}

TEST(reapable_none)
{
	struct procdesc_reapable r;
	int ctl = open_ctl();

	ASSERT_GE(ctl, 0);
	EXPECT_EQ(0, reapable(ctl, &r));
	EXPECT_EQ(0U, r.count);
	EXPECT_EQ(0U, r.more);
	EXPECT_EQ(0, arm_reapable(ctl));
	close(ctl);
}

/*
 * Children whose descriptors were closed while they ran (PD_DAEMON: they
 * run on) stay quiet; once they have ended, the arm counts them and
 * PROCDESC_IOC_REAPABLE lists them, once, for the caller to reap.
 */
TEST(reapable_lists_ended_children_once)
{
	int ctl = open_ctl(), before = count_fds(), p[2], fds[3], seen[3] = { 0 }, i, k;
	struct procdesc_reapable r;
	siginfo_t info;
	pid_t pids[3];

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, armed_children(ctl, PROCDESC_F_DAEMON, p[0], 3, pids, fds));
	close(p[0]);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	/* Running still: nothing to reap yet. */
	EXPECT_EQ(0, reapable(ctl, &r));
	EXPECT_EQ(0U, r.more);
	EXPECT_EQ(0, arm_reapable(ctl));

	close(p[1]);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, wait_closed_child_ended(pids[i]));
	/* Quiet zombies, or autoreaped: not seen by waitpid(-1). */
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	if (kernel_autoreaps()) {
		EXPECT_EQ(0, reapable(ctl, &r));
		EXPECT_EQ(0, arm_reapable(ctl));
		EXPECT_EQ(before, count_fds());
		close(ctl);
		return;
	}
	EXPECT_EQ(3, arm_reapable(ctl));

	ASSERT_EQ(3, reapable(ctl, &r));
	EXPECT_EQ(3U, r.count);
	EXPECT_EQ(0U, r.more);
	for (i = 0; i < 3; i++) {
		k = pid_index(pids, 3, r.pid[i]);
		ASSERT_GE(k, 0);
		seen[k]++;
	}
	EXPECT_EQ(1, seen[0] && seen[1] && seen[2]);
	/* Listed once. */
	EXPECT_EQ(0, reapable(ctl, &r));
	EXPECT_EQ(0U, r.count);
	EXPECT_EQ(0, arm_reapable(ctl));

	for (i = 0; i < 3; i++) {
		memset(&info, 0, sizeof(info));
		ASSERT_EQ(0, sys_waitid(P_PID, pids[i], &info, WEXITED | __WALL));
		EXPECT_EQ(CLD_EXITED, info.si_code);
		EXPECT_EQ(10 + i, info.si_status);
	}
	EXPECT_EQ(before, count_fds());
	close(ctl);
}

/* Without PD_DAEMON the close kills: the killed children are listed too. */
TEST(reapable_lists_children_killed_by_the_close)
{
	int ctl = open_ctl(), p[2], fds[2], i;
	struct procdesc_reapable r;
	siginfo_t info;
	pid_t pids[2];

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, armed_children(ctl, 0, p[0], 2, pids, fds));
	for (i = 0; i < 2; i++) {
		close(fds[i]);
		ASSERT_EQ(0, wait_closed_child_ended(pids[i]));
	}
	if (kernel_autoreaps()) {
		/* Killed and autoreaped: nothing for anyone to reap. */
		EXPECT_EQ(0, reapable(ctl, &r));
		EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG | __WALL));
		EXPECT_EQ(ECHILD, errno);
		close(p[0]);
		close(p[1]);
		close(ctl);
		return;
	}
	ASSERT_EQ(2, reapable(ctl, &r));
	EXPECT_GE(pid_index(pids, 2, r.pid[0]), 0);
	EXPECT_GE(pid_index(pids, 2, r.pid[1]), 0);
	EXPECT_NE(r.pid[0], r.pid[1]);
	for (i = 0; i < 2; i++) {
		memset(&info, 0, sizeof(info));
		ASSERT_EQ(0, sys_waitid(P_PID, pids[i], &info, WEXITED | __WALL));
		EXPECT_EQ(CLD_KILLED, info.si_code);
		EXPECT_EQ(SIGKILL, info.si_status);
	}
	close(p[0]);
	close(p[1]);
	close(ctl);
}

/* More than PROCDESC_REAPABLE_MAX: the rest in the next call. */
TEST(reapable_more)
{
	enum { N = PROCDESC_REAPABLE_MAX + 4 };
	int ctl = open_ctl(), p[2], fds[N], seen[N] = { 0 }, i, k, total = 0;
	struct procdesc_reapable r;
	pid_t pids[N];

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, armed_children(ctl, 0, p[0], N, pids, fds));
	/* Ended before the close, so zombies on every kernel. */
	close(p[1]);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, wait_proc_state(pids[i], 'Z'));
	for (i = 0; i < N; i++)
		close(fds[i]);
	EXPECT_EQ(N, arm_reapable(ctl));
	ASSERT_EQ(PROCDESC_REAPABLE_MAX, reapable(ctl, &r));
	EXPECT_EQ((__u32)PROCDESC_REAPABLE_MAX, r.count);
	EXPECT_NE(0U, r.more);
	for (i = 0; i < (int)r.count; i++) {
		k = pid_index(pids, N, r.pid[i]);
		ASSERT_GE(k, 0);
		seen[k]++;
	}
	ASSERT_EQ(N - PROCDESC_REAPABLE_MAX, reapable(ctl, &r));
	EXPECT_EQ(0U, r.more);
	for (i = 0; i < (int)r.count; i++) {
		k = pid_index(pids, N, r.pid[i]);
		ASSERT_GE(k, 0);
		seen[k]++;
	}
	for (i = 0; i < N; i++) {
		EXPECT_EQ(1, seen[i]);
		total += waitpid_nointr(pids[i], NULL, __WALL) == pids[i];
	}
	EXPECT_EQ(N, total);
	close(p[0]);
	close(ctl);
}

/* A child the caller reaped itself is not listed: it is no longer there. */
TEST(reapable_not_listed_once_reaped)
{
	int ctl = open_ctl(), p[2], fd;
	struct procdesc_reapable r;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, armed_children(ctl, 0, p[0], 1, &pid, &fd));
	close(p[1]);
	ASSERT_EQ(0, wait_proc_state(pid, 'Z'));
	close(fd);
	EXPECT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	EXPECT_EQ(0, reapable(ctl, &r));
	EXPECT_EQ(0U, r.count);
	EXPECT_EQ(0, reapable(ctl, &r));
	close(p[0]);
	close(ctl);
}

/*
 * PROCDESC_IOC_WAIT tells whoever waits that it has children to reap
 * (PROCDESC_WAIT_REAPABLE) while some are listed, and not after.
 */
TEST(wait_result_reapable)
{
	int ctl = open_ctl(), p[2], fds[2];
	struct procdesc_wait w;
	struct procdesc_reapable r;
	pid_t pids[2];

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, armed_children(ctl, PROCDESC_F_DAEMON, p[0], 2, pids, fds));
	close(p[1]);
	EXPECT_EQ(POLLHUP, wait_hup(fds[0]));
	EXPECT_EQ(POLLHUP, wait_hup(fds[1]));
	close(fds[1]);
	memset(&w, 0, sizeof(w));
	w.options = WEXITED | WNOWAIT;
	ASSERT_EQ(0, ioctl(fds[0], PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ((__u32)(PROCDESC_WAIT_PARENT | PROCDESC_WAIT_REAPABLE), w.result);
	ASSERT_EQ(1, reapable(ctl, &r));
	EXPECT_EQ(pids[1], r.pid[0]);
	memset(&w, 0, sizeof(w));
	w.options = WEXITED | WNOWAIT;
	ASSERT_EQ(0, ioctl(fds[0], PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ((__u32)PROCDESC_WAIT_PARENT, w.result);
	EXPECT_EQ(pids[0], waitpid_nointr(pids[0], NULL, __WALL));
	EXPECT_EQ(pids[1], waitpid_nointr(pids[1], NULL, __WALL));
	close(fds[0]);
	close(p[0]);
	close(ctl);
}

TEST(reapable_bad_pointer_efault)
{
	struct procdesc_reapable r = { 0 }, *ro;
	int ctl = open_ctl();
	void *gone;

	ASSERT_GE(ctl, 0);
	gone = unmapped_page();
	ro = read_only_copy(&r, sizeof(r));
	ASSERT_TRUE(gone && ro);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_REAPABLE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_REAPABLE, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_REAPABLE, gone));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_REAPABLE, ro));
	EXPECT_EQ(EFAULT, errno);
	/* Another size or direction: not REAPABLE. */
	EXPECT_EQ(-1, ioctl(ctl, _IOR(PROCDESC_IOC_MAGIC, 0x04, __u64), &r));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(ctl, _IOWR(PROCDESC_IOC_MAGIC, 0x04, struct procdesc_reapable),
			    &r));
	EXPECT_EQ(ENOTTY, errno);
	munmap(ro, 4096);
	close(ctl);
}

/*
 * A REAPABLE whose buffer faults has handed out nothing: the children it
 * would have listed are listed by the next call, or they would stay
 * zombies, quiet, that no one is told to reap.
 */
TEST(reapable_efault_keeps_the_list)
{
	int ctl = open_ctl(), p[2], fd;
	struct procdesc_reapable r, *ro;
	pid_t pid;

	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, armed_children(ctl, 0, p[0], 1, &pid, &fd));
	close(p[1]);
	ASSERT_EQ(0, wait_proc_state(pid, 'Z'));
	close(fd);
	memset(&r, 0, sizeof(r));
	ro = read_only_copy(&r, sizeof(r));
	ASSERT_TRUE(!!ro);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_REAPABLE, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(ctl, PROCDESC_IOC_REAPABLE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, arm_reapable(ctl));
	EXPECT_EQ(1, reapable(ctl, &r));
	EXPECT_EQ(pid, r.pid[0]);
	EXPECT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	munmap(ro, 4096);
	close(p[0]);
	close(ctl);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], FORK_ORDINARY_ARG))
		return fork_ordinary();
	return test_harness_run(argc, argv);
}
