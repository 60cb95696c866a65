// SPDX-License-Identifier: GPL-2.0
/*
 * The process descriptor: a file that names one process, as FreeBSD's
 * sys_procdesc.c does, built the way a pidfd is. It holds a reference on the
 * process's struct pid, never its number, so no operation can reach another
 * process that reused the pid.
 *
 * - poll reports EPOLLHUP once the process has exited, and from then on;
 * - PROCDESC_IOC_KILL signals it with kill(2)'s permission rules;
 * - PROCDESC_IOC_WAIT sleeps until it exits and reports the status and
 *   resource usage from the zombie, which the parent (in userspace, through
 *   waitid(P_PIDFD)) then reaps: a module cannot reap;
 * - the release of the last reference SIGKILLs a live process unless the
 *   descriptor was made with PROCDESC_F_DAEMON.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/mutex.h>
#include <linux/fs.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/ptrace.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/task_io_accounting_ops.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <uapi/linux/wait.h>
#include <linux/procdesc.h>

#include "procdesc.h"

/* procdesc.flags bits */
enum {
	PD_DAEMON,	/* last close leaves the process running */
	PD_CHILD,	/* made by the parent: see pd_kill_on_close() */
	PD_COLLECTED,	/* a PROCDESC_IOC_WAIT consumed the exit */
	PD_EXIT_SEEN,	/* the exit event has fired */
	PD_COMPAT,	/* made by a 32-bit caller: life events go to procdesc32 */
	PD_QUIET,	/* the child's exit_signal is kept at 0 (src/quiet.c) */
};

struct procdesc {
	struct pid *pid;
	struct file *pidfd;		/* the pidfd it was made from */
	wait_queue_head_t wait;		/* pollers and PROCDESC_IOC_WAIT sleepers */
	wait_queue_entry_t exit_wait;	/* on pid->wait_pidfd, relays the exit */
	struct mutex collect_lock;	/* from reading an exit to consuming it */
	struct timespec64 start;	/* the process's start, wall clock */
	unsigned long flags;
	const struct cred *cred;	/* PD_CHILD: the child's credentials then */
	struct pid *parent;		/* PD_QUIET: the parent that made it */
	struct procdesc_quiet quiet;	/* PD_QUIET: read under RCU, hence... */
	struct rcu_head rcu;		/* ...an RCU-delayed free */
};

/* Fire a life event in the trace system of the descriptor's maker. */
#define pd_trace_life(pd, event, ...)					\
	pd_trace_in(test_bit(PD_COMPAT, &(pd)->flags), event, __VA_ARGS__)

/* The wait(2) status of a zombie, as wait_task_zombie() computes it. */
static int pd_exit_status(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;

	return (sig->flags & SIGNAL_GROUP_EXIT) ? sig->group_exit_code :
						  task->exit_code;
}

/* Whether the whole thread group has exited: a zombie leader, or reaped. */
static bool pd_exited(struct procdesc *pd)
{
	struct task_struct *task;
	bool exited;

	rcu_read_lock();
	task = pid_task(pd->pid, PIDTYPE_TGID);
	exited = !task || (READ_ONCE(task->exit_state) && thread_group_empty(task));
	rcu_read_unlock();
	return exited;
}

/*
 * Once the process has exited: fire the exit event, the first time only,
 * and wake pollers and waiters. The kernel wakes pidfd pollers with EPOLLIN
 * only (6.9+), which epoll would filter out for a descriptor that reports
 * EPOLLHUP, so our own queue is woken with the right key.
 */
static void pd_notice_exit(struct procdesc *pd)
{
	struct task_struct *task;

	if (!pd_exited(pd))
		return;
	if (!test_and_set_bit(PD_EXIT_SEEN, &pd->flags)) {
		rcu_read_lock();
		task = pid_task(pd->pid, PIDTYPE_TGID);
		pd_trace_life(pd, exit, pid_nr(pd->pid), task ? pd_exit_status(task) : -1);
		rcu_read_unlock();
	}
	wake_up_poll(&pd->wait, EPOLLHUP);
}

