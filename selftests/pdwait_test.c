// SPDX-License-Identifier: GPL-2.0
/*
 * pdwait() and pdwait4(): status word, siginfo, rusage, WNOHANG/WNOWAIT,
 * who may wait and who reaps, option checks and interruption.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

/*
 * The CPU time a child burns, and the least its rusage must show. rusage
 * comes from tick sampling (4 ms ticks at HZ=250), and an emulated guest
 * misses ticks: once, 50 ms burned showed as 44. Half is far enough from
 * both the burn and the 0 of time not counted at all.
 */
#define BURN_MS		100
#define BURN_SEEN_MS	50

static __s64 tv_ms(const struct timeval *tv)
{
	return (__s64)tv->tv_sec * 1000 + tv->tv_usec / 1000;
}

TEST(exit_code_and_siginfo)
{
	struct __wrusage wru;
	siginfo_t info;
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		exit(42);
	memset(&info, 0xa5, sizeof(info));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, &wru, &info));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(42, WEXITSTATUS(status));
	EXPECT_EQ(42 << 8, status);
	EXPECT_EQ(SIGCHLD, info.si_signo);
	EXPECT_EQ(0, info.si_errno);
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(42, info.si_status);
	EXPECT_EQ(pid, info.si_pid);
	EXPECT_EQ(getuid(), info.si_uid);
	close(fd);
}

TEST(exit_code_zero_and_255)
{
	siginfo_t info;
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	EXPECT_EQ(0, status);
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(0, info.si_status);
	close(fd);

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(255);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	EXPECT_EQ(255 << 8, status);
	EXPECT_EQ(255, info.si_status);
	close(fd);
}

TEST(killed_by_signal)
{
	siginfo_t info;
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, SIGKILL));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_FALSE(WCOREDUMP(status));
	EXPECT_EQ(SIGKILL, status);
	EXPECT_EQ(SIGCHLD, info.si_signo);
	EXPECT_EQ(CLD_KILLED, info.si_code);
	EXPECT_EQ(SIGKILL, info.si_status);
	EXPECT_EQ(pid, info.si_pid);
	close(fd);
	close(sk);
}

/* The uid in siginfo is the child's real uid, whatever the caller's. */
TEST(siginfo_uid_is_childs)
{
	siginfo_t info;
	int fd = -1, status = -1;
	pid_t pid;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setresuid(65534, 65533, 65533))
			_exit(1);
		_exit(2);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	EXPECT_EQ(2 << 8, status);
	EXPECT_EQ(65534U, info.si_uid);
	close(fd);
}

static void rm_rf_dir(const char *dir)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

TEST(core_dump_cld_dumped)
{
	char dir[] = "/tmp/procdesc-core.XXXXXX";
	siginfo_t info;
	int fd = -1, status = -1;
	pid_t pid;

	ASSERT_TRUE(!!mkdtemp(dir));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		if (chdir(dir) || setrlimit(RLIMIT_CORE, &rl))
			_exit(1);
		prctl(PR_SET_DUMPABLE, 1);
		signal(SIGQUIT, SIG_DFL);
		raise(SIGQUIT);
		_exit(2);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	close(fd);
	rm_rf_dir(dir);
	ASSERT_TRUE(WIFSIGNALED(status));
	ASSERT_EQ(SIGQUIT, WTERMSIG(status));
	if (!WCOREDUMP(status))
		SKIP(return, "no core was dumped (core_pattern or file system)");
	EXPECT_EQ(SIGQUIT | 0x80, status);
	EXPECT_EQ(CLD_DUMPED, info.si_code);
	EXPECT_EQ(SIGQUIT, info.si_status);
	EXPECT_EQ(pid, info.si_pid);
}

TEST(wnohang_running_ewouldblock)
{
	int fd = -1, sk = -1, status = 12345;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 1);
	ASSERT_GT(pid, 0);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(12345, status);
	/* Nothing was consumed: the exit is still reported later. */
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(1 << 8, status);
	close(fd);
}

TEST(wnohang_after_exit)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 17);
	ASSERT_GT(pid, 0);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(17 << 8, status);
	close(fd);
}

