// SPDX-License-Identifier: GPL-2.0
/*
 * pdfork() is the C library's fork(): the descriptor is bound to the child
 * in the kernel at clone time, before the child runs, so the child is an
 * ordinary fork child in every way the C library cares about.
 *
 * - atfork handlers run, and a multithreaded parent's children never hang
 *   on a lock another thread held (malloc, stdio);
 * - in a static program the child has its own thread ID (this binary is
 *   linked statically: see the Makefile);
 * - a child that execs as its first act stays quiet;
 * - seccomp profiles that refuse clone3 (containers) do not matter;
 * - children closed without pdwait never pile up as zombies, also under
 *   RLIMIT_NPROC;
 * - a failed fork leaves no descriptor, and threads arming at once each
 *   get their own child.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <seccomp.h>
#include <spawn.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

/* This binary, exec'd with this argument, exits 0 at once. */
#define EXIT0_ARG	"--exit0"

/* The unprivileged uid of the RLIMIT_NPROC tests (root ignores the limit). */
#define PD_UID		65533

/* The tests that make hundreds or thousands of children get more time. */
FIXTURE(many) {};
FIXTURE_SETUP(many) {}
FIXTURE_TEARDOWN(many) {}

/* ---- the C library's fork(): atfork handlers and locks ---- */

static int prepare_runs, parent_runs;
static bool child_ran;

static void on_prepare(void)
{
	__atomic_fetch_add(&prepare_runs, 1, __ATOMIC_RELAXED);
}

static void on_parent(void)
{
	__atomic_fetch_add(&parent_runs, 1, __ATOMIC_RELAXED);
}

static void on_child(void)
{
	child_ran = true;
}

/* Keep malloc and stdio busy until *stop. */
static void *busy_thread(void *arg)
{
	int *stop = arg, i = 0;
	FILE *f = fopen("/dev/null", "we");
	char buf[128];

	while (f && !__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		char *p = malloc(64 + (i++ % 512));

		snprintf(buf, sizeof(buf), "%d %p", i, (void *)p);
		fprintf(f, "%s\n", buf);
		free(p);
	}
	if (f)
		fclose(f);
	return NULL;
}

/*
 * Four threads use malloc and stdio while the main thread pdforks 500
 * children that malloc, snprintf, fprintf and exit() (which flushes every
 * stream, through the lock the old pdfork left held): none may hang, and
 * the atfork handlers run for each, in the parent and in the child.
 */
TEST_F_TIMEOUT(many, multithreaded_parent_children_never_hang, 300)
{
	int stop = 0, i, hung = 0, bad = 0, status, fd, n = fork_loops(500, 50);
	pthread_t threads[4];
	pid_t pid;

	/* One arena: the contention that made the old pdfork hang most. */
	mallopt(M_ARENA_MAX, 1);
	ASSERT_EQ(0, pthread_atfork(on_prepare, on_parent, on_child));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, busy_thread, &stop));
	for (i = 0; i < n; i++) {
		pid = pdfork(&fd, 0);
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			char *p = malloc(100), buf[64];

			snprintf(buf, sizeof(buf), "child %d", i);
			fprintf(stdout, "%s", p ? "" : buf);
			free(p);
			exit(child_ran ? 0 : 2);
		}
		if (wait_revents(fd, POLLIN, 10000) != POLLHUP) {
			hung++;
			pdkill(fd, SIGKILL);
		}
		status = -1;
		ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
		if (status != 0 && status != SIGKILL)
			bad++;
		close(fd);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	EXPECT_EQ(0, hung);
	EXPECT_EQ(0, bad) TH_LOG("children whose atfork child handler did not run");
	EXPECT_EQ(n, __atomic_load_n(&prepare_runs, __ATOMIC_RELAXED));
	EXPECT_EQ(n, __atomic_load_n(&parent_runs, __ATOMIC_RELAXED));
	EXPECT_TRUE(no_children());
}

/* ---- a static program: the child's thread ID ---- */

/*
 * pthread_self() of the child's main thread names the child: setting its
 * affinity changes the child, not the parent.
 */
