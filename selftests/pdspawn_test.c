// SPDX-License-Identifier: GPL-2.0
/*
 * pdspawn(): what the caller gets, the child's program, arguments,
 * environment, fds and signal state, exec failures that leave nothing
 * behind, flags and errors, and callers in several threads.
 *
 * Children that must report something are this binary run again by
 * pdspawn() with PDSPAWN_TEST_HELPER in the environment (see the
 * constructor below); the others are /bin/sh.
 */
#define _GNU_SOURCE
#include <sys/mount.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

#define HELPER_ENV	"PDSPAWN_TEST_HELPER"
#define SELF		"/proc/self/exe"

/*
 * The signal state of the caller, one "<signo><disposition><blocked> "
 * entry per signal: disposition 'D' default, 'I' ignored, @caught for a
 * handler; blocked 'b' or '-'. glibc's internal signals 32 and 33 are
 * left out. Returns the length written.
 */
static size_t signal_state(char *buf, size_t len, char caught)
{
	struct sigaction sa;
	sigset_t mask;
	size_t n = 0;
	int sig;

	buf[0] = '\0';
	if (sigprocmask(SIG_BLOCK, NULL, &mask))
		return 0;
	for (sig = 1; sig <= 64 && n < len; sig++) {
		char disp;

		if (sig == 32 || sig == 33 || sigaction(sig, NULL, &sa))
			continue;
		disp = sa.sa_handler == SIG_IGN ? 'I' :
		       sa.sa_handler == SIG_DFL ? 'D' : caught;
		n += snprintf(buf + n, len - n, "%d%c%c ", sig, disp,
			      sigismember(&mask, sig) ? 'b' : '-');
	}
	return n < len ? n : len - 1;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * The open fds of the caller in ascending order, space-separated; with
 * @inheritable only those without FD_CLOEXEC. Returns the length written.
 */
static size_t open_fds(char *buf, size_t len, int inheritable)
{
	int fds[256], nfds = 0, i, self;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	buf[0] = '\0';
	if (!d)
		return 0;
	self = dirfd(d);
	while ((e = readdir(d)) && nfds < 256) {
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == self)
			continue;
		if (inheritable && (fcntl(fd, F_GETFD) & FD_CLOEXEC))
			continue;
		fds[nfds++] = fd;
	}
	closedir(d);
	qsort(fds, nfds, sizeof(fds[0]), cmp_int);
	for (i = 0; i < nfds && n < len; i++)
		n += snprintf(buf + n, len - n, "%d ", fds[i]);
	return n < len ? n : len - 1;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(PD_CHILD_FAIL);
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * The helper, when pdspawn() ran this binary with PDSPAWN_TEST_HELPER set:
 *   signals=<fd>	write signal_state() to fd
 *   fds=<fd>		write open_fds() to fd
 *   block=<fd>		write 'r' to the socket fd, read it until EOF, exit 0
 */
static void __attribute__((constructor)) pdspawn_helper(void)
{
	const char *arg = getenv(HELPER_ENV);
	char buf[1024], c;
	int fd;

	if (!arg)
		return;
	if (sscanf(arg, "signals=%d", &fd) == 1) {
		write_all(fd, buf, signal_state(buf, sizeof(buf), 'H'));
	} else if (sscanf(arg, "fds=%d", &fd) == 1) {
		write_all(fd, buf, open_fds(buf, sizeof(buf), 0));
	} else if (sscanf(arg, "block=%d", &fd) == 1) {
		if (!send_byte(fd, 'r'))
			_exit(PD_CHILD_FAIL);
		for (;;) {
			ssize_t n = read(fd, &c, 1);

			if (n == 0)
				break;
			if (n < 0 && errno != EINTR)
				_exit(PD_CHILD_FAIL);
		}
	} else {
		_exit(PD_CHILD_FAIL);
	}
	_exit(PD_CHILD_OK);
}

/* pdspawn() this binary as the helper @mode with @fd. */
static pid_t spawn_helper(int *pdfd, int flags, const char *mode, int fd)
{
	char env[64];
	char *const argv[] = { "pdspawn_test", NULL };
	char *const envp[] = { env, NULL };

	snprintf(env, sizeof(env), HELPER_ENV "=%s=%d", mode, fd);
	return pdspawn(pdfd, SELF, argv, envp, flags);
}

/*
 * pdspawn() a helper that runs until *sk is closed: it holds the other end
 * of a socketpair (the only end it inherits) and exits 0 at EOF. Returns
 * once the helper has said it runs, so the exec is complete.
 */
static pid_t spawn_blocker(int *pdfd, int flags, int *sk)
{
	int sv[2], err;
	pid_t pid;

	if (pinger_pair(sv) || fcntl(sv[1], F_SETFD, 0))
		return -1;
	pid = spawn_helper(pdfd, flags, "block", sv[1]);
	err = errno;
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		errno = err;
		return -1;
	}
	if (recv_byte(sv[0]) != 'r') {
		close(sv[0]);
		errno = EPROTO;
		return -1;
	}
	*sk = sv[0];
	return pid;
}

