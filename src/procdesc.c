// SPDX-License-Identifier: GPL-2.0
/*
 * The process descriptor, as FreeBSD's sys_procdesc.c has it: one object per
 * process, and files that name it, built the way a pidfd is. The object
 * holds a reference on the process's struct pid, never its number, so no
 * operation can reach another process that reused the pid.
 *
 * - A descriptor is made for a child at clone time (src/clone.c: bound
 *   before the child runs, installed before the clone returns), or from a
 *   pidfd (PROCDESC_IOC_OPEN). More files may open on the same object;
 *   each keeps its own PROCDESC_F_DAEMON and the credentials of its opener.
 * - poll reports EPOLLHUP once the process has exited, and from then on;
 * - PROCDESC_IOC_KILL signals it with kill(2)'s permission rules;
 * - PROCDESC_IOC_WAIT sleeps until it exits and reports the status and
 *   resource usage from the zombie, which the parent (in userspace, by
 *   waitid()) then reaps: a module cannot reap;
 * - the release of the last file SIGKILLs a live process unless that file
 *   was made with PROCDESC_F_DAEMON (see pd_kill_on_close()).
 *
 * A child made quiet (exit signal 0: no SIGCHLD, invisible to wait(-1))
 * stays quiet across exec as long as its object exists (procdesc_quieten()).
 * Its object outlives its files: a child whose last file was closed stays
 * quiet, "detached", and once it has ended its parent's library collects
 * it (PROCDESC_IOC_REAPABLE), unless the kernel autoreaps it.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/llist.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/ptrace.h>
#include <linux/refcount.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_io_accounting_ops.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/wait.h>
#include <linux/procdesc.h>

#include "procdesc.h"

/* procdesc.flags bits */
enum {
	PD_COLLECTED,	/* a PROCDESC_IOC_WAIT consumed the exit */
	PD_PARENT_TOLD,	/* the parent's did: it reaps, it is not told again */
	PD_EXIT_SEEN,	/* the exit event has fired */
	PD_COMPAT,	/* made by a 32-bit caller: life events go to procdesc32 */
	PD_RELAYED,	/* exit_wait is on pid->wait_pidfd */
};

/*
 * Per-file flags, in the low bits of file->private_data (the object is at
 * least 8-byte aligned): FreeBSD 16 keeps PD_DAEMON per file too.
 */
#define PD_FILE_DAEMON	0x1UL	/* its last close leaves the process running */
#define PD_FILE_PARENT	0x2UL	/* made by the parent: see pd_kill_on_close() */
#define PD_FILE_BITS	(PD_FILE_DAEMON | PD_FILE_PARENT)

struct procdesc {
	struct pid *pid;		/* NULL until bound to its child */
	struct pid *parent;		/* quiet for this parent (its tgid), or NULL */
	u64 exec_id;			/* the parent's exec generation then */
	const struct cred *cred;	/* the child's credentials when its parent made it */
	refcount_t ref;			/* the table's, and one per file's dentry */
	unsigned int files;		/* open files; under pd_table_lock */
	unsigned long flags;
	wait_queue_head_t wait;		/* pollers and PROCDESC_IOC_WAIT sleepers */
	wait_queue_entry_t exit_wait;	/* on pid->wait_pidfd, relays the exit */
	struct mutex collect_lock;	/* from reading an exit to consuming it */
	struct timespec64 start;	/* the process's start, wall clock */
	struct hlist_node node;		/* in pd_table, while bound */
	struct hlist_node detached;	/* in pd_detached, while no file is left */
	union {
		struct llist_node gone;	/* on pd_gone, to be retired */
		struct rcu_head rcu;	/* freed after the table's readers */
	};
};

/*
 * The objects of bound processes, by struct pid, and those left without a
 * file (detached), by parent. Lookups walk them under RCU, from the
 * tracepoint probes too; changes take pd_table_lock, a raw spinlock since
 * the clone-time probe binds with preemption disabled (and on PREEMPT_RT a
 * spinlock_t would sleep). An object in the table holds a module reference,
 * so that a quiet child never outlives the module that keeps it quiet.
 */
#define PD_TABLE_BITS	8
static DEFINE_HASHTABLE(pd_table, PD_TABLE_BITS);
static DEFINE_HASHTABLE(pd_detached, PD_TABLE_BITS);
static DEFINE_RAW_SPINLOCK(pd_table_lock);
static atomic_t pd_detached_count = ATOMIC_INIT(0);

/*
 * Objects that left the table where nothing may sleep (the tracepoint
 * probes): leaving pid->wait_pidfd takes a spinlock_t, and the last put may
 * free, so pd_gone_work does both.
 */
