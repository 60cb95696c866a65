// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pdspawn(): run a program in a new child without copying the caller, as
 * posix_spawn() does, and return a process descriptor for it.
 *
 * The child is a clone(CLONE_VM) running on a stack in pdspawn()'s frame
 * until it execs, and the caller waits meanwhile, as with vfork(). Not
 * CLONE_VFORK, though: exec resets the child's exit signal to SIGCHLD
 * (fs/exec.c de_thread()), and the module sets it back to 0 at the
 * sched_process_exec tracepoint only if the descriptor's quiet watch
 * already exists. With CLONE_VFORK the parent sleeps until the child's
 * exec releases the mm (exec_mmap() -> exec_mm_release()), and the
 * tracepoint fires right after, so the parent could not make the
 * descriptor in time. Instead:
 *
 * 1. The parent blocks every signal and clones with CLONE_VM |
 *    CLONE_PIDFD | CLONE_CHILD_CLEARTID, exit signal 0, no CLONE_FILES
 *    and no CLONE_SIGHAND: the child has its own fd table and handlers.
 * 2. The child waits on the futex word @go.
 * 3. The parent makes the descriptor from the pidfd (PROCDESC_IOC_OPEN
 *    with PROCDESC_F_QUIET, as pdfork() does), then sets @go.
 * 4. The child resets caught signals to SIG_DFL, restores the caller's
 *    mask and execs. If execve() fails it stores the errno in @err and
 *    exits.
 * 5. The parent waits on @ctid, which the kernel zeroes and wakes when
 *    the child lets go of the shared mm, at exec or at exit
 *    (kernel/fork.c mm_release()). Then the child no longer runs on the
 *    stack here, and @err says whether the exec failed.
 *
 * The child shares the calling thread's TLS, so its errno is the caller's:
 * the parent reads errno only while the child sleeps on @go (after an
 * ioctl() that failed) or after it has let go of the mm, and restores it
 * on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched.h>
#include <sys/procdesc.h>

#include "internal.h"

/*
 * The child's stack. The child calls execve() and a few syscall wrappers
 * and nothing deep, but on first use through the PLT the dynamic linker's
 * lazy binding saves the whole extended register state (xsave) on it.
 */
#define PD_SPAWN_STACK	(32 * 1024)

/* The kernel's sigset_t, 64 signals, for rt_sigprocmask() and rt_sigaction(). */
#define PD_KSIGSETSIZE	8

/*
 * The kernel's struct sigaction for rt_sigaction(): handler, flags,
 * restorer, mask, on x86-64, i386 and every architecture with the generic
 * layout. glibc's sigaction() refuses its two internal signals (32 and
 * 33), whose handlers must not run in the child either.
 */
struct pd_ksigaction {
	void (*handler)(int sig);
	unsigned long flags;
	void (*restorer)(void);
	unsigned int mask[PD_KSIGSETSIZE / sizeof(unsigned int)];
};

struct pd_spawn {
	const char *path;
	char *const *argv;
	char *const *envp;
	sigset_t mask;		/* the caller's signal mask */
	int go;			/* set by the parent once the descriptor exists */
	int err;		/* execve()'s errno, set by the child */
	int ctid;		/* CLONE_CHILD_CLEARTID: zeroed at exec or exit */
};

static long pd_futex(int *word, int op, int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/*
 * The child, until execve(): async-signal-safe calls only, on the stack in
 * pdspawn()'s frame, every signal blocked on entry.
 */
static int pd_spawn_child(void *arg)
{
	struct pd_spawn *sp = arg;
	struct pd_ksigaction ka, dfl = { .handler = SIG_DFL };
	int sig;

	while (!__atomic_load_n(&sp->go, __ATOMIC_ACQUIRE))
		pd_futex(&sp->go, FUTEX_WAIT_PRIVATE, 0);

	/*
	 * As posix_spawn(): no handler of the caller's may run in the child
	 * once the mask is restored. Ignored signals stay ignored, and exec
	 * resets what is caught anyway (flush_signal_handlers()).
	 */
	for (sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, NULL, &ka, PD_KSIGSETSIZE) ||
		    ka.handler == SIG_DFL || ka.handler == SIG_IGN)
			continue;
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, PD_KSIGSETSIZE);
	}
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &sp->mask, NULL, PD_KSIGSETSIZE);

	execve(sp->path, sp->argv, sp->envp);
	__atomic_store_n(&sp->err, errno, __ATOMIC_RELEASE);
	_exit(127);
}

pid_t pdspawn(int *fdp, const char *path, char *const argv[],
	      char *const envp[], int flags)
{
	alignas(64) unsigned char stack[PD_SPAWN_STACK];
	struct pd_spawn sp = {
		.path = path,
		.argv = argv,
		.envp = envp,
		.ctid = 1,
	};
	int ctl, pidfd = -1, fd, err, ctid, saved_errno = errno;
	sigset_t all;
	pid_t pid;

	ctl = pd_fork_begin(fdp, flags);
	if (ctl < 0)
		return -1;

	/*
	 * No handler may run in the child, which shares our memory, before
	 * its own are reset. The raw call blocks glibc's internal signals too,
	 * as glibc's posix_spawn() does.
	 */
	sigfillset(&all);
	sigemptyset(&sp.mask);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &sp.mask, PD_KSIGSETSIZE);

	/*
	 * glibc's clone() rather than clone3(): a child on its own stack in a
	 * shared mm must start on that stack in assembly, which the wrapper
	 * does for every architecture; a raw clone3() would return into this
	 * frame on the wrong stack. Legacy clone() has CLONE_PIDFD (5.2+),
	 * returned through parent_tid.
	 */
	pid = clone(pd_spawn_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_PIDFD | CLONE_CHILD_CLEARTID, &sp,
		    &pidfd, NULL, &sp.ctid);
	if (pid < 0) {
		err = errno;
		goto out;
	}

	/* The child sleeps on sp.go: errno is ours until we set it. */
	fd = pd_adopt_child(ctl, pidfd, flags);
	if (fd < 0) {
		err = errno;
		pid = -1;
		goto out_pidfd;
	}

	__atomic_store_n(&sp.go, 1, __ATOMIC_RELEASE);
	pd_futex(&sp.go, FUTEX_WAKE_PRIVATE, 1);

	/*
	 * mm_release() wakes a shared futex (FUTEX_WAKE without the private
	 * flag), whose key for anonymous memory differs from a private one:
	 * this wait must be shared too.
	 */
	while ((ctid = __atomic_load_n(&sp.ctid, __ATOMIC_ACQUIRE)) != 0)
		pd_futex(&sp.ctid, FUTEX_WAIT, ctid);

	err = __atomic_load_n(&sp.err, __ATOMIC_ACQUIRE);
	if (err) {
		/* The child is exiting with 127 and sends nothing: reap it. */
		pd_discard_child(pidfd);
		close(fd);
		pid = -1;
	} else {
		*fdp = fd;
		err = saved_errno;
	}
out_pidfd:
	close(pidfd);
out:
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &sp.mask, NULL, PD_KSIGSETSIZE);
	errno = err;
	return pid;
}
