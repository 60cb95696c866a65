/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprocdesc internals shared by pdfork() (procdesc.c) and pdspawn()
 * (pdspawn.c). Not installed; the functions are hidden from the shared
 * library's ABI.
 */
#ifndef PD_INTERNAL_H
#define PD_INTERNAL_H

#include <sys/types.h>

#include <linux/procdesc.h>

#define PD_HIDDEN __attribute__((visibility("hidden")))

/*
 * Check pdfork()'s and pdspawn()'s @fdp and @flags and arm the calling
 * thread, so that its next child gets a descriptor, first reaping the
 * children left without one. Returns the control device's fd, which the
 * library keeps (not the caller's to close), or -1 with errno EFAULT,
 * EINVAL, ENODEV, EMFILE, EBUSY...
 */
PD_HIDDEN int pd_arm(struct procdesc_arm *arm, int flags, const int *fdp);

/*
 * After the C library's fork or spawn under an arm: @pid is what it
 * created (or -1 if it failed, or 0 if it created nothing). Stores the
 * descriptor in *@fdp and returns 0 if the child got it; else cancels the
 * arm, does away with a child that got no descriptor or the wrong one, and
 * returns an errno.
 */
PD_HIDDEN int pd_armed_result(int ctl, const struct procdesc_arm *arm,
			      pid_t pid, int *fdp);

/* Reap @pid, a child of the caller: waitid(P_PID, ..., __WALL | @options). */
PD_HIDDEN void pd_reap(pid_t pid, int options);

#endif /* PD_INTERNAL_H */