/* Read what a child wrote to a pipe until EOF; returns the length. */
static size_t read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len - 1) {
		ssize_t r;

		if (wait_revents(fd, POLLIN, PD_TIMEOUT_MS) <= 0)
			break;
		r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

/* pdspawn() "/bin/sh -c @script"; the descriptor gets @flags. */
static pid_t spawn_sh(int *pdfd, int flags, const char *script)
{
	char *const argv[] = { "sh", "-c", (char *)script, NULL };
	char *const envp[] = { "PATH=/usr/bin:/bin", NULL };

	return pdspawn(pdfd, "/bin/sh", argv, envp, flags);
}

TEST(pid_matches_and_exit_status)
{
	int fd = -1, status = -1, before = count_fds();
	siginfo_t info;
	pid_t pid, got = 0;

	pid = spawn_sh(&fd, 0, "exit 7");
	ASSERT_GT(pid, 0) {
		TH_LOG("pdspawn: %s", strerror(errno));
	}
	EXPECT_NE(getpid(), pid);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(before + 1, count_fds());
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_EQ(pid, got);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, &info));
	EXPECT_EQ(7 << 8, status);
	EXPECT_EQ(pid, info.si_pid);
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(7, info.si_status);
	/* pdwait reaped it. */
	EXPECT_TRUE(no_children());
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(before, count_fds());
}

/* argv and envp reach the program as given; fd 5-ish is a pipe to us. */
TEST(argv_and_envp_passed)
{
	char script[128], out[128];
	char *const argv[] = { "sh", "-c", script, "zero", "one two", NULL };
	char *const envp[] = { "PD_VAR=a value", "PATH=/bin", NULL };
	int p[2], fd = -1, status = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, fcntl(p[1], F_SETFD, 0));
	snprintf(script, sizeof(script),
		 "printf '%%s|%%s|%%s|%%s' \"$0\" \"$1\" \"$PD_VAR\" \"$#\" >&%d",
		 p[1]);
	pid = pdspawn(&fd, "/bin/sh", argv, envp, PD_CLOEXEC);
	ASSERT_GT(pid, 0);
	close(p[1]);
	read_all(p[0], out, sizeof(out));
	EXPECT_STREQ("zero|one two|a value|1", out);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
	close(p[0]);
}

/* execve() semantics: a bare name is not looked up in PATH. */
TEST(no_path_search)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	int fd = -1234;

	ASSERT_EQ(0, chdir("/"));
	ASSERT_NE(0, access("true", F_OK));
	errno = 0;
	EXPECT_EQ(-1, pdspawn(&fd, "true", argv, envp, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1234, fd);
	EXPECT_TRUE(no_children());
}

TEST(signal_death_number)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	/* Signalled by us, through the descriptor. */
	pid = spawn_blocker(&fd, 0, &sk);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, SIGUSR1));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGUSR1, status);
	close(fd);
	close(sk);

	/* By itself. */
	status = -1;
	pid = spawn_sh(&fd, 0, "kill -KILL $$; exit 3");
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGKILL, status);
	close(fd);
	EXPECT_TRUE(no_children());
}

/*
 * No SIGCHLD and invisible to wait(-1), once the new program runs and after
 * it exits. Exec resets the exit signal to SIGCHLD: this fails if the
 * descriptor's quiet watch did not exist before the child's exec. (Between
 * pdspawn()'s return and the end of the exec, while the kernel still loads
 * the program, wait(-1) can see a running child: see pdspawn(3) CAVEATS.)
 */