/*
 * The relay from pid->wait_pidfd: called in the exiting task (or whoever
 * notifies its parent again), under pid->wait_pidfd.lock and possibly with
 * tasklist_lock held, so atomic.
 */
static int pd_exit_wake(struct wait_queue_entry *wait, unsigned int mode,
			int sync, void *key)
{
	pd_notice_exit(container_of(wait, struct procdesc, exit_wait));
	return 0;
}

static __poll_t pd_poll(struct file *file, poll_table *pts)
{
	struct procdesc *pd = file->private_data;

	poll_wait(file, &pd->wait, pts);
	return pd_exited(pd) ? EPOLLHUP : 0;
}

static long pd_kill(struct procdesc *pd, struct procdesc_kill *args)
{
	if (args->flags || args->signal < 0 || !valid_signal(args->signal))
		return -EINVAL;
	if (test_bit(PD_COLLECTED, &pd->flags))
		return -ESRCH;
	/* A zombie accepts (and ignores) signals until it is reaped. */
	return kill_pid(pd->pid, args->signal, 0);
}

static long pd_ioc_kill(struct procdesc *pd, void __user *uarg, size_t usize)
{
	struct procdesc_kill args;
	pid_t nr = pid_nr(pd->pid);
	long ret;

	ret = copy_struct_from_user(&args, sizeof(args), uarg, usize);
	if (!ret) {
		pd_trace(kill_enter, nr, args.signal);
		ret = pd_kill(pd, &args);
	}
	pd_trace_return(kill, nr, ret);
	return ret;
}

static void pd_ns_to_timeval(u64 ns, __s64 *sec, __s64 *usec)
{
	u32 rem;

	*sec = div_u64_rem(ns, NSEC_PER_SEC, &rem);
	*usec = rem / NSEC_PER_USEC;
}

/*
 * Resource usage of a zombie thread group, as getrusage(RUSAGE_SELF) would
 * have given it: the dead threads are summed in the signal struct, the
 * leader is still a task. thread_group_cputime_adjusted() is not exported,
 * so the leader's times are adjusted alone.
 */
static void pd_fill_rusage(struct task_struct *task, struct procdesc_rusage *self,
			   struct procdesc_rusage *children)
{
	struct signal_struct *sig = task->signal;
	const long kib_per_page = PAGE_SIZE / 1024;
	u64 utime, stime;

	task_cputime_adjusted(task, &utime, &stime);
	pd_ns_to_timeval(sig->utime + utime, &self->utime_sec, &self->utime_usec);
	pd_ns_to_timeval(sig->stime + stime, &self->stime_sec, &self->stime_usec);
	self->maxrss = sig->maxrss * kib_per_page;
	self->minflt = sig->min_flt + task->min_flt;
	self->majflt = sig->maj_flt + task->maj_flt;
	self->inblock = sig->inblock + task_io_get_inblock(task);
	self->oublock = sig->oublock + task_io_get_oublock(task);
	self->nvcsw = sig->nvcsw + task->nvcsw;
	self->nivcsw = sig->nivcsw + task->nivcsw;

	pd_ns_to_timeval(sig->cutime, &children->utime_sec, &children->utime_usec);
	pd_ns_to_timeval(sig->cstime, &children->stime_sec, &children->stime_usec);
	children->maxrss = sig->cmaxrss * kib_per_page;
	children->minflt = sig->cmin_flt;
	children->majflt = sig->cmaj_flt;
	children->inblock = sig->cinblock;
	children->oublock = sig->coublock;
	children->nvcsw = sig->cnvcsw;
	children->nivcsw = sig->cnivcsw;
}

/* Fill @w from a zombie, as wait_task_zombie() would report it. */
static void pd_fill_wait(struct procdesc *pd, struct task_struct *task,
			 struct procdesc_wait *w)
{
	struct task_struct *parent;
	int status = pd_exit_status(task);

