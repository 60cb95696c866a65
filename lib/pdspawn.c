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
 */
#define _GNU_SOURCE
#include <errno.h>
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

static int pd_spawn(pd_spawn_fn spawn, pid_t *pidp, int *fdp, int flags,
		    const char *path, const posix_spawn_file_actions_t *file_actions,
		    const posix_spawnattr_t *attrp, char *const argv[],
		    char *const envp[])
{
	int ctl, ret, err = errno;
	struct procdesc_arm arm;
	pid_t pid = 0;

	ctl = pd_arm(&arm, flags, fdp);
	if (ctl < 0) {
		ret = errno;
		errno = err;
		return ret;
	}
	ret = spawn(&pid, path, file_actions, attrp, argv, envp);
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
