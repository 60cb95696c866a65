// SPDX-License-Identifier: GPL-2.0
/*
 * A tour of process descriptors: start workers with pdfork(), watch them
 * with poll(), stop one with pdkill(), collect all with pdwait(). No
 * SIGCHLD handler, no wait(-1): the descriptors are the only handles.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procdesc.h>
#include <sys/wait.h>
#include <unistd.h>

#define NWORKERS 3

static void describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, len, "status %#x", status);
}

static int worker(int n)
{
	switch (n) {
	case 0:
		usleep(100 * 1000);
		return 7;		/* finishes on its own */
	case 1:
		for (;;)
			pause();	/* runs until pdkill'd */
	default:
		usleep(300 * 1000);
		return 0;
	}
}

int main(void)
{
	struct pollfd pfd[NWORKERS];
	int fd[NWORKERS], left = NWORKERS;
	pid_t pid[NWORKERS];
	char what[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("demo: SIGCHLD is %s; no wait(-1) anywhere\n",
	       signal(SIGCHLD, SIG_DFL) == SIG_DFL ? "at its default" : "handled");

	for (int i = 0; i < NWORKERS; i++) {
		pid[i] = pdfork(&fd[i], PD_CLOEXEC);
		if (pid[i] < 0) {
			fprintf(stderr, "demo: pdfork: %s\n", strerror(errno));
			return 1;
		}
		if (pid[i] == 0)
			_exit(worker(i));
		printf("demo: worker %d started: pid %d, descriptor %d\n", i, pid[i], fd[i]);
		pfd[i] = (struct pollfd){ .fd = fd[i], .events = POLLHUP };
	}

	if (pdkill(fd[1], SIGTERM) < 0) {
		fprintf(stderr, "demo: pdkill: %s\n", strerror(errno));
		return 1;
	}
	printf("demo: sent SIGTERM to worker 1 through its descriptor\n");

	while (left) {
		if (poll(pfd, NWORKERS, 10000) <= 0) {
			fprintf(stderr, "demo: poll: timed out or failed\n");
			return 1;
		}
		for (int i = 0; i < NWORKERS; i++) {
			siginfo_t info;
			int status;

			if (pfd[i].fd < 0 || !(pfd[i].revents & POLLHUP))
				continue;
			if (pdwait(fd[i], &status, WEXITED, NULL, &info) < 0) {
				fprintf(stderr, "demo: pdwait: %s\n", strerror(errno));
				return 1;
			}
			describe(status, what, sizeof(what));
			printf("demo: worker %d (pid %d) %s\n", i, info.si_pid, what);
			close(fd[i]);
			pfd[i].fd = -1;
			left--;
		}
	}
	printf("demo: all workers collected; waitpid(-1) now says: %s\n",
	       waitpid(-1, NULL, WNOHANG) < 0 ? strerror(errno) : "a child is left");
	return 0;
}
