// SPDX-License-Identifier: GPL-2.0
/*
 * A program written as for FreeBSD, built unchanged on Linux:
 *
 *	cc freebsd-style.c $(pkg-config --cflags --libs libprocdesc-freebsd)
 *
 * It reaps a pdfork child by pid with waitpid(), the FreeBSD idiom before
 * pdwait(), waits for another with poll() and pdwait(), and stops an
 * ordinary child through pdopenpid() and pdkill(), then reaps it by pid.
 * Nothing here is Linux-specific: libprocdesc-freebsd's <sys/wait.h> makes
 * waitpid(pid) find a pdfork child, as FreeBSD's does. Exit status 0 when
 * everything behaved as on FreeBSD.
 */
#include <sys/types.h>
#include <sys/procdesc.h>
#include <sys/wait.h>

#include <err.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static int
worker(int code)
{
	usleep(100 * 1000);
	_exit(code);
}

int
main(void)
{
	struct pollfd pfd;
	int fd, status;
	pid_t pid;

	/* 1. pdfork, then reap by pid, as FreeBSD code did before pdwait(). */
	pid = pdfork(&fd, PD_CLOEXEC);
	if (pid == -1)
		err(1, "pdfork");
	if (pid == 0)
		worker(3);
	if (waitpid(pid, &status, 0) != pid)
		err(1, "waitpid(%d)", (int)pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 3)
		errx(1, "waitpid(%d): status %#x, not exit(3)", (int)pid, status);
	printf("pdfork child %d reaped by waitpid: exit(3)\n", (int)pid);
	close(fd);

	/* 2. pdfork, poll for its exit, pdwait. */
	pid = pdfork(&fd, PD_CLOEXEC);
	if (pid == -1)
		err(1, "pdfork");
	if (pid == 0)
		worker(4);
	pfd.fd = fd;
	pfd.events = POLLHUP;
	if (poll(&pfd, 1, 10000) != 1 || !(pfd.revents & POLLHUP))
		errx(1, "poll: no POLLHUP for %d", (int)pid);
	if (pdwait(fd, &status, WEXITED, NULL, NULL) == -1)
		err(1, "pdwait");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 4)
		errx(1, "pdwait: status %#x, not exit(4)", status);
	printf("pdfork child %d collected by pdwait after POLLHUP: exit(4)\n", (int)pid);
	close(fd);

	/* A wait for any child never saw either of them. */
	if (waitpid(-1, &status, WNOHANG) != -1)
		errx(1, "waitpid(-1) found a child");

	/* 3. An ordinary child, stopped through a descriptor, reaped by pid. */
	pid = fork();
	if (pid == -1)
		err(1, "fork");
	if (pid == 0) {
		pause();
		_exit(0);
	}
	fd = pdopenpid(pid, PD_CLOEXEC | PD_DAEMON);
	if (fd == -1)
		err(1, "pdopenpid(%d)", (int)pid);
	if (pdkill(fd, SIGTERM) == -1)
		err(1, "pdkill");
	if (waitpid(pid, &status, 0) != pid)
		err(1, "waitpid(%d)", (int)pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM)
		errx(1, "waitpid(%d): status %#x, not SIGTERM", (int)pid, status);
	printf("fork child %d stopped by pdkill through pdopenpid: SIGTERM\n", (int)pid);
	close(fd);
	return 0;
}
