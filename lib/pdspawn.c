// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pdspawn() and pdspawnp(): the C library's posix_spawn() and
 * posix_spawnp(), with every file action and attribute they take, and a
 * process descriptor for the child.
 *
 * The calling thread is armed first (PROCDESC_IOC_ARM): the clone inside
 * posix_spawn() binds the descriptor to the child before the child runs,
 * so that the module already keeps it quiet when its exec resets its exit
 * signal, and installs it before posix_spawn() returns. When the exec
 * fails, the C library reports the error but cannot reap the child, whose
 * exit signal is 0 (its waitpid() does not see it): it is reaped here, and
 * its descriptor closed, so that nothing is left.
 *
 * Signals are blocked from the arm until posix_spawn() has returned: a
 * handler that ran in between and made a process (fork(), system(), a
 * posix_spawn() of its own) would have that process take the descriptor,
 * lose its exit to the descriptor's quiet, and leave ours without one. The
 * child gets the caller's mask back through POSIX_SPAWN_SETSIGMASK, which is
 * what posix_spawn() would have given it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/procdesc.h>
#include <sys/procdesc.h>

#include "internal.h"

typedef int (*pd_spawn_fn)(pid_t *pid, const char *path,
			   const posix_spawn_file_actions_t *file_actions,
			   const posix_spawnattr_t *attrp, char *const argv[],
			   char *const envp[]);

/*
 * @attrp, or default attributes, in @attr, with @mask as the child's signal
 * mask unless @attrp sets one. posix_spawnattr_t is plain data in the C
 * libraries (glibc, musl): a copy is the same attributes.
 */
static int pd_spawn_attr(posix_spawnattr_t *attr, const posix_spawnattr_t *attrp,
			 const sigset_t *mask)
{
	short sflags = 0;
	int ret = 0;

	if (attrp)
		*attr = *attrp;
	else
		ret = posix_spawnattr_init(attr);
	if (!ret)
		ret = posix_spawnattr_getflags(attr, &sflags);
	if (ret || (sflags & POSIX_SPAWN_SETSIGMASK))
		return ret;
	ret = posix_spawnattr_setsigmask(attr, mask);
	if (!ret)
		ret = posix_spawnattr_setflags(attr, sflags | POSIX_SPAWN_SETSIGMASK);
	return ret;
}

static int pd_spawn(pd_spawn_fn spawn, pid_t *pidp, int *fdp, int flags,
		    const char *path, const posix_spawn_file_actions_t *file_actions,
		    const posix_spawnattr_t *attrp, char *const argv[],
		    char *const envp[])
{
	int ctl, ret, err = errno;
	struct procdesc_arm arm;
	posix_spawnattr_t attr;
	sigset_t all, mask;
	pid_t pid = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &mask);
	ctl = pd_arm(&arm, flags, fdp);
	if (ctl < 0) {
		ret = errno;
		goto out;
	}
	ret = pd_spawn_attr(&attr, attrp, &mask);
	if (!ret) {
		ret = spawn(&pid, path, file_actions, &attr, argv, envp);
		posix_spawnattr_destroy(&attr);
	}
	if (ret && arm.pid > 0) {
		/* The exec failed: the child has exited (127), unreaped. */
		pd_reap(arm.pid, 0);
		if (arm.fd >= 0)
			close(arm.fd);
	} else if (ret) {
		/* No child: the arm is still there. */
		ioctl(ctl, PROCDESC_IOC_DISARM, 0);
	} else {
		ret = pd_armed_result(ctl, &arm, pid, fdp);
	}
	if (!ret && pidp)
		*pidp = pid;
out:
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	errno = err;
	return ret;
}

int pdspawn(pid_t *pidp, int *fdp, int flags, const char *path,
	    const posix_spawn_file_actions_t *file_actions,
	    const posix_spawnattr_t *attrp, char *const argv[], char *const envp[])
{
	return pd_spawn(posix_spawn, pidp, fdp, flags, path, file_actions, attrp,
			argv, envp);
}

int pdspawnp(pid_t *pidp, int *fdp, int flags, const char *file,
	     const posix_spawn_file_actions_t *file_actions,
	     const posix_spawnattr_t *attrp, char *const argv[], char *const envp[])
{
	return pd_spawn(posix_spawnp, pidp, fdp, flags, file, file_actions, attrp,
			argv, envp);
}