	w->status = status;
	if (!(status & 0x7f))
		w->code = CLD_EXITED;
	else
		w->code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
	w->pid = pid_vnr(pd->pid);
	w->uid = from_kuid_munged(current_user_ns(), task_uid(task));
	pd_fill_rusage(task, &w->self, &w->children);

	rcu_read_lock();
	parent = rcu_dereference(task->real_parent);
	if (same_thread_group(parent, current))
		w->result |= PROCDESC_WAIT_PARENT;
	rcu_read_unlock();
}

#define PD_WAIT_OPTIONS (WEXITED | WNOHANG | WNOWAIT)

/*
 * The collect lock is held from the moment pd_wait() reads an exit until
 * pd_ioc_wait() has copied it out and, without WNOWAIT, consumed it, so of
 * concurrent waiters one gets the exit and the others ESRCH, with their
 * buffers untouched. It is the one lock procdesc takes in one function and
 * releases in another, so it has lock events: after locking, before
 * unlocking, as the linuxulator's lock probes.
 */
static int pd_collect_lock(struct procdesc *pd)
{
	int ret = mutex_lock_interruptible(&pd->collect_lock);

	if (!ret)
		pd_trace(lock_acquired, "collect", &pd->collect_lock);
	return ret;
}

static void pd_collect_unlock(struct procdesc *pd)
{
	pd_trace(lock_release, "collect", &pd->collect_lock);
	mutex_unlock(&pd->collect_lock);
}

/* Whether the caller's thread group is the process's parent. */
static bool pd_caller_is_parent(struct procdesc *pd)
{
	struct task_struct *task;
	bool parent;

	rcu_read_lock();
	task = pid_task(pd->pid, PIDTYPE_TGID);
	parent = task && same_thread_group(rcu_dereference(task->real_parent), current);
	rcu_read_unlock();
	return parent;
}

/*
 * Whether there is an exit to report: the process has exited, and for its
 * parent, which reaps what it is told, no other tracer still holds the
 * zombie. The parent can reap only once the tracer lets it go, and its
 * wait(2) sees the exit only then; the relay wakes us at that moment too,
 * as the kernel notifies the parent again (do_notify_parent()).
 */
static bool pd_reportable(struct procdesc *pd, bool parent)
{
	struct task_struct *task;
	bool ready;

	if (!pd_exited(pd))
		return false;
	if (!parent)
		return true;
	rcu_read_lock();
	task = pid_task(pd->pid, PIDTYPE_TGID);
	ready = !task || !task->ptrace || !ptrace_reparented(task);
	rcu_read_unlock();
	return ready;
}

/*
 * Wait for the exit and read it; on success the collect lock is held. An
 * exit consumed by one holder is gone for the others, except for the
 * parent: the others cannot reap, so the parent's pdwait reports (and then
 * reaps) any zombie it finds, and fails with ESRCH only if there is none.
 */
static long pd_wait(struct procdesc *pd, struct procdesc_wait *w)
{
	bool parent = pd_caller_is_parent(pd);
	struct task_struct *task;
	u32 options = w->options;
	long ret;

	if ((options & ~PD_WAIT_OPTIONS) || !(options & WEXITED))
		return -EINVAL;
	if (test_bit(PD_COLLECTED, &pd->flags) && !parent)
		return -ESRCH;

	if (!pd_reportable(pd, parent)) {
		if (options & WNOHANG)
			return -EAGAIN;
		ret = wait_event_interruptible(pd->wait, pd_reportable(pd, parent));
		if (ret)
			return ret;
	}

	ret = pd_collect_lock(pd);
	if (ret)
		return ret;
	/* Consumed meanwhile, or reaped: nothing left to report. */
	task = NULL;
	if (parent || !test_bit(PD_COLLECTED, &pd->flags))
		task = get_pid_task(pd->pid, PIDTYPE_TGID);
	if (!task) {
		pd_collect_unlock(pd);
		return -ESRCH;
	}
	memset(w, 0, sizeof(*w));
	w->options = options;
	pd_fill_wait(pd, task, w);
	put_task_struct(task);
	return 0;
}

