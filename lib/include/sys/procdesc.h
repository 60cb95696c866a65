/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/procdesc.h>: FreeBSD process descriptors on Linux (libprocdesc).
 *
 * A process descriptor is a file descriptor naming a child process. It
 * delivers no SIGCHLD and is invisible to wait(-1); poll() reports POLLHUP
 * once the process has exited; closing the last reference kills the process
 * unless PD_DAEMON was given. Link with -lprocdesc; needs the procdesc
 * kernel module (/dev/procdesc). See pdfork(2).
 */
#ifndef _SYS_PROCDESC_H
#define _SYS_PROCDESC_H

#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/types.h>

/*
 * pdwait() takes a siginfo_t, which glibc's <signal.h> declares only for
 * POSIX feature levels: under strict ISO C (-std=c99, no feature macro) it
 * is hidden, so take glibc's own definition, which it keeps apart for
 * exactly such uses.
 */
#if defined(__GLIBC__) && !defined(__USE_POSIX199309)
#include <bits/types/siginfo_t.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* pdfork(), pdspawn() and pdopenpid() flags, FreeBSD's values. */
#define PD_DAEMON		0x00000001	/* last close does not kill */
#define PD_CLOEXEC		0x00000002	/* close-on-exec descriptor */
#define PD_ALLOWED_AT_FORK	(PD_DAEMON | PD_CLOEXEC)

/* pdrfork() flags, FreeBSD's rfork(2) values (<sys/unistd.h> there). */
#ifndef RFPROC
#define RFFDG		0x00000004	/* copy the descriptor table */
#define RFPROC		0x00000010	/* make a new process */
#define RFPROCDESC	0x10000000	/* return a process descriptor */
#define RFSPAWN		0x80000000U	/* vfork-like, caught signals reset */
#endif

/* What this header offers beyond FreeBSD 9's three calls. */
#define PROCDESC_HAVE_PDSPAWNP	1
#define PROCDESC_HAVE_PDDUPFD	1

#ifndef _STRUCT_WRUSAGE
#define _STRUCT_WRUSAGE
/* As FreeBSD's <sys/resource.h>: the process's own usage and its children's. */
struct __wrusage {
	struct rusage wru_self;
	struct rusage wru_children;
};
#endif

pid_t pdfork(int *fdp, int flags);
int pdgetpid(int fd, pid_t *pidp);
int pdkill(int fd, int signum);
int pdwait(int fd, int *status, int options, struct __wrusage *wrusage,
	   siginfo_t *info);
pid_t pdwait4(int fd, int *status, int options, struct rusage *rusage);
int pdopenpid(pid_t pid, int flags);
int pddupfd(int pd, int fd, int flags);

pid_t pdrfork(int *fdp, int pdflags, int rfflags);

/*
 * posix_spawn() and posix_spawnp() with a process descriptor in *fdp:
 * 0 or an error number, as posix_spawn().
 */
int pdspawn(pid_t *pidp, int *fdp, int flags, const char *path,
	    const posix_spawn_file_actions_t *file_actions,
	    const posix_spawnattr_t *attrp, char *const argv[],
	    char *const envp[]);
int pdspawnp(pid_t *pidp, int *fdp, int flags, const char *file,
	     const posix_spawn_file_actions_t *file_actions,
	     const posix_spawnattr_t *attrp, char *const argv[],
	     char *const envp[]);

/* Linux only: between process descriptors and pidfds. */
int pdgetpidfd(int fd);
int pdopenpidfd(int pidfd, int flags);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_PROCDESC_H */
