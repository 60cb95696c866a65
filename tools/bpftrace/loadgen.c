// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen: a known number of procdesc operations, for checking that the
 * bpftrace scripts count exactly under load, and the events of every call
 * for tracepoint_test (which runs the 32-bit build, loadgen32 3).
 *
 * USAGE: loadgen N
 *        loadgen hold MS
 *
 * loadgen N, in order:
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
 *   Where the kernel autoreaps (7.1 and later, CLONE_AUTOREAP), child 2
 *   leaves no zombie and there is no REAPABLE.
 *
 * Calls: arm 4, disarm 2, reapable 1 (0 where the kernel autoreaps, and
 * it prints which), open 1, getpid N + 1, kill 2N + 1, wait N + 1, pidfd
 * 1: 4N + 12 (4N + 11). Errors 2N + 2 (kill EINVAL N, wait EAGAIN N, arm
 * EBUSY 1, disarm ENOENT 1). Life events: create 3 (children 1 and
 * 2, the pdopenpid), exit 1 (child 1; child 2 ends after its last close),
 * release 3 (the pdopenpid, child 2 killed, child 1 at loadgen's exit).
 * Collect-lock acquisitions 1.
 *
 * loadgen hold MS holds a descriptor's collect lock for MS milliseconds,
 * or with MS 0 until its standard input ends, for the lock checks of the
 * scripts: a child is pdfork'd and exits at once; a thread's
 * PROCDESC_IOC_WAIT (WEXITED | WNOWAIT) takes the lock, reads the exit and
 * stalls copying it out to a userfaultfd write-protected page, for as long
 * as the main thread, which learns of the stall from the userfaultfd, leaves
 * the page protected (the copy-out, under the lock, sleeps in the fault).
 * It prints "loadgen: holding ..." once the lock is held. Then the child is
 * collected with pdwait. Calls: arm 1, wait 2; no errors; create 1, exit 1,
 * release 1; collect-lock acquisitions 2 (the stalled wait, the collect).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/procdesc.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/procdesc.h>
#include <linux/userfaultfd.h>

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

struct held_wait {
	int fd;
	struct procdesc_wait *w;	/* on a write-protected page */
	int ret, err;
};

static void *held_wait_thread(void *arg)
{
	struct held_wait *hw = arg;

	hw->ret = ioctl(hw->fd, PROCDESC_IOC_WAIT, hw->w);
	hw->err = errno;
	return NULL;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Hold a collect lock for @ms milliseconds, or until stdin ends if 0. */
static int hold(long ms)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	struct uffdio_writeprotect wp = { .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	struct held_wait hw = { .fd = -1 };
	long page = sysconf(_SC_PAGESIZE), start;
	struct uffd_msg msg;
	struct pollfd p;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };
	char buf[64];
	pthread_t t;
	int uffd, status;
	pid_t pid;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		perror("loadgen: a write-protect userfaultfd");
		return 1;
	}
	hw.w = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hw.w == MAP_FAILED) {
		perror("loadgen: mmap");
		return 1;
	}
	/* Written first: only a present page can be write-protected. */
	hw.w->options = WEXITED | WNOWAIT;
	reg.range.start = (unsigned long)hw.w;
	reg.range.len = page;
	wp.range = reg.range;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) || ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		perror("loadgen: write-protect");
		return 1;
	}
	pid = pdfork(&hw.fd, PD_CLOEXEC);
	if (pid < 0) {
		perror("pdfork");
		return 1;
	}
	if (pid == 0)
		_exit(7);
	p.fd = hw.fd;
	p.events = POLLHUP;
	if (poll(&p, 1, -1) != 1) {
		perror("loadgen: poll");
		return 1;
	}
	errno = pthread_create(&t, NULL, held_wait_thread, &hw);
	if (errno) {
		perror("loadgen: pthread_create");
		return 1;
	}
	/* The copy-out faults with the lock held. */
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
		fprintf(stderr, "loadgen: no write-protect fault\n");
		return 1;
	}
	start = now_ms();
	printf("loadgen: holding the collect lock of pid %d\n", pid);
	fflush(stdout);
	if (ms) {
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	} else {
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
	}
	wp.mode = 0;
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		perror("loadgen: write-unprotect");
		return 1;
	}
	errno = pthread_join(t, NULL);
	if (errno || hw.ret || hw.w->status != 7 << 8) {
		fprintf(stderr, "loadgen: the held wait: %d, %s, status %#x\n", hw.ret,
			strerror(hw.err), hw.w->status);
		return 1;
	}
	printf("loadgen: held the collect lock %ld ms\n", now_ms() - start);
	if (pdwait(hw.fd, &status, WEXITED, NULL, NULL) || status != 7 << 8) {
		perror("loadgen: collect");
		return 1;
	}
	close(hw.fd);
	close(uffd);
	munmap(hw.w, page);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	int fd, fd2, other, status, zombie;
	siginfo_t info;
	pid_t pid, pid2, got;

	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(strtol(argv[2], NULL, 10));
	if (n <= 0) {
		fprintf(stderr, "usage: loadgen N | loadgen hold MS\n");
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
	/*
	 * Child 2 ends with its last descriptor, a zombie the library will
	 * reap; where the kernel autoreaps, waitid finds no child.
	 */
	pid2 = pdfork_paused(&fd2, 0);
	if (pid2 < 0 || close(fd2)) {
		perror("loadgen: second child");
		return 1;
	}
	zombie = !waitid(P_PID, pid2, &info, WEXITED | WNOWAIT | __WALL);
	if (!zombie && errno != ECHILD) {
		perror("loadgen: second child's end");
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
	printf("loadgen: %ld rounds, %ld operations, reapable %d\n", n, 4 * n + 11 + zombie,
	       zombie);
	return 0;
}
