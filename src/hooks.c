// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own tracepoints procdesc hooks into, with probes registered
 * through tracepoint_probe_register() (exported; the tracepoint symbols are
 * not, so they are found by name):
 *
 * - task_newtask, in the parent at every clone: binds an armed thread's
 *   child (src/clone.c);
 * - sched_process_exec, in the task right after exec reset its exit
 *   signal: keeps a quiet child quiet, drops an arm, hands the children
 *   the old program left without a descriptor over to the new one;
 * - sched_process_exit, in the exiting task before exit_notify(): the
 *   same, and for the last thread of a process, what its exit means for
 *   detached children (src/procdesc.c).
 *
 * Each probe has its tracepoint's prototype for the kernel built against,
 * checked at compile time (PD_PROBE_*() in src/compat.h).
 */
#include <linux/binfmts.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/tracepoint.h>
#include <trace/events/sched.h>
#include <trace/events/task.h>

#include "procdesc.h"

PD_PROBE_task_newtask(pd_newtask_probe)
{
	procdesc_newtask(task, clone_flags);
}

PD_PROBE_sched_process_exec(pd_exec_probe)
{
	procdesc_arm_drop(task);
	procdesc_quieten(task, false);
	procdesc_process_exec(task);
}

PD_PROBE_sched_process_exit(pd_exit_probe)
{
	procdesc_arm_drop(task);
	procdesc_quieten(task, true);
	if (pd_exit_group_dead(task))
		procdesc_process_exit(task);
}

static const struct {
	const char *name;
	void *probe;
} pd_hooks[] = {
	{ "task_newtask", pd_newtask_probe },
	{ "sched_process_exec", pd_exec_probe },
	{ "sched_process_exit", pd_exit_probe },
};

static struct tracepoint *pd_tps[ARRAY_SIZE(pd_hooks)];

static void pd_find_tracepoint(struct tracepoint *tp, void *priv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pd_hooks); i++)
		if (!strcmp(tp->name, pd_hooks[i].name))
			pd_tps[i] = tp;
}

static void pd_unregister(size_t n)
{
	while (n--)
		tracepoint_probe_unregister(pd_tps[n], pd_hooks[n].probe, NULL);
	tracepoint_synchronize_unregister();
}

int procdesc_hooks_init(void)
{
	size_t i;
	int ret;

	for_each_kernel_tracepoint(pd_find_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(pd_hooks); i++) {
		if (!pd_tps[i]) {
			pr_err("%s tracepoint missing\n", pd_hooks[i].name);
			ret = -ENOENT;
			break;
		}
		ret = tracepoint_probe_register(pd_tps[i], pd_hooks[i].probe, NULL);
		if (ret)
			break;
	}
	if (ret)
		pd_unregister(i);
	return ret;
}

void procdesc_hooks_exit(void)
{
	pd_unregister(ARRAY_SIZE(pd_hooks));
}