TEST(wnowait_peeks)
{
	siginfo_t info;
	char val[64];
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(21);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED | WNOWAIT, NULL, &info));
	EXPECT_EQ(21 << 8, status);
	EXPECT_EQ(pid, info.si_pid);
	status = -1;
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED | WNOWAIT | WNOHANG, NULL, NULL));
	EXPECT_EQ(21 << 8, status);
	/* Still a zombie, still ours. */
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT | WNOHANG | __WALL));
	EXPECT_EQ(pid, info.si_pid);
	ASSERT_EQ(0, fdinfo_get(fd, "State", val, sizeof(val)));
	EXPECT_STREQ("\texited", val);
	status = -1;
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(21 << 8, status);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOWAIT, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

TEST(second_pdwait_esrch)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

/*
 * The parent is told the exit once: between its PROCDESC_IOC_WAIT and the
 * reap that follows it in the library, another thread's wait must not be
 * told the same exit again (two pdwait() would both succeed). Raw ioctls,
 * so that the zombie stays between the two.
 */
TEST(parent_told_once_before_its_reap)
{
	struct procdesc_wait w;
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(9);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	memset(&w, 0, sizeof(w));
	w.options = WEXITED;
	ASSERT_EQ(0, ioctl(fd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(9 << 8, w.status);
	EXPECT_EQ('Z', proc_state(pid));
	memset(&w, 0, sizeof(w));
	w.options = WEXITED | WNOHANG;
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, PROCDESC_IOC_WAIT, &w));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(pid, waitpid_nointr(pid, &status, __WALL));
	EXPECT_EQ(9 << 8, status);
	close(fd);
}