static LLIST_HEAD(pd_gone);
static void pd_gone_fn(struct work_struct *work);
static DECLARE_WORK(pd_gone_work, pd_gone_fn);

/* Fire a life event in the trace system of the descriptor's maker. */
#define pd_trace_life(pd, event, ...)					\
	pd_trace_in(test_bit(PD_COMPAT, &(pd)->flags), event, __VA_ARGS__)

static struct procdesc *pd_of(struct file *file)
{
	return (void *)((unsigned long)file->private_data & ~PD_FILE_BITS);
}

static unsigned long pd_file_flags(struct file *file)
{
	return (unsigned long)file->private_data & PD_FILE_BITS;
}

static void pd_free_rcu(struct rcu_head *rcu)
{
	struct procdesc *pd = container_of(rcu, struct procdesc, rcu);

	if (pd->cred)
		put_cred(pd->cred);
	put_pid(pd->parent);
	put_pid(pd->pid);
	kfree(pd);
}

/* Drop a reference; the last one frees the object after RCU readers. */
void procdesc_put(struct procdesc *pd)
{
	if (refcount_dec_and_test(&pd->ref))
		call_rcu(&pd->rcu, pd_free_rcu);
}

/* The object of @pid in the table, or NULL; under RCU or pd_table_lock. */
static struct procdesc *pd_lookup(struct pid *pid)
{
	struct procdesc *pd;

	hash_for_each_possible_rcu(pd_table, pd, node, (unsigned long)pid,
				   lockdep_is_held(&pd_table_lock))
		if (pd->pid == pid)
			return pd;
	return NULL;
}

static void pd_hash(struct procdesc *pd)
{
	lockdep_assert_held(&pd_table_lock);
	refcount_inc(&pd->ref);
	__module_get(THIS_MODULE);
	hash_add_rcu(pd_table, &pd->node, (unsigned long)pd->pid);
}

static void pd_undetach(struct procdesc *pd)
{
	lockdep_assert_held(&pd_table_lock);
	if (hlist_unhashed(&pd->detached))
		return;
	hlist_del_init_rcu(&pd->detached);
	atomic_dec(&pd_detached_count);
}

/*
 * Take @pd out of the table, where it must be; then pd_retire() or
 * pd_retire_later(). Whether it is in the table is hlist_unhashed(&node).
 */
static void pd_unhash(struct procdesc *pd)
{
	lockdep_assert_held(&pd_table_lock);
	pd_undetach(pd);
	hlist_del_init_rcu(&pd->node);
}

/* Stop relaying the exit and drop the table's references. May sleep. */
static void pd_retire(struct procdesc *pd)
{
	if (test_and_clear_bit(PD_RELAYED, &pd->flags))
		remove_wait_queue(&pd->pid->wait_pidfd, &pd->exit_wait);
	procdesc_put(pd);
	module_put(THIS_MODULE);
}

static void pd_retire_later(struct procdesc *pd)
{
	if (llist_add(&pd->gone, &pd_gone))
		schedule_work(&pd_gone_work);
}

static void pd_gone_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&pd_gone);
	struct procdesc *pd, *next;

	llist_for_each_entry_safe(pd, next, list, gone)
		pd_retire(pd);
}

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
 * Once the process has exited: fire the exit event, the first time only and
 * only while a file is open, and wake pollers and waiters. The kernel wakes
 * pidfd pollers with EPOLLIN only (6.9+), which epoll would filter out for
 * a descriptor that reports EPOLLHUP, so our own queue is woken with the
 * right key.
 */
