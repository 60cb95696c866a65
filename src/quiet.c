// SPDX-License-Identifier: GPL-2.0
/*
 * Keep pdfork children quiet: no SIGCHLD, invisible to wait(-1).
 *
 * pdfork creates its child with exit_signal 0, and a parent may ask the same
 * for a child it adopts (PROCDESC_F_QUIET). But every exec resets
 * exit_signal to SIGCHLD (de_thread()), also when the child execs before its
 * descriptor exists. Probes on the sched_process_exec and sched_process_exit
 * tracepoints, which run in the task itself right after that reset and
 * before exit_notify() reads the field, set it back to 0 for a watched
 * process whose parent is still the one that made the descriptor: an
 * orphan's reaper must get its SIGCHLD. The store is to the task's own field
 * from its own context, as de_thread()'s is, but unlike de_thread()'s
 * (SIGCHLD, the value the reparenting stores too) it races with the parent's
 * death, which pd_quieten() settles.
 *
 * At exit the probe also records the parent's current exec generation:
 * do_notify_parent() turns any exit signal into SIGCHLD for a parent that
 * has exec'd since the fork, which would give a parent that kept the
 * descriptor across its exec the SIGCHLD it never asked for.
 */
#include <linux/binfmts.h>
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>
#include <trace/events/sched.h>

#include "procdesc.h"

static DEFINE_HASHTABLE(pd_watches, 8);
static DEFINE_SPINLOCK(pd_watches_lock);
static struct tracepoint *pd_exec_tp, *pd_exit_tp;

static void pd_quieten(struct task_struct *task, bool exiting)
{
	struct pid *pid = task_tgid(task);
	struct task_struct *parent;
	struct procdesc_quiet *w;

	if (!thread_group_leader(task))
		return;
	rcu_read_lock();
	parent = rcu_dereference(task->real_parent);
	hash_for_each_possible_rcu(pd_watches, w, node, (unsigned long)pid) {
		if (w->child != pid || w->parent != task_tgid(parent))
			continue;
		WRITE_ONCE(task->exit_signal, 0);
		/*
		 * The parent may be dying meanwhile: its exit points our
		 * real_parent at a reaper and then sets exit_signal to
		 * SIGCHLD (forget_original_parent(), reparent_leader()),
		 * under tasklist_lock, which a module cannot take. If that
		 * store landed before ours, ours undid it; then, the two
		 * reparenting stores being seen in order (as on x86, TSO),
		 * the new real_parent is visible past the barrier, and the
		 * reaper gets its SIGCHLD back. A move to another thread of
		 * the same process keeps the exit signal: ours stands.
		 */
		smp_mb();
		if (!same_thread_group(rcu_dereference(task->real_parent), parent)) {
			WRITE_ONCE(task->exit_signal, SIGCHLD);
			break;
		}
		if (exiting)
			WRITE_ONCE(task->parent_exec_id, READ_ONCE(parent->self_exec_id));
		break;
	}
	rcu_read_unlock();
}

PD_PROBE_sched_process_exec(pd_exec_probe)
{
	pd_quieten(task, false);
}

PD_PROBE_sched_process_exit(pd_exit_probe)
{
	pd_quieten(task, true);
}

/**
 * procdesc_quiet_watch - keep @child's exit_signal at 0 while watched
 * @w: the watch, embedded in a descriptor, freed no sooner than an RCU
 *     grace period after procdesc_quiet_unwatch()
 * @child: the child's pid, held by the descriptor
 * @parent: its parent's tgid pid, held by the descriptor
 */
void procdesc_quiet_watch(struct procdesc_quiet *w, struct pid *child,
			  struct pid *parent)
{
	w->child = child;
	w->parent = parent;
	spin_lock(&pd_watches_lock);
	hash_add_rcu(pd_watches, &w->node, (unsigned long)child);
	spin_unlock(&pd_watches_lock);
}

void procdesc_quiet_unwatch(struct procdesc_quiet *w)
{
	spin_lock(&pd_watches_lock);
	hash_del_rcu(&w->node);
	spin_unlock(&pd_watches_lock);
}

static void pd_find_tracepoints(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exec"))
		pd_exec_tp = tp;
	else if (!strcmp(tp->name, "sched_process_exit"))
		pd_exit_tp = tp;
}

int procdesc_quiet_init(void)
{
	int ret;

	for_each_kernel_tracepoint(pd_find_tracepoints, NULL);
	if (!pd_exec_tp || !pd_exit_tp) {
		pr_err("sched_process_exec or sched_process_exit tracepoint missing\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(pd_exec_tp, pd_exec_probe, NULL);
	if (ret)
		return ret;
	ret = tracepoint_probe_register(pd_exit_tp, pd_exit_probe, NULL);
	if (ret) {
		tracepoint_probe_unregister(pd_exec_tp, pd_exec_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	return ret;
}

void procdesc_quiet_exit(void)
{
	tracepoint_probe_unregister(pd_exit_tp, pd_exit_probe, NULL);
	tracepoint_probe_unregister(pd_exec_tp, pd_exec_probe, NULL);
	tracepoint_synchronize_unregister();
}
