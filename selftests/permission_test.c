// SPDX-License-Identifier: GPL-2.0
/*
 * The permission model: a descriptor never grants more than kill(2) and
 * wait(2) would.
 *
 * - pdkill() follows kill(2)'s rules for the caller, and pdopenpid() needs
 *   them to open a descriptor on a process that is not the caller's child;
 * - the kill on the last close is checked against the credentials of the
 *   descriptor's opener, never of whoever drops the last reference (a
 *   privileged daemon that closes a descriptor it was sent, or the kernel's
 *   unix-socket garbage collector);
 * - a parent's descriptor kills its child with privilege only while the
 *   child keeps the credentials it had when the descriptor was made: once
 *   it has taken others (a setuid-root exec), the kill is an ordinary
 *   checked one, as the kernel resets pdeath_signal then.
 *
 * Runs as root and drops to other uids with setresuid(). The setuid cases
 * exec a setuid-root copy of this binary, made in a temporary directory,
 * which main() turns into a pinger before the harness runs.
 */
#define _GNU_SOURCE
#include <sys/statvfs.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

/* The unprivileged uid of these tests. */
#define PD_UID	65533

/*
 * A target: a process that is not the test's child (a keeper forks it and
 * waits for it) with real, effective and saved uid set as asked, answering
 * on a socket: 'p' with 'p' (alive), 'R' by taking all three uids of root,
 * then 'R'. It exits when the socket closes.
 */
struct target {
	pid_t pid;
	pid_t keeper;
	int sk;
};

static noreturn void target_serve(int sk, uid_t ruid, uid_t euid, uid_t suid)
{
	unsigned char c;

	if (setresuid(ruid, euid, suid))
		_exit(PD_CHILD_FAIL);
	while (read(sk, &c, 1) == 1) {
		if (c == 'R' && setresuid(0, 0, 0))
			_exit(PD_CHILD_FAIL);
		if (!send_byte(sk, (char)c))
			break;
	}
	_exit(0);
}

/* Send @c; whether the target answered it, i.e. is alive and did it. */
static bool target_cmd(struct target *t, char c)
{
	return send_byte(t->sk, c) && recv_byte(t->sk) == c;
}

static int target_start(struct target *t, uid_t ruid, uid_t euid, uid_t suid)
{
	int sv[2], p[2];

	if (pinger_pair(sv) || pipe2(p, O_CLOEXEC))
		return -1;
	t->keeper = fork();
	if (t->keeper < 0)
		return -1;
	if (t->keeper == 0) {
		int st = -1;
		pid_t x;

		x = fork();
		if (x == 0) {
			close_all_but(sv[1]);
			target_serve(sv[1], ruid, euid, suid);
		}
		close(sv[0]);
		close(sv[1]);
		if (x < 0 || write(p[1], &x, sizeof(x)) != sizeof(x))
			_exit(PD_CHILD_FAIL);
		if (waitpid_nointr(x, &st, 0) != x)
			_exit(PD_CHILD_FAIL);
		/* The target's status as our exit code: a signal, or 100 + code. */
		_exit(WIFSIGNALED(st) ? WTERMSIG(st) : 100 + WEXITSTATUS(st));
	}
	close(sv[1]);
	close(p[1]);
	t->sk = sv[0];
	if (read(p[0], &t->pid, sizeof(t->pid)) != sizeof(t->pid))
		t->pid = -1;
	close(p[0]);
	/* Answering means its uids are set. */
	return t->pid > 0 && target_cmd(t, 'p') ? 0 : -1;
}

/*
 * SIGKILL the target (as root) and return how it ended: the signal that
 * killed it, or 100 + its exit code.
 */
