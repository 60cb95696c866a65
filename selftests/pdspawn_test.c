// SPDX-License-Identifier: GPL-2.0
/*
 * pdspawn() and pdspawnp(): posix_spawn() and posix_spawnp() with a
 * process descriptor. What the caller gets (0 or an error number, errno
 * untouched), the child's program, arguments, environment, fds and signal
 * state, file actions and attributes, the PATH search, exec failures that
 * leave nothing behind, flags and argument errors, a full fd table at each
 * step, and callers that are large or have several threads.
 *
 * Children that must report something are this binary run again with
 * PDSPAWN_TEST_HELPER in the environment (see the constructor below); the
 * others are /bin/sh, true and sleep.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

#define HELPER_ENV	"PDSPAWN_TEST_HELPER"
#define SELF		"/proc/self/exe"
/* The name under which the PATH tests find this binary. */
#define HELPER_NAME	"pdspawn-helper"
/* pdspawn() leaves what it was given alone when it fails. */
#define UNTOUCHED	-1234
/* What errno holds around the calls: they must not change it. */
#define ERRNO_MARK	4321

/*
 * The signal state of the caller, one "<signo><disposition><blocked> "
 * entry per signal: disposition 'D' default, 'I' ignored, @caught for a
 * handler; blocked 'b' or '-'. With @mask, the blocked column shows @mask
 * instead of the caller's mask; with @dfl, the signals in @dfl show 'D':
 * what a child must see after POSIX_SPAWN_SETSIGMASK and
 * POSIX_SPAWN_SETSIGDEF. glibc's internal signals 32 and 33 are left out.
 * Returns the length written.
 */
static size_t signal_state(char *buf, size_t len, char caught,
			   const sigset_t *mask, const sigset_t *dfl)
{
	struct sigaction sa;
	sigset_t cur;
	size_t n = 0;
	int sig;

	buf[0] = '\0';
	if (sigprocmask(SIG_BLOCK, NULL, &cur))
		return 0;
	if (!mask)
		mask = &cur;
	for (sig = 1; sig <= 64 && n < len; sig++) {
		char disp;

		if (sig == 32 || sig == 33 || sigaction(sig, NULL, &sa))
			continue;
		disp = sa.sa_handler == SIG_IGN ? 'I' :
		       sa.sa_handler == SIG_DFL ? 'D' : caught;
		if (dfl && sigismember(dfl, sig))
			disp = 'D';
		n += snprintf(buf + n, len - n, "%d%c%c ", sig, disp,
			      sigismember(mask, sig) ? 'b' : '-');
	}
	return n < len ? n : len - 1;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * The open fds of the caller in ascending order, at most @max in @fds;
 * with @inheritable only those without FD_CLOEXEC. Returns how many.
 */
static int list_fds(int *fds, int max, bool inheritable)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0, self;

	if (!d)
		return 0;
	self = dirfd(d);
	while ((e = readdir(d)) && n < max) {
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == self)
			continue;
		if (inheritable && (fcntl(fd, F_GETFD) & FD_CLOEXEC))
			continue;
		fds[n++] = fd;
	}
	closedir(d);
	qsort(fds, n, sizeof(fds[0]), cmp_int);
	return n;
}

/* @fds as "<fd> <fd> ... "; returns the length written. */
static size_t format_fds(char *buf, size_t len, const int *fds, int nfds)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
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
 * The helper, when this binary runs with PDSPAWN_TEST_HELPER=<mode>=<fd>:
 *   signals	write signal_state() to fd
 *   fds	write its open fds (format_fds()) to fd
 *   ids	write "<pid> <ppid> <pgid> <sid>" to fd
 *   cwd	write its working directory to fd
 *   block	write 'r' to the socket fd, read it until EOF, exit 0
 */