/*
 * Twenty execs of /bin/sh take more than the harness's default 30 s on the
 * debug kernel (KASAN, lockdep, kmemleak under TCG).
 */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, no_sigchld_invisible_to_wait_any, 600)
{
	int fd = -1, sk = -1, status = -1, i;
	siginfo_t info;
	pid_t pid;

	ASSERT_EQ(0, sigchld_counter_start());
	/* Several times: a watch made too late loses a race, not always. */
	for (i = 0; i < 10; i++) {
		pid = spawn_blocker(&fd, 0, &sk);
		ASSERT_GT(pid, 0);
		/* Running the new program. */
		EXPECT_EQ(0, poll_now(fd, POLLIN));
		errno = 0;
		EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG)) {
			TH_LOG("round %d: waitpid(-1) sees the running child", i);
		}
		EXPECT_EQ(ECHILD, errno);
		errno = 0;
		EXPECT_EQ(-1, waitid(P_ALL, 0, &info, WEXITED | WNOHANG));
		EXPECT_EQ(ECHILD, errno);
		/* Exited. */
		close(sk);
		ASSERT_EQ(POLLHUP, wait_hup(fd));
		errno = 0;
		EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG));
		EXPECT_EQ(ECHILD, errno);
		ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
		EXPECT_EQ(0, status);
		close(fd);
	}

	/* Short-lived programs, which exit right after the exec. */
	for (i = 0; i < 10; i++) {
		pid = spawn_sh(&fd, PD_CLOEXEC, "exit 0");
		ASSERT_GT(pid, 0);
		ASSERT_EQ(POLLHUP, wait_hup(fd));
		errno = 0;
		EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG)) {
			TH_LOG("waitpid(-1) found the pdspawn child %d", pid);
		}
		EXPECT_EQ(ECHILD, errno);
		ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
		EXPECT_EQ(0, status);
		close(fd);
	}
	EXPECT_EQ(0, sigchld_counted());
}

struct spinner {
	int stop;
	int seen;	/* a wait for any child found one */
	int polls;
};

static void *spin_wait_any(void *arg)
{
	struct spinner *sp = arg;
	siginfo_t info;

	/* WNOWAIT: a child found is left for the test to report. */
	while (!__atomic_load_n(&sp->stop, __ATOMIC_ACQUIRE)) {
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != -1 ||
		    errno != ECHILD)
			__atomic_store_n(&sp->seen, 1, __ATOMIC_RELAXED);
		sp->polls++;
	}
	return NULL;
}

/*
 * Before the exec: a child whose exec fails never gets that far, so a
 * thread waiting for any child all along must never find it, running or
 * exited, nor must a SIGCHLD come.
 */
TEST(invisible_before_exec)
{
	char *const argv[] = { "x", NULL };
	struct spinner sp = { 0 };
	pthread_t t;
	int fd = -1, i;

	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_wait_any, &sp));
	for (i = 0; i < 50; i++) {
		errno = 0;
		EXPECT_EQ(-1, pdspawn(&fd, "/nonexistent/pdspawn", argv, NULL, 0));
		EXPECT_EQ(ENOENT, errno);
	}
	__atomic_store_n(&sp.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_GT(sp.polls, 0);
	EXPECT_EQ(0, sp.seen);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(0, sigchld_counted());
}

/*
 * A failed exec: execve()'s errno, *fdp untouched, no child or zombie, no
 * new fd, no SIGCHLD, the caller's signal mask as it was.
 */
static void expect_exec_failure(struct __test_metadata *_metadata,
				const char *path, int expected)
{
	char *const argv[] = { "x", NULL };
	char *const envp[] = { NULL };
	sigset_t before_mask, after_mask;
	int fd = -1234, before = count_fds(), err, sig;
	pid_t pid;

	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, NULL, &before_mask));
	errno = 0;
	pid = pdspawn(&fd, path, argv, envp, 0);
	err = errno;
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(expected, err) {
		TH_LOG("%s: %s, not %s", path ? path : "NULL", strerror(err),
		       strerror(expected));
	}
	EXPECT_EQ(-1234, fd);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, NULL, &after_mask));
	for (sig = 1; sig <= 64; sig++)
		EXPECT_EQ(sigismember(&before_mask, sig), sigismember(&after_mask, sig)) {
			TH_LOG("signal %d", sig);
		}
}