TEST(parent_pdwait_reaps)
{
	siginfo_t info;
	int fd = -1, status = -1, before = count_fds();
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(3);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(3 << 8, status);
	errno = 0;
	EXPECT_EQ(-1, waitpid(pid, &status, __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, waitid(P_PID, pid, &info, WEXITED | __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(-1, kill(pid, 0));
	EXPECT_EQ(ESRCH, errno);
	/* Nothing left open behind our back (the pidfd used to reap). */
	EXPECT_EQ(before + 1, count_fds());
	close(fd);
	EXPECT_EQ(before, count_fds());
}

/*
 * A holder that is not the parent (a forked copy of the parent) gets the
 * status and consumes the exit on the shared file, but cannot reap: the
 * parent's pdwait still finds the zombie, reports it and reaps it, and
 * only then fails ESRCH.
 */
TEST(non_parent_holder_reports_parent_reaps)
{
	struct {
		int status, code, sstatus, spid;
	} r;
	int fd = -1, sk = -1, p[2], status = -1, hstatus = -1;
	char val[64];
	pid_t pid, helper;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = pdfork_pinger(&fd, 0, &sk, 42);
	ASSERT_GT(pid, 0);
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		siginfo_t info;
		int st = -1;

		close(sk);
		memset(&info, 0, sizeof(info));
		if (pdwait(fd, &st, WEXITED, NULL, &info))
			_exit(1);
		r.status = st;
		r.code = info.si_code;
		r.sstatus = info.si_status;
		r.spid = info.si_pid;
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	close(sk);
	ASSERT_EQ(helper, waitpid_nointr(helper, &hstatus, 0));
	ASSERT_EQ(0, hstatus);
	ASSERT_EQ((ssize_t)sizeof(r), read(p[0], &r, sizeof(r)));
	EXPECT_EQ(42 << 8, r.status);
	EXPECT_EQ(CLD_EXITED, r.code);
	EXPECT_EQ(42, r.sstatus);
	EXPECT_EQ(pid, r.spid);

	ASSERT_EQ(0, fdinfo_get(fd, "State", val, sizeof(val)));
	EXPECT_STREQ("\tcollected", val);
	errno = 0;
	EXPECT_EQ(-1, pdkill(fd, 0));
	EXPECT_EQ(ESRCH, errno);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(42 << 8, status);
	/* Reaped by that pdwait: nothing is left for waitpid() or pdwait(). */
	errno = 0;
	EXPECT_EQ(-1, waitpid(pid, &status, __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
	close(p[0]);
}

/* The same through SCM_RIGHTS to an unrelated process. */
TEST(scm_rights_receiver_can_pdwait)
{
	int sv[2], fd = -1, sk = -1, status = -1, hstatus = -1;
	pid_t pid, helper;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		int rfd, st = -1;
		pid_t got = 0;

		close_all_but(sv[1]);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(1);
		if (pdgetpid(rfd, &got))
			_exit(2);
		if (pdkill(rfd, SIGTERM))
			_exit(3);
		if (pdwait(rfd, &st, WEXITED, NULL, NULL))
			_exit(4);
		_exit(st == SIGTERM ? 0 : 5);
	}
	close(sv[1]);
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(helper, waitpid_nointr(helper, &hstatus, 0));
	EXPECT_EQ(0, hstatus) {
		TH_LOG("helper exit status %d", WEXITSTATUS(hstatus));
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGTERM, status);
	errno = 0;
	EXPECT_EQ(-1, waitpid(pid, &status, __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
	close(sk);
	close(sv[0]);
}

/*
 * While a tracer other than the parent holds the zombie, the parent cannot
 * reap it, so its pdwait does not report it yet (WNOHANG: EWOULDBLOCK) and
 * sleeps; once the tracer lets go (here: exits), the pdwait reports and
 * reaps it. A non-parent holder gets the exit at once.
 */
struct traced_wait {
	int fd, ret, err, status;
};

static void *traced_wait_thread(void *arg)
{
	struct traced_wait *w = arg;

	w->ret = pdwait(w->fd, &w->status, WEXITED, NULL, NULL);
	w->err = errno;
	return NULL;
}

TEST(traced_zombie_reported_to_parent_once_released)
{
	struct traced_wait w = { .ret = -2 };
	int fd = -1, go[2], tr[2], status = -1, hst = -1;
	pthread_t thread;
	pid_t pid, tracer, holder;

	if (!is_root())
		SKIP(return, "needs root to ptrace");
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tr));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 6 : 1);
	}
	close(go[0]);
	tracer = fork();
	ASSERT_GE(tracer, 0);
	if (tracer == 0) {
		if (ptrace(PTRACE_SEIZE, pid, 0, 0))
			_exit(1);
		/* Hold the tracee, and its zombie, until told to go. */
		if (!send_byte(tr[1], 'a') || recv_byte(tr[1]) != 'q')
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ('a', recv_byte(tr[0]));
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, wait_proc_state(pid, 'Z'));

	/* A holder that is not the parent gets the exit at once. */
	holder = fork();
	ASSERT_GE(holder, 0);
	if (holder == 0) {
		int st = -1;

		if (pdwait(fd, &st, WEXITED | WNOWAIT, NULL, NULL))
			_exit(1);
		_exit(st == 6 << 8 ? 0 : 2);
	}
	ASSERT_EQ(holder, waitpid_nointr(holder, &hst, 0));
	EXPECT_EQ(0, hst);

	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EWOULDBLOCK, errno);
	w.fd = fd;
	ASSERT_EQ(0, pthread_create(&thread, NULL, traced_wait_thread, &w));
	usleep(100000);
	EXPECT_EQ(-2, w.ret) TH_LOG("pdwait returned while the tracer held the zombie");
	/* The tracer exits: the zombie goes back to its parent. */
	ASSERT_TRUE(send_byte(tr[0], 'q'));
	ASSERT_EQ(tracer, waitpid_nointr(tracer, &hst, 0));
	EXPECT_EQ(0, hst);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, w.ret) TH_LOG("pdwait: %s", strerror(w.err));
	EXPECT_EQ(6 << 8, w.status);
	errno = 0;
	EXPECT_EQ(-1, waitpid(pid, &status, __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
	close(go[1]);
	close(tr[0]);
	close(tr[1]);
}

TEST(after_waitpid_reap_esrch)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(5);
	ASSERT_EQ(pid, waitpid_nointr(pid, &status, __WALL));
	EXPECT_EQ(5 << 8, status);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	close(fd);
}

TEST(invalid_options_einval)
{
	int fd = -1, sk = -1, status = 12345;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, 0, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WNOHANG, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WNOWAIT, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WUNTRACED, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WUNTRACED, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WCONTINUED, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | __WALL, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | 0x100, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, -1, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(12345, status);
	/* pdwait4 implies WEXITED but refuses the rest just the same. */
	errno = 0;
	EXPECT_EQ(-1, pdwait4(fd, &status, WUNTRACED, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait4(fd, &status, 0x100, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
}

TEST(not_a_descriptor_einval_closed_ebadf)
{
	int p[2], fd = -1, status;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	errno = 0;
	EXPECT_EQ(-1, pdwait(p[0], &status, WEXITED, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(STDERR_FILENO, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait4(p[1], &status, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(p[0]);
	close(p[1]);

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait(-1, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait4(fd, &status, 0, NULL));
	EXPECT_EQ(EBADF, errno);
}

TEST(null_outputs_allowed)
{
	int fd = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(0, pdwait(fd, NULL, WEXITED | WNOWAIT, NULL, NULL));
	EXPECT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(pid, pdwait4(fd, NULL, 0, NULL));
	close(fd);
}

TEST(rusage_self_and_children)
{
	struct __wrusage wru;
	int fd = -1, status = -1;
	__s64 self_ms;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		burn_cpu(BURN_MS);
		_exit(0);
	}
	memset(&wru, 0xa5, sizeof(wru));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, &wru, NULL));
	EXPECT_EQ(0, status);
	self_ms = tv_ms(&wru.wru_self.ru_utime) + tv_ms(&wru.wru_self.ru_stime);
	EXPECT_GE(self_ms, BURN_SEEN_MS);
	EXPECT_LT(self_ms, 20000);
	EXPECT_LT(wru.wru_self.ru_utime.tv_usec, 1000000);
	EXPECT_GE(wru.wru_self.ru_utime.tv_usec, 0);
	EXPECT_LT(wru.wru_self.ru_stime.tv_usec, 1000000);
	EXPECT_GT(wru.wru_self.ru_maxrss, 0);
	EXPECT_GT(wru.wru_self.ru_minflt, 0);
	/* No children: nothing at all, and the fields Linux lacks are 0. */
	EXPECT_EQ(0, wru.wru_children.ru_utime.tv_sec);
	EXPECT_EQ(0, wru.wru_children.ru_utime.tv_usec);
	EXPECT_EQ(0, wru.wru_children.ru_stime.tv_sec);
	EXPECT_EQ(0, wru.wru_children.ru_stime.tv_usec);
	EXPECT_EQ(0, wru.wru_children.ru_maxrss);
	EXPECT_EQ(0, wru.wru_children.ru_minflt);
	EXPECT_EQ(0, wru.wru_children.ru_nvcsw);
	EXPECT_EQ(0, wru.wru_self.ru_ixrss);
	EXPECT_EQ(0, wru.wru_self.ru_nswap);
	EXPECT_EQ(0, wru.wru_self.ru_msgsnd);
	EXPECT_EQ(0, wru.wru_self.ru_nsignals);
	close(fd);

	/* A child whose own child burned the CPU. */
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pid_t g = fork();
		int st;

		if (g == 0) {
			burn_cpu(BURN_MS);
			_exit(0);
		}
		if (g < 0 || waitpid(g, &st, 0) != g)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, &wru, NULL));
	EXPECT_EQ(0, status);
	EXPECT_GE(tv_ms(&wru.wru_children.ru_utime) +
		  tv_ms(&wru.wru_children.ru_stime), BURN_SEEN_MS);
	EXPECT_GT(wru.wru_children.ru_maxrss, 0);
	close(fd);
}

/* A multithreaded child: the CPU time of its dead threads counts too. */
static void *burn_thread(void *arg)
{
	struct timespec t0, t;

	(void)arg;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
		 (t.tv_nsec - t0.tv_nsec) / 1000000 < BURN_MS);
	return NULL;
}

TEST(rusage_counts_threads)
{
	struct __wrusage wru;
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, burn_thread, NULL) ||
		    pthread_join(t, NULL))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, &wru, NULL));
	EXPECT_EQ(0, status);
	EXPECT_GE(tv_ms(&wru.wru_self.ru_utime) + tv_ms(&wru.wru_self.ru_stime), BURN_SEEN_MS);
	close(fd);
}

