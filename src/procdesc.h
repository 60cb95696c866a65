/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the files of the procdesc module.
 */
#ifndef _PROCDESC_H
#define _PROCDESC_H

#include <linux/compat.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#include "trace.h"
#include "trace32.h"

struct file;
struct kstat;
struct pid;
struct procdesc;
struct task_struct;

/* src/procdesc.c: the process descriptor object */
int procdesc_open(struct file *pidfd, u32 flags, pid_t *nr);
struct file *procdesc_alloc_unbound(u32 flags);
void procdesc_bind(struct file *file, struct task_struct *child);
void procdesc_install(struct file *file, u32 flags, void __user *result);
void procdesc_quieten(struct task_struct *task, bool exiting);
void procdesc_process_exec(struct task_struct *task);
void procdesc_process_exit(struct task_struct *task);
unsigned int procdesc_reapable_count(void);
long procdesc_ioc_reapable(void __user *uarg);
void procdesc_put(struct procdesc *pd);
void procdesc_fill_stat(struct procdesc *pd, struct kstat *stat);
void procdesc_exit(void);

/* src/clone.c: a descriptor bound to the next child of an armed thread */
long procdesc_ioc_arm(void __user *uarg, size_t usize);
long procdesc_ioc_disarm(unsigned long arg);
void procdesc_newtask(struct task_struct *child, u64 clone_flags);
void procdesc_arm_drop(struct task_struct *task);

/* src/hooks.c: the kernel tracepoints the module hooks into */
int procdesc_hooks_init(void);
void procdesc_hooks_exit(void);

/* src/pdfs.c: the pseudo filesystem of descriptor files */
int pdfs_pin(void);
void pdfs_unpin(void);
struct file *pdfs_alloc_file(struct procdesc *pd, unsigned long private,
			     const struct file_operations *fops);

/*
 * Whether @cmd is @ref with a size of at least @min: structures grow at
 * their end, so the size in the command number may be larger or smaller
 * than the kernel's own (see copy_struct_from_user()).
 */
static inline bool procdesc_cmd_is(unsigned int cmd, unsigned int ref,
				   size_t min)
{
	return _IOC_TYPE(cmd) == _IOC_TYPE(ref) && _IOC_NR(cmd) == _IOC_NR(ref) &&
	       _IOC_DIR(cmd) == _IOC_DIR(ref) && _IOC_SIZE(cmd) >= min;
}

#ifdef PROCDESC_NO_TRACEPOINTS
/*
 * Benchmark builds only (bench/bench.mk): every trace call compiled out,
 * arguments unevaluated, to measure what the disabled tracepoints cost.
 */
#define pd_trace_in(compat, event, ...)				\
	do {							\
		if (0 && (compat))				\
			trace_##event(__VA_ARGS__);		\
	} while (0)
#else
/*
 * Fire @event in procdesc32 if @compat, else in procdesc. The static keys
 * come first, so that with both events off neither @compat (for pd_trace(),
 * in_compat_syscall()) nor the arguments are evaluated: the benchmark
 * measured 5.6 % on pdgetpid otherwise, 0.5 % this way.
 */
#define pd_trace_in(compat, event, ...)				\
	do {							\
		if (!trace_##event##_enabled() &&		\
		    !trace_##event##32_enabled())		\
			break;					\
		if (compat)					\
			trace_##event##32(__VA_ARGS__);		\
		else						\
			trace_##event(__VA_ARGS__);		\
	} while (0)
#endif

/* Fire @event in the caller's trace system: procdesc32 for 32-bit callers. */
#define pd_trace(event, ...) pd_trace_in(in_compat_syscall(), event, __VA_ARGS__)

/* Fire <op>_return, and error as well when @ret is an errno. */
#define pd_trace_return(op, pid, ret)				\
	do {							\
		pid_t __pid = (pid);				\
		long __ret = (ret);				\
								\
		pd_trace(op##_return, __pid, __ret);		\
		if (__ret < 0)					\
			pd_trace(error, #op, __pid, -__ret);	\
	} while (0)

#endif /* _PROCDESC_H */
