// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing of a process outlives it and its descriptors: once it is reaped
 * and every descriptor of it closed, the module has let go of its struct
 * pid. A struct pid holds its pid namespace, so a leaked one keeps the
 * namespace alive, and a user namespace's ucount limit makes that visible
 * on any kernel (kmemleak sees it only on a debug kernel): allowed a
 * single pid namespace at a time, a user namespace can make a second one
 * only once the first is gone. Each test runs its steps as the first
 * process of a pid namespace, then makes a new one.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

/* Exit codes of the namespace's maker, besides PD_CHILD_OK/PD_CHILD_FAIL. */
#define NS_LIMIT_HIT	2	/* unshare(CLONE_NEWPID): ENOSPC */
#define NS_UNSUPPORTED	3	/* no user namespaces here */

/* Release goes through RCU (struct pid, the descriptor object): wait. */
#define NS_RELEASE_WAIT_MS	10000

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(text), n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == len ? 0 : -1;
}

/* Become root of a new user namespace allowed one pid namespace. */
static int enter_userns_of_one_pidns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
	if (write_file("/proc/self/uid_map", map))
		return -1;
	if (write_file("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
	if (write_file("/proc/self/gid_map", map))
		return -1;
	return write_file("/proc/sys/user/max_pid_namespaces", "1");
}

/*
 * Run @steps as the first process of a new pid namespace, and reap it.
 * Returns its exit code, NS_LIMIT_HIT if the namespace could not be made,
 * or PD_CHILD_FAIL.
 */
static int in_new_pidns(int (*steps)(void))
{
	int status = -1;
	pid_t maker, init;

	maker = fork();
	if (maker < 0)
		return PD_CHILD_FAIL;
	if (maker == 0) {
		if (unshare(CLONE_NEWPID))
			_exit(errno == ENOSPC ? NS_LIMIT_HIT : PD_CHILD_FAIL);
		init = fork();
		if (init < 0)
			_exit(PD_CHILD_FAIL);
		if (init == 0)
			_exit(steps());
		if (waitpid_nointr(init, &status, 0) != init ||
		    !WIFEXITED(status))
			_exit(PD_CHILD_FAIL);
		_exit(WEXITSTATUS(status));
	}
	if (waitpid_nointr(maker, &status, 0) != maker || !WIFEXITED(status))
		return PD_CHILD_FAIL;
	return WEXITSTATUS(status);
}

static int no_steps(void)
{
	return PD_CHILD_OK;
}

/*
 * In a child: @steps in one pid namespace, then a second namespace, which
 * the limit allows once the first one is freed. Returns the child's status.
 */
static int steps_leave_nothing(int (*steps)(void))
{
	int status = -1, ret, ms;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (enter_userns_of_one_pidns())
			_exit(errno == EPERM || errno == EINVAL || errno == ENOSPC ?
			      NS_UNSUPPORTED : PD_CHILD_FAIL);
		ret = in_new_pidns(steps);
		if (ret != PD_CHILD_OK)
			_exit(ret == NS_LIMIT_HIT ? NS_UNSUPPORTED : ret);
		for (ms = 0; ms < NS_RELEASE_WAIT_MS; ms += 10) {
			ret = in_new_pidns(no_steps);
			if (ret != NS_LIMIT_HIT)
				break;
			usleep(10000);
		}
		_exit(ret);
	}
	if (waitpid_nointr(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int pdfork_wait_close(void)
{
	return pdfork_and_wait(7) ? PD_CHILD_FAIL : PD_CHILD_OK;
}

/* The object made by an open (pdopenpid()), not by pdfork(). */
static int open_self_close(void)
{
	int fd = pdopenpid(getpid(), PD_DAEMON);

	if (fd < 0)
		return PD_CHILD_FAIL;
	return close(fd) ? PD_CHILD_FAIL : PD_CHILD_OK;
}

/* The parent's open of a child fork() made: the object holds its creds. */
static int open_forked_child_close(void)
{
	int fd, status = -1, sk = -1;
	pid_t pid = fork_pinger(&sk, PD_CHILD_FAIL);

	if (pid < 0)
		return PD_CHILD_FAIL;
	fd = pdopenpid(pid, 0);
	if (fd < 0)
		return PD_CHILD_FAIL;
	/* The last close kills it while it still waits for its socket. */
	close(fd);
	if (waitpid_nointr(pid, &status, 0) != pid || status != SIGKILL)
		return PD_CHILD_FAIL;
	return PD_CHILD_OK;
}

/* A second file on the object pdfork() made, while the child runs. */
static int pdfork_open_again(void)
{
	int fd, fd2, status = -1, sk = -1;
	pid_t pid = pdfork_pinger(&fd, 0, &sk, 3);

	if (pid < 0)
		return PD_CHILD_FAIL;
	fd2 = pdopenpid(pid, PD_DAEMON);
	close(sk);
	if (fd2 < 0 || pdwait(fd2, &status, WEXITED, NULL, NULL) ||
	    status != 3 << 8)
		return PD_CHILD_FAIL;
	close(fd);
	close(fd2);
	return PD_CHILD_OK;
}

/* A daemon child left running; the namespace's end kills and reaps it. */
static int pdfork_daemon_left(void)
{
	int fd = -1, sk = -1;

	if (pdfork_pinger(&fd, PD_DAEMON, &sk, PD_CHILD_FAIL) < 0)
		return PD_CHILD_FAIL;
	return close(fd) ? PD_CHILD_FAIL : PD_CHILD_OK;
}

FIXTURE(leak) {};
FIXTURE_SETUP(leak) {}
FIXTURE_TEARDOWN(leak) {}

/* What runs in the first pid namespace. */
FIXTURE_VARIANT(leak) {
	int (*steps)(void);
};

/* The method itself: a namespace that held nothing of ours is freed. */
FIXTURE_VARIANT_ADD(leak, nothing) {
	.steps = no_steps,
};

FIXTURE_VARIANT_ADD(leak, pdfork_child_reaped) {
	.steps = pdfork_wait_close,
};

FIXTURE_VARIANT_ADD(leak, pdopenpid_of_self_closed) {
	.steps = open_self_close,
};

FIXTURE_VARIANT_ADD(leak, pdopenpid_of_forked_child_closed) {
	.steps = open_forked_child_close,
};

FIXTURE_VARIANT_ADD(leak, pdfork_child_opened_again) {
	.steps = pdfork_open_again,
};

FIXTURE_VARIANT_ADD(leak, pdfork_daemon_child_outlived_its_descriptor) {
	.steps = pdfork_daemon_left,
};

TEST_F(leak, first_pidns_freed)
{
	int status = steps_leave_nothing(variant->steps);

	if (status == NS_UNSUPPORTED << 8)
		SKIP(return, "no user and pid namespaces to count with");
	EXPECT_NE(NS_LIMIT_HIT << 8, status)
		TH_LOG("the first pid namespace is still alive after %d ms",
		       NS_RELEASE_WAIT_MS);
	EXPECT_EQ(PD_CHILD_OK, status);
}

TEST_HARNESS_MAIN