static void __attribute__((constructor)) pdspawn_helper(void)
{
	const char *arg = getenv(HELPER_ENV);
	char buf[1024], c;
	int fd, fds[256];

	if (!arg)
		return;
	if (sscanf(arg, "signals=%d", &fd) == 1) {
		write_all(fd, buf, signal_state(buf, sizeof(buf), 'H', NULL, NULL));
	} else if (sscanf(arg, "fds=%d", &fd) == 1) {
		write_all(fd, buf, format_fds(buf, sizeof(buf), fds,
					      list_fds(fds, 256, false)));
	} else if (sscanf(arg, "ids=%d", &fd) == 1) {
		int n = snprintf(buf, sizeof(buf), "%d %d %d %d", getpid(), getppid(),
				 getpgrp(), getsid(0));

		write_all(fd, buf, (size_t)n);
	} else if (sscanf(arg, "cwd=%d", &fd) == 1) {
		if (!getcwd(buf, sizeof(buf)))
			_exit(PD_CHILD_FAIL);
		write_all(fd, buf, strlen(buf));
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

/*
 * pdspawn() this binary as the helper @mode with @fd (or pdspawnp() of
 * @name, found in PATH), with @fa and @attr; pdspawn()'s result.
 */
static int spawn_helper_as(const char *name, pid_t *pidp, int *pdfd, int flags,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, const char *mode, int fd)
{
	char env[64];
	char *const argv[] = { "pdspawn_test", NULL };
	char *const envp[] = { env, NULL };

	snprintf(env, sizeof(env), HELPER_ENV "=%s=%d", mode, fd);
	if (name)
		return pdspawnp(pidp, pdfd, flags, name, fa, attr, argv, envp);
	return pdspawn(pidp, pdfd, flags, SELF, fa, attr, argv, envp);
}

static int spawn_helper(pid_t *pidp, int *pdfd, int flags, const char *mode, int fd)
{
	return spawn_helper_as(NULL, pidp, pdfd, flags, NULL, NULL, mode, fd);
}

/*
 * pdspawn() a helper that runs until *sk is closed: it holds the other end
 * of a socketpair (the only end it inherits) and exits 0 at EOF. Returns
 * once the helper has said it runs, so the exec is complete: 0, or an
 * error number.
 */
static int spawn_blocker(pid_t *pidp, int *pdfd, int flags, int *sk)
{
	int sv[2], err;

	if (pinger_pair(sv) || fcntl(sv[1], F_SETFD, 0))
		return errno;
	err = spawn_helper(pidp, pdfd, flags, "block", sv[1]);
	close(sv[1]);
	if (!err && recv_byte(sv[0]) != 'r')
		err = EPROTO;
	if (err) {
		close(sv[0]);
		return err;
	}
	*sk = sv[0];
	return 0;
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

/*
 * Run the helper @mode with the write end of a pipe as its fd, through
 * spawn_helper_as(), and read its report into @out. The helper must exit 0;
 * its pid goes to *@pidp. "ok", or why not.
 */
static const char *helper_report(const char *name, pid_t *pidp, int flags,
				 const posix_spawn_file_actions_t *fa,
				 const posix_spawnattr_t *attr, const char *mode,
				 char *out, size_t len)
{
	int p[2], fd = -1, status = -1, err;

	if (pipe2(p, O_CLOEXEC) || fcntl(p[1], F_SETFD, 0))
		return "pipe";
	err = spawn_helper_as(name, pidp, &fd, flags, fa, attr, mode, p[1]);
	close(p[1]);
	if (err) {
		close(p[0]);
		return strerror(err);
	}
	read_all(p[0], out, len);
	close(p[0]);
	if (pdwait(fd, &status, WEXITED, NULL, NULL) || status != 0) {
		close(fd);
		return "the helper failed";
	}
	close(fd);
	return "ok";
}

/* pdspawn() "/bin/sh -c @script"; the descriptor gets @flags. */
static int spawn_sh(pid_t *pidp, int *pdfd, int flags, const char *script)
{
	char *const argv[] = { "sh", "-c", (char *)script, NULL };
	char *const envp[] = { "PATH=/usr/bin:/bin", NULL };

	return pdspawn(pidp, pdfd, flags, "/bin/sh", NULL, NULL, argv, envp);
}

/* A temporary directory holding HELPER_NAME, a symlink to this binary. */
static int make_helper_dir(char *dir)
{
	char self[256], link[320];
	ssize_t n;

	n = readlink(SELF, self, sizeof(self) - 1);
	if (n <= 0 || !mkdtemp(dir))
		return -1;
	self[n] = '\0';
	snprintf(link, sizeof(link), "%s/" HELPER_NAME, dir);
	return symlink(self, link);
}

static void remove_helper_dir(const char *dir)
{
	char link[320];

	snprintf(link, sizeof(link), "%s/" HELPER_NAME, dir);
	unlink(link);
	rmdir(dir);
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

TEST(pid_fd_and_exit_status)
{
	int fd = -1, status = -1, before = count_fds();
	siginfo_t info;
	pid_t pid = 0, got = 0;

	errno = ERRNO_MARK;
	ASSERT_EQ(0, spawn_sh(&pid, &fd, 0, "exit 7"));
	EXPECT_EQ(ERRNO_MARK, errno);
	ASSERT_GT(pid, 0);
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

/* posix_spawn() allows a NULL pid pointer; so do pdspawn() and pdspawnp(). */
TEST(null_pidp_allowed)
{
	char *const argv[] = { "sh", "-c", "exit 3", NULL };
	int fd = -1, status = -1;
	pid_t got = 0;

	errno = ERRNO_MARK;
	ASSERT_EQ(0, pdspawn(NULL, &fd, 0, "/bin/sh", NULL, NULL, argv, NULL));
	EXPECT_EQ(ERRNO_MARK, errno);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pdgetpid(fd, &got));
	EXPECT_GT(got, 0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(3 << 8, status);
	close(fd);

	ASSERT_EQ(0, setenv("PATH", "/usr/bin:/bin", 1));
	fd = -1;
	ASSERT_EQ(0, pdspawnp(NULL, &fd, PD_CLOEXEC, "sh", NULL, NULL, argv, NULL));
	EXPECT_EQ(ERRNO_MARK, errno);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(3 << 8, status);
	close(fd);
	EXPECT_TRUE(no_children());
}

/* argv and envp reach the program as given. */
TEST(argv_and_envp_passed)
{
	char script[128], out[128];
	char *const argv[] = { "sh", "-c", script, "zero", "one two", NULL };
	char *const envp[] = { "PD_VAR=a value", "PATH=/bin", NULL };
	int p[2], fd = -1, status = -1;
	pid_t pid = 0;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, fcntl(p[1], F_SETFD, 0));
	snprintf(script, sizeof(script),
		 "printf '%%s|%%s|%%s|%%s' \"$0\" \"$1\" \"$PD_VAR\" \"$#\" >&%d",
		 p[1]);
	ASSERT_EQ(0, pdspawn(&pid, &fd, PD_CLOEXEC, "/bin/sh", NULL, NULL, argv, envp));
	close(p[1]);
	read_all(p[0], out, sizeof(out));
	EXPECT_STREQ("zero|one two|a value|1", out);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
	close(p[0]);
}

/* pdspawn() is execve(): a bare name is not looked up in PATH. */
TEST(pdspawn_no_path_search)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
	int fd = UNTOUCHED, before = count_fds();
	pid_t pid = UNTOUCHED;

	ASSERT_EQ(0, setenv("PATH", "/usr/bin:/bin", 1));
	ASSERT_EQ(0, chdir("/"));
	ASSERT_NE(0, access("true", F_OK));
	errno = ERRNO_MARK;
	EXPECT_EQ(ENOENT, pdspawn(&pid, &fd, 0, "true", NULL, NULL, argv, envp));
	EXPECT_EQ(ERRNO_MARK, errno);
	EXPECT_EQ(UNTOUCHED, fd);
	EXPECT_EQ(UNTOUCHED, pid);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
}

/*
 * pdspawnp() searches the caller's PATH (not envp's) as posix_spawnp()
 * does: it skips a match it may not execute for a later one, fails with
 * EACCES if every match was refused and ENOENT if there was none, and
 * does not search for a name with a slash.
 */
TEST(pdspawnp_path_search)
{
	char *const argv[] = { "true", NULL };
	char dir[] = "/tmp/pdspawn_test.XXXXXX", plain_dir[] = "/tmp/pdspawn_test.XXXXXX";
	char plain[128], path[256], out[128], expected[128];
	int fd = -1, status = -1;
	pid_t pid = 0;

	ASSERT_EQ(0, setenv("PATH", "/usr/bin:/bin", 1));
	errno = ERRNO_MARK;
	ASSERT_EQ(0, pdspawnp(&pid, &fd, 0, "true", NULL, NULL, argv, NULL));
	EXPECT_EQ(ERRNO_MARK, errno);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
	ASSERT_EQ(0, pdspawnp(&pid, &fd, 0, "false", NULL, NULL, argv, NULL));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(1 << 8, status);
	close(fd);

	/* The first match is not executable, the second is this binary. */
	ASSERT_EQ(0, make_helper_dir(dir));
	ASSERT_TRUE(!!mkdtemp(plain_dir));
	ASSERT_EQ(0, make_file(plain, sizeof(plain), plain_dir, HELPER_NAME, 0644,
			       "#!/bin/sh\nexit 1\n"));
	snprintf(path, sizeof(path), "%s:%s", plain_dir, dir);
	ASSERT_EQ(0, setenv("PATH", path, 1));
	EXPECT_STREQ("ok", helper_report(HELPER_NAME, &pid, PD_CLOEXEC, NULL, NULL, "ids",
					 out, sizeof(out)));
	snprintf(expected, sizeof(expected), "%d %d %d %d", pid, getpid(), getpgrp(),
		 getsid(0));
	EXPECT_STREQ(expected, out);

	/* Only the match that is not executable: EACCES. None at all: ENOENT. */
	fd = UNTOUCHED;
	pid = UNTOUCHED;
	errno = ERRNO_MARK;
	ASSERT_EQ(0, setenv("PATH", plain_dir, 1));
	EXPECT_EQ(EACCES, pdspawnp(&pid, &fd, 0, HELPER_NAME, NULL, NULL, argv, NULL));
	ASSERT_EQ(0, setenv("PATH", "/nonexistent:/usr/bin:/bin", 1));
	EXPECT_EQ(ENOENT, pdspawnp(&pid, &fd, 0, HELPER_NAME, NULL, NULL, argv, NULL));
	EXPECT_EQ(ERRNO_MARK, errno);
	EXPECT_EQ(UNTOUCHED, fd);
	EXPECT_EQ(UNTOUCHED, pid);

	/* A name with a slash is a path, relative to the working directory. */
	ASSERT_EQ(0, chdir(dir));
	EXPECT_STREQ("ok", helper_report("./" HELPER_NAME, &pid, 0, NULL, NULL, "cwd",
					 out, sizeof(out)));
	EXPECT_STREQ(dir, out);
	ASSERT_EQ(0, chdir("/"));
	EXPECT_EQ(ENOENT, pdspawnp(&pid, &fd, 0, "./" HELPER_NAME, NULL, NULL, argv, NULL));
	EXPECT_EQ(UNTOUCHED, fd);

	unlink(plain);
	rmdir(plain_dir);
	remove_helper_dir(dir);
	EXPECT_TRUE(no_children());
}

/*
 * pdspawnp() HELPER_NAME as @mode with these file actions: stdout the write
 * end of a pipe, @keep closed, @dir the working directory. What it wrote
 * goes to @out; it must exit 0, and errno must stay as it was.
 */
static void spawn_with_actions(struct __test_metadata *_metadata, const char *mode,
			       int flags, int keep, const char *dir, char *out, size_t len)
{
	posix_spawn_file_actions_t fa;
	int p[2], fd = -1, status = -1;
	pid_t pid = 0;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, posix_spawn_file_actions_init(&fa));
	ASSERT_EQ(0, posix_spawn_file_actions_adddup2(&fa, p[1], 1));
	ASSERT_EQ(0, posix_spawn_file_actions_addclose(&fa, keep));
	ASSERT_EQ(0, posix_spawn_file_actions_addchdir_np(&fa, dir));
	errno = ERRNO_MARK;
	ASSERT_EQ(0, spawn_helper_as(HELPER_NAME, &pid, &fd, flags, &fa, NULL, mode, 1));
	EXPECT_EQ(ERRNO_MARK, errno);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	read_all(p[0], out, len);
	close(p[0]);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
}

/*
 * File actions run in the child, before the exec: stdout becomes a pipe
 * (adddup2), an inherited fd is closed (addclose), the working directory
 * changes (addchdir_np); the caller's fds and directory stay as they were.
 */
TEST(pdspawnp_file_actions)
{
	char dir[] = "/tmp/pdspawn_test.XXXXXX", out[1024], expected[1024], cwd[256];
	int keep, fds[256], nfds, i, j;

	ASSERT_EQ(0, make_helper_dir(dir));
	ASSERT_TRUE(!!getcwd(cwd, sizeof(cwd)));
	ASSERT_EQ(0, setenv("PATH", dir, 1));
	keep = open("/dev/null", O_RDONLY);
	ASSERT_GE(keep, 0);

	/* The child's fds: the caller's inheritable ones, 1 included, not keep. */
	nfds = list_fds(fds, 255, true);
	for (i = j = 0; i < nfds; i++)
		if (fds[i] != keep && fds[i] != 1)
			fds[j++] = fds[i];
	fds[j++] = 1;
	qsort(fds, j, sizeof(fds[0]), cmp_int);
	format_fds(expected, sizeof(expected), fds, j);
	spawn_with_actions(_metadata, "fds", PD_CLOEXEC, keep, dir, out, sizeof(out));
	EXPECT_STREQ(expected, out);

	/* The same actions, the working directory reported through the pipe. */
	spawn_with_actions(_metadata, "cwd", 0, keep, dir, out, sizeof(out));
	EXPECT_STREQ(dir, out);

	/* The caller's own state. */
	EXPECT_EQ(0, fcntl(keep, F_GETFD));
	ASSERT_TRUE(!!getcwd(out, sizeof(out)));
	EXPECT_STREQ(cwd, out);
	close(keep);
	remove_helper_dir(dir);
	EXPECT_TRUE(no_children());
}

/*
 * Attributes: POSIX_SPAWN_SETSIGMASK replaces the inherited mask,
 * POSIX_SPAWN_SETSIGDEF resets ignored signals, POSIX_SPAWN_SETSID and
 * POSIX_SPAWN_SETPGROUP make a session or a process group. The child
 * stays quiet in a session of its own.
 */
TEST(pdspawn_attributes)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	char expected[1024], out[1024];
	posix_spawnattr_t attr;
	sigset_t caller, mask, dfl;
	pid_t pid = 0;

	ASSERT_EQ(0, sigchld_counter_start());
	sigemptyset(&ign.sa_mask);
	ASSERT_EQ(0, sigaction(SIGHUP, &ign, NULL));
	ASSERT_EQ(0, sigaction(SIGPIPE, &ign, NULL));
	sigemptyset(&caller);
	sigaddset(&caller, SIGINT);
	sigaddset(&caller, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_SETMASK, &caller, NULL));
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGRTMIN + 4);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGHUP);

	ASSERT_EQ(0, posix_spawnattr_init(&attr));
	ASSERT_EQ(0, posix_spawnattr_setsigmask(&attr, &mask));
	ASSERT_EQ(0, posix_spawnattr_setsigdefault(&attr, &dfl));
	ASSERT_EQ(0, posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF));
	ASSERT_LT(0, (int)signal_state(expected, sizeof(expected), 'D', &mask, &dfl));
	ASSERT_EQ(0, strncmp(expected, "1D- ", 4)) {	/* SIGHUP */
		TH_LOG("%s", expected);
	}
	ASSERT_TRUE(!!strstr(expected, " 13I- "));	/* SIGPIPE */
	ASSERT_TRUE(!!strstr(expected, " 12Db "));	/* SIGUSR2 */
	ASSERT_TRUE(!!strstr(expected, " 10D- "));	/* SIGUSR1 */
	EXPECT_STREQ("ok", helper_report(NULL, &pid, 0, NULL, &attr, "signals", out,
					 sizeof(out)));
	EXPECT_STREQ(expected, out);

	/* A session of its own: session and group leader. */
	ASSERT_EQ(0, posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID));
	EXPECT_STREQ("ok", helper_report(NULL, &pid, 0, NULL, &attr, "ids", out,
					 sizeof(out)));
	snprintf(expected, sizeof(expected), "%d %d %d %d", pid, getpid(), pid, pid);
	EXPECT_STREQ(expected, out);

	/* A process group of its own (group 0), in the caller's session. */
	ASSERT_EQ(0, posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP));
	ASSERT_EQ(0, posix_spawnattr_setpgroup(&attr, 0));
	EXPECT_STREQ("ok", helper_report(NULL, &pid, 0, NULL, &attr, "ids", out,
					 sizeof(out)));
	snprintf(expected, sizeof(expected), "%d %d %d %d", pid, getpid(), pid,
		 getsid(0));
	EXPECT_STREQ(expected, out);

	/* No attribute: the caller's group and session. */
	ASSERT_EQ(0, posix_spawnattr_setflags(&attr, 0));
	EXPECT_STREQ("ok", helper_report(NULL, &pid, 0, NULL, &attr, "ids", out,
					 sizeof(out)));
	snprintf(expected, sizeof(expected), "%d %d %d %d", pid, getpid(), getpgrp(),
		 getsid(0));
	EXPECT_STREQ(expected, out);

	posix_spawnattr_destroy(&attr);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(0, sigchld_counted());
}