TEST(exec_failure_enoent)
{
	ASSERT_EQ(0, sigchld_counter_start());
	expect_exec_failure(_metadata, "/nonexistent/pdspawn", ENOENT);
	expect_exec_failure(_metadata, "", ENOENT);
	EXPECT_EQ(0, sigchld_counted());
}

/* Write @text to a new file @dir/@name with @mode; the path in @path. */
static int make_file(char *path, size_t len, const char *dir,
		     const char *name, mode_t mode, const char *text)
{
	ssize_t n;
	int f;

	snprintf(path, len, "%s/%s", dir, name);
	f = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (f < 0)
		return -1;
	n = write(f, text, strlen(text));
	close(f);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

TEST(exec_failure_eacces_enoexec_efault)
{
	char dir[] = "/tmp/pdspawn_test.XXXXXX", plain[64], junk[64];

	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_TRUE(!!mkdtemp(dir));
	/* Not executable, even for root: no execute bit at all. */
	ASSERT_EQ(0, make_file(plain, sizeof(plain), dir, "plain", 0644,
			       "#!/bin/sh\n"));
	expect_exec_failure(_metadata, plain, EACCES);
	expect_exec_failure(_metadata, dir, EACCES);
	/* Executable but no known format: no fallback to the shell. */
	ASSERT_EQ(0, make_file(junk, sizeof(junk), dir, "junk", 0755,
			       "\x01\x02junk\n\n"));
	expect_exec_failure(_metadata, junk, ENOEXEC);
	unlink(plain);
	unlink(junk);
	rmdir(dir);

	/* A bad path pointer is execve()'s EFAULT, found in the child. */
	expect_exec_failure(_metadata, NULL, EFAULT);
	EXPECT_EQ(0, sigchld_counted());
}

TEST(invalid_flags_einval_no_child)
{
	char *const argv[] = { "true", NULL };
	int fd = -1234, before = count_fds(), i;
	static const int bad[] = { 0x4, PD_DAEMON << 5, -1, PD_CLOEXEC | 0x100 };

	for (i = 0; i < 4; i++) {
		errno = 0;
		EXPECT_EQ(-1, pdspawn(&fd, "/bin/true", argv, NULL, bad[i]));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(-1234, fd);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
}

/* A NULL fdp: EFAULT before anything happens. Other bad pointers fault. */
TEST(null_fdp_efault_no_child)
{
	char *const argv[] = { "true", NULL };
	int before = count_fds();

	errno = 0;
	EXPECT_EQ(-1, pdspawn(NULL, "/bin/true", argv, NULL, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
}

TEST(cloexec_and_daemon_flags)
{
	char val[64];
	int fd = -1, fd2 = -1, fd3 = -1;

	ASSERT_GT(spawn_sh(&fd, PD_CLOEXEC, "exit 0"), 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, fdinfo_get(fd, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ("\t0x0", val);

	ASSERT_GT(spawn_sh(&fd2, 0, "exit 0"), 0);
	EXPECT_EQ(0, fcntl(fd2, F_GETFD));

	ASSERT_GT(spawn_sh(&fd3, PD_DAEMON | PD_CLOEXEC, "exit 0"), 0);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd3, F_GETFD));
	ASSERT_EQ(0, fdinfo_get(fd3, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ("\t0x1", val);

	EXPECT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	EXPECT_EQ(0, pdwait(fd2, NULL, WEXITED, NULL, NULL));
	EXPECT_EQ(0, pdwait(fd3, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(fd2);
	close(fd3);
	EXPECT_TRUE(no_children());
}

/*
 * Close the only descriptor of a running helper, then end the helper's
 * input and reap it through a pidfd: @code and @status tell how it ended.
 */
static void close_then_reap(struct __test_metadata *_metadata, int flags,
			    int code, int status)
{
	int fd = -1, sk = -1, pidfd;
	siginfo_t info;
	pid_t pid;

	pid = spawn_blocker(&fd, flags, &sk);
	ASSERT_GT(pid, 0);
	pidfd = pdgetpidfd(fd);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, close(fd));
	/* A daemon keeps running a while... */
	if (flags & PD_DAEMON)
		EXPECT_EQ(0, wait_revents(pidfd, POLLIN, 300));
	/* ...and still runs its program: EOF makes it exit 0. */
	close(sk);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | __WALL));
	EXPECT_EQ(pid, info.si_pid);
	EXPECT_EQ(code, info.si_code);
	EXPECT_EQ(status, info.si_status);
	close(pidfd);
	EXPECT_TRUE(no_children());
}

TEST(close_kills_child)
{
	close_then_reap(_metadata, 0, CLD_KILLED, SIGKILL);
}

TEST(daemon_survives_close)
{
	close_then_reap(_metadata, PD_DAEMON, CLD_EXITED, PD_CHILD_OK);
}

/*
 * Caught signals are reset to the default, ignored ones stay ignored, the
 * mask is the caller's. The caller's own state is unchanged.
 */
TEST(signal_dispositions_and_mask)
{
	struct sigaction catch = { .sa_handler = pd_count_sigchld };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	char expected[1024], got[1024], after[1024];
	static const int caught[] = { SIGUSR1, SIGTERM, SIGCHLD, SIGALRM };
	static const int ignored[] = { SIGUSR2, SIGHUP, SIGPIPE };
	static const int blocked[] = { SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 };
	int p[2], fd = -1, status = -1;
	sigset_t set;
	size_t i;

	sigemptyset(&catch.sa_mask);
	sigemptyset(&ign.sa_mask);
	sigemptyset(&set);
	for (i = 0; i < ARRAY_SIZE(caught); i++)
		ASSERT_EQ(0, sigaction(caught[i], &catch, NULL));
	ASSERT_EQ(0, sigaction(SIGRTMIN + 1, &catch, NULL));
	for (i = 0; i < ARRAY_SIZE(ignored); i++)
		ASSERT_EQ(0, sigaction(ignored[i], &ign, NULL));
	ASSERT_EQ(0, sigaction(SIGRTMIN + 2, &ign, NULL));
	for (i = 0; i < ARRAY_SIZE(blocked); i++)
		sigaddset(&set, blocked[i]);
	sigaddset(&set, SIGRTMIN + 3);
	ASSERT_EQ(0, sigprocmask(SIG_SETMASK, &set, NULL));

	/* What the child must see: every handler replaced by 'D'. */
	ASSERT_LT(0, (int)signal_state(expected, sizeof(expected), 'D'));
	ASSERT_TRUE(!!strstr(expected, " 10Db ")) { /* SIGUSR1 */
		TH_LOG("%s", expected);
	}
	ASSERT_TRUE(!!strstr(expected, " 12Ib ")); /* SIGUSR2 */
	ASSERT_TRUE(!!strstr(expected, " 15D- ")); /* SIGTERM */
	ASSERT_TRUE(!!strstr(expected, " 2Db "));  /* SIGINT */

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, fcntl(p[1], F_SETFD, 0));
	ASSERT_GT(spawn_helper(&fd, PD_CLOEXEC, "signals", p[1]), 0);
	close(p[1]);
	read_all(p[0], got, sizeof(got));
	close(p[0]);
	EXPECT_STREQ(expected, got);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);

	/* The caller keeps its handlers and mask. */
	signal_state(after, sizeof(after), 'H');
	for (i = 0; i < ARRAY_SIZE(caught); i++) {
		char entry[16];

		snprintf(entry, sizeof(entry), " %dH", caught[i]);
		EXPECT_TRUE(!!strstr(after, entry));
	}
	signal_state(after, sizeof(after), 'D');
	EXPECT_STREQ(expected, after);
}

/* The child has exactly the caller's fds without FD_CLOEXEC. */
TEST(inherits_only_inheritable_fds)
{
	char expected[1024], got[1024];
	int p[2], keep, drop, fd = -1, other = -1, status = -1;

	/* A descriptor made without PD_CLOEXEC is inherited like any fd. */
	ASSERT_GT(spawn_sh(&other, 0, "exit 0"), 0);
	/* The library's control device is open now, and close-on-exec. */
	ASSERT_EQ(1, count_control_fds());
	keep = open("/dev/null", O_RDONLY);
	drop = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(keep, 0);
	ASSERT_GE(drop, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, fcntl(p[1], F_SETFD, 0));
	ASSERT_LT(0, (int)open_fds(expected, sizeof(expected), 1));
	ASSERT_GT(spawn_helper(&fd, 0, "fds", p[1]), 0);
	close(p[1]);
	read_all(p[0], got, sizeof(got));
	close(p[0]);
	EXPECT_STREQ(expected, got) {
		TH_LOG("the caller's fds: %s, close-on-exec: %d, %d, %d",
		       expected, drop, p[0], fd);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, pdwait(other, &status, WEXITED, NULL, NULL));
	close(fd);
	close(other);
	close(keep);
	close(drop);
}

TEST(poll_pollhup_at_exit)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid;

	pid = spawn_blocker(&fd, PD_CLOEXEC, &sk);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, poll_now(fd, POLLIN | POLLHUP));
	EXPECT_EQ(0, wait_revents(fd, POLLIN, 100));
	close(sk);
	EXPECT_EQ(POLLHUP, wait_hup(fd));
	/* Level-triggered. */
	EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	close(fd);
}

/* The child's syscalls write the caller's errno (shared TLS): not seen. */
TEST(errno_kept_on_success)
{
	int fd = -1, i;

	for (i = 0; i < 5; i++) {
		errno = 4242 + i;
		ASSERT_GT(spawn_sh(&fd, PD_CLOEXEC, "exit 0"), 0);
		EXPECT_EQ(4242 + i, errno);
		ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
		close(fd);
	}
}

#define THREADS		4
#define PER_THREAD	6

struct spawner {
	int index;
	int failures;
	char why[128];
};

static void *spawn_in_thread(void *arg)
{
	struct spawner *s = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		int code = s->index * PER_THREAD + i + 1, fd = -1, status = -1;
		char script[32];
		pid_t pid, got = 0;

		snprintf(script, sizeof(script), "exit %d", code);
		pid = spawn_sh(&fd, PD_CLOEXEC, script);
		if (pid <= 0) {
			snprintf(s->why, sizeof(s->why), "pdspawn: %s", strerror(errno));
			s->failures++;
			continue;
		}
		if (pdgetpid(fd, &got) || got != pid) {
			snprintf(s->why, sizeof(s->why), "pid %d, pdgetpid %d", pid, got);
			s->failures++;
		}
		if (pdwait(fd, &status, WEXITED, NULL, NULL) || status != code << 8) {
			snprintf(s->why, sizeof(s->why), "status %#x, not %#x", status,
				 code << 8);
			s->failures++;
		}
		close(fd);
	}
	return NULL;
}

