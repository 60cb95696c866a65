// SPDX-License-Identifier: GPL-2.0
/*
 * pdfork(): what the parent and the child get, flags, errors (with no
 * child left behind), threads, and the glibc state of the child.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mount.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

TEST(parent_gets_pid_and_fd_child_gets_zero)
{
	int sk[2], fd = -1, status = -1, v;
	pid_t parent = getpid(), pid, got = 0;

	ASSERT_EQ(0, pinger_pair(sk));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int pdnum;

		close(sk[0]);
		/* *fdp is untouched in the child. */
		if (fd != -1)
			_exit(1);
		if (getppid() != parent)
			_exit(2);
		if (getpid() == parent || sys_gettid() != getpid())
			_exit(3);
		/* The parent's descriptor number is not open here. */
		if (recv_int(sk[1], &pdnum))
			_exit(4);
		errno = 0;
		if (fcntl(pdnum, F_GETFD) != -1 || errno != EBADF)
			_exit(5);
		if (pdgetpid(pdnum, &got) != -1 || errno != EBADF)
			_exit(6);
		_exit(0);
	}
	close(sk[1]);
	EXPECT_GT(pid, 0);
	EXPECT_NE(pid, parent);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	ASSERT_EQ(0, send_int(sk[0], fd));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	v = status;
	EXPECT_TRUE(WIFEXITED(v));
	EXPECT_EQ(0, WEXITSTATUS(v));
	close(fd);
	close(sk[0]);
}

/*
 * The child starts with the parent's fds and nothing more: neither the
 * descriptor nor the pidfd. The control device the library keeps is the
 * parent's too, so the child has it as it has every other fd.
 */
TEST(child_inherits_no_extra_fds)
{
	int fd = -1, status = -1, before;
	pid_t pid;

	before = count_fds();
	ASSERT_GT(before, 0);
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int n = count_fds();

		if (count_control_fds() != 1)
			_exit(201);
		_exit(n < 0 ? 255 : n > 200 ? 200 : n);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(before, WEXITSTATUS(status)) {
		TH_LOG("parent had %d fds before pdfork, child had %d (201: not one control fd)",
		       before, WEXITSTATUS(status));
	}
	/* And the parent gained exactly the descriptor, and the device. */
	EXPECT_EQ(before + 1, count_fds());
	EXPECT_EQ(1, count_control_fds());
	close(fd);
}

/* The fd of /dev/procdesc, or -1. */
static int control_fd(void)
{
	char target[64];
	int fd;

	for (fd = 0; fd < 1024; fd++)
		if (!strcmp(fd_path(fd, target, sizeof(target)), "/dev/procdesc"))
			return fd;
	return -1;
}

/*
 * The library opens /dev/procdesc once, close-on-exec, and keeps it. If the
 * program closes that fd, or puts another file on its number, the next call
 * opens the device anew and leaves the other file alone.
 */
TEST(control_device_kept_and_reopened)
{
	char target[64];
	int ctl, null, i;

	ASSERT_EQ(-1, control_fd());
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pdfork_and_wait(i));
		EXPECT_EQ(1, count_control_fds());
	}
	ctl = control_fd();
	ASSERT_GE(ctl, 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(ctl, F_GETFD) & FD_CLOEXEC);

	/* Closed behind the library's back. */
	ASSERT_EQ(0, close(ctl));
	ASSERT_EQ(0, pdfork_and_wait(4));
	EXPECT_EQ(1, count_control_fds());

	/* Its number reused: the library must not touch the new file. */
	ctl = control_fd();
	ASSERT_GE(ctl, 0);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	ASSERT_EQ(ctl, dup2(null, ctl));
	close(null);
	ASSERT_EQ(0, pdfork_and_wait(5));
	EXPECT_STREQ("/dev/null", fd_path(ctl, target, sizeof(target)));
	EXPECT_EQ(1, count_control_fds());
	EXPECT_NE(ctl, control_fd());
	close(ctl);
}

static void *pdfork_once_in_thread(void *arg)
{
	return (void *)(intptr_t)pdfork_and_wait((int)(intptr_t)arg);
}

/* Threads racing to open the device first leave exactly one open. */
TEST(control_device_opened_once_by_racing_threads)
{
	pthread_t t[8];
	int i;

	ASSERT_EQ(0, count_control_fds());
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, pdfork_once_in_thread,
					    (void *)(intptr_t)i));
	for (i = 0; i < 8; i++) {
		void *ret;

		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(0, (intptr_t)ret) {
			TH_LOG("thread %d", i);
		}
	}
	EXPECT_EQ(1, count_control_fds());
	EXPECT_TRUE(no_children());
}