TEST(signal_death_number)
{
	int fd = -1, sk = -1, status = -1;
	pid_t pid = 0;

	/* Signalled by us, through the descriptor. */
	ASSERT_EQ(0, spawn_blocker(&pid, &fd, 0, &sk));
	ASSERT_EQ(0, pdkill(fd, SIGUSR1));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGUSR1, status);
	close(fd);
	close(sk);

	/* By itself. */
	status = -1;
	ASSERT_EQ(0, spawn_sh(&pid, &fd, 0, "kill -KILL $$; exit 3"));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGKILL, status);
	close(fd);
	EXPECT_TRUE(no_children());
}

/*
 * Twenty execs of /bin/sh, or the spawns of a large parent, take more than
 * the harness's default 30 s on the debug kernel (KASAN, lockdep, kmemleak
 * under TCG).
 */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/*
 * No SIGCHLD and invisible to wait(-1), once the new program runs and after
 * it exits. Exec resets the exit signal to SIGCHLD: this fails if the
 * descriptor's quiet watch did not exist before the child's exec. (Between
 * pdspawn()'s return and the end of the exec, while the kernel still loads
 * the program, wait(-1) can see a running child: see pdspawn(3) CAVEATS.)
 */
TEST_F_TIMEOUT(slow, no_sigchld_invisible_to_wait_any, 600)
{
	int fd = -1, sk = -1, status = -1, i;
	siginfo_t info;
	pid_t pid = 0;

	ASSERT_EQ(0, sigchld_counter_start());
	/* Several times: a watch made too late loses a race, not always. */
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, spawn_blocker(&pid, &fd, 0, &sk));
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
		ASSERT_EQ(0, spawn_sh(&pid, &fd, PD_CLOEXEC, "exit 0"));
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
	int running;	/* a wait for any child found one running */
	int exited;	/* ... found one that had exited */
	int failed;	/* ... failed otherwise than with ECHILD */
	int polls;
};