static int target_end(struct target *t)
{
	int status = -1;

	kill(t->pid, SIGKILL);
	close(t->sk);
	if (waitpid_nointr(t->keeper, &status, 0) != t->keeper || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * A setuid-root copy of this binary in a new directory under /tmp, written
 * to @path; @dir gets the directory. 0, or -1 if the filesystem there
 * ignores setuid bits (nosuid) or anything failed.
 */
static int setuid_copy(char *dir, size_t dlen, char *path, size_t plen)
{
	struct statvfs vfs;
	char buf[65536];
	int in, out = -1, ret = -1;
	ssize_t n;

	snprintf(dir, dlen, "/tmp/pdperm.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, plen, "%s/setuid", dir);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0 || statvfs(dir, &vfs) || (vfs.f_flag & ST_NOSUID))
		goto out;
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			goto out;
	if (n == 0 && !fchown(out, 0, 0) && !fchmod(out, 04755) &&
	    !chmod(dir, 0755))
		ret = 0;
out:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (ret) {
		unlink(path);
		rmdir(dir);
	}
	return ret;
}

static void setuid_remove(const char *dir, const char *path)
{
	unlink(path);
	rmdir(dir);
}

/*
 * What the unprivileged side of a setuid test tells the root side: the
 * child's pid, whether kill(2) could signal it, and whether it was still
 * alive after the last close of the descriptor.
 */
struct verdict {
	pid_t child;
	int watch;	/* on the child, for closed_child_status() */
	int kill_errno;
	int alive;
};

/*
 * Have @child, which must be waiting for a byte on @go, exec the setuid
 * copy at @path in @mode ("--root-pinger" or "--euid-pinger") answering on
 * the socket at fd @sk; then close descriptor @fd and fill @v. Runs as
 * PD_UID. 0, or a PD_CHILD_FAIL-ish code.
 */
static int close_after_setuid_exec(pid_t child, int fd, int go, int sk,
				   struct verdict *v)
{
	v->child = child;
	if (!send_byte(go, 'x') || recv_byte(sk) != 'r')
		return 20;
	if (!ping(sk))
		return 21;
	v->kill_errno = kill(child, 0) ? errno : 0;
	v->watch = watch_child(child);
	if (v->watch < 0)
		return 23;
	if (close(fd))
		return 22;
	/* A SIGKILL from the release is queued before close() returns. */
	v->alive = ping(sk);
	return 0;
}

/*
 * The child side: wait for the byte on @go, then exec @path @mode @sk, with
 * @sk (close-on-exec until now) kept open across the exec.
 */
static noreturn void exec_setuid_when_told(const char *path, const char *mode,
					   int go, int sk)
{
	char arg[16];

	if (recv_byte(go) != 'x' || fcntl(sk, F_SETFD, 0))
		_exit(30);
	snprintf(arg, sizeof(arg), "%d", sk);
	execl(path, path, mode, arg, (char *)NULL);
	_exit(31);
}

/*
 * Run @side (which fills a verdict and returns an exit code) in a child
 * that drops to PD_UID; as root, kill the setuid child it reports if it is
 * still alive, so that @side can reap it. The child's exit status.
 */
static int run_unprivileged(int (*side)(const char *path, const char *mode,
					struct verdict *v),
			    const char *path, const char *mode,
			    struct verdict *v)
{
	int p[2], status = -1;
	pid_t pid;

	memset(v, 0, sizeof(*v));
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct verdict mine = { .child = -1, .watch = -1 };
		int ret;

		close(p[0]);
		if (drop_to(PD_UID, PD_UID))
			_exit(10);
		ret = side(path, mode, &mine);
		if (write(p[1], &mine, sizeof(mine)) != sizeof(mine))
			_exit(11);
		close(p[1]);
		/* How the child ended; root kills it if the close did not. */
		if (mine.watch >= 0 && closed_child_status(mine.watch, mine.child) < 0)
			_exit(12);
		_exit(ret);
	}
	close(p[1]);
	if (read(p[0], v, sizeof(*v)) == sizeof(*v) && v->child > 0 && v->alive)
		kill(v->child, SIGKILL);
	close(p[0]);
	if (waitpid_nointr(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* A pdfork child execs the setuid copy; its parent closes the descriptor. */
static int pdfork_side(const char *path, const char *mode, struct verdict *v)
{
	int sv[2], go[2], fd = -1;
	pid_t child;

	if (pinger_pair(sv) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go))
		return 13;
	child = pdfork(&fd, 0);
	if (child < 0)
		return 14;
	if (child == 0)
		exec_setuid_when_told(path, mode, go[1], sv[1]);
	close(sv[1]);
	close(go[1]);
	return close_after_setuid_exec(child, fd, go[0], sv[0], v);
}

/*
 * An unprivileged subreaper adopts an orphan with pdopenpidfd(); the
 * orphan then execs the setuid copy and the subreaper closes.
 */
static int subreaper_side(const char *path, const char *mode, struct verdict *v)
{
	int sv[2], go[2], fd, pidfd, status = -1;
	pid_t middle, orphan;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) ||
	    pinger_pair(sv) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go))
		return 13;
	middle = fork();
	if (middle < 0)
		return 14;
	if (middle == 0) {
		orphan = fork();
		if (orphan == 0)
			exec_setuid_when_told(path, mode, go[1], sv[1]);
		_exit(send_int(go[1], orphan) ? 1 : 0);
	}
	close(sv[1]);
	close(go[1]);
	if (recv_int(go[0], &orphan) || orphan <= 0)
		return 15;
	if (waitpid_nointr(middle, &status, 0) != middle || status != 0)
		return 16;
	/* Ours now: adopt it. */
	pidfd = sys_pidfd_open(orphan, 0);
	if (pidfd < 0)
		return 17;
	fd = pdopenpidfd(pidfd, 0);
	close(pidfd);
	if (fd < 0)
		return 18;
	return close_after_setuid_exec(orphan, fd, go[0], sv[0], v);
}

TEST(setuid_root_child_survives_parents_close)
{
	char dir[64], path[128];
	struct verdict v;

	if (!is_root())
		SKIP(return, "needs root to make a setuid-root program");
	if (setuid_copy(dir, sizeof(dir), path, sizeof(path)))
		SKIP(return, "cannot make a setuid-root program under /tmp");
	EXPECT_EQ(0, run_unprivileged(pdfork_side, path, "--root-pinger", &v));
	setuid_remove(dir, path);
	EXPECT_EQ(EPERM, v.kill_errno) TH_LOG("kill(2) of the root child");
	EXPECT_TRUE(v.alive) {
		TH_LOG("the parent's close killed a child that is root now");
	}
}

/* Setuid with the real uid kept: kill(2) may still signal it, so may the close. */
TEST(setuid_child_keeping_real_uid_is_killed_by_close)
{
	char dir[64], path[128];
	struct verdict v;

	if (!is_root())
		SKIP(return, "needs root to make a setuid-root program");
	if (setuid_copy(dir, sizeof(dir), path, sizeof(path)))
		SKIP(return, "cannot make a setuid-root program under /tmp");
	EXPECT_EQ(0, run_unprivileged(pdfork_side, path, "--euid-pinger", &v));
	setuid_remove(dir, path);
	EXPECT_EQ(0, v.kill_errno) TH_LOG("kill(2) of the child");
	EXPECT_FALSE(v.alive) TH_LOG("the close did not kill the child");
}

TEST(setuid_root_orphan_survives_subreapers_close)
{
	char dir[64], path[128];
	struct verdict v;

	if (!is_root())
		SKIP(return, "needs root to make a setuid-root program");
	if (setuid_copy(dir, sizeof(dir), path, sizeof(path)))
		SKIP(return, "cannot make a setuid-root program under /tmp");
	EXPECT_EQ(0, run_unprivileged(subreaper_side, path, "--root-pinger", &v));
	setuid_remove(dir, path);
	EXPECT_EQ(EPERM, v.kill_errno) TH_LOG("kill(2) of the root orphan");
	EXPECT_TRUE(v.alive) {
		TH_LOG("the subreaper's close killed an orphan that is root now");
	}
}

/*
 * A child that kept its credentials is killed with privilege, even by a
 * parent that has dropped its own since: kill(2) would now refuse.
 */
TEST(unchanged_child_killed_by_parent_that_dropped_rights)
{
	int p[2], status = -1, res = -1;
	pid_t parent;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	parent = fork();
	ASSERT_GE(parent, 0);
	if (parent == 0) {
		int fd = -1, sk = -1, w, r[2];
		pid_t child;

		close(p[0]);
		child = pdfork_pinger(&fd, 0, &sk, 0);
		if (child < 0)
			_exit(10);
		w = watch_child(child);
		if (w < 0 || drop_to(PD_UID, PD_UID))
			_exit(10);
		r[0] = kill(child, 0) ? errno : 0;
		close(fd);
		r[1] = ping(sk);
		if (write(p[1], r, sizeof(r)) != sizeof(r))
			_exit(11);
		if (r[1])
			_exit(12);
		_exit(closed_child_status(w, child) == SIGKILL ? 0 : 13);
	}
	close(p[1]);
	ASSERT_EQ((ssize_t)sizeof(int), read(p[0], &res, sizeof(int)));
	EXPECT_EQ(EPERM, res) TH_LOG("kill(2) of the root child");
	ASSERT_EQ((ssize_t)sizeof(int), read(p[0], &res, sizeof(int)));
	EXPECT_FALSE(res) TH_LOG("the child survived its parent's close");
	close(p[0]);
	ASSERT_EQ(parent, waitpid_nointr(parent, &status, 0));
	EXPECT_EQ(0, status);
}

/*
 * Opened by an unprivileged user on its own process, which then becomes
 * root, and sent to root: root's close of the last reference checks the
 * opener's rights, which no longer reach the target.
 */
static void received_descriptor_close(struct __test_metadata *_metadata,
				      bool target_becomes_root)
{
	struct target t;
	int sv[2], fd, status = -1;
	pid_t opener;

	ASSERT_EQ(0, target_start(&t, PD_UID, PD_UID, 0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	opener = fork();
	ASSERT_GE(opener, 0);
	if (opener == 0) {
		int pd;

		close_all_but(sv[1]);
		if (drop_to(PD_UID, PD_UID))
			_exit(10);
		pd = pdopenpid(t.pid, 0);
		if (pd < 0)
			_exit(11);
		/* Its own copy goes with its exit. */
		_exit(send_fd(sv[1], pd) ? 12 : 0);
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(opener, waitpid_nointr(opener, &status, 0));
	ASSERT_EQ(0, status);
	if (target_becomes_root)
		ASSERT_TRUE(target_cmd(&t, 'R'));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(target_becomes_root, target_cmd(&t, 'p'));
	EXPECT_EQ(SIGKILL, target_end(&t));
	close(sv[0]);
}

TEST(root_closing_received_descriptor_uses_opener_rights)
{
	if (!is_root())
		SKIP(return, "needs root to change uid");
	received_descriptor_close(_metadata, true);
}

TEST(root_closing_received_descriptor_kills_when_opener_could)
{
	if (!is_root())
		SKIP(return, "needs root to change uid");
	received_descriptor_close(_metadata, false);
}

/*
 * The same through the unix-socket garbage collector: the opener puts the
 * descriptor in a socket that holds itself in flight and closes
 * everything; since 6.10 the collector and the final fput run in kernel
 * workers, with full kernel credentials.
 */
TEST(garbage_collected_descriptor_uses_opener_rights)
{
	struct target t;
	int sv[2], status = -1, base, i, n;
	pid_t opener;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	base = module_refcnt();
	ASSERT_GE(base, 0) TH_LOG("no /sys/module/procdesc/refcnt");
	ASSERT_EQ(0, target_start(&t, PD_UID, PD_UID, 0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	opener = fork();
	ASSERT_GE(opener, 0);
	if (opener == 0) {
		int pd, cyc[2], fds[2];

		close_all_but(sv[1]);
		if (drop_to(PD_UID, PD_UID))
			_exit(10);
		pd = pdopenpid(t.pid, 0);
		if (pd < 0 || !send_byte(sv[1], 'o') || recv_byte(sv[1]) != 'g')
			_exit(11);
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, cyc))
			_exit(12);
		/* cyc[1]'s queue holds cyc[1] itself and the descriptor. */
		fds[0] = cyc[1];
		fds[1] = pd;
		if (send_fds(cyc[0], fds, 2))
			_exit(13);
		/*
		 * The descriptor and cyc[1] first, so that the release of
		 * cyc[0] runs the collector with only the cycle holding them.
		 */
		close(pd);
		close(cyc[1]);
		close(cyc[0]);
		_exit(0);
	}
	close(sv[1]);
	ASSERT_EQ('o', recv_byte(sv[0]));
	ASSERT_TRUE(target_cmd(&t, 'R'));
	ASSERT_TRUE(send_byte(sv[0], 'g'));
	ASSERT_EQ(opener, waitpid_nointr(opener, &status, 0));
	ASSERT_EQ(0, status);
	/* The collector released the descriptor when the count is back. */
	for (i = 0, n = module_refcnt(); n > base && i < PD_TIMEOUT_MS / 10; i++) {
		usleep(10000);
		n = module_refcnt();
	}
	ASSERT_EQ(base, n) TH_LOG("the descriptor was never released");
	EXPECT_TRUE(target_cmd(&t, 'p')) {
		TH_LOG("the garbage collector's close killed a root process");
	}
	EXPECT_EQ(SIGKILL, target_end(&t));
	close(sv[0]);
}

/*
 * Opened by root, closed last by an unprivileged receiver: the opener could
 * kill the root target, so the close does.
 */
TEST(root_opened_descriptor_kills_when_closed_by_unprivileged)
{
	struct target t;
	int sv[2], fd, status = -1;
	pid_t rcv;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	ASSERT_EQ(0, target_start(&t, 0, 0, 0));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	rcv = fork();
	ASSERT_GE(rcv, 0);
	if (rcv == 0) {
		int rfd;

		close_all_but(sv[1]);
		if (drop_to(PD_UID, PD_UID))
			_exit(10);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(11);
		/* Its own calls still follow kill(2) for its own rights. */
		if (pdkill(rfd, 0) != -1 || errno != EPERM)
			_exit(12);
		close(rfd);
		_exit(send_byte(sv[1], 'd') ? 0 : 13);
	}
	close(sv[1]);
	fd = pdopenpid(t.pid, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ('d', recv_byte(sv[0]));
	ASSERT_EQ(rcv, waitpid_nointr(rcv, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_FALSE(target_cmd(&t, 'p')) TH_LOG("the close did not kill");
	EXPECT_EQ(SIGKILL, target_end(&t));
	close(sv[0]);
}

/*
 * The kill on the last close of a pdfork descriptor needs no rights of the
 * closer: an unprivileged receiver holding the last reference kills a root
 * child that kept its credentials.
 */
TEST(unprivileged_last_close_kills_pdfork_child)
{
	int sv[2], fd = -1, sk = -1, status = -1, w;
	pid_t pid, rcv;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	rcv = fork();
	ASSERT_GE(rcv, 0);
	if (rcv == 0) {
		int rfd;

		close_all_but(sv[1]);
		if (drop_to(PD_UID, PD_UID))
			_exit(1);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(2);
		if (recv_byte(sv[1]) != 'c')
			_exit(3);
		if (pdkill(rfd, SIGKILL) != -1 || errno != EPERM)
			_exit(4);
		close(rfd);
		if (!send_byte(sv[1], 'd'))
			_exit(5);
		_exit(0);
	}
	close(sv[1]);
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	w = watch_child(pid);
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
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

/* pdopenpid() needs kill(2)'s rights over the target. */
TEST(pdopenpid_of_other_user_eperm)
{
	int status = -1;
	pid_t helper;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		pid_t root_pid = getppid();

		if (drop_to(PD_UID, PD_UID))
			_exit(10);
		errno = 0;
		if (pdopenpid(1, 0) != -1 || errno != EPERM)
			_exit(11);
		errno = 0;
		if (pdopenpid(1, PD_DAEMON) != -1 || errno != EPERM)
			_exit(12);
		/* Our parent, the test, runs as root. */
		errno = 0;
		if (pdopenpid(root_pid, PD_DAEMON) != -1 || errno != EPERM)
			_exit(13);
		/* Ourselves is fine. */
		if (pdopenpid(getpid(), PD_DAEMON) < 0)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(helper, waitpid_nointr(helper, &status, 0));
	EXPECT_EQ(0, status) {
		TH_LOG("helper exit status %d", WEXITSTATUS(status));
	}
}

/*
 * pdkill() follows kill(2) for the caller: a receiver running as another
 * uid may not signal a root child through the descriptor (EPERM, also for
 * signal 0), and the child is untouched.
 */
TEST(pdkill_of_other_user_eperm)
{
	int sv[2], fd = -1, sk = -1, status = -1, hstatus = -1;
	pid_t pid, helper;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		int rfd;

		close_all_but(sv[1]);
		if (drop_to(PD_UID, PD_UID))
			_exit(10);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(11);
		errno = 0;
		if (pdkill(rfd, SIGTERM) != -1 || errno != EPERM)
			_exit(12);
		errno = 0;
		if (pdkill(rfd, 0) != -1 || errno != EPERM)
			_exit(13);
		errno = 0;
		if (pdkill(rfd, SIGKILL) != -1 || errno != EPERM)
			_exit(14);
		/* Argument errors come first. */
		errno = 0;
		if (pdkill(rfd, -1) != -1 || errno != EINVAL)
			_exit(15);
		_exit(0);
	}
	close(sv[1]);
	pid = pdfork_pinger(&fd, 0, &sk, 3);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(helper, waitpid_nointr(helper, &hstatus, 0));
	EXPECT_EQ(0, hstatus) {
		TH_LOG("helper exit status %d", WEXITSTATUS(hstatus));
	}
	EXPECT_TRUE(ping(sk));
	close(sk);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(3 << 8, status);
	close(fd);
	close(sv[0]);
}

/* The same uid may signal: a child that dropped to PD_UID, a helper too. */
TEST(pdkill_same_uid_allowed)
{
	int sv[2], fd = -1, p[2], status = -1, hstatus = -1;
	pid_t pid, helper;

	if (!is_root())
		SKIP(return, "needs root to change uid");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	helper = fork();
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		int rfd;

		close_all_but(sv[1]);
		if (drop_to(PD_UID, PD_UID))
			_exit(10);
		rfd = recv_fd(sv[1]);
		if (rfd < 0)
			_exit(11);
		if (pdkill(rfd, 0))
			_exit(12);
		if (pdkill(rfd, SIGTERM))
			_exit(13);
		_exit(0);
	}
	close(sv[1]);
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (drop_to(PD_UID, PD_UID))
			_exit(20);
		if (write(p[1], "r", 1) != 1)
			_exit(21);
		pause();
		_exit(22);
	}
	close(p[1]);
	ASSERT_EQ('r', recv_byte(p[0]));
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(helper, waitpid_nointr(helper, &hstatus, 0));
	EXPECT_EQ(0, hstatus) {
		TH_LOG("helper exit status %d", WEXITSTATUS(hstatus));
	}
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(SIGTERM, status);
	close(fd);
	close(sv[0]);
	close(p[0]);
}

/*
 * The setuid-root copy: take root's uids (all three, or the effective and
 * saved ones that the exec gave), say 'r' on fd @sk, then answer pings.
 */
static noreturn void setuid_pinger(const char *sk_arg, bool all)
{
	int sk = atoi(sk_arg);

	if (geteuid() != 0 || (all && setresuid(0, 0, 0)))
		_exit(PD_CHILD_FAIL);
	if (!send_byte(sk, 'r'))
		_exit(PD_CHILD_FAIL);
	serve_pings(sk, 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--root-pinger"))
		setuid_pinger(argv[2], true);
	if (argc == 3 && !strcmp(argv[1], "--euid-pinger"))
		setuid_pinger(argv[2], false);
	return test_harness_run(argc, argv);
}