TEST(static_child_affinity_is_its_own)
{
	cpu_set_t all, one, after;
	int fd = -1, status = -1;
	pid_t pid;

	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	if (CPU_COUNT(&all) < 2)
		SKIP(return, "needs two CPUs");
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		cpu_set_t mine;

		if (sys_gettid() != getpid())
			_exit(1);
		if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one))
			_exit(2);
		if (sched_getaffinity(0, sizeof(mine), &mine) || !CPU_EQUAL(&mine, &one))
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(after), &after));
	EXPECT_TRUE(CPU_EQUAL(&all, &after)) TH_LOG("the child changed the parent's affinity");
	close(fd);
}

static pthread_t main_thread;
static int got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static void *kill_main_thread(void *arg)
{
	return (void *)(intptr_t)pthread_kill(main_thread, SIGUSR1);
}

/* A second thread of the child can pthread_kill() the child's main thread. */
TEST(static_child_threads_signal_each_other)
{
	int fd = -1, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		pthread_t t;
		void *ret;

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL))
			_exit(1);
		main_thread = pthread_self();
		if (pthread_create(&t, NULL, kill_main_thread, NULL) || pthread_join(t, &ret))
			_exit(2);
		if (ret)
			_exit(10 + (int)(intptr_t)ret);
		while (!got_usr1)
			usleep(1000);
		/* raise() and abort() use the cached thread ID too. */
		abort();
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(SIGABRT, WTERMSIG(status));
	close(fd);
}

/* ---- quiet from the first instruction ---- */

/*
 * 1,000 children (fork_loops()) whose first act is an exec (of this static
 * binary, which exits at once): every one stays quiet while its descriptor
 * is held, no SIGCHLD and never seen by wait(-1); the old pdfork lost a few
 * percent.
 */
TEST_F_TIMEOUT(many, exec_first_children_stay_quiet, 300)
{
	int i, fd, status, seen = 0, wrong = 0, n = fork_loops(1000, 100);
	pid_t pid;

	ASSERT_EQ(0, sigchld_counter_start());
	for (i = 0; i < n; i++) {
		pid = pdfork(&fd, 0);
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			execl("/proc/self/exe", "clone_time_test", EXIT0_ARG, (char *)NULL);
			_exit(127);
		}
		ASSERT_EQ(POLLHUP, wait_hup(fd));
		if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD)
			seen++;
		status = -1;
		ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
		if (status != 0)
			wrong++;
		close(fd);
	}
	EXPECT_EQ(0, seen) TH_LOG("children seen by waitpid(-1)");
	EXPECT_EQ(0, wrong) TH_LOG("children whose exec failed");
	EXPECT_EQ(0, sigchld_counted());
}

/* ---- containers: clone3 refused ---- */

/*
 * Docker's, containerd's and Flatpak's seccomp profiles answer clone3 with
 * ENOSYS, so that the C library falls back to clone: pdfork and pdspawnp
 * work under such a filter.
 */
TEST(clone3_refused_by_seccomp)
{
	int status = -1;
	pid_t helper;

	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		static char *const argv[] = { "clone_time_test", EXIT0_ARG, NULL };
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		int fd = -1, st = -1;
		pid_t pid;

		if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) ||
		    seccomp_load(ctx))
			_exit(1);
		if (syscall(__NR_clone3, NULL, 0) != -1 || errno != ENOSYS)
			_exit(2);
		pid = pdfork(&fd, 0);
		if (pid == 0)
			_exit(7);
		if (pid < 0 || pdwait(fd, &st, WEXITED, NULL, NULL) || st != 7 << 8)
			_exit(3);
		close(fd);
		if (pdspawnp(&pid, &fd, 0, "/proc/self/exe", NULL, NULL, argv, environ))
			_exit(4);
		if (pdwait(fd, &st, WEXITED, NULL, NULL) || st != 0)
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status);
}

/* ---- no zombies piling up ---- */

/*
 * Run @body in a child that drops to PD_UID with RLIMIT_NPROC at @nproc
 * (root ignores the limit); its exit status.
 */
