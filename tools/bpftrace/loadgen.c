// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: a known number of procdesc operations, for checking that the
 * bpftrace scripts count exactly under load, and the events of every call
 * for tracepoint_test (which runs the 32-bit build, loadgen32 3).
 *
 * USAGE: loadgen N
 *
 * In order:
 * - child 1 is pdfork'd (ARM, then fork);
 * - N rounds of pdgetpid, pdkill(0), pdkill with an invalid signal (an
 *   error) and pdwait(WNOHANG) (an EWOULDBLOCK error);
 * - pdgetpidfd (pdgetpid, then the pidfd check) and pdopenpid (OPEN: a
 *   second file on child 1's descriptor), each closed at once;
 * - on a control device of its own: ARM, a second ARM (EBUSY), DISARM
 *   (cancels the arm), a second DISARM (ENOENT);
 * - child 2 is pdfork'd and its descriptor closed, which kills it; once it
 *   has ended, unreaped,
 * - child 1 is killed and collected: pdwait learns that child 2 is the
 *   library's to reap, and the library asks REAPABLE for it and reaps it.
 *
 * Calls: arm 4, disarm 2, reapable 1, open 1, getpid N + 1, kill 2N + 1,
 * wait N + 1, pidfd 1: 4N + 12. Errors 2N + 2 (kill EINVAL N, wait EAGAIN
 * N, arm EBUSY 1, disarm ENOENT 1). Life events: create 3 (children 1 and
 * 2, the pdopenpid), exit 1 (child 1; child 2 ends after its last close),
 * release 3 (the pdopenpid, child 2 killed, child 1 at loadgen's exit).
 * Collect-lock acquisitions 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/procdesc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/procdesc.h>

static pid_t pdfork_paused(int *fdp, int flags)
{
	pid_t pid = pdfork(fdp, flags);

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* ARM, ARM again (EBUSY), DISARM, DISARM again (ENOENT): 0 if all so. */
static int arm_and_disarm(void)
{
	struct procdesc_arm arm = { .flags = PROCDESC_F_CLOEXEC };
	struct procdesc_arm again = { .flags = PROCDESC_F_DAEMON };
	int ctl, ret = -1;

	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -1;
	if (!ioctl(ctl, PROCDESC_IOC_ARM, &arm) &&
	    ioctl(ctl, PROCDESC_IOC_ARM, &again) == -1 && errno == EBUSY &&
	    !ioctl(ctl, PROCDESC_IOC_DISARM, 0UL) &&
	    ioctl(ctl, PROCDESC_IOC_DISARM, 0UL) == -1 && errno == ENOENT)
		ret = 0;
	close(ctl);
	return ret;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	int fd, fd2, other, status;
	siginfo_t info;
	pid_t pid, pid2, got;

	if (n <= 0) {
		fprintf(stderr, "usage: loadgen N\n");
		return 2;
	}
	pid = pdfork_paused(&fd, PD_CLOEXEC);
	if (pid < 0) {
		perror("pdfork");
		return 1;
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
	other = pdgetpidfd(fd);
	if (other < 0 || close(other)) {
		perror("loadgen: pdgetpidfd");
		return 1;
	}
	other = pdopenpid(pid, 0);
	if (other < 0 || close(other)) {
		perror("loadgen: pdopenpid");
		return 1;
	}
	if (arm_and_disarm()) {
		perror("loadgen: arm and disarm");
		return 1;
	}
	/* Child 2 ends with its last descriptor; the library will reap it. */
	pid2 = pdfork_paused(&fd2, 0);
	if (pid2 < 0 || close(fd2) ||
	    waitid(P_PID, pid2, &info, WEXITED | WNOWAIT | __WALL)) {
		perror("loadgen: second child");
		return 1;
	}
	if (pdkill(fd, SIGKILL) || pdwait(fd, &status, WEXITED, NULL, NULL) ||
	    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		perror("loadgen: kill and collect");
		return 1;
	}
	if (waitid(P_PID, pid2, &info, WEXITED | WNOHANG | __WALL) != -1 ||
	    errno != ECHILD) {
		fprintf(stderr, "loadgen: the library did not reap child 2\n");
		return 1;
	}
	printf("loadgen: %ld rounds, %ld operations\n", n, 4 * n + 12);
	return 0;
}
