// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * waitpid(), wait4() and waitid() as FreeBSD code expects them around
 * pdfork children, for programs built with pkg-config's libprocdesc-freebsd,
 * whose <sys/wait.h> (include/freebsd/sys/wait.h) turns their calls into
 * these.
 *
 * On FreeBSD the parent reaps a pdfork child by pid (waitpid(pid), before
 * FreeBSD 16 the only way), or by process group, while a wait for any child
 * skips it. On Linux a child with exit signal 0 is a "clone" child that only
 * __WALL (or __WCLONE) waits see, whatever the pid: the kernel's filter is
 * on the exit signal, not the pid, so the distinction has to be made here.
 * A wait that names a process or a process group gets __WALL; a wait for
 * any child does not, and still never sees a pdfork child.
 */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/wait.h>

/* __WALL for a wait that names a pid or a process group, not any child. */
static int pd_wall(pid_t pid)
{
	return pid == -1 ? 0 : __WALL;
}

pid_t procdesc_waitpid(pid_t pid, int *status, int options)
{
	return waitpid(pid, status, options | pd_wall(pid));
}

pid_t procdesc_wait4(pid_t pid, int *status, int options, struct rusage *rusage)
{
	return wait4(pid, status, options | pd_wall(pid), rusage);
}

int procdesc_waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	return waitid(idtype, id, info, options | (idtype == P_ALL ? 0 : __WALL));
}