static int as_limited_user(int (*body)(void), rlim_t nproc)
{
	int status = -1;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct rlimit rl = { nproc, nproc };

		if (drop_to(PD_UID, PD_UID) || setrlimit(RLIMIT_NPROC, &rl))
			_exit(100);
		_exit(body());
	}
	if (waitpid_nointr(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * FreeBSD's idiom "close the descriptor to kill the child", 10,000 times
 * (1,000 on the debug kernel, still twice the limit) with RLIMIT_NPROC at
 * 500: the children killed by the closes are reaped by the library's next
 * pdfork (or autoreaped), so there are never more than a few zombies, and
 * the limit is never reached.
 */
static int close_loop(void)
{
	int i, fd, zombies, n = fork_loops(10000, 1000);
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = pdfork(&fd, 0);
		if (pid < 0)
			return 10;
		if (pid == 0) {
			for (;;)
				pause();
		}
		close(fd);
	}
	zombies = count_children('Z');
	return zombies >= 0 && zombies <= 10 ? 0 : 11;
}

TEST_F_TIMEOUT(many, close_loop_leaves_few_zombies, 600)
{
	if (!is_root())
		SKIP(return, "needs root to change uid");
	EXPECT_EQ(0, as_limited_user(close_loop, 500));
}

/*
 * PD_DAEMON children whose descriptor is closed at once, then exit, some
 * through an exec (which resets a Linux child's exit signal): no SIGCHLD,
 * and they are reaped by the library, not left as zombies.
 */
TEST_F_TIMEOUT(many, closed_daemon_children_quiet_and_reaped, 300)
{
	int i, fd, zombies = -1, t, n = fork_loops(300, 30);
	pid_t pid;

	ASSERT_EQ(0, sigchld_counter_start());
	for (i = 0; i < n; i++) {
		pid = pdfork(&fd, PD_DAEMON);
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			usleep(i % 5 * 1000);
			if (i % 2)
				execl("/proc/self/exe", "clone_time_test", EXIT0_ARG, (char *)NULL);
			_exit(0);
		}
		ASSERT_EQ(0, close(fd));
	}
	/* Every one ends soon; each pdfork reaps those that have ended. */
	for (t = 0; t < 100 && zombies; t++) {
		usleep(50000);
		ASSERT_EQ(0, pdfork_and_wait(0));
		zombies = count_children('Z');
	}
	EXPECT_EQ(0, zombies);
	EXPECT_EQ(0, sigchld_counted());
	EXPECT_TRUE(no_children());
}

/*
 * A fork that fails (RLIMIT_NPROC reached) leaves no descriptor and no
 * child, and the arm goes with it: the next pdfork binds its own child.
 */
static int arm_then_fail(void)
{
	struct rlimit rl = { 1, 50 };
	int fd = -1, before = count_fds(), status = -1;
	pid_t pid, got = 0;

	/* Soft limit 1: this process alone reaches it. */
	if (setrlimit(RLIMIT_NPROC, &rl))
		return 9;
	errno = 0;
	pid = pdfork(&fd, 0);
	if (pid != -1 || errno != EAGAIN)
		return 10;
	if (fd != -1 || count_fds() != before || !no_children())
		return 11;
	rl.rlim_cur = 50;
	if (setrlimit(RLIMIT_NPROC, &rl))
		return 12;
	pid = pdfork(&fd, 0);
	if (pid == 0)
		_exit(3);
	if (pid < 0 || pdgetpid(fd, &got) || got != pid)
		return 13;
	if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD)
		return 14;
	if (pdwait(fd, &status, WEXITED, NULL, NULL) || status != 3 << 8)
		return 15;
	close(fd);
	return count_fds() == before && no_children() ? 0 : 16;
}

TEST(failed_fork_leaves_nothing_armed)
{
	if (!is_root())
		SKIP(return, "needs root to change uid");
	EXPECT_EQ(0, as_limited_user(arm_then_fail, 50) >> 8);
}

