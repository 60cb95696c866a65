/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/wait.h> for FreeBSD programs built against libprocdesc with
 * `pkg-config --cflags --libs libprocdesc-freebsd`, which puts this
 * directory first on the system include path.
 *
 * It includes the C library's <sys/wait.h> and turns waitpid(), wait4() and
 * waitid() into libprocdesc's procdesc_waitpid(), procdesc_wait4() and
 * procdesc_waitid(), so that a wait for a pdfork child by its pid or process
 * group finds it and reaps it, as on FreeBSD, while a wait for any child
 * still never sees it. A file that waits needs nothing but <sys/wait.h>.
 * (epoll-shim serves FreeBSD programs the other way round, in the same
 * manner.) Written for glibc, whose feature macros decide which of these
 * functions <sys/wait.h> declares.
 */
#include_next <sys/wait.h>

#ifndef _PROCDESC_FREEBSD_SYS_WAIT_H
#define _PROCDESC_FREEBSD_SYS_WAIT_H

#ifdef __cplusplus
extern "C" {
#endif

pid_t procdesc_waitpid(pid_t pid, int *status, int options);
#define waitpid procdesc_waitpid

#ifdef __USE_MISC
struct rusage;
pid_t procdesc_wait4(pid_t pid, int *status, int options, struct rusage *rusage);
#define wait4 procdesc_wait4
#endif

#if defined(__USE_XOPEN) || defined(__USE_XOPEN2K8)
int procdesc_waitid(idtype_t idtype, id_t id, siginfo_t *info, int options);
#define waitid procdesc_waitid
#endif

#ifdef __cplusplus
}
#endif

#endif /* _PROCDESC_FREEBSD_SYS_WAIT_H */
