/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences between the kernels procdesc builds for (5.10 LTS to the
 * newest Debian ships) live here and nowhere else. The module is written
 * against the newest kernel's names; this header, force-included into every
 * file by Kbuild, gives older kernels those names, as WireGuard's compat.h
 * did.
 */
#ifndef _PROCDESC_COMPAT_H
#define _PROCDESC_COMPAT_H

#include <linux/version.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* pidfs arrived in 6.9; its magic is not in older headers. */
#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC 0x50494446
#endif

/*
 * inode_operations.getattr takes a struct mnt_idmap first since 6.3, a
 * struct user_namespace in 5.12-6.2, and nothing before 5.12: there the
 * first parameter is dropped from pd_getattr()'s definition (it is unused).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 12, 0)
#define pd_getattr(idmap, ...) pd_getattr(__VA_ARGS__)
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define mnt_idmap user_namespace
#endif

/* 6.18 renamed generic_delete_inode() inode_just_drop(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
#define inode_just_drop generic_delete_inode
#endif

/*
 * Tracepoint probes. A probe must have its tracepoint's prototype, void
 * *data and then TP_PROTO; tracepoint_probe_register() takes it as a void *,
 * so a mismatch would compile and, on a kernel with CONFIG_CFI_CLANG, trap at
 * the first call. Define each probe with its tracepoint's macro:
 *
 *	PD_PROBE_sched_process_exit(pd_exit_probe)
 *	{
 *		... task, group_dead ...
 *	}
 *
 * which names the parameters as below and asserts at compile time that the
 * probe has the type of the kernel's check_trace_callback_type_<tracepoint>()
 * parameter, declared by the tracepoint's header (<trace/events/sched.h>,
 * <trace/events/task.h>), which the file must include. Argument names
 * follow the newest kernel; a kernel without an argument passes none.
 */
#define PD_PROBE_CHECK(tp, fn)							\
	static_assert(__same_type(&check_trace_callback_type_##tp,		\
				  (void (*)(typeof(fn) *))NULL),		\
		      #fn "() does not match the " #tp " tracepoint")

#define PD_PROBE(tp, fn, ...)							\
	static void fn(void *data, __VA_ARGS__);				\
	PD_PROBE_CHECK(tp, fn);							\
	static void fn(void *data, __VA_ARGS__)

#define PD_PROBE_sched_process_exec(fn)						\
	PD_PROBE(sched_process_exec, fn, struct task_struct *task,		\
		 pid_t old_pid, struct linux_binprm *bprm)

/*
 * 6.16 added group_dead (and moved the tracepoint earlier in do_exit()).
 * Before, do_exit() has decremented signal->live already, and to 0 in the
 * last thread: pd_exit_group_dead() tells, in the probe, either way.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define PD_PROBE_sched_process_exit(fn)						\
	PD_PROBE(sched_process_exit, fn, struct task_struct *task,		\
		 bool group_dead)
#define pd_exit_group_dead(task)	(group_dead)
#else
#define PD_PROBE_sched_process_exit(fn)						\
	PD_PROBE(sched_process_exit, fn, struct task_struct *task)
#define pd_exit_group_dead(task)	(!atomic_read(&(task)->signal->live))
#endif

#define PD_PROBE_sched_process_fork(fn)						\
	PD_PROBE(sched_process_fork, fn, struct task_struct *parent,		\
		 struct task_struct *child)

/* The clone flags became a u64 in 6.18 (an unsigned long before). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
#define PD_PROBE_task_newtask(fn)						\
	PD_PROBE(task_newtask, fn, struct task_struct *task, u64 clone_flags)
#else
#define PD_PROBE_task_newtask(fn)						\
	PD_PROBE(task_newtask, fn, struct task_struct *task,			\
		 unsigned long clone_flags)
#endif

/*
 * The struct pid behind a pidfd, or ERR_PTR(-EBADF) for any other file.
 * pidfd_pid() is not exported, so recognise the file ourselves. Since 6.9
 * pidfds live on pidfs, which keeps the pid in the inode; before, or with
 * CONFIG_FS_PID=n, they are anon_inode files named "[pidfd]" that keep it in
 * private_data. Both filesystems are kernel-internal, so neither can be
 * forged from userspace; test both at run time since a config choice decides.
 */
static inline struct pid *pd_pidfd_pid(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (inode->i_sb->s_magic == PID_FS_MAGIC)
		return inode->i_private;
	if (inode->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	    !strcmp(file->f_path.dentry->d_name.name, "[pidfd]"))
		return file->private_data;
	return ERR_PTR(-EBADF);
}

/*
 * Whether @task is still in copy_process(), before wake_up_new_task(): 5.14
 * renamed task_struct.state __state.
 */
static inline bool pd_task_is_new(struct task_struct *task)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 14, 0)
	return READ_ONCE(task->state) == TASK_NEW;
#else
	return READ_ONCE(task->__state) == TASK_NEW;
#endif
}

/*
 * Have the kernel reap @task's process when it exits, with no signal and
 * no zombie, if it can: Linux 7.1's CLONE_AUTOREAP sets signal->autoreap,
 * which do_notify_parent() honours for an untraced child (and
 * __ptrace_detach() once a tracer lets it go). The flag shares a byte with
 * timer_create_restore_ids, which prctl() writes without a lock from any
 * thread of the process; so only the last thread to exit sets it, when no
 * thread of the process can run prctl() any more, before exit_notify()
 * reads it. Whether it was set.
 */
static inline bool pd_autoreap(struct task_struct *task)
{
#ifdef CLONE_AUTOREAP
	task->signal->autoreap = 1;
	return true;
#else
	return false;
#endif
}

/* copy_struct_to_user() arrived in 6.13: the copy-out twin of
 * copy_struct_from_user(), zero-filling a larger user struct.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
static __always_inline __must_check int
copy_struct_to_user(void __user *dst, size_t usize, const void *src,
		    size_t ksize, bool *ignored_trailing)
{
	size_t size = min(ksize, usize);

	if (usize > ksize && clear_user(dst + size, usize - size))
		return -EFAULT;
	if (ignored_trailing)
		*ignored_trailing = ksize > usize &&
			memchr_inv(src + size, 0, ksize - size);
	if (copy_to_user(dst, src, size))
		return -EFAULT;
	return 0;
}
#endif

#endif /* _PROCDESC_COMPAT_H */