static void *spin_wait_any(void *arg)
{
	struct spinner *sp = arg;
	siginfo_t info;

	/* WNOWAIT: a child found is left for the test to report. */
	while (!__atomic_load_n(&sp->stop, __ATOMIC_ACQUIRE)) {
		memset(&info, 0, sizeof(info));
		if (!waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT)) {
			if (info.si_pid)
				sp->exited++;
			else
				sp->running++;
		} else if (errno != ECHILD) {
			sp->failed++;
		}
		sp->polls++;
	}
	return NULL;
}

/*
 * Before the exec: a child whose exec fails never gets that far, so a
 * thread waiting for any child all along must never be told of its exit,
 * nor must a SIGCHLD come. It may see it running: the kernel lists the
 * child among the caller's children, with the exit signal posix_spawn()
 * asked for, a little before the task_newtask tracepoint where the module
 * binds it (see pdspawn(3) CAVEATS); it cannot run, let alone exit, before.
 */
TEST(no_exit_reported_before_exec)
{
	char *const argv[] = { "x", NULL };
	struct spinner sp;
	pthread_t t;
	int fd = -1, i;

	memset(&sp, 0, sizeof(sp));
	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_wait_any, &sp));
	for (i = 0; i < 50; i++)
		EXPECT_EQ(ENOENT, pdspawn(NULL, &fd, 0, "/nonexistent/pdspawn", NULL, NULL,
					  argv, NULL));
	__atomic_store_n(&sp.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_GT(sp.polls, 0);
	EXPECT_EQ(0, sp.exited);
	EXPECT_EQ(0, sp.failed);
	TH_LOG("%d of %d waits saw a child being cloned", sp.running, sp.polls);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(0, sigchld_counted());
}

/*
 * A child that fails before its program runs, in the exec (@path) or in a
 * file action (@fa): the error number comes back, errno, *pidp and *fdp are
 * untouched, no child or zombie is left (waitpid(-1, __WALL) sees none), no
 * new fd, no SIGCHLD, the caller's signal mask as it was. pdspawnp() too
 * when @path has a slash (it is not searched then).
 */