TEST(pdwait4_returns_pid)
{
	struct rusage ru;
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 19);
	ASSERT_GT(pid, 0);
	/* wait4's contract: nothing to report is 0, and errno stays. */
	errno = EXDEV;
	EXPECT_EQ(0, pdwait4(fd, &status, WNOHANG, NULL));
	EXPECT_EQ(EXDEV, errno);
	EXPECT_EQ(-1, status);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	EXPECT_EQ(pid, pdwait4(fd, &status, WNOHANG | WNOWAIT, NULL));
	EXPECT_EQ(19 << 8, status);
	status = -1;
	memset(&ru, 0xa5, sizeof(ru));
	EXPECT_EQ(pid, pdwait4(fd, &status, 0, &ru));
	EXPECT_EQ(19 << 8, status);
	EXPECT_GE(ru.ru_utime.tv_sec, 0);
	EXPECT_LT(ru.ru_utime.tv_usec, 1000000);
	EXPECT_GT(ru.ru_maxrss, 0);
	EXPECT_EQ(0, ru.ru_nswap);
	/* wait4's contract: the reaped child is no child any more. */
	errno = 0;
	EXPECT_EQ(-1, pdwait4(fd, &status, 0, NULL));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, pdwait4(fd, &status, WNOHANG, NULL));
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(-1, waitpid(pid, NULL, __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
}

/*
 * No successful call changes errno, also when the library reaps behind
 * the scenes (the children left without a descriptor, at pdfork and
 * pdwait).
 */
TEST(success_leaves_errno_alone)
{
	static char *const argv[] = { "true", NULL };
	int fd = -1, fd2 = -1, i, status;
	pid_t pid, got;

	/* Children the library will reap at its next calls. */
	for (i = 0; i < 3; i++) {
		pid = pdfork(&fd, 0);
		ASSERT_GE(pid, 0);
		if (pid == 0)
			_exit(0);
		ASSERT_EQ(POLLHUP, wait_hup(fd));
		close(fd);
	}
	errno = EXDEV;
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pause();
		_exit(5);
	}
	EXPECT_EQ(EXDEV, errno) TH_LOG("pdfork");
	EXPECT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(0, pdkill(fd, 0));
	fd2 = pdopenpid(pid, PD_DAEMON);
	EXPECT_GE(fd2, 0);
	EXPECT_EQ(EXDEV, errno) TH_LOG("pdgetpid, pdkill or pdopenpid");
	EXPECT_EQ(0, pdkill(fd, SIGTERM));
	EXPECT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(EXDEV, errno) TH_LOG("pdwait");
	close(fd2);
	close(fd);
	EXPECT_EQ(0, pdspawnp(&pid, &fd, 0, "true", NULL, NULL, argv, environ));
	EXPECT_EQ(pid, pdwait4(fd, &status, 0, NULL));
	EXPECT_EQ(EXDEV, errno) TH_LOG("pdspawnp or pdwait4");
	close(fd);
	EXPECT_EQ(0, count_children(0));
}