TEST(invalid_flags_einval_no_child)
{
	int fd = -1234, before = count_fds();
	pid_t pid;

	errno = 0;
	pid = pdfork(&fd, PD_DAEMON << 5);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1234, fd);
	errno = 0;
	pid = pdfork(&fd, -1);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(EINVAL, errno);
	pid = pdfork(&fd, 0x4);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
}

TEST(null_fdp_efault_no_child)
{
	int before = count_fds();
	pid_t pid;

	errno = 0;
	pid = pdfork(NULL, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
}

TEST(cloexec_flag)
{
	int fd = -1, fd2 = -1;
	pid_t pid;

	pid = pdfork(&fd, PD_CLOEXEC);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));

	pid = pdfork(&fd2, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(0, fcntl(fd2, F_GETFD));

	EXPECT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	EXPECT_EQ(0, pdwait(fd2, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(fd2);
	EXPECT_TRUE(no_children());
}

TEST(daemon_flag_with_cloexec)
{
	char val[64];
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, PD_DAEMON | PD_CLOEXEC);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(3);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, fdinfo_get(fd, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ("\t0x1", val);
	EXPECT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(3 << 8, status);
	close(fd);
}

/*
 * Without /dev/procdesc (module not loaded) pdfork fails ENODEV and makes
 * no child; so do the other calls that need the device.
 */
TEST(no_device_enodev_no_child)
{
	pid_t helper;
	int status = -1;

	if (!is_root())
		SKIP(return, "needs root for a mount namespace");
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		int fd = -1, pidfd;
		pid_t pid;

		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("none", "/dev", "tmpfs", 0, NULL))
			_exit(10);
		errno = 0;
		pid = pdfork(&fd, 0);
		if (pid == 0)
			_exit(0);
		if (pid != -1)
			_exit(11);
		if (errno != ENODEV)
			_exit(errno < 100 ? 100 + errno : 12);
		if (!no_children() || fd != -1)
			_exit(13);
		errno = 0;
		if (pdopenpid(getpid(), PD_DAEMON) != -1 || errno != ENODEV)
			_exit(14);
		pidfd = sys_pidfd_open(getpid(), 0);
		errno = 0;
		if (pidfd < 0 || pdopenpidfd(pidfd, 0) != -1 || errno != ENODEV)
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status) {
		if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
			TH_LOG("pdfork failed with %s, not ENODEV",
			       strerror(WEXITSTATUS(status) - 100));
		else
			TH_LOG("helper status %#x", status);
	}
}

static pid_t pdfork_exit0(int *fdp)
{
	pid_t pid = pdfork(fdp, 0);

	if (pid == 0)
		_exit(0);
	return pid;
}

/* EMFILE at every step (emfile_steps): never a child left, no fd leaked. */
TEST(no_free_fd_emfile_no_child)
{
	ASSERT_EQ(0, count_control_fds());
	ASSERT_LT(count_fds(), 32);
	EXPECT_EQ(0, emfile_step_failures("pdfork", pdfork_exit0));
}

/* The parent's signal mask is restored; the child gets the same one. */
TEST(signal_mask_preserved)
{
	sigset_t set, cur;
	int fd = -1, status = -1;
	pid_t pid;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (sigprocmask(SIG_BLOCK, NULL, &cur))
			_exit(1);
		if (!sigismember(&cur, SIGUSR2) || sigismember(&cur, SIGUSR1) ||
		    sigismember(&cur, SIGTERM) || sigismember(&cur, SIGCHLD))
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, NULL, &cur));
	EXPECT_TRUE(sigismember(&cur, SIGUSR2));
	EXPECT_FALSE(sigismember(&cur, SIGUSR1));
	EXPECT_FALSE(sigismember(&cur, SIGTERM));
	EXPECT_FALSE(sigismember(&cur, SIGINT));
	EXPECT_FALSE(sigismember(&cur, SIGCHLD));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
}

/* glibc's cached TID must be the child's: abort() raises in the child. */
TEST(child_abort_is_sigabrt)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		abort();
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	EXPECT_EQ(SIGABRT, status);
	close(fd);
}

TEST(child_raise_sigusr1_terminates_child)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		signal(SIGUSR1, SIG_DFL);
		raise(SIGUSR1);
		_exit(1);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGUSR1, status);
	close(fd);
}

TEST(child_pthread_kill_self)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		signal(SIGUSR2, SIG_DFL);
		pthread_kill(pthread_self(), SIGUSR2);
		_exit(1);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGUSR2, status);
	close(fd);
}

static void *thread_exit_code(void *arg)
{
	return arg;
}

static void *thread_call_exit(void *arg)
{
	exit((int)(intptr_t)arg);
}