static long pd_ioc_wait(struct procdesc *pd, void __user *uarg, size_t usize)
{
	struct procdesc_wait w;
	pid_t nr = pid_nr(pd->pid);
	long ret;

	ret = copy_struct_from_user(&w, sizeof(w), uarg, usize);
	if (ret)
		goto out;
	pd_trace(wait_enter, nr, w.options);
	ret = pd_wait(pd, &w);
	if (ret)
		goto out;
	ret = copy_struct_to_user(uarg, usize, &w, sizeof(w), NULL);
	if (!ret && !(w.options & WNOWAIT))
		set_bit(PD_COLLECTED, &pd->flags);
	pd_collect_unlock(pd);
out:
	pd_trace(wait_return, nr, ret, ret ? 0 : w.status);
	if (ret < 0)
		pd_trace(error, "wait", nr, -ret);
	return ret;
}

/* A pidfd for the process: the one the descriptor was made from. */
static long pd_ioc_pidfd(struct procdesc *pd, unsigned long arg)
{
	pid_t nr = pid_nr(pd->pid);
	long ret = -EINVAL;

	pd_trace(pidfd_enter, nr);
	if (!arg) {
		ret = get_unused_fd_flags(O_CLOEXEC);
		if (ret >= 0)
			fd_install(ret, get_file(pd->pidfd));
	}
	pd_trace_return(pidfd, nr, ret);
	return ret;
}

static long pd_ioc_getpid(struct procdesc *pd, s32 __user *uarg)
{
	pid_t nr = pid_nr(pd->pid);
	long ret;

	pd_trace(getpid_enter, nr);
	ret = put_user(pid_vnr(pd->pid), uarg);
	pd_trace_return(getpid, nr, ret);
	return ret;
}

static long pd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct procdesc *pd = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (cmd == PROCDESC_IOC_GETPID)
		return pd_ioc_getpid(pd, uarg);
	if (procdesc_cmd_is(cmd, PROCDESC_IOC_KILL, sizeof(struct procdesc_kill)))
		return pd_ioc_kill(pd, uarg, _IOC_SIZE(cmd));
	if (procdesc_cmd_is(cmd, PROCDESC_IOC_WAIT, sizeof(struct procdesc_wait)))
		return pd_ioc_wait(pd, uarg, _IOC_SIZE(cmd));
	if (cmd == PROCDESC_IOC_PIDFD)
		return pd_ioc_pidfd(pd, arg);
	return -ENOTTY;
}

static const char *pd_state(struct procdesc *pd)
{
	if (test_bit(PD_COLLECTED, &pd->flags))
		return "collected";
	if (!pd_exited(pd))
		return "running";
	return pid_has_task(pd->pid, PIDTYPE_TGID) ? "exited" : "reaped";
}

static void pd_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct procdesc *pd = file->private_data;
	struct pid_namespace *ns = proc_pid_ns(file_inode(m->file)->i_sb);

	seq_printf(m, "Pid:\t%d\n", pid_nr_ns(pd->pid, ns));
	seq_printf(m, "PdFlags:\t0x%x\n",
		   test_bit(PD_DAEMON, &pd->flags) ? PROCDESC_F_DAEMON : 0);
	seq_printf(m, "State:\t%s\n", pd_state(pd));
}

/*
 * FreeBSD kills a live process on the last close of its descriptor. Here
 * that kill grants nothing kill(2) would not: it is checked against the
 * credentials of the descriptor's opener (@file's), never of whoever drops
 * the last reference, which may be a daemon the descriptor was sent to or
 * a kernel worker (unix-socket garbage collection, delayed fput) with full
 * credentials. A parent kills its child with privilege, as FreeBSD does,
 * but only while the child keeps the credentials it had when the
 * descriptor was made: once it has taken others (a setuid exec, setuid()),
 * the kill is checked too, as Linux withdraws a parent's pdeath_signal
 * when the child's credentials change.
 */