TEST(pdwait4_rusage_adds_children)
{
	struct rusage ru;
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pid_t g = fork();
		int st;

		if (g == 0) {
			burn_cpu(BURN_MS);
			_exit(0);
		}
		if (g < 0 || waitpid(g, &st, 0) != g)
			_exit(1);
		_exit(0);
	}
	EXPECT_EQ(pid, pdwait4(fd, &status, 0, &ru));
	EXPECT_EQ(0, status);
	EXPECT_GE(tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime), BURN_SEEN_MS);
	close(fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocking pdwait is interrupted by a handler without SA_RESTART. */
TEST(interrupted_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 100000 } };
	int fd = -1, sk = -1, status = 12345;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	pid = pdfork_pinger(&fd, 0, &sk, 4);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(12345, status);
	/* Nothing consumed, the child untouched. */
	EXPECT_TRUE(ping(sk));
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(4 << 8, status);
	close(fd);
}

static int restart_sk = -1;

static void close_on_alarm(int sig)
{
	(void)sig;
	close(restart_sk);
}

/* With SA_RESTART the wait goes on after the handler. */
TEST(restarted_with_sa_restart)
{
	struct sigaction sa = { .sa_handler = close_on_alarm,
				.sa_flags = SA_RESTART };
	struct itimerval it = { .it_value = { .tv_usec = 100000 } };
	int fd = -1, status = -1;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	pid = pdfork_pinger(&fd, 0, &restart_sk, 14);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	/* The handler closes the pinger's socket: the child exits 14. */
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(14 << 8, status);
	close(fd);
}

struct waiter {
	int fd;
	int ret, err, status;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->status = -1;
	w->ret = pdwait(w->fd, &w->status, WEXITED, NULL, NULL);
	w->err = errno;
	return NULL;
}