/* 200 pdforks in each of two threads at once: each gets its own children. */
static void *pdfork_many(void *arg)
{
	intptr_t bad = 0;
	int i, fd, status, n = fork_loops(200, 20);
	pid_t pid, got;

	for (i = 0; i < n; i++) {
		pid = pdfork(&fd, 0);
		if (pid == 0)
			_exit(i & 0x7f);
		got = 0;
		status = -1;
		if (pid < 0 || pdgetpid(fd, &got) || got != pid ||
		    pdwait(fd, &status, WEXITED, NULL, NULL) || status != (i & 0x7f) << 8)
			bad++;
		close(fd);
	}
	return (void *)bad;
}

TEST_F_TIMEOUT(many, threads_arming_at_once_get_their_own_children, 300)
{
	pthread_t t[2];
	void *bad[2];

	ASSERT_EQ(0, pthread_create(&t[0], NULL, pdfork_many, NULL));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, pdfork_many, NULL));
	ASSERT_EQ(0, pthread_join(t[0], &bad[0]));
	ASSERT_EQ(0, pthread_join(t[1], &bad[1]));
	EXPECT_EQ(0, (intptr_t)bad[0]);
	EXPECT_EQ(0, (intptr_t)bad[1]);
	EXPECT_TRUE(no_children());
}

/* This binary, exec'd with this argument, is the new program below. */
#define REAP_ARG	"--reap-children"

/*
 * The program a parent execs into: it closes the pipe fds @a and @b it was
 * given, whose readers are its two children from before the exec, and
 * collects them with wait(-1) as a program that knows nothing of
 * descriptors would. 0 if both exited 21 and 22, in either order.
 */
static int reap_children(int a, int b)
{
	int i, status, seen = 0;

	alarm(PD_TIMEOUT_MS / 1000);
	close(a);
	close(b);
	for (i = 0; i < 2; i++) {
		if (waitpid(-1, &status, 0) < 0 || !WIFEXITED(status))
			return 10 + i;
		seen |= 1 << (WEXITSTATUS(status) - 21);
	}
	return seen == 3 ? 0 : 12;
}

/* A child that exits with @code at EOF on @rfd. */
static pid_t pdfork_reader(int *fd, int flags, int rfd, int code)
{
	pid_t pid = pdfork(fd, flags);
	char c;

	if (pid == 0) {
		close_all_but(rfd);
		while (read(rfd, &c, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	return pid;
}

/*
 * A program that execs is another program: the children whose descriptors
 * were closed before the exec, or by it (PD_CLOEXEC), become its ordinary
 * children, which send SIGCHLD and which wait(-1) collects; they are not
 * left as quiet zombies no one knows of.
 */
TEST(exec_hands_closed_children_to_the_new_program)
{
	int status = -1;
	pid_t parent;

	parent = fork();
	ASSERT_GE(parent, 0);
	if (parent == 0) {
		int a[2], b[2], fd1 = -1, fd2 = -1;
		char sa[16], sb[16];

		if (pipe(a) || pipe(b))
			_exit(1);
		if (pdfork_reader(&fd1, PD_DAEMON, a[0], 21) <= 0)
			_exit(2);
		if (pdfork_reader(&fd2, PD_DAEMON | PD_CLOEXEC, b[0], 22) <= 0)
			_exit(3);
		close(fd1);
		close(a[0]);
		close(b[0]);
		snprintf(sa, sizeof(sa), "%d", a[1]);
		snprintf(sb, sizeof(sb), "%d", b[1]);
		execl("/proc/self/exe", "clone_time_test", REAP_ARG, sa, sb, (char *)NULL);
		_exit(4);
	}
	ASSERT_EQ(parent, waitpid_nointr(parent, &status, 0));
	EXPECT_EQ(0, status) TH_LOG("the new program's wait(-1): %#x", status);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], EXIT0_ARG))
		_exit(0);
	if (argc == 4 && !strcmp(argv[1], REAP_ARG))
		return reap_children(atoi(argv[2]), atoi(argv[3]));
	return test_harness_run(argc, argv);
}