static void pd_kill_on_close(struct procdesc *pd, struct file *file)
{
	const struct cred *tcred;
	struct task_struct *task;
	bool priv;

	rcu_read_lock();
	task = pid_task(pd->pid, PIDTYPE_TGID);
	if (!task) {
		rcu_read_unlock();
		return;
	}
	tcred = __task_cred(task);
	priv = (test_bit(PD_CHILD, &pd->flags) && tcred == pd->cred) ||
	       file_ns_capable(file, tcred->user_ns, CAP_KILL);
	rcu_read_unlock();
	/*
	 * kill_pid_usb_asyncio() is the exported send with explicit
	 * credentials; it checks the uids as kill(2) does, and the LSM, but
	 * not CAP_KILL, which the opener's credentials were tested for here.
	 */
	if (priv)
		kill_pid(pd->pid, SIGKILL, 1);
	else
		kill_pid_usb_asyncio(SIGKILL, 0, (sigval_t){ .sival_ptr = NULL },
				     pd->pid, file->f_cred);
}

static int pd_release(struct inode *inode, struct file *file)
{
	struct procdesc *pd = file->private_data;
	bool kill = !test_bit(PD_DAEMON, &pd->flags) && !pd_exited(pd);

	remove_wait_queue(&pd->pid->wait_pidfd, &pd->exit_wait);
	if (kill)
		pd_kill_on_close(pd, file);
	if (test_bit(PD_QUIET, &pd->flags))
		procdesc_quiet_unwatch(&pd->quiet);
	pd_trace_life(pd, release, pid_nr(pd->pid), kill);
	pdfs_unpin();
	return 0;
}

static const struct file_operations pd_fops = {
	.owner		= THIS_MODULE,
	.poll		= pd_poll,
	.unlocked_ioctl	= pd_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.release	= pd_release,
	.show_fdinfo	= pd_show_fdinfo,
};

/*
 * fstat() as on FreeBSD: a regular file, mode 0700 while the process runs
 * and no permission bits once it has exited, owned by its real uid and gid,
 * with all times at its start; once reaped, only the file type is left.
 */
static int pd_getattr(struct mnt_idmap *idmap, const struct path *path,
		      struct kstat *stat, u32 request_mask,
		      unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct procdesc *pd = inode->i_private;
	struct task_struct *task;

	stat->dev = inode->i_sb->s_dev;
	stat->ino = inode->i_ino;
	stat->mode = S_IFREG;
	stat->result_mask |= STATX_BTIME;

	rcu_read_lock();
	task = pid_task(pd->pid, PIDTYPE_TGID);
	if (task) {
		const struct cred *cred = __task_cred(task);

		stat->uid = cred->uid;
		stat->gid = cred->gid;
		if (!pd_exited(pd))
			stat->mode |= 0700;
		stat->atime = pd->start;
		stat->mtime = pd->start;
		stat->ctime = pd->start;
		stat->btime = pd->start;
	}
	rcu_read_unlock();
	return 0;
}

static const struct inode_operations pd_iops = {
	.getattr	= pd_getattr,
};

void procdesc_free(struct procdesc *pd)
{
	if (pd->cred)
		put_cred(pd->cred);
	fput(pd->pidfd);
	put_pid(pd->parent);
	put_pid(pd->pid);
	kfree_rcu(pd, rcu);
}

/*
 * Check that @pid may get a descriptor: the caller's unreaped child, or
 * with PROCDESC_F_NONCHILD any live process the caller may send SIGKILL.
 * Sets PD_CHILD and PD_QUIET in pd->flags, pd->start, and for a child
 * pd->cred.
 */