static void expect_spawn_failure(struct __test_metadata *_metadata, const char *path,
				 const posix_spawn_file_actions_t *fa, int expected)
{
	char *const argv[] = { "x", NULL };
	char *const envp[] = { NULL };
	sigset_t before_mask, after_mask;
	int fd = UNTOUCHED, before = count_fds(), err, sig, round;
	pid_t pid = UNTOUCHED;

	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, NULL, &before_mask));
	for (round = 0; round < 2; round++) {
		errno = ERRNO_MARK;
		if (round == 0)
			err = pdspawn(&pid, &fd, PD_CLOEXEC, path, fa, NULL, argv, envp);
		else if (path && strchr(path, '/'))
			err = pdspawnp(&pid, &fd, PD_DAEMON, path, fa, NULL, argv, envp);
		else
			break;
		EXPECT_EQ(expected, err) {
			TH_LOG("%s%s: %s, not %s", round ? "pdspawnp " : "",
			       path ? path : "NULL", strerror(err), strerror(expected));
		}
		EXPECT_EQ(ERRNO_MARK, errno);
		EXPECT_EQ(UNTOUCHED, fd);
		EXPECT_EQ(UNTOUCHED, pid);
		EXPECT_TRUE(no_children());
		EXPECT_EQ(before, count_fds());
	}
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, NULL, &after_mask));
	for (sig = 1; sig <= 64; sig++)
		EXPECT_EQ(sigismember(&before_mask, sig), sigismember(&after_mask, sig)) {
			TH_LOG("signal %d", sig);
		}
	EXPECT_EQ(0, sigchld_counted());
}

TEST(exec_failure_enoent)
{
	expect_spawn_failure(_metadata, "/nonexistent/pdspawn", NULL, ENOENT);
	expect_spawn_failure(_metadata, "", NULL, ENOENT);
}

TEST(exec_failure_eacces_enoexec_efault)
{
	char dir[] = "/tmp/pdspawn_test.XXXXXX", plain[64], junk[64];

	ASSERT_TRUE(!!mkdtemp(dir));
	/* Not executable, even for root: no execute bit at all. */
	ASSERT_EQ(0, make_file(plain, sizeof(plain), dir, "plain", 0644,
			       "#!/bin/sh\n"));
	expect_spawn_failure(_metadata, plain, NULL, EACCES);
	expect_spawn_failure(_metadata, dir, NULL, EACCES);
	/* Executable but no known format: no fallback to the shell. */
	ASSERT_EQ(0, make_file(junk, sizeof(junk), dir, "junk", 0755,
			       "\x01\x02junk\n\n"));
	expect_spawn_failure(_metadata, junk, NULL, ENOEXEC);
	unlink(plain);
	unlink(junk);
	rmdir(dir);

	/* A bad path pointer is execve()'s EFAULT, found in the child. */
	expect_spawn_failure(_metadata, NULL, NULL, EFAULT);
}

/* A file action that fails is reported, and cleaned up, as an exec failure. */
TEST(file_action_failure)
{
	/* The highest number the limit allows: nothing of ours has it. */
	int closed = (int)sysconf(_SC_OPEN_MAX) - 1;
	posix_spawn_file_actions_t fa;

	ASSERT_EQ(-1, fcntl(closed, F_GETFD));
	ASSERT_EQ(0, posix_spawn_file_actions_init(&fa));
	ASSERT_EQ(0, posix_spawn_file_actions_addopen(&fa, 5, "/nonexistent/pdspawn",
						      O_RDONLY, 0));
	expect_spawn_failure(_metadata, "/bin/true", &fa, ENOENT);
	ASSERT_EQ(0, posix_spawn_file_actions_destroy(&fa));

	ASSERT_EQ(0, posix_spawn_file_actions_init(&fa));
	ASSERT_EQ(0, posix_spawn_file_actions_adddup2(&fa, closed, 1));
	expect_spawn_failure(_metadata, "/bin/true", &fa, EBADF);
	ASSERT_EQ(0, posix_spawn_file_actions_destroy(&fa));
}

TEST(invalid_flags_einval_no_child)
{
	char *const argv[] = { "true", NULL };
	int fd = UNTOUCHED, before = count_fds(), i;
	pid_t pid = UNTOUCHED;
	static const int bad[] = { 0x4, PD_DAEMON << 5, -1, PD_CLOEXEC | 0x100 };

	errno = ERRNO_MARK;
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(EINVAL, pdspawn(&pid, &fd, bad[i], "/bin/true", NULL, NULL,
					  argv, NULL));
		EXPECT_EQ(EINVAL, pdspawnp(&pid, &fd, bad[i], "true", NULL, NULL,
					   argv, NULL));
	}
	EXPECT_EQ(ERRNO_MARK, errno);
	EXPECT_EQ(UNTOUCHED, fd);
	EXPECT_EQ(UNTOUCHED, pid);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
}

/* A NULL fdp: EFAULT before anything happens. */
TEST(null_fdp_efault_no_child)
{
	char *const argv[] = { "true", NULL };
	int before = count_fds();
	pid_t pid = UNTOUCHED;

	errno = ERRNO_MARK;
	EXPECT_EQ(EFAULT, pdspawn(&pid, NULL, 0, "/bin/true", NULL, NULL, argv, NULL));
	EXPECT_EQ(EFAULT, pdspawnp(&pid, NULL, 0, "true", NULL, NULL, argv, NULL));
	EXPECT_EQ(ERRNO_MARK, errno);
	EXPECT_EQ(UNTOUCHED, pid);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
}

TEST(cloexec_and_daemon_flags)
{
	char val[64];
	int fd = -1, fd2 = -1, fd3 = -1;

	ASSERT_EQ(0, spawn_sh(NULL, &fd, PD_CLOEXEC, "exit 0"));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	ASSERT_EQ(0, fdinfo_get(fd, "PdFlags", val, sizeof(val)));
	EXPECT_STREQ("\t0x0", val);

	ASSERT_EQ(0, spawn_sh(NULL, &fd2, 0, "exit 0"));
	EXPECT_EQ(0, fcntl(fd2, F_GETFD));

	ASSERT_EQ(0, spawn_sh(NULL, &fd3, PD_DAEMON | PD_CLOEXEC, "exit 0"));
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
 * input: @code and @status tell how it ended. It stays quiet all along; its
 * zombie is the library's to reap, which the next pdspawn() does (or the
 * kernel, where it autoreaps).
 */