static void *wnohang_wait_thread(void *arg)
{
	struct waiter *w = arg;
	int ret;

	w->status = -1;
	ret = pdwait(w->fd, &w->status, WEXITED | WNOHANG | WNOWAIT, NULL, NULL);
	w->err = errno;
	__atomic_store_n(&w->ret, ret, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Two threads wait: exactly one gets the exit, the other ESRCH. */
TEST(concurrent_waiters_one_wins)
{
	struct waiter w[2];
	pthread_t t[2];
	int fd = -1, sk = -1, i, wins = 0, esrch = 0;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 31);
	ASSERT_GT(pid, 0);
	for (i = 0; i < 2; i++) {
		w[i].fd = fd;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wait_thread, &w[i]));
	}
	/* Let both block (not required for the result). */
	usleep(100000);
	close(sk);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		if (w[i].ret == 0) {
			wins++;
			EXPECT_EQ(31 << 8, w[i].status);
		} else if (w[i].err == ESRCH) {
			esrch++;
			/* The loser's buffer is untouched. */
			EXPECT_EQ(-1, w[i].status);
		}
	}
	EXPECT_EQ(1, wins);
	EXPECT_EQ(1, esrch);
	EXPECT_EQ(-1, waitpid(pid, NULL, __WALL | WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	close(fd);
}

struct stalled_wait {
	int fd;
	struct procdesc_wait *w;	/* on a write-protected page */
	long ret;
};

static void *stalled_wait_thread(void *arg)
{
	struct stalled_wait *sw = arg;

	sw->ret = ioctl(sw->fd, PROCDESC_IOC_WAIT, sw->w);
	return NULL;
}

static int usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_store_n(&usr1_seen, 1, __ATOMIC_SEQ_CST);
}

/*
 * A wait that finds another waiter copying the same exit out waits for it
 * to finish, even with WNOHANG (as an O_NONBLOCK pipe read waits for the
 * pipe's lock); a signal with SA_RESTART meanwhile must not end it with
 * EINTR. The other waiter's copy-out is held up by a userfaultfd
 * write-protected page, for as long as the test wants.
 */
TEST(wnohang_restarted_while_another_waiter_copies_out)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	struct stalled_wait sw = { .fd = -1 };
	struct waiter b = { .fd = -1 };
	long page = sysconf(_SC_PAGESIZE);
	pthread_t ta, tb;
	int uffd, i;
	pid_t pid;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		SKIP(return, "no write-protect userfaultfd: %s", strerror(errno));
	sw.w = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(sw.w != MAP_FAILED);
	sw.w->options = WEXITED | WNOWAIT;
	reg.range.start = (unsigned long)sw.w;
	reg.range.len = page;
	wp.range = reg.range;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	pid = pdfork(&sw.fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(7);
	ASSERT_TRUE(wait_hup(sw.fd) & POLLHUP);

	ASSERT_EQ(0, pthread_create(&ta, NULL, stalled_wait_thread, &sw));
	/* The first waiter reads the exit, then stalls copying it out. */
	usleep(200000);
	b.fd = sw.fd;
	b.ret = 1;
	ASSERT_EQ(0, pthread_create(&tb, NULL, wnohang_wait_thread, &b));
	usleep(200000);
	ASSERT_EQ(1, __atomic_load_n(&b.ret, __ATOMIC_SEQ_CST));
	ASSERT_EQ(0, pthread_kill(tb, SIGUSR1));
	for (i = 0; i < 100 && !__atomic_load_n(&usr1_seen, __ATOMIC_SEQ_CST); i++)
		usleep(10000);
	ASSERT_EQ(1, __atomic_load_n(&usr1_seen, __ATOMIC_SEQ_CST));
	usleep(200000);
	/* Restarted after the handler: still waiting, no EINTR. */
	EXPECT_EQ(1, __atomic_load_n(&b.ret, __ATOMIC_SEQ_CST));

	wp.mode = 0;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));
	ASSERT_EQ(0, pthread_join(ta, NULL));
	ASSERT_EQ(0, pthread_join(tb, NULL));
	EXPECT_EQ(0, sw.ret);
	EXPECT_EQ(7 << 8, sw.w->status);
	EXPECT_EQ(0, b.ret);
	EXPECT_EQ(7 << 8, b.status);
	ASSERT_EQ(0, pdwait(sw.fd, &b.status, WEXITED, NULL, NULL));
	EXPECT_EQ(7 << 8, b.status);
	close(sw.fd);
	close(uffd);
	munmap(sw.w, page);
}

/* The leader exits first; the status comes from the last thread's exit(). */
TEST(leader_exits_first)
{
	int fd = -1, wfd = -1, status = -1;
	pid_t pid;

	pid = pdfork_leader_first(&fd, &wfd, 27);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_proc_state(pid, 'Z'));
	/* A zombie leader with a live thread: not exited. */
	EXPECT_EQ(0, poll_now(fd, POLLIN));
	errno = 0;
	EXPECT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(wfd);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(27 << 8, status);
	close(fd);
}

TEST_HARNESS_MAIN