static int pd_check_target(struct procdesc *pd, struct pid *pid, u32 open_flags)
{
	struct task_struct *task;
	bool child, busy;
	u64 start;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (!task) {
		rcu_read_unlock();
		/* A thread's pidfd names no process. */
		return pid_has_task(pid, PIDTYPE_PID) ? -EINVAL : -ESRCH;
	}
	child = same_thread_group(rcu_dereference(task->real_parent), current);
	busy = (task->flags & (PF_KTHREAD | PF_EXITING)) || task->exit_state;
	start = task->start_boottime;
	if (child)
		pd->cred = get_cred_rcu(__task_cred(task));
	rcu_read_unlock();

	/* Boot time to wall clock, once: fstat() must not jitter. */
	pd->start = ns_to_timespec64(start + ktime_get_real_ns() - ktime_get_boottime_ns());
	if (child) {
		__set_bit(PD_CHILD, &pd->flags);
		if (open_flags & PROCDESC_F_QUIET)
			__set_bit(PD_QUIET, &pd->flags);
		return 0;
	}
	if (!(open_flags & PROCDESC_F_NONCHILD))
		return -ECHILD;
	/* Only a parent decides how its child reports its exit. */
	if (open_flags & PROCDESC_F_QUIET)
		return -EINVAL;
	if (busy)
		return -EBUSY;
	/* Signal 0: kill(2)'s permission check and nothing else. */
	return kill_pid(pid, 0, 0);
}

/**
 * procdesc_create - make a process descriptor from a pidfd
 * @pidfd: the pidfd
 * @flags: PROCDESC_F_* flags of PROCDESC_IOC_OPEN, already validated
 * @nr: set to the process's global pid, for tracing, once it is known
 *
 * Return: the new file descriptor or a negative errno.
 */
int procdesc_create(struct file *pidfd, u32 flags, pid_t *nr)
{
	struct procdesc *pd;
	struct file *file;
	struct pid *pid;
	int fd, ret;

	pid = pd_pidfd_pid(pidfd);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	*nr = pid_nr(pid);

	pd = kzalloc(sizeof(*pd), GFP_KERNEL_ACCOUNT);
	if (!pd)
		return -ENOMEM;
	if (flags & PROCDESC_F_DAEMON)
		__set_bit(PD_DAEMON, &pd->flags);
	if (in_compat_syscall())
		__set_bit(PD_COMPAT, &pd->flags);
	ret = pd_check_target(pd, pid, flags);
	if (ret)
		goto free;

	pd->pid = get_pid(pid);
	pd->pidfd = get_file(pidfd);
	init_waitqueue_head(&pd->wait);
	init_waitqueue_func_entry(&pd->exit_wait, pd_exit_wake);
	mutex_init(&pd->collect_lock);

	fd = get_unused_fd_flags(O_RDWR | ((flags & PROCDESC_F_CLOEXEC) ? O_CLOEXEC : 0));
	if (fd < 0) {
		ret = fd;
		goto put;
	}
	file = pdfs_alloc_file(pd, &pd_fops, &pd_iops);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		ret = PTR_ERR(file);
		goto put;
	}
	/* From here the inode owns pd; nothing can fail any more. */
	add_wait_queue(&pid->wait_pidfd, &pd->exit_wait);
	if (test_bit(PD_QUIET, &pd->flags)) {
		pd->parent = get_pid(task_tgid(current));
		procdesc_quiet_watch(&pd->quiet, pd->pid, pd->parent);
	}
	/* Before fd_install(): from then on another thread may close it. */
	pd_trace_life(pd, create, *nr, fd, flags);
	/* An exit before add_wait_queue() was never relayed. */
	pd_notice_exit(pd);
	fd_install(fd, file);
	return fd;

put:
	fput(pd->pidfd);
	put_pid(pd->pid);
free:
	if (pd->cred)
		put_cred(pd->cred);
	kfree(pd);
	return ret;
}