TEST(concurrent_threads)
{
	struct spawner s[THREADS];
	pthread_t t[THREADS];
	int i;

	ASSERT_EQ(0, sigchld_counter_start());
	memset(s, 0, sizeof(s));
	for (i = 0; i < THREADS; i++) {
		s[i].index = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, spawn_in_thread, &s[i]));
	}
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, s[i].failures) {
			TH_LOG("thread %d: %s", i, s[i].why);
		}
	}
	EXPECT_TRUE(no_children());
	EXPECT_EQ(0, sigchld_counted());
}

/* Without /dev/procdesc: ENODEV and no child. */
TEST(no_device_enodev_no_child)
{
	int status = -1;
	pid_t helper;

	if (!is_root())
		SKIP(return, "needs root for a mount namespace");
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		char *const argv[] = { "true", NULL };
		int fd = -1;

		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("none", "/dev", "tmpfs", 0, NULL))
			_exit(10);
		errno = 0;
		if (pdspawn(&fd, "/bin/true", argv, NULL, 0) != -1)
			_exit(11);
		if (errno != ENODEV)
			_exit(errno < 100 ? 100 + errno : 12);
		_exit(!no_children() || fd != -1 ? 13 : 0);
	}
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status) {
		if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
			TH_LOG("pdspawn failed with %s, not ENODEV",
			       strerror(WEXITSTATUS(status) - 100));
		else
			TH_LOG("helper status %#x", status);
	}
}

static pid_t pdspawn_true(int *fdp)
{
	char *const argv[] = { "true", NULL };

	return pdspawn(fdp, "/bin/true", argv, NULL, 0);
}

/* EMFILE at every step (emfile_steps): never a child left, no fd leaked. */
TEST(no_free_fd_emfile_no_child)
{
	ASSERT_EQ(0, count_control_fds());
	ASSERT_LT(count_fds(), 32);
	EXPECT_EQ(0, emfile_step_failures("pdspawn", pdspawn_true));
}

TEST_HARNESS_MAIN
