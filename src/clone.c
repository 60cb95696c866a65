// SPDX-License-Identifier: GPL-2.0
/*
 * Clone-time descriptors: the descriptor of a child exists before the child
 * runs an instruction, so that pdfork() can be the C library's own fork()
 * and pdspawn() its posix_spawn().
 *
 * PROCDESC_IOC_ARM arms the calling thread: it checks that a file
 * descriptor number is free and makes the descriptor's file, unbound. The
 * thread's next clone that makes a child process of it binds the file to
 * the child from the task_newtask tracepoint, which kernel_clone() fires
 * after the child is on the parent's children list and before
 * wake_up_new_task(): the child, in TASK_NEW, cannot run, exec or exit, and
 * nothing else writes its exit signal until it runs (copy_process() did, the
 * reparenting at the parent's exit cannot run while the parent is in clone,
 * and exec is the child's own). The probe may run with preemption disabled,
 * so it only binds; a task work, which runs before the clone returns to
 * the parent, installs the file in a fresh fd and writes the fd and the pid
 * back to the caller's struct procdesc_arm.
 *
 * The fd number is taken at install time rather than reserved at the arm:
 * a reservation would live in the files_struct of the arm, which the thread
 * may replace (unshare(CLONE_FILES), close_range(CLOSE_RANGE_UNSHARE))
 * before it forks, and a module cannot pin one (put_files_struct() is not
 * exported). The arm checks that a number is free, so a full table fails
 * before any child exists; if another thread fills it in between, the
 * install fails, the file is released and the child killed as by a last
 * close, and the errno goes back in the fd field.
 *
 * An arm is one-shot. Threads (CLONE_THREAD) and CLONE_PARENT siblings do
 * not consume it; PROCDESC_IOC_DISARM cancels it, and the thread's exec or
 * exit drops it, so that a task_struct reused for another thread never
 * finds a stale one.
 */
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <linux/procdesc.h>

#include "procdesc.h"

#define PD_ARM_FLAGS (PROCDESC_F_DAEMON | PROCDESC_F_CLOEXEC)

struct procdesc_armed {
	struct hlist_node node;		/* in pd_arms, by task, until bound */
	struct task_struct *task;	/* the armed thread */
	struct file *file;		/* the descriptor, unbound until the clone */
	u32 flags;
	void __user *result;		/* the caller's struct procdesc_arm */
	struct callback_head work;	/* the install, once bound */
	struct rcu_head rcu;
};

/*
 * Armed threads, by task_struct. The task_newtask probe runs at every clone
 * in the system, so pd_armed, the number of entries, lets it return at once
 * when nobody is armed.
 */
static DEFINE_HASHTABLE(pd_arms, 6);
static DEFINE_RAW_SPINLOCK(pd_arms_lock);
static atomic_t pd_armed = ATOMIC_INIT(0);

/* The arm of @task, taken out of the table; or NULL. */
static struct procdesc_armed *pd_arm_take(struct task_struct *task)
{
	struct procdesc_armed *arm;

	raw_spin_lock(&pd_arms_lock);
	hash_for_each_possible(pd_arms, arm, node, (unsigned long)task) {
		if (arm->task != task)
			continue;
		hash_del(&arm->node);
		atomic_dec(&pd_armed);
		raw_spin_unlock(&pd_arms_lock);
		return arm;
	}
	raw_spin_unlock(&pd_arms_lock);
	return NULL;
}

/* Free an arm that was never bound; from any context. */
static void pd_arm_free(struct procdesc_armed *arm)
{
	fput(arm->file);
	kfree_rcu(arm, rcu);
}

long procdesc_ioc_arm(void __user *uarg, size_t usize)
{
	struct procdesc_armed *arm, *other;
	struct procdesc_arm args;
	struct file *file;
	long ret;
	int fd;

	ret = copy_struct_from_user(&args, sizeof(args), uarg, usize);
	if (ret)
		goto out;
	pd_trace(arm_enter, args.flags);
	ret = -EINVAL;
	if (args.flags & ~PD_ARM_FLAGS)
		goto out;
	/* No fd for the descriptor, no child. */
	fd = get_unused_fd_flags(0);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	put_unused_fd(fd);
	args.fd = -1;
	args.pid = 0;
	args.reapable = procdesc_reapable_count();
	ret = copy_struct_to_user(uarg, usize, &args, sizeof(args), NULL);
	if (ret)
		goto out;

	ret = -ENOMEM;
	arm = kzalloc(sizeof(*arm), GFP_KERNEL_ACCOUNT);
	if (!arm)
		goto out;
	file = procdesc_alloc_unbound(args.flags);
	if (IS_ERR(file)) {
		kfree(arm);
		ret = PTR_ERR(file);
		goto out;
	}
	arm->task = current;
	arm->file = file;
	arm->flags = args.flags;
	arm->result = uarg;

	ret = -EBUSY;
	raw_spin_lock(&pd_arms_lock);
	hash_for_each_possible(pd_arms, other, node, (unsigned long)current)
		if (other->task == current)
			break;
	if (!other) {
		hash_add(pd_arms, &arm->node, (unsigned long)current);
		atomic_inc(&pd_armed);
		ret = 0;
	}
	raw_spin_unlock(&pd_arms_lock);
	if (ret)
		pd_arm_free(arm);
out:
	pd_trace_return(arm, 0, ret);
	return ret;
}

long procdesc_ioc_disarm(unsigned long arg)
{
	struct procdesc_armed *arm;
	long ret = -EINVAL;

	pd_trace(disarm_enter, arg);
	if (!arg) {
		arm = pd_arm_take(current);
		ret = arm ? 0 : -ENOENT;
		if (arm)
			pd_arm_free(arm);
	}
	pd_trace_return(disarm, 0, ret);
	return ret;
}

static void pd_arm_install(struct callback_head *work)
{
	struct procdesc_armed *arm = container_of(work, struct procdesc_armed, work);

	procdesc_install(arm->file, arm->flags, arm->result);
	kfree(arm);
}

/**
 * procdesc_newtask - the task_newtask probe: bind an armed thread's child
 * @child: the new task, TASK_NEW
 * @clone_flags: its clone flags
 *
 * Called in the parent at every clone in the system, with preemption
 * disabled on kernels before 6.10-ish and under SRCU since: nothing here
 * sleeps.
 */
void procdesc_newtask(struct task_struct *child, u64 clone_flags)
{
	struct procdesc_armed *arm;

	if (likely(!atomic_read(&pd_armed)))
		return;
	/* A thread, or a sibling rather than a child, is not what was armed for. */
	if (clone_flags & (CLONE_THREAD | CLONE_PARENT))
		return;
	arm = pd_arm_take(current);
	if (!arm)
		return;
	procdesc_bind(arm->file, child);
	/*
	 * Runs before the clone returns to userspace: in the parent, whose
	 * syscall this is, with the child bound already. task_work_add()
	 * fails only for a task past exit_task_work(), which a task in clone
	 * is not.
	 */
	init_task_work(&arm->work, pd_arm_install);
	if (WARN_ON_ONCE(task_work_add(current, &arm->work, TWA_RESUME)))
		pd_arm_free(arm);
}

/* The exec or exit of @task drops its arm. Atomic context. */
void procdesc_arm_drop(struct task_struct *task)
{
	struct procdesc_armed *arm;

	if (likely(!atomic_read(&pd_armed)))
		return;
	arm = pd_arm_take(task);
	if (arm)
		pd_arm_free(arm);
}
