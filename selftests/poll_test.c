// SPDX-License-Identifier: GPL-2.0
/*
 * poll/select/epoll: nothing while the process runs, exactly POLLHUP once
 * the whole process has exited, level-triggered, for every waiter.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "procdesc_test.h"
#include "kselftest_harness.h"

TEST(nothing_before_exit)
{
	struct pollfd pfd;
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, pfd.revents);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(0, poll(&pfd, 1, 50));
	EXPECT_EQ(0, pfd.revents);
	close(sk);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

/* Exit wakes a blocked poll(); revents is POLLHUP whatever was asked. */
TEST(pollhup_on_exit_whatever_events)
{
	static const short asked[] = {
		POLLIN, 0, POLLOUT, POLLPRI, POLLIN | POLLOUT | POLLPRI | POLLRDHUP,
	};
	struct pollfd pfd;
	int fd = -1, sk = -1;
	unsigned int i;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	close(sk);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, PD_TIMEOUT_MS));
	EXPECT_EQ(POLLHUP, pfd.revents);
	for (i = 0; i < ARRAY_SIZE(asked); i++) {
		pfd = (struct pollfd){ .fd = fd, .events = asked[i] };
		EXPECT_EQ(1, poll(&pfd, 1, 0));
		EXPECT_EQ(POLLHUP, pfd.revents) {
			TH_LOG("events %#x gave revents %#x", asked[i], pfd.revents);
		}
	}
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

TEST(level_triggered_before_and_after_reap)
{
	int fd = -1, sk = -1, i;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	close(sk);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	close(fd);

	/* Reaped with waitpid() instead. */
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	close(sk);
	ASSERT_EQ(pid, waitpid_nointr(pid, NULL, __WALL));
	EXPECT_EQ(POLLHUP, poll_now(fd, POLLIN));
	EXPECT_EQ(POLLHUP, poll_now(fd, 0));
	close(fd);
}

TEST(pollhup_when_killed)
{
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pdkill(fd, SIGKILL));
	EXPECT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(sk);
}

TEST(select_reports_readable)
{
	struct timeval tv;
	fd_set rfds, efds;
	int fd = -1, sk = -1;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_LT(fd, FD_SETSIZE);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	FD_ZERO(&efds);
	FD_SET(fd, &efds);
	tv = (struct timeval){ 0, 0 };
	EXPECT_EQ(0, select(fd + 1, &rfds, NULL, &efds, &tv));

	close(sk);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	FD_ZERO(&efds);
	FD_SET(fd, &efds);
	tv = (struct timeval){ PD_TIMEOUT_MS / 1000, 0 };
	EXPECT_EQ(1, select(fd + 1, &rfds, NULL, &efds, &tv));
	EXPECT_TRUE(FD_ISSET(fd, &rfds));
	EXPECT_FALSE(FD_ISSET(fd, &efds));
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

/* epoll registered with @events wakes on exit with exactly EPOLLHUP. */
static int epoll_exit(struct __test_metadata *_metadata, __u32 events)
{
	struct epoll_event ev = { .events = events }, out[2];
	int fd = -1, sk = -1, ep;
	pid_t pid;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -1;
	pid = pdfork_pinger(&fd, 0, &sk, 0);
	if (pid <= 0)
		return -1;
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	/* Let the child block first, so the wait really sleeps. */
	EXPECT_TRUE(ping(sk));
	close(sk);
	EXPECT_EQ(1, epoll_wait(ep, out, 2, PD_TIMEOUT_MS));
	EXPECT_EQ((__u32)EPOLLHUP, out[0].events);
	EXPECT_EQ(fd, out[0].data.fd);
	if (events & EPOLLET) {
		/* Edge-triggered: once only. */
		EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	} else {
		EXPECT_EQ(1, epoll_wait(ep, out, 2, 0));
		EXPECT_EQ((__u32)EPOLLHUP, out[0].events);
	}
	if (pdwait(fd, NULL, WEXITED, NULL, NULL))
		return -1;
	if (!(events & EPOLLET)) {
		EXPECT_EQ(1, epoll_wait(ep, out, 2, 0));
		EXPECT_EQ((__u32)EPOLLHUP, out[0].events);
	}
	close(fd);
	close(ep);
	return 0;
}

TEST(epoll_events_in)
{
	ASSERT_EQ(0, epoll_exit(_metadata, EPOLLIN));
}

TEST(epoll_events_zero)
{
	ASSERT_EQ(0, epoll_exit(_metadata, 0));
}

TEST(epoll_edge_triggered)
{
	ASSERT_EQ(0, epoll_exit(_metadata, EPOLLIN | EPOLLET));
}

TEST(epoll_oneshot)
{
	ASSERT_EQ(0, epoll_exit(_metadata, EPOLLIN | EPOLLONESHOT | EPOLLET));
}

TEST(epoll_registered_after_exit)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int fd = -1, ep;
	pid_t pid;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(POLLHUP, wait_hup(fd));
	ev.data.fd = fd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 0));
	EXPECT_EQ((__u32)EPOLLHUP, out.events);
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(ep);
}