static void close_then_reap(struct __test_metadata *_metadata, int flags,
			    int code, int status)
{
	int fd = -1, sk = -1, pidfd, other = -1;
	siginfo_t info;
	pid_t pid = 0;

	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_EQ(0, spawn_blocker(&pid, &fd, flags, &sk));
	pidfd = pdgetpidfd(fd);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, close(fd));
	/* A daemon keeps running a while... */
	if (flags & PD_DAEMON)
		EXPECT_EQ(0, wait_revents(pidfd, POLLIN, 300));
	/* ...and still runs its program: EOF makes it exit 0. */
	close(sk);
	/* POLLHUP too where the kernel has reaped it already. */
	ASSERT_TRUE(wait_revents(pidfd, POLLIN, PD_TIMEOUT_MS) & POLLIN);
	if (kernel_autoreaps()) {
		errno = 0;
		EXPECT_EQ(-1, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | WNOHANG | __WALL));
		EXPECT_EQ(ECHILD, errno);
	} else {
		memset(&info, 0, sizeof(info));
		ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info,
					WEXITED | WNOWAIT | __WALL));
		EXPECT_EQ(pid, info.si_pid);
		EXPECT_EQ(code, info.si_code);
		EXPECT_EQ(status, info.si_status);
	}
	errno = 0;
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	/* The next pdspawn() reaps it. */
	ASSERT_EQ(0, spawn_sh(NULL, &other, PD_CLOEXEC, "exit 0"));
	ASSERT_EQ(0, pdwait(other, NULL, WEXITED, NULL, NULL));
	close(other);
	errno = 0;
	EXPECT_EQ(-1, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | WNOHANG | __WALL));
	EXPECT_EQ(ECHILD, errno);
	close(pidfd);
	EXPECT_TRUE(no_children());
	EXPECT_EQ(0, sigchld_counted());
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
 * Without file actions or attributes: caught signals are reset to the
 * default, ignored ones stay ignored, the mask is the caller's. The caller's
 * own state is unchanged.
 */
TEST(signal_dispositions_and_mask)
{
	struct sigaction catch = { .sa_handler = pd_count_sigchld };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	char expected[1024], got[1024], after[1024];
	static const int caught[] = { SIGUSR1, SIGTERM, SIGCHLD, SIGALRM };
	static const int ignored[] = { SIGUSR2, SIGHUP, SIGPIPE };
	static const int blocked[] = { SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 };
	sigset_t set;
	pid_t pid = 0;
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
	ASSERT_LT(0, (int)signal_state(expected, sizeof(expected), 'D', NULL, NULL));
	ASSERT_TRUE(!!strstr(expected, " 10Db ")) { /* SIGUSR1 */
		TH_LOG("%s", expected);
	}
	ASSERT_TRUE(!!strstr(expected, " 12Ib ")); /* SIGUSR2 */
	ASSERT_TRUE(!!strstr(expected, " 15D- ")); /* SIGTERM */
	ASSERT_TRUE(!!strstr(expected, " 2Db "));  /* SIGINT */

	EXPECT_STREQ("ok", helper_report(NULL, &pid, PD_CLOEXEC, NULL, NULL, "signals",
					 got, sizeof(got)));
	EXPECT_STREQ(expected, got);

	/* The caller keeps its handlers and mask. */
	signal_state(after, sizeof(after), 'H', NULL, NULL);
	for (i = 0; i < ARRAY_SIZE(caught); i++) {
		char entry[16];

		snprintf(entry, sizeof(entry), " %dH", caught[i]);
		EXPECT_TRUE(!!strstr(after, entry));
	}
	signal_state(after, sizeof(after), 'D', NULL, NULL);
	EXPECT_STREQ(expected, after);
}

