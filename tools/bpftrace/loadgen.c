// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: a known number of procdesc operations, for checking that the
 * bpftrace scripts count exactly under load.
 *
 * USAGE: loadgen N
 *
 * One child is pdfork'd; then N rounds of pdgetpid, pdkill(0), pdkill with
 * an invalid signal (an error) and pdwait(WNOHANG) (an EWOULDBLOCK error);
 * then the child is killed and collected. Totals: open 1, getpid N,
 * kill 2N + 1, wait N + 1, pidfd 1, errors 2N, collect-lock acquisitions 1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/procdesc.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	int fd, status;
	pid_t pid, got;

	if (n <= 0) {
		fprintf(stderr, "usage: loadgen N\n");
		return 2;
	}
	pid = pdfork(&fd, PD_CLOEXEC);
	if (pid < 0) {
		perror("pdfork");
		return 1;
	}
	if (pid == 0) {
		for (;;)
			pause();
	}
	for (long i = 0; i < n; i++) {
		if (pdgetpid(fd, &got) || got != pid || pdkill(fd, 0) ||
		    pdkill(fd, 65) != -1 || errno != EINVAL ||
		    pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL) != -1 ||
		    errno != EWOULDBLOCK) {
			fprintf(stderr, "loadgen: round %ld failed\n", i);
			return 1;
		}
	}
	if (pdkill(fd, SIGKILL) || pdwait(fd, &status, WEXITED, NULL, NULL) ||
	    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		perror("loadgen: kill and collect");
		return 1;
	}
	printf("loadgen: %ld rounds, %ld operations\n", n, 4 * n + 4);
	return 0;
}
