/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libprocdesc internals shared by pdfork() (procdesc.c) and pdspawn()
 * (pdspawn.c). Not installed; the functions are hidden from the shared
 * library's ABI.
 */
#ifndef PD_INTERNAL_H
#define PD_INTERNAL_H

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define PD_HIDDEN __attribute__((visibility("hidden")))

/*
 * Check pdfork()'s and pdspawn()'s @fdp and @flags and get the control
 * device, before any child exists. Returns the device's fd, which the
 * library keeps open (not the caller's to close), or -1 with errno EINVAL,
 * EFAULT, ENODEV, EMFILE...
 */
PD_HIDDEN int pd_fork_begin(int *fdp, int flags);

/*
 * Turn the pidfd of a new child into its descriptor through @ctl, with the
 * quiet watch that keeps its exit signal at 0 across exec. If that fails
 * the child is killed and reaped. Returns the descriptor, or -1 with errno.
 */
PD_HIDDEN int pd_adopt_child(int ctl, int pidfd, int flags);

/* Kill and reap a child through its pidfd. */
PD_HIDDEN void pd_discard_child(int pidfd);

#endif /* PD_INTERNAL_H */