/* A child that starts threads, joins them and exits from one of them. */
static noreturn void threaded_child(void)
{
	pthread_t t[4];
	void *ret;
	int i;

	for (i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, thread_exit_code,
				   (void *)(intptr_t)(i + 1)))
			_exit(1);
	for (i = 0; i < 4; i++)
		if (pthread_join(t[i], &ret) || ret != (void *)(intptr_t)(i + 1))
			_exit(2);
	if (pthread_create(&t[0], NULL, thread_call_exit, (void *)(intptr_t)23))
		_exit(3);
	pthread_join(t[0], NULL);
	_exit(4);
}

struct thread_pdfork {
	int fd;
	pid_t pid;
	int err;
};

static void *pdfork_in_thread(void *arg)
{
	struct thread_pdfork *tp = arg;

	tp->pid = pdfork(&tp->fd, 0);
	if (tp->pid == 0)
		threaded_child();
	tp->err = errno;
	return NULL;
}

TEST(pdfork_from_thread_multithreaded_child)
{
	struct thread_pdfork tp = { .fd = -1 };
	pthread_t t;
	int status = -1;
	pid_t got = 0;

	ASSERT_EQ(0, pthread_create(&t, NULL, pdfork_in_thread, &tp));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_GT(tp.pid, 0) {
		TH_LOG("pdfork in a thread failed: %s", strerror(tp.err));
	}
	ASSERT_GE(tp.fd, 0);
	/* The descriptor outlives the thread that made it. */
	ASSERT_EQ(0, pdgetpid(tp.fd, &got));
	EXPECT_EQ(tp.pid, got);
	ASSERT_EQ(0, pdwait(tp.fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(23 << 8, status);
	close(tp.fd);
	EXPECT_TRUE(no_children());
}

struct thread_pdfork_block {
	int fd;
	pid_t pid;
	int rfd, wfd;
};

static void *pdfork_blocked_in_thread(void *arg)
{
	struct thread_pdfork_block *tp = arg;
	char c;

	tp->pid = pdfork(&tp->fd, 0);
	if (tp->pid == 0) {
		close(tp->wfd);
		while (read(tp->rfd, &c, 1) < 0 && errno == EINTR)
			;
		_exit(5);
	}
	return NULL;
}

/* The child is not killed or reparented when the creating thread exits. */
TEST(descriptor_outlives_creating_thread)
{
	struct thread_pdfork_block tp = { .fd = -1 };
	int p[2], status = -1;
	pthread_t t;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	tp.rfd = p[0];
	tp.wfd = p[1];
	ASSERT_EQ(0, pthread_create(&t, NULL, pdfork_blocked_in_thread, &tp));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_GT(tp.pid, 0);
	close(p[0]);
	/* Still running, still ours and still invisible to wait(-1). */
	EXPECT_EQ(0, poll_now(tp.fd, POLLIN));
	EXPECT_EQ(0, pdkill(tp.fd, 0));
	errno = 0;
	EXPECT_EQ(-1, pdwait(tp.fd, NULL, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(p[1]);
	ASSERT_EQ(0, pdwait(tp.fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(5 << 8, status);
	close(tp.fd);
	EXPECT_TRUE(no_children());
}

/* The child can fork (glibc fork) and pdfork itself. */
TEST(child_can_fork_and_pdfork)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int gfd = -1, st = -1;
		pid_t g;

		g = fork();
		if (g < 0)
			_exit(1);
		if (g == 0)
			_exit(11);
		if (waitpid(g, &st, 0) != g || st != 11 << 8)
			_exit(2);
		g = pdfork(&gfd, 0);
		if (g < 0)
			_exit(3);
		if (g == 0) {
			if (getppid() == 1)
				_exit(1);
			_exit(12);
		}
		if (pdwait(gfd, &st, WEXITED, NULL, NULL) || st != 12 << 8)
			_exit(4);
		_exit(13);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(13 << 8, status);
	close(fd);
}

/* Many pdforks in a row: each gets its own working descriptor. */
TEST(many_children)
{
	int fds[16], i, status;
	pid_t pids[16], got;

	for (i = 0; i < 16; i++) {
		pids[i] = pdfork(&fds[i], 0);
		ASSERT_GE(pids[i], 0);
		if (pids[i] == 0)
			_exit(i + 1);
	}
	for (i = 15; i >= 0; i--) {
		ASSERT_EQ(0, pdgetpid(fds[i], &got));
		EXPECT_EQ(pids[i], got);
		status = -1;
		ASSERT_EQ(0, pdwait(fds[i], &status, WEXITED, NULL, NULL));
		EXPECT_EQ((i + 1) << 8, status);
		close(fds[i]);
	}
	EXPECT_TRUE(no_children());
}

TEST_HARNESS_MAIN