static void pd_notice_exit(struct procdesc *pd)
{
	struct task_struct *task;

	if (!pd_exited(pd))
		return;
	if (READ_ONCE(pd->files) && !test_and_set_bit(PD_EXIT_SEEN, &pd->flags)) {
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

/*
 * Join pid->wait_pidfd, once, then relay an exit that happened before: the
 * kernel will not notify it again. May sleep.
 */
static void pd_relay(struct procdesc *pd)
{
	if (!test_and_set_bit(PD_RELAYED, &pd->flags))
		add_wait_queue(&pd->pid->wait_pidfd, &pd->exit_wait);
	pd_notice_exit(pd);
}

static __poll_t pd_poll(struct file *file, poll_table *pts)
{
	struct procdesc *pd = pd_of(file);

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
			 bool parent, struct procdesc_wait *w)
{
	int status = pd_exit_status(task);

	w->status = status;
	if (!(status & 0x7f))
		w->code = CLD_EXITED;
	else
		w->code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
	w->pid = pid_vnr(pd->pid);
	w->uid = from_kuid_munged(current_user_ns(), task_uid(task));
	pd_fill_rusage(task, &w->self, &w->children);
	if (parent)
		w->result |= PROCDESC_WAIT_PARENT;
	if (procdesc_reapable_count())
		w->result |= PROCDESC_WAIT_REAPABLE;
}

#define PD_WAIT_OPTIONS (WEXITED | WNOHANG | WNOWAIT)

/*
 * The collect lock is held from the moment pd_wait() reads an exit until
 * pd_ioc_wait() has copied it out and, without WNOWAIT, consumed it, so of
 * concurrent waiters one gets the exit and the others ESRCH, with their
 * buffers untouched. A waiter, WNOHANG or not, may so wait for another's
 * copy-out (as an O_NONBLOCK pipe read waits for the pipe's lock); a signal
 * then restarts the call, which SA_RESTART makes transparent.
 *
 * It is the one lock procdesc takes in one function and releases in
 * another, so it has lock events: after locking, before unlocking, as the
 * linuxulator's lock probes.
 */
static int pd_collect_lock(struct procdesc *pd)
{
	if (mutex_lock_interruptible(&pd->collect_lock))
		return -ERESTARTSYS;
	pd_trace(lock_acquired, "collect", &pd->collect_lock);
	return 0;
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
 * reaps) the zombie until the parent itself has consumed the exit, and
 * fails with ESRCH after that or if there is no zombie.
 */
static long pd_wait(struct procdesc *pd, struct procdesc_wait *w)
{
	bool parent = pd_caller_is_parent(pd);
	int consumed = parent ? PD_PARENT_TOLD : PD_COLLECTED;
	struct task_struct *task;
	u32 options = w->options;
	long ret;

	if ((options & ~PD_WAIT_OPTIONS) || !(options & WEXITED))
		return -EINVAL;
	if (test_bit(consumed, &pd->flags))
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
	if (!test_bit(consumed, &pd->flags))
		task = get_pid_task(pd->pid, PIDTYPE_TGID);
	if (!task) {
		pd_collect_unlock(pd);
		return -ESRCH;
	}
	memset(w, 0, sizeof(*w));
	w->options = options;
	pd_fill_wait(pd, task, parent, w);
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
	if (!ret && !(w.options & WNOWAIT)) {
		set_bit(PD_COLLECTED, &pd->flags);
		if (w.result & PROCDESC_WAIT_PARENT)
			set_bit(PD_PARENT_TOLD, &pd->flags);
	}
	pd_collect_unlock(pd);
out:
	pd_trace(wait_return, nr, ret, ret ? 0 : w.status);
	if (ret < 0)
		pd_trace(error, "wait", nr, -ret);
	return ret;
}

/*
 * Whether the pidfd at @uarg names the descriptor's process: a module cannot
 * make a pidfd, so libprocdesc makes one from the pid (pidfd_open()) and has
 * it checked here, in case the pid was reused meanwhile.
 */
static long pd_ioc_pidfd(struct procdesc *pd, int __user *uarg)
{
	pid_t nr = pid_nr(pd->pid);
	struct file *pidfd;
	struct pid *pid;
	long ret;
	int fd;

	pd_trace(pidfd_enter, nr);
	ret = get_user(fd, uarg);
	if (ret)
		goto out;
	ret = -EBADF;
	pidfd = fget(fd);
	if (!pidfd)
		goto out;
	pid = pd_pidfd_pid(pidfd);
	if (IS_ERR(pid))
		ret = PTR_ERR(pid);
	else
		ret = pid == pd->pid ? 0 : -ESRCH;
	fput(pidfd);
out:
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
	struct procdesc *pd = pd_of(file);
	void __user *uarg = (void __user *)arg;

	if (cmd == PROCDESC_IOC_GETPID)
		return pd_ioc_getpid(pd, uarg);
	if (procdesc_cmd_is(cmd, PROCDESC_IOC_KILL, sizeof(struct procdesc_kill)))
		return pd_ioc_kill(pd, uarg, _IOC_SIZE(cmd));
	if (procdesc_cmd_is(cmd, PROCDESC_IOC_WAIT, sizeof(struct procdesc_wait)))
		return pd_ioc_wait(pd, uarg, _IOC_SIZE(cmd));
	if (cmd == PROCDESC_IOC_PIDFD)
		return pd_ioc_pidfd(pd, uarg);
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
	struct procdesc *pd = pd_of(file);
	struct pid_namespace *ns = proc_pid_ns(file_inode(m->file)->i_sb);

	seq_printf(m, "Pid:\t%d\n", pid_nr_ns(pd->pid, ns));
	seq_printf(m, "PdFlags:\t0x%x\n",
		   (pd_file_flags(file) & PD_FILE_DAEMON) ? PROCDESC_F_DAEMON : 0);
	seq_printf(m, "State:\t%s\n", pd_state(pd));
}

/*
 * FreeBSD kills a live process on the last close of its descriptor. Here
 * that kill grants nothing kill(2) would not: it is checked against the
 * credentials of the last file's opener (@file's), never of whoever drops
 * the last reference, which may be a daemon the descriptor was sent to or a
 * kernel worker (unix-socket garbage collection, delayed fput) with full
 * credentials. A parent kills its child with privilege, as FreeBSD does,
 * but only while the child keeps the credentials it had when its parent
 * made the descriptor: once it has taken others (a setuid exec, setuid()),
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
	priv = ((pd_file_flags(file) & PD_FILE_PARENT) && tcred == pd->cred) ||
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

/*
 * Hand a quiet child whose parent has exec'd over to the new program as an
 * ordinary child: exit signal SIGCHLD, as exec gives its own children. The
 * object must be out of the table already: a racing procdesc_quieten()
 * stores 0, then looks at the table, and so sees it gone and stores SIGCHLD
 * itself (each side has a full barrier between its two steps). Under
 * pd_table_lock.
 */
static void pd_hand_over(struct procdesc *pd)
{
	struct task_struct *task;

	/* Pairs with procdesc_quieten()'s: the unhash before our store. */
	smp_mb();
	rcu_read_lock();
	task = pid_task(pd->pid, PIDTYPE_TGID);
	if (task && task_tgid(rcu_dereference(task->real_parent)) == pd->parent)
		WRITE_ONCE(task->exit_signal, SIGCHLD);
	rcu_read_unlock();
}

/* Whether @pd's parent has exec'd since it made @pd quiet. Under RCU. */
static bool pd_parent_execd(struct procdesc *pd, struct task_struct *parent)
{
	return READ_ONCE(parent->self_exec_id) != pd->exec_id;
}

/*
 * Whether a quiet child whose last file is closed stays in the table,
 * detached: while it is not reaped and its parent, still the one it is
 * quiet for and still the same program, lives on. A parent whose last
 * thread is exiting (its files are closed before its children are
 * reparented) has already let its detached children go
 * (procdesc_process_exit(), which runs before, or after this under
 * pd_table_lock), and one that has exec'd is a program that knows nothing
 * of them: its caller hands them over. Under pd_table_lock.
 */
static bool pd_keep_detached(struct procdesc *pd, bool *hand_over)
{
	struct task_struct *task, *parent;
	bool keep;

	*hand_over = false;
	if (!pd->parent)
		return false;
	rcu_read_lock();
	task = pid_task(pd->pid, PIDTYPE_TGID);
	parent = pid_task(pd->parent, PIDTYPE_TGID);
	keep = task && parent && atomic_read(&parent->signal->live) &&
	       task_tgid(rcu_dereference(task->real_parent)) == pd->parent;
	if (keep && pd_parent_execd(pd, parent)) {
		*hand_over = true;
		keep = false;
	}
	rcu_read_unlock();
	return keep;
}

/*
 * A file of @pd went away: the last one detaches or retires it, and is
 * told so. May sleep.
 */
static bool pd_file_gone(struct procdesc *pd)
{
	bool last, hand_over, retire = false;

	raw_spin_lock(&pd_table_lock);
	last = !--pd->files;
	if (last) {
		if (pd_keep_detached(pd, &hand_over)) {
			hash_add_rcu(pd_detached, &pd->detached, (unsigned long)pd->parent);
			atomic_inc(&pd_detached_count);
		} else {
			pd_unhash(pd);
			if (hand_over)
				pd_hand_over(pd);
			retire = true;
		}
	}
	raw_spin_unlock(&pd_table_lock);
	if (retire)
		pd_retire(pd);
	return last;
}

static int pd_release(struct inode *inode, struct file *file)
{
	struct procdesc *pd = pd_of(file);
	bool kill;

	/* Armed for a clone that never came: nothing was bound. */
	if (!pd->pid) {
		pdfs_unpin();
		return 0;
	}
	/* Detached first, so that the child's exit finds it so (autoreap). */
	kill = pd_file_gone(pd) && !(pd_file_flags(file) & PD_FILE_DAEMON) &&
	       !pd_exited(pd);
	if (kill)
		pd_kill_on_close(pd, file);
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

/**
 * procdesc_fill_stat - fstat() of a descriptor, as on FreeBSD
 * @pd: the descriptor
 * @stat: filled in; its device and inode number are the caller's
 *
 * A regular file, mode 0700 while the process runs and no permission bits
 * once it has exited, owned by its real uid and gid, with all times at its
 * start; once reaped, only the file type is left.
 */
void procdesc_fill_stat(struct procdesc *pd, struct kstat *stat)
{
	struct task_struct *task;

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
}

/* Boot time to wall clock, once: fstat() must not jitter. */
static void pd_set_start(struct procdesc *pd, u64 start_boottime)
{
	pd->start = ns_to_timespec64(start_boottime + ktime_get_real_ns() -
				     ktime_get_boottime_ns());
}

static struct procdesc *pd_alloc(void)
{
	struct procdesc *pd = kzalloc(sizeof(*pd), GFP_KERNEL_ACCOUNT);

	if (!pd)
		return NULL;
	refcount_set(&pd->ref, 1);
	if (in_compat_syscall())
		__set_bit(PD_COMPAT, &pd->flags);
	init_waitqueue_head(&pd->wait);
	init_waitqueue_func_entry(&pd->exit_wait, pd_exit_wake);
	mutex_init(&pd->collect_lock);
	INIT_HLIST_NODE(&pd->node);
	INIT_HLIST_NODE(&pd->detached);
	return pd;
}

static unsigned long pd_open_file_flags(u32 flags, bool parent)
{
	return ((flags & PROCDESC_F_DAEMON) ? PD_FILE_DAEMON : 0) |
	       (parent ? PD_FILE_PARENT : 0);
}

/**
 * procdesc_alloc_unbound - make the file of a descriptor for a future child
 * @flags: PROCDESC_F_DAEMON and PROCDESC_F_CLOEXEC, already validated
 *
 * The file's opener credentials are the caller's, who will be the parent.
 * procdesc_bind() binds it; until then releasing it is all it allows.
 *
 * Return: the file or an ERR_PTR().
 */
struct file *procdesc_alloc_unbound(u32 flags)
{
	struct procdesc *pd = pd_alloc();
	struct file *file;

	if (!pd)
		return ERR_PTR(-ENOMEM);
	file = pdfs_alloc_file(pd, pd_open_file_flags(flags, true), &pd_fops);
	if (IS_ERR(file))
		kfree(pd);
	return file;
}

/**
 * procdesc_bind - bind an unbound descriptor to a new child of the caller
 * @file: from procdesc_alloc_unbound()
 * @child: the child, in copy_process() still: TASK_NEW, it cannot run
 *
 * Called by the task_newtask probe, in the parent, maybe with preemption
 * disabled: nothing here sleeps or frees. The child gets exit signal 0
 * (nobody else writes it before it runs: see src/clone.c), its object goes
 * into the table, quiet for its parent, with the file counted.
 */
void procdesc_bind(struct file *file, struct task_struct *child)
{
	struct procdesc *pd = pd_of(file);

	WRITE_ONCE(child->exit_signal, 0);
	pd->pid = get_pid(task_tgid(child));
	pd->parent = get_pid(task_tgid(current));
	pd->exec_id = READ_ONCE(current->self_exec_id);
	pd->cred = get_cred(rcu_dereference_protected(child->real_cred, true));
	pd_set_start(pd, child->start_boottime);
	pd->files = 1;
	raw_spin_lock(&pd_table_lock);
	pd_hash(pd);
	raw_spin_unlock(&pd_table_lock);
}

/**
 * procdesc_install - give the parent the file bound to its new child
 * @file: bound by procdesc_bind()
 * @flags: PROCDESC_F_* of the arm
 * @result: where to write back the fd and the child's pid, a struct
 *	procdesc_arm in the parent
 *
 * Runs in the parent before its clone returns (task work). Writes the new
 * fd, or a negative errno, and the pid to @result. On failure the file is
 * released, which kills the child as a last close would: a failed pdfork
 * leaves no child behind.
 */
void procdesc_install(struct file *file, u32 flags, void __user *result)
{
	struct procdesc_arm __user *res = result;
	struct procdesc *pd = pd_of(file);
	pid_t vnr = pid_vnr(pd->pid);
	int fd = -EBADF;

	pd_relay(pd);
	/* An exiting parent's files are gone (exit_files() ran first). */
	if (current->files)
		fd = get_unused_fd_flags(O_RDWR |
					 ((flags & PROCDESC_F_CLOEXEC) ? O_CLOEXEC : 0));
	if (fd >= 0 && (put_user(fd, &res->fd) || put_user(vnr, &res->pid))) {
		put_unused_fd(fd);
		fd = -EFAULT;
	}
	if (fd < 0) {
		if (!put_user(fd, &res->fd))
			put_user(vnr, &res->pid);
		fput(file);
		return;
	}
	/* Before fd_install(): from then on another thread may close it. */
	pd_trace_life(pd, create, pid_nr(pd->pid), fd, flags);
	fd_install(fd, file);
}

/*
 * Check that @pid may get a descriptor: the caller's unreaped child, or
 * with PROCDESC_F_NONCHILD (pdopenpid()) any process, the caller's child
 * included, that is neither exiting nor a kernel thread, which the caller
 * may send SIGKILL unless it is its child. Sets *@child.
 */
static int pd_check_target(struct pid *pid, u32 flags, bool *child)
{
	struct task_struct *task;
	bool busy;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (!task) {
		rcu_read_unlock();
		/* A thread's pidfd names no process. */
		return pid_has_task(pid, PIDTYPE_PID) ? -EINVAL : -ESRCH;
	}
	*child = same_thread_group(rcu_dereference(task->real_parent), current);
	busy = (task->flags & (PF_KTHREAD | PF_EXITING)) || task->exit_state;
	rcu_read_unlock();

	/* FreeBSD's pdopenpid() refuses a process that is exiting or gone. */
	if ((flags & PROCDESC_F_NONCHILD) && busy)
		return -EBUSY;
	if (*child)
		return 0;
	if (!(flags & PROCDESC_F_NONCHILD))
		return -ECHILD;
	/* Only a parent decides how its child reports its exit. */
	if (flags & PROCDESC_F_QUIET)
		return -EINVAL;
	/* Signal 0: kill(2)'s permission check and nothing else. */
	return kill_pid(pid, 0, 0);
}

/*
 * The object of @pid with one more file counted, and a reference for it,
 * found or made. A child still being created (TASK_NEW) is refused: its
 * clone may be binding it (procdesc_bind()), and it is nobody's to open
 * yet. Checked under pd_table_lock, which the binding holds: a task seen
 * past TASK_NEW was bound, if at all, before.
 */
static struct procdesc *pd_get_for_file(struct pid *pid)
{
	struct procdesc *pd, *new = NULL;
	struct task_struct *task;
	bool fresh;

	for (;;) {
		raw_spin_lock(&pd_table_lock);
		rcu_read_lock();
		task = pid_task(pid, PIDTYPE_TGID);
		fresh = task && pd_task_is_new(task);
		rcu_read_unlock();
		pd = fresh ? NULL : pd_lookup(pid);
		if (pd) {
			pd_undetach(pd);
			refcount_inc(&pd->ref);
		} else if (!fresh && new) {
			/* Its first reference becomes the file's. */
			pd = new;
			new = NULL;
			pd_hash(pd);
		}
		if (pd)
			pd->files++;
		raw_spin_unlock(&pd_table_lock);
		if (pd || fresh)
			break;
		new = pd_alloc();
		if (!new)
			return ERR_PTR(-ENOMEM);
		new->pid = get_pid(pid);
		rcu_read_lock();
		task = pid_task(pid, PIDTYPE_TGID);
		if (task)
			pd_set_start(new, task->start_boottime);
		rcu_read_unlock();
	}
	if (new)
		procdesc_put(new);
	return pd ? pd : ERR_PTR(-EAGAIN);
}

/**
 * procdesc_open - open a file on the descriptor of the process of a pidfd
 * @pidfd: the pidfd
 * @flags: PROCDESC_F_* of PROCDESC_IOC_OPEN, already validated
 * @nr: set to the process's global pid, for tracing, once it is known
 *
 * Return: the new file descriptor or a negative errno.
 */
int procdesc_open(struct file *pidfd, u32 flags, pid_t *nr)
{
	struct task_struct *task;
	struct procdesc *pd;
	struct file *file;
	struct pid *pid;
	bool child;
	int fd, ret;

	pid = pd_pidfd_pid(pidfd);
	if (IS_ERR(pid))
		return PTR_ERR(pid);
	*nr = pid_nr(pid);
	ret = pd_check_target(pid, flags, &child);
	if (ret)
		return ret;

	fd = get_unused_fd_flags(O_RDWR | ((flags & PROCDESC_F_CLOEXEC) ? O_CLOEXEC : 0));
	if (fd < 0)
		return fd;
	pd = pd_get_for_file(pid);
	if (IS_ERR(pd)) {
		put_unused_fd(fd);
		return PTR_ERR(pd);
	}
	file = pdfs_alloc_file(pd, pd_open_file_flags(flags, child), &pd_fops);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		pd_file_gone(pd);
		procdesc_put(pd);
		return PTR_ERR(file);
	}
	/*
	 * The parent's first file sets, once, the child's credentials then
	 * (pd_kill_on_close()) and the quiet watch, if asked for.
	 */
	if (child) {
		raw_spin_lock(&pd_table_lock);
		rcu_read_lock();
		task = pid_task(pid, PIDTYPE_TGID);
		if (task && !pd->cred)
			pd->cred = get_cred_rcu(__task_cred(task));
		if (task && (flags & PROCDESC_F_QUIET) && !pd->parent) {
			pd->exec_id = READ_ONCE(current->self_exec_id);
			WRITE_ONCE(pd->parent, get_pid(task_tgid(current)));
		}
		rcu_read_unlock();
		raw_spin_unlock(&pd_table_lock);
	}

	pd_relay(pd);
	/* Before fd_install(): from then on another thread may close it. */
	pd_trace_life(pd, create, *nr, fd, flags);
	fd_install(fd, file);
	return fd;
}

/**
 * procdesc_quieten - keep a quiet child quiet
 * @task: the task itself, which has just exec'd or is exiting
 * @exiting: it is exiting
 *
 * Every exec resets the exit signal to SIGCHLD (de_thread()). The
 * sched_process_exec and sched_process_exit probes call this in the task
 * itself, right after that reset and before exit_notify() reads the field,
 * to set it back to 0 for a quiet child whose parent is still the one it
 * is quiet for: an orphan's reaper must get its SIGCHLD. The store is to
 * the task's own field from its own context, as de_thread()'s is, but
 * unlike de_thread()'s (SIGCHLD, the value the reparenting stores too) it
 * races with the parent's death, settled below.
 *
 * At exit this also records the parent's current exec generation:
 * do_notify_parent() turns any exit signal into SIGCHLD for a parent that
 * has exec'd since the fork, which would give a parent that kept the
 * descriptor across its exec the SIGCHLD it never asked for.
 */
void procdesc_quieten(struct task_struct *task, bool exiting)
{
	struct task_struct *parent;
	struct procdesc *pd;

	if (!thread_group_leader(task))
		return;
	rcu_read_lock();
	pd = pd_lookup(task_tgid(task));
	parent = rcu_dereference(task->real_parent);
	if (!pd || !READ_ONCE(pd->parent) || READ_ONCE(pd->parent) != task_tgid(parent))
		goto out;
	WRITE_ONCE(task->exit_signal, 0);
	/*
	 * The parent may be dying meanwhile: its exit points our real_parent
	 * at a reaper and then sets exit_signal to SIGCHLD
	 * (forget_original_parent(), reparent_leader()), under tasklist_lock,
	 * which a module cannot take. If that store landed before ours, ours
	 * undid it; then, the two reparenting stores being seen in order (as
	 * on x86, TSO), the new real_parent is visible past the barrier, and
	 * the reaper gets its SIGCHLD back. A move to another thread of the
	 * same process keeps the exit signal: ours stands. Likewise, an
	 * object taken out of the table meanwhile handed us over
	 * (pd_hand_over()): SIGCHLD.
	 */
	smp_mb();
	if (!same_thread_group(rcu_dereference(task->real_parent), parent) ||
	    hlist_unhashed(&pd->node))
		WRITE_ONCE(task->exit_signal, SIGCHLD);
	else if (exiting)
		WRITE_ONCE(task->parent_exec_id, READ_ONCE(parent->self_exec_id));
out:
	rcu_read_unlock();
}

/*
 * The process @tgid left its detached children: take their objects out of
 * the table, handing each child over as an ordinary one (SIGCHLD) if
 * @hand_over, when the process lives on as another program. Under
 * pd_table_lock.
 */
static void pd_let_go_detached(struct pid *tgid, bool hand_over)
{
	struct hlist_node *tmp;
	struct procdesc *pd;

	hash_for_each_possible_safe(pd_detached, pd, tmp, detached, (unsigned long)tgid) {
		if (pd->parent != tgid)
			continue;
		pd_unhash(pd);
		if (hand_over)
			pd_hand_over(pd);
		pd_retire_later(pd);
	}
}

/**
 * procdesc_process_exit - the last thread of a process is exiting
 * @task: that thread, in its own context (sched_process_exit)
 *
 * Its detached children lose their parent: they will be reparented with
 * SIGCHLD as ordinary orphans, so their objects go. If it is a detached
 * child itself and the kernel can autoreap (CLONE_AUTOREAP's flag, Linux
 * 7.1 and later), it is autoreaped, leaving no zombie for a parent that
 * may never call the library again, and its object goes. Atomic context.
 */
void procdesc_process_exit(struct task_struct *task)
{
	struct pid *tgid = task_tgid(task);
	struct procdesc *pd;

	if (!atomic_read(&pd_detached_count))
		return;
	raw_spin_lock(&pd_table_lock);
	pd_let_go_detached(tgid, false);
	pd = pd_lookup(tgid);
	if (pd && !hlist_unhashed(&pd->detached) && pd_autoreap(task)) {
		pd_unhash(pd);
		pd_retire_later(pd);
	}
	raw_spin_unlock(&pd_table_lock);
}

/**
 * procdesc_process_exec - a process has exec'd
 * @task: its thread that did, in its own context (sched_process_exec)
 *
 * The new program knows nothing of the children the old one left without
 * a descriptor: they are handed over to it as ordinary children, and their
 * objects go. Atomic context.
 */
void procdesc_process_exec(struct task_struct *task)
{
	if (!atomic_read(&pd_detached_count))
		return;
	raw_spin_lock(&pd_table_lock);
	pd_let_go_detached(task_tgid(task), true);
	raw_spin_unlock(&pd_table_lock);
}

/*
 * Whether detached @pd's process has ended, reaped or not: the caller's to
 * reap or to forget. Under RCU.
 */
static bool pd_detached_ended(struct procdesc *pd)
{
	struct task_struct *task = pid_task(pd->pid, PIDTYPE_TGID);

	return !task || (READ_ONCE(task->exit_state) && thread_group_empty(task));
}

/* How many of the caller's detached children have ended. */
unsigned int procdesc_reapable_count(void)
{
	struct pid *me = task_tgid(current);
	struct procdesc *pd;
	unsigned int n = 0;

	if (!atomic_read(&pd_detached_count))
		return 0;
	rcu_read_lock();
	hash_for_each_possible_rcu(pd_detached, pd, detached, (unsigned long)me)
		if (pd->parent == me && pd_detached_ended(pd))
			n++;
	rcu_read_unlock();
	return n;
}

/*
 * PROCDESC_IOC_REAPABLE: hand the caller the pids of its detached children
 * that have ended and are not reaped, its to reap, and forget them, only
 * once the pids are out (a caller whose buffer faults must not lose them);
 * and forget those reaped already, by whoever.
 */
long procdesc_ioc_reapable(void __user *uarg)
{
	struct procdesc *listed[PROCDESC_REAPABLE_MAX], *pd, *next;
	struct procdesc_reapable r = { 0 };
	struct pid *me = task_tgid(current);
	struct llist_node *done = NULL;
	struct hlist_node *tmp;
	unsigned int i;
	long ret;

	raw_spin_lock(&pd_table_lock);
	rcu_read_lock();
	hash_for_each_possible_safe(pd_detached, pd, tmp, detached, (unsigned long)me) {
		if (pd->parent != me || !pd_detached_ended(pd))
			continue;
		if (!pid_has_task(pd->pid, PIDTYPE_TGID)) {
			pd_unhash(pd);
			pd->gone.next = done;
			done = &pd->gone;
		} else if (r.count == PROCDESC_REAPABLE_MAX) {
			r.more = 1;
		} else {
			refcount_inc(&pd->ref);
			listed[r.count] = pd;
			r.pid[r.count++] = pid_vnr(pd->pid);
		}
	}
	rcu_read_unlock();
	raw_spin_unlock(&pd_table_lock);

	ret = copy_to_user(uarg, &r, sizeof(r)) ? -EFAULT : (long)r.count;
	raw_spin_lock(&pd_table_lock);
	for (i = 0; i < r.count; i++) {
		/* Another thread's call may have handed it out already. */
		if (ret < 0 || hlist_unhashed(&listed[i]->node))
			continue;
		pd_unhash(listed[i]);
		listed[i]->gone.next = done;
		done = &listed[i]->gone;
	}
	raw_spin_unlock(&pd_table_lock);
	llist_for_each_entry_safe(pd, next, done, gone)
		pd_retire(pd);
	for (i = 0; i < r.count; i++)
		procdesc_put(listed[i]);
	return ret;
}

/*
 * At module unload: no object is left (each held a module reference), but
 * the last ones may still be retiring, and their memory waits for RCU.
 */
void procdesc_exit(void)
{
	flush_work(&pd_gone_work);
	rcu_barrier();
}