/* The child has exactly the caller's fds without FD_CLOEXEC. */
TEST(inherits_only_inheritable_fds)
{
	char expected[1024], got[1024];
	int p[2], keep, drop, fd = -1, other = -1, status = -1, fds[256];

	/* A descriptor made without PD_CLOEXEC is inherited like any fd. */
	ASSERT_EQ(0, spawn_sh(NULL, &other, 0, "exit 0"));
	/* The library's control device is open now, and close-on-exec. */
	ASSERT_EQ(1, count_control_fds());
	keep = open("/dev/null", O_RDONLY);
	drop = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(keep, 0);
	ASSERT_GE(drop, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, fcntl(p[1], F_SETFD, 0));
	ASSERT_LT(0, (int)format_fds(expected, sizeof(expected), fds,
				     list_fds(fds, 256, true)));
	/* Not the new descriptor, made without PD_CLOEXEC either. */
	ASSERT_EQ(0, spawn_helper(NULL, &fd, 0, "fds", p[1]));
	close(p[1]);
	read_all(p[0], got, sizeof(got));
	close(p[0]);
	EXPECT_STREQ(expected, got) {
		TH_LOG("the caller's fds: %s, close-on-exec: %d, %d, new: %d",
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

/* The child reads the caller's stdin and writes to its stdout. */
TEST(stdin_stdout_inherited)
{
	int in[2], out[2], saved_in, saved_out, fd = -1, status = -1, err;
	char buf[64];

	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	saved_in = fcntl(0, F_DUPFD_CLOEXEC, 3);
	saved_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
	ASSERT_GE(saved_in, 0);
	ASSERT_GE(saved_out, 0);
	ASSERT_EQ(0, dup2(in[0], 0));
	ASSERT_EQ(1, dup2(out[1], 1));
	err = spawn_sh(NULL, &fd, PD_CLOEXEC, "read line; echo \"got:$line\"");
	/* Restored before any assertion can print. */
	dup2(saved_in, 0);
	dup2(saved_out, 1);
	close(saved_in);
	close(saved_out);
	close(in[0]);
	close(out[1]);
	ASSERT_EQ(0, err);
	ASSERT_EQ(6, write(in[1], "hello\n", 6));
	close(in[1]);
	read_all(out[0], buf, sizeof(buf));
	close(out[0]);
	EXPECT_STREQ("got:hello\n", buf);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	close(fd);
}

TEST(poll_pollhup_at_exit)
{
	int fd = -1, sk = -1, status = -1;

	ASSERT_EQ(0, spawn_blocker(NULL, &fd, PD_CLOEXEC, &sk));
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

/*
 * The child shares the caller's memory, and so its errno, until it execs:
 * what its system calls leave there must not reach the caller.
 */
TEST(errno_kept_on_success)
{
	int fd = -1, i;

	for (i = 0; i < 5; i++) {
		errno = ERRNO_MARK + i;
		ASSERT_EQ(0, spawn_sh(NULL, &fd, PD_CLOEXEC, "exit 0"));
		EXPECT_EQ(ERRNO_MARK + i, errno);
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

/* Each thread's children exit with their own code: no descriptor is mixed up. */
static void *spawn_in_thread(void *arg)
{
	struct spawner *s = arg;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		int code = s->index * PER_THREAD + i + 1, fd = -1, status = -1, err;
		char script[32];
		pid_t pid = 0, got = 0;

		snprintf(script, sizeof(script), "exit %d", code);
		err = spawn_sh(&pid, &fd, PD_CLOEXEC, script);
		if (err) {
			snprintf(s->why, sizeof(s->why), "pdspawn: %s", strerror(err));
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

TEST_F_TIMEOUT(slow, concurrent_threads, 600)
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

struct churner {
	int stop;
	FILE *sink;
	long rounds;
};

/* Keeps malloc's and stdio's locks busy while the main thread spawns. */
static void *churn(void *arg)
{
	struct churner *c = arg;
	size_t size = 16;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		char *p = malloc(size);

		if (p) {
			snprintf(p, size, "%ld", c->rounds);
			fprintf(c->sink, "%s\n", p);
			free(p);
		}
		size = size < 65536 ? size * 2 : 16;
		c->rounds++;
	}
	return NULL;
}

#define LARGE_MB	128
#define LARGE_SPAWNS	10
/* Two: with more, on a VM's two CPUs, the spawning thread mostly waits its turn. */
#define CHURNERS	2

/*
 * A caller with 128 MiB of touched memory and two threads in malloc and
 * stdio: every child runs and exits 0, none hangs, none is heard of.
 */
TEST_F_TIMEOUT(slow, large_multithreaded_parent, 600)
{
	char *const argv[] = { "true", NULL };
	struct churner c[CHURNERS];
	pthread_t t[CHURNERS];
	size_t len = (size_t)LARGE_MB << 20, off;
	int i, fd = -1, status = -1, done = 0, err = 0;
	char *mem;

	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_EQ(0, setenv("PATH", "/usr/bin:/bin", 1));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(mem != MAP_FAILED);
	for (off = 0; off < len; off += 4096)
		mem[off] = 1;
	memset(c, 0, sizeof(c));
	for (i = 0; i < CHURNERS; i++) {
		c[i].sink = fopen("/dev/null", "we");
		ASSERT_TRUE(!!c[i].sink);
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn, &c[i]));
	}
	for (i = 0; i < LARGE_SPAWNS; i++) {
		fd = -1;
		status = -1;
		err = pdspawnp(NULL, &fd, PD_CLOEXEC, "true", NULL, NULL, argv, NULL);
		if (err)
			break;
		if (wait_hup(fd) != POLLHUP ||
		    pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL) || status) {
			close(fd);
			break;
		}
		close(fd);
		done++;
	}
	for (i = 0; i < CHURNERS; i++) {
		__atomic_store_n(&c[i].stop, 1, __ATOMIC_RELEASE);
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_GT(c[i].rounds, 0);
		fclose(c[i].sink);
	}
	EXPECT_EQ(LARGE_SPAWNS, done) {
		TH_LOG("spawn %d: %s, fd %d, status %#x", done, strerror(err), fd, status);
	}
	munmap(mem, len);
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
		int fd = UNTOUCHED, err, kept;

		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("none", "/dev", "tmpfs", 0, NULL))
			_exit(10);
		errno = ERRNO_MARK;
		err = pdspawn(NULL, &fd, 0, "/bin/true", NULL, NULL, argv, NULL);
		kept = errno == ERRNO_MARK;
		if (err != ENODEV)
			_exit(err < 100 ? 100 + err : 11);
		_exit(!kept || fd != UNTOUCHED || !no_children() ? 12 : 0);
	}
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status) {
		if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
			TH_LOG("pdspawn returned %s, not ENODEV",
			       strerror(WEXITSTATUS(status) - 100));
		else
			TH_LOG("helper status %#x", status);
	}
}

/* emfile_step_failures()'s convention: the pid, or -1 and errno. */
static pid_t pdspawn_true(int *fdp)
{
	char *const argv[] = { "true", NULL };
	pid_t pid = -1;
	int err;

	err = pdspawn(&pid, fdp, 0, "/bin/true", NULL, NULL, argv, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	return pid;
}

/* EMFILE at every step (emfile_steps): never a child left, no fd leaked. */
TEST(no_free_fd_emfile_no_child)
{
	ASSERT_EQ(0, count_control_fds());
	ASSERT_LT(count_fds(), 32);
	EXPECT_EQ(0, emfile_step_failures("pdspawn", pdspawn_true));
}

struct fifo_spawn {
	const char *fifo;
	int flags;
	int ret;
	pid_t pid;
	int fd;
};

/* pdspawn() sleep 60 with its stdin opened from the fifo, which blocks. */
static void *spawn_fifo_reader(void *arg)
{
	char *const argv[] = { "sleep", "60", NULL };
	struct fifo_spawn *s = arg;
	posix_spawn_file_actions_t fa;

	s->ret = posix_spawn_file_actions_init(&fa);
	if (!s->ret)
		s->ret = posix_spawn_file_actions_addopen(&fa, 0, s->fifo, O_RDONLY, 0);
	if (!s->ret)
		s->ret = pdspawn(&s->pid, &s->fd, s->flags, "/bin/sleep", &fa, NULL, argv,
				 NULL);
	posix_spawn_file_actions_destroy(&fa);
	return NULL;
}

/*
 * The descriptor's fd number is taken when the clone returns, not at the
 * arm: if another thread takes the last free number in between, pdspawn()
 * fails with EMFILE and leaves no child (the program had started: it is
 * killed and reaped) and no fd. The child blocks in a file action, opening
 * a fifo, while the calling thread waits in posix_spawn(); this thread's
 * open of the fifo's other end is what takes the last number and lets the
 * child go on. With PD_DAEMON the kill is the library's; without, the last
 * close's.
 */
static void emfile_at_install(struct __test_metadata *_metadata, int flags)
{
	char dir[] = "/tmp/pdspawn_test.XXXXXX", fifo[64];
	struct fifo_spawn s = { .fifo = fifo, .flags = flags, .pid = UNTOUCHED,
				.fd = UNTOUCHED };
	int extra[64], n = 0, e, w = -1, i, before, fd = -1, status = -1;
	struct rlimit old, rl;
	pthread_t t;

	ASSERT_EQ(0, sigchld_counter_start());
	ASSERT_TRUE(!!mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ASSERT_EQ(0, mkfifo(fifo, 0600));
	/* The library's control device, kept from now on. */
	ASSERT_EQ(0, spawn_sh(NULL, &fd, PD_CLOEXEC, "exit 0"));
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	before = count_fds();

	/* Exactly one number free: enough for the arm. */
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	rl = old;
	rl.rlim_cur = 64;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	while (n < 64 && (e = fcntl(0, F_DUPFD_CLOEXEC, 0)) >= 0)
		extra[n++] = e;
	ASSERT_GT(n, 0);
	close(extra[--n]);

	ASSERT_EQ(0, pthread_create(&t, NULL, spawn_fifo_reader, &s));
	/*
	 * Each failed open of the fifo holds the free number for a moment:
	 * none before the child exists, so that none fails the arm.
	 */
	for (i = 0; i < PD_TIMEOUT_MS; i++) {
		siginfo_t info;

		if (!waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL))
			break;
		usleep(1000);
	}
	/* ENXIO until the child opens the fifo for reading. */
	for (i = 0; i < PD_TIMEOUT_MS; i++) {
		w = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (w >= 0 || errno != ENXIO)
			break;
		usleep(1000);
	}
	EXPECT_GE(w, 0) {
		TH_LOG("opening the fifo: %s", strerror(errno));
	}
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(EMFILE, s.ret) {
		TH_LOG("pdspawn: %s", strerror(s.ret));
	}
	EXPECT_EQ(UNTOUCHED, s.fd);
	EXPECT_EQ(UNTOUCHED, s.pid);

	if (w >= 0)
		close(w);
	while (n > 0)
		close(extra[--n]);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_TRUE(no_children());
	EXPECT_EQ(before, count_fds());
	EXPECT_EQ(0, sigchld_counted());

	/* The next pdspawn() binds its own child. */
	ASSERT_EQ(0, spawn_sh(NULL, &fd, PD_CLOEXEC, "exit 4"));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(4 << 8, status);
	close(fd);
	unlink(fifo);
	rmdir(dir);
}

TEST(emfile_at_install_kills_child)
{
	emfile_at_install(_metadata, 0);
}

TEST(emfile_at_install_daemon_killed_by_library)
{
	emfile_at_install(_metadata, PD_DAEMON | PD_CLOEXEC);
}

/* The handler's child, and the pipe whose end it waits at. */
static pid_t handler_child;
static int handler_pipe[2];

/* A SIGUSR1 handler that makes a process, as a supervisor restarting one would. */
static void fork_in_handler(int sig)
{
	char c;

	(void)sig;
	handler_child = fork();
	if (handler_child == 0) {
		close(handler_pipe[1]);
		while (read(handler_pipe[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
}

/*
 * The traced process: pdspawn() @path, which must return @expected; the
 * handler must have run and its child be an ordinary one (no descriptor,
 * seen by waitpid()). Its exit status says what went wrong.
 */
static noreturn void handler_victim(const char *path, int expected)
{
	struct sigaction sa = { .sa_handler = fork_in_handler };
	char *const argv[] = { "x", NULL };
	int before, err, fd = -1, status = -1;

	sigemptyset(&sa.sa_mask);
	if (pipe2(handler_pipe, O_CLOEXEC) || sigaction(SIGUSR1, &sa, NULL))
		_exit(10);
	before = count_fds();
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || raise(SIGSTOP))
		_exit(11);
	err = pdspawn(NULL, &fd, 0, path, NULL, NULL, argv, NULL);
	if (err != expected)
		_exit(err < 100 ? 100 + err : 12);
	if (!err && (pdwait(fd, &status, WEXITED, NULL, NULL) || status || close(fd)))
		_exit(13);
	if (handler_child <= 0)
		_exit(14);
	if (count_fds() != before)
		_exit(15);
	if (waitpid(handler_child, NULL, WNOHANG) != 0)
		_exit(16);
	close(handler_pipe[1]);
	if (waitpid_nointr(handler_child, &status, 0) != handler_child || status)
		_exit(17);
	_exit(0);
}

/*
 * A signal handler that makes a process must not run between pdspawn()'s
 * arm and the clone of its posix_spawn(): its process would take the
 * descriptor, its own code would lose it (waitpid() on a child whose exit
 * signal is 0 gives ECHILD), and pdspawn() would fail, or after a failed
 * exec wait for that process to end and reap it. A tracer delivers SIGUSR1
 * right as the PROCDESC_IOC_ARM ioctl returns, then lets the process go
 * untraced.
 */
static void handler_between_arm_and_spawn(struct __test_metadata *_metadata,
					  const char *path, int expected)
{
	struct __ptrace_syscall_info info;
	int status = -1, arm_entered = 0;
	pid_t victim;
	__s64 deadline;

	victim = fork();
	ASSERT_GE(victim, 0);
	if (victim == 0)
		handler_victim(path, expected);
	ASSERT_EQ(victim, waitpid_nointr(victim, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	ASSERT_EQ(0, ptrace(PTRACE_SETOPTIONS, victim, NULL,
			    (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)));
	ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, victim, NULL, NULL));
	for (;;) {
		int sig = 0;

		ASSERT_EQ(victim, waitpid_nointr(victim, &status, 0));
		if (!WIFSTOPPED(status))
			break;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(status);
		} else {
			ASSERT_LT(0, ptrace(PTRACE_GET_SYSCALL_INFO, victim,
					    (void *)sizeof(info), &info));
			if (arm_entered && info.op == PTRACE_SYSCALL_INFO_EXIT) {
				ASSERT_EQ(0, kill(victim, SIGUSR1));
				ASSERT_EQ(0, ptrace(PTRACE_DETACH, victim, NULL, NULL));
				break;
			}
			arm_entered = info.op == PTRACE_SYSCALL_INFO_ENTRY &&
				      info.entry.nr == SYS_ioctl &&
				      (unsigned int)info.entry.args[1] == PROCDESC_IOC_ARM;
		}
		ASSERT_EQ(0, ptrace(PTRACE_SYSCALL, victim, NULL, (void *)(long)sig));
	}
	ASSERT_EQ(1, arm_entered) {
		TH_LOG("no PROCDESC_IOC_ARM, status %#x", status);
	}
	/* Untraced: it must finish, not wait for the handler's child. */
	deadline = now_ms() + PD_TIMEOUT_MS / 2;
	while (waitpid(victim, &status, WNOHANG) == 0 && now_ms() < deadline)
		usleep(10000);
	if (waitpid(victim, NULL, WNOHANG) == 0) {
		kill(victim, SIGKILL);
		waitpid_nointr(victim, &status, 0);
		TH_LOG("pdspawn() did not return");
	}
	EXPECT_EQ(0, status) {
		if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
			TH_LOG("pdspawn() returned %s", strerror(WEXITSTATUS(status) - 100));
		else
			TH_LOG("victim status %#x", status);
	}
}

TEST(handler_between_arm_and_spawn_success)
{
	handler_between_arm_and_spawn(_metadata, "/bin/true", 0);
}

TEST(handler_between_arm_and_spawn_exec_failure)
{
	handler_between_arm_and_spawn(_metadata, "/nonexistent/pdspawn", ENOENT);
}

TEST_HARNESS_MAIN