/* Several processes sharing the descriptor all wake up. */
TEST(several_processes_wake)
{
	pid_t pollers[3], pid;
	int fd = -1, sk = -1, p[2], i, status;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	for (i = 0; i < 3; i++) {
		pollers[i] = fork();
		ASSERT_GE(pollers[i], 0);
		if (pollers[i] == 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int n;

			close(sk);
			close(p[0]);
			if (write(p[1], "r", 1) != 1)
				_exit(10);
			n = poll(&pfd, 1, PD_TIMEOUT_MS);
			if (n != 1)
				_exit(11);
			_exit(pfd.revents == POLLHUP ? 0 : 12);
		}
	}
	close(p[1]);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ('r', recv_byte(p[0]));
		/* Sleeping, most likely in poll(). */
		ASSERT_EQ(0, wait_proc_state(pollers[i], 'S'));
	}
	close(sk);
	for (i = 0; i < 3; i++) {
		status = -1;
		ASSERT_EQ(pollers[i], waitpid_nointr(pollers[i], &status, 0));
		EXPECT_EQ(0, status) {
			TH_LOG("poller %d: status %#x", i, status);
		}
	}
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
	close(p[0]);
}

static void *poll_thread(void *arg)
{
	struct pollfd pfd = { .fd = *(int *)arg, .events = 0 };

	if (poll(&pfd, 1, PD_TIMEOUT_MS) != 1)
		return (void *)(intptr_t)-1;
	return (void *)(intptr_t)pfd.revents;
}

TEST(several_threads_wake)
{
	pthread_t t[3];
	void *ret;
	int fd = -1, sk = -1, i;
	pid_t pid;

	pid = pdfork_pinger(&fd, 0, &sk, 0);
	ASSERT_GT(pid, 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, poll_thread, &fd));
	usleep(50000);
	close(sk);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(POLLHUP, (int)(intptr_t)ret);
	}
	ASSERT_EQ(0, pdwait(fd, NULL, WEXITED, NULL, NULL));
	close(fd);
}

/*
 * Only the exit of the whole process counts: with the leader gone and a
 * thread still running, poll reports nothing; the last thread's exit wakes
 * a sleeping poller.
 */
TEST(leader_exit_is_not_process_exit)
{
	int fd = -1, wfd = -1, status = -1;
	pid_t pid;

	pid = pdfork_leader_first(&fd, &wfd, 3);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, wait_proc_state(pid, 'Z'));
	EXPECT_EQ(0, poll_now(fd, POLLIN));
	EXPECT_EQ(0, wait_revents(fd, POLLIN, 50));
	close(wfd);
	EXPECT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(3 << 8, status);
	close(fd);
}

/* Exec in the child (a new program, same process) is not an exit. */
TEST(exec_is_not_exit)
{
	int fd = -1, p[2], status = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, 0));
	pid = pdfork(&fd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(p[1]);
		if (dup2(p[0], 0) < 0)
			_exit(1);
		execl("/bin/sh", "sh", "-c", "read x; exit 6", (char *)NULL);
		_exit(2);
	}
	close(p[0]);
	EXPECT_EQ(0, wait_revents(fd, POLLIN, 200));
	ASSERT_EQ(2, write(p[1], "x\n", 2));
	close(p[1]);
	EXPECT_EQ(POLLHUP, wait_hup(fd));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	EXPECT_EQ(6 << 8, status);
	close(fd);
}

TEST_HARNESS_MAIN
