// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: for a fixed time, NPROC processes (this one and the holders it
 * forks), each with NTHREADS threads, make children with pdfork(),
 * pdspawn() and pdspawnp() (sometimes from several threads at once, each
 * armed for its own child; sometimes closing the descriptor at once and
 * never waiting, racing the child's exit or exec), and do random
 * interleavings of pdkill, pdwait, poll, select, epoll, fstat, pdgetpid,
 * pdgetpidfd, pdopenpid (more files on a child's one object), dup, close,
 * descriptor passing over unix sockets, fork of the holder and ptrace by a
 * short-lived tracer that holds the zombie, while the children exit on
 * their own at random moments (some at once, racing the close and the
 * pdwait of their descriptors; some multi-threaded, with the leader gone
 * first; some after an exec).
 *
 * Every child has a plan in shared memory: an exit code derived from its
 * id or a signal it raises, and when. It announces its end there just
 * before it happens; whoever sends it a fatal signal, or closes the fd one
 * of its descriptor files was opened as (see fd_closing()), records that
 * before doing so. The invariants, checked all along and reported as one
 * TAP result each:
 *
 * 1. every status reported (pdwait, waitid) is one the child produced or
 *    was given; all reports of a child agree; an exit is consumed at most
 *    once by holders other than the parent, and never reported to them
 *    after it was consumed; the parent is told of it as long as there is a
 *    zombie to reap, and not after the reap; and never by a SIGCHLD;
 * 2. no descriptor reports an exit (POLLHUP, select, epoll, fstat, pdwait)
 *    that has not happened: something must have ended the child, and
 *    /proc must not show it running;
 * 3. none misses one: once the exit is known (announced or killed at least
 *    BOUND_MS before the call asked, and /proc no longer shows the child
 *    running; or reported), poll, select, epoll, fstat and pdwait report
 *    it; blocked waiters are woken within BOUND_MS;
 * 4. every call returns a documented result (pdkill/pdwait ESRCH only
 *    once the exit was consumed or reaped, for the parent's pdwait only
 *    once reaped, pdgetpidfd ESRCH only once reaped, the PARENT bit for
 *    the parent only, descriptors passed over sockets name their process,
 *    ...);
 * 5. afterwards no child of ours, zombie or live, is left. The library
 *    reaps a child whose descriptors were all closed, once it has ended, at
 *    its next pdfork or pdwait: the parent's own waitid(P_PIDFD) may find
 *    it reaped already, but only after its end, and at the end of the run
 *    it is the library that must have reaped them all;
 * 6. the module's reference count (/sys/module/procdesc/refcnt) is back
 *    to 0: every descriptor file holds a reference (pdfs_alloc_file()), so
 *    does the pseudo filesystem while mounted, i.e. while any descriptor's
 *    inode exists, /dev/procdesc while open, and the object of a child
 *    until it is reaped and the library has collected it.
 *
 * Usage: stress_test [SECONDS]
 *   SECONDS defaults to $PROCDESC_STRESS_SECONDS, else 60.
 *   PROCDESC_STRESS_SEED fixes the seed of the random choices.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/select.h>
#include <spawn.h>

#include "procdesc_test.h"
#include "kselftest.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

#define NPROC		3	/* this process and two holders */
#define NTHREADS	3	/* worker threads in each */
#define MAX_HELD	48	/* descriptors a process holds */
#define MAX_LIVE	10	/* children a process has with their descriptor */
#define MAX_PENDING	24	/* closed, not yet reaped */
#define MAX_OWN		(MAX_LIVE + MAX_PENDING)
#define NSLOTS		131072	/* children per run */
#define LIFE_MS		300	/* longest planned life */
#define BOUND_MS	10000	/* an exit must be reported this soon */
#define INTERRUPTED_TRIES 3	/* see wait_call() */
#define MAX_REPORTS	40
#define STATUS_NONE	(-1)
#define DEFAULT_SECONDS	60
#define TRACER_STACK	65536
#define BURST		3	/* threads making children at once */
#define MAX_LOUD	16384	/* SIGCHLDs, and children that may send one, noted */

enum { KID_PLAIN, KID_LEADER_FIRST, KID_THREAD_FIRST, KID_EXEC, KID_SPAWN };

/* One child's plan and what happened to it; the fields are atomics. */
struct kid {
	int pid;
	int owner;		/* tgid of its parent */
	int kind;
	int code;		/* planned exit code, unless selfsig */
	int selfsig;		/* planned signal to raise, or 0 */
	int deadline;		/* planned end, run ms, or -1: never */
	int daemon;
	int sent;		/* fatal signals sent, before sending */
	int killed;		/* 1 + run ms when a fatal pdkill succeeded */
	int opening_fds;	/* open fds its files were opened as */
	int nd_loose;		/* ... one without PD_DAEMON was closed */
	int close_kill;		/* a last close may have killed it */
	int announced;		/* 1 + run ms when it was about to end */
	int finishing;		/* consume or reap attempts in progress */
	int finished;		/* its exit was consumed, or it was reaped */
	int reaping;		/* reap attempts in progress */
	int reaped;
	int consumed;		/* successful consuming waits */
	int consumed_np;	/* ... of them by holders that are not the parent */
	int parent_told;	/* ... of them by the parent (which must reap) */
	int parent_consuming;	/* the parent's consuming waits in progress */
	int status;		/* first status reported */
};

enum { G_STATUS, G_EARLY, G_MISSED, G_CALLS, G_LEFT, G_REFCNT, NGROUPS };

static const char *const group_tag[NGROUPS] = {
	"status", "early", "missed", "calls", "left", "refcnt",
};

enum {
	OP_PDFORK, OP_PDKILL, OP_PDWAIT, OP_POLL, OP_SELECT, OP_EPOLL,
	OP_FSTAT, OP_GETPID, OP_PIDFD, OP_DUP, OP_CLOSE, OP_SEND, OP_RECV,
	OP_FORK, OP_RETIRE, OP_REAP, OP_RACE, OP_TRACE, OP_OPEN, OP_SPAWN, OP_BURST,
	NOPS,
};

static const char *const op_name[NOPS] = {
	"pdfork", "pdkill", "pdwait", "poll", "select", "epoll", "fstat",
	"pdgetpid", "pidfd", "dup", "close", "send", "recv", "fork",
	"retire", "reap", "race", "trace", "open", "spawn", "burst",
};

static const unsigned char op_weight[NOPS] = {
	4, 6, 8, 6, 3, 4, 3, 3, 2, 8, 8, 5, 8, 1, 6, 6, 2, 2, 4, 2, 1,
};

/* Outcomes worth counting, printed at the end. */
enum {
	ST_EXITED, ST_SIGNALLED, ST_CONSUMED, ST_ELSEWHERE, ST_HUP,
	ST_BLOCKED_WOKEN, ST_EXHAUSTED, ST_KIDS_EXEC, ST_KIDS_THREADED, ST_LIB_REAPED,
	ST_OPENED, ST_KIDS_SPAWNED, ST_SPAWN_FAILED, ST_UNWAITED, ST_SLOW_EXIT, NSTATS,
};

static const char *const stat_name[NSTATS] = {
	"exited", "signalled", "consumed", "consumed-elsewhere", "hup-seen",
	"blocked-waiter-woken", "slots-exhausted", "exec-kids",
	"threaded-kids", "reaped-by-library", "files-opened", "spawned-kids",
	"spawn-enoent", "closed-unwaited", "still-running-past-bound",
};

struct shared {
	long long t0;		/* CLOCK_MONOTONIC ms at the start */
	int stop;
	int closed_procs;	/* processes done closing everything */
	unsigned int next_id;
	unsigned int reports;
	unsigned int ops[NOPS];
	unsigned int stats[NSTATS];
	unsigned int checks[NGROUPS];
	unsigned int fails[NGROUPS];
	struct kid kids[NSLOTS];
};

struct held {
	int fd;			/* -1: free */
	unsigned int id;
	bool primary;		/* the parent's own descriptor of its child */
	bool opening;		/* the fd its file was opened as: see fd_closing() */
	bool daemon;		/* ... with PD_DAEMON */
	bool busy;		/* checked out by a thread */
};

struct own {
	unsigned int id;
	int pidfd;		/* names the child, whoever reaps it */
	bool used;
	bool pending;		/* primary closed: reaped by op_reap() or the library */
	bool busy;
};

struct worker {
	pthread_t thread;
	int idx;
	int until;		/* run ms; the watchdog interrupts after it */
	unsigned int rnd;
	int epfd;
	bool may_block;
};

static struct shared *sh;
static int shm_fd = -1;
static unsigned int seed;
static int self_idx;
static pid_t self_pid;
static bool forked_holder;
static int rx_fd = -1, tx_fd[NPROC];
/* + thread index: fds only op_race() uses, at the top of the fd limit */
static int race_fd;

/*
 * How pdspawn() and pdspawnp() start a child: this program (found in the
 * PATH for pdspawnp()), with only the shared memory left open, as fd 3,
 * and no signal blocked.
 */
static char self_exe[PATH_MAX];
static const char *self_name;
static posix_spawn_file_actions_t spawn_actions;
static posix_spawnattr_t spawn_attr;

/*
 * The SIGCHLDs this process got (their senders), and the children it made
 * with fork() or clone(SIGCHLD), the only ones that may send one.
 */
static int sigchld_from[MAX_LOUD];
static unsigned int sigchld_count;
static int loud_kid[MAX_LOUD];
static unsigned int loud_count;

static struct held held[MAX_HELD];
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static struct own own[MAX_OWN];
static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * NTHREADS workers, a slot for the process's main thread, and one for the
 * helper thread of each worker's op_race().
 */
#define NSLOTS_WD	(2 * NTHREADS + 1)
static struct worker workers[NSLOTS_WD];
static int watchdog_stop;

static int ld(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static int add(int *p, int v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}

static unsigned int uadd(unsigned int *p, unsigned int v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}

static void count(int op)
{
	uadd(&sh->ops[op], 1);
}

static void stat_inc(int s)
{
	uadd(&sh->stats[s], 1);
}

static int now_rel(void)
{
	return (int)(now_ms() - sh->t0);
}

static unsigned int rnd(struct worker *w)
{
	unsigned int x = w->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	w->rnd = x;
	return x;
}

static unsigned int rnd_below(struct worker *w, unsigned int n)
{
	return rnd(w) % n;
}

static unsigned int sigbit(int sig)
{
	return 1u << sig;
}

#define FATAL_SIGS (sigbit(SIGKILL) | sigbit(SIGTERM) | sigbit(SIGUSR1) | \
		    sigbit(SIGUSR2) | sigbit(SIGHUP))

/*
 * Count one check of @group; on failure count it and print why (the first
 * MAX_REPORTS failures of the run), one write() per line, as every process
 * shares stdout.
 */
static __printf(3, 4) bool check(int group, bool ok, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	uadd(&sh->checks[group], 1);
	if (ok)
		return true;
	uadd(&sh->fails[group], 1);
	if (uadd(&sh->reports, 1) > MAX_REPORTS)
		return false;
	n = snprintf(buf, sizeof(buf), "# FAIL [%s] pid %d at %d ms: ",
		     group_tag[group], (int)getpid(), now_rel());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		return false;
	return false;
}

static const char *status_str(int status, char *buf, size_t len)
{
	if (status == STATUS_NONE)
		snprintf(buf, len, "none");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %#x", status);
	return buf;
}

static const char *plan_str(struct kid *k, char *buf, size_t len)
{
	static const char *const kinds[] = {
		"plain", "leader-first", "thread-first", "exec", "spawned",
	};

	if (k->deadline < 0)
		snprintf(buf, len, "%s, runs until killed%s", kinds[k->kind],
			 k->daemon ? ", daemon" : "");
	else if (k->selfsig)
		snprintf(buf, len, "%s, raises %d at %d ms%s", kinds[k->kind],
			 k->selfsig, k->deadline, k->daemon ? ", daemon" : "");
	else
		snprintf(buf, len, "%s, exits %d at %d ms%s", kinds[k->kind],
			 k->code, k->deadline, k->daemon ? ", daemon" : "");
	return buf;
}

/* The run time at which @k should have ended: planned or killed; or -1. */
static int expected_end(struct kid *k)
{
	int killed = ld(&k->killed), end = k->deadline;

	if (killed && (end < 0 || killed - 1 < end))
		end = killed - 1;
	return end;
}

/* Its exit was reported already, or it was reaped. */
static bool exit_reported(struct kid *k)
{
	return ld(&k->status) != STATUS_NONE || ld(&k->reaped);
}

/* Timeout (ms) for a blocking wait on @k: until its end plus the bound. */
static int wait_budget(struct kid *k)
{
	int end = expected_end(k), t;

	if (end < 0)
		return -1;
	t = end + BOUND_MS + 100 - now_rel();
	return t < 0 ? 0 : t;
}

/* Something may have ended @k: its own end, a fatal signal, a last close. */
static bool end_caused(struct kid *k)
{
	return ld(&k->announced) || (ld(&k->sent) & FATAL_SIGS) || ld(&k->close_kill);
}

/*
 * The state /proc shows for thread @tid of @pid (the process if @tid is
 * 0), settled: PREEMPT_RT reports a task blocked on a sleeping spinlock as
 * 'D', also in the exit path after exit_notify() made it a zombie, so such
 * a task gets a moment to finish dying.
 */
static char settled_state(pid_t pid, pid_t tid)
{
	char state = tid ? proc_task_state(pid, tid) : proc_state(pid);

	for (int i = 0; state == 'D' && i < 100; i++) {
		usleep(10 * 1000);
		state = tid ? proc_task_state(pid, tid) : proc_state(pid);
	}
	return state;
}

/*
 * A descriptor of @k reported its exit (@how): it must have happened. The
 * caller holds a descriptor of it, unless @racing: then a racing close may
 * have closed the last one, after which the library may reap it.
 */
static void check_really_exited(struct kid *k, unsigned int id, const char *how,
				bool racing)
{
	char plan[96], state;

	stat_inc(ST_HUP);
	check(G_EARLY, end_caused(k),
	      "kid %u (pid %d, %s): %s reported an exit, but it did not announce one, was sent no fatal signal and no last close could kill it",
	      id, k->pid, plan_str(k, plan, sizeof(plan)), how);
	/* A zombie leader is 'Z' in /proc while its other thread runs. */
	if (k->kind == KID_LEADER_FIRST)
		return;
	state = settled_state(k->pid, 0);
	/* The pid is still the child's unless a reap may have begun. */
	if (ld(&k->reaping) || ld(&k->reaped) || (racing && !ld(&k->opening_fds)))
		return;
	check(G_EARLY, !state || state == 'Z' || state == 'X',
	      "kid %u (pid %d, %s): %s reported an exit while /proc shows it in state %c",
	      id, k->pid, plan_str(k, plan, sizeof(plan)), how, state);
}

/*
 * Whether a thread of @pid is still alive, as /proc shows it now: a state
 * other than zombie or dead. A leader that exited first is a zombie while
 * its other thread runs.
 */
static bool kid_running(pid_t pid)
{
	char path[64], state;
	struct dirent *e;
	bool alive = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!alive && (e = readdir(d))) {
		pid_t tid = atoi(e->d_name);

		if (tid <= 0)
			continue;
		state = settled_state(pid, tid);
		alive = state && state != 'Z' && state != 'X';
	}
	closedir(d);
	return alive;
}

/*
 * A descriptor of @k (@fd) reported no exit (@how), asked at run time @t:
 * when a call that does not sleep began, or a sleeping call's deadline;
 * not when it returned, as a thread may lose the CPU for seconds after a
 * call on a loaded debug kernel, and the answer was as of the call. Fail
 * if the exit had been reported before the call began (@reported_before),
 * or was announced or caused by a fatal signal at least BOUND_MS before
 * @t, and has happened: a process that /proc shows running now was running
 * when asked, and is only slow to die (a TCG guest overcommitted with a
 * debug kernel can take seconds); it is counted apart. The failure names
 * the state /proc shows now: a zombie ('Z') was missed, and '-' is one
 * reaped since.
 */
static void check_not_missed(struct kid *k, unsigned int id, int fd, bool reported_before,
			     int t, const char *how)
{
	int ann = ld(&k->announced), killed = ld(&k->killed);
	bool late_ann = ann && t - (ann - 1) >= BOUND_MS;
	bool late_kill = killed && t - (killed - 1) >= BOUND_MS;
	bool missed = reported_before || late_ann || late_kill;
	char plan[96], state;
	pid_t named = 0;

	if (missed && !reported_before && kid_running(k->pid)) {
		stat_inc(ST_SLOW_EXIT);
		missed = false;
	}
	state = missed ? proc_state(k->pid) : 0;

	/* The number the descriptor names, should its fd have been reused. */
	if (missed && pdgetpid(fd, &named))
		named = -errno;
	check(G_MISSED, !missed,
	      "kid %u (pid %d, %s): %s reported no exit %d ms after it %s (state now %c; fd %d names %d)",
	      id, k->pid, plan_str(k, plan, sizeof(plan)), how,
	      reported_before ? 0 : late_ann ? t - ann + 1 : t - killed + 1,
	      reported_before ? "was reported elsewhere" :
	      late_ann ? "announced its end" : "was killed", state ? state : '-',
	      fd, named);
}

/* A status reported for @k by @how: one it produced or was given. */
static void check_status(struct kid *k, unsigned int id, int status, const char *how)
{
	int ann = ld(&k->announced), sent = ld(&k->sent), closed = ld(&k->close_kill);
	char plan[96], s1[32], s2[32];
	int first = STATUS_NONE;
	bool ok = false;

	if (WIFEXITED(status)) {
		ok = !k->selfsig && k->deadline >= 0 && ann &&
		     WEXITSTATUS(status) == k->code;
		stat_inc(ST_EXITED);
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		ok = (sig == k->selfsig && ann) ||
		     (sig < 32 && (sent & sigbit(sig))) ||
		     (sig == SIGKILL && closed);
		stat_inc(ST_SIGNALLED);
	}
	check(G_STATUS, ok,
	      "kid %u (pid %d, %s): %s reported %s; announced %d, signals sent %#x, close kill %d",
	      id, k->pid, plan_str(k, plan, sizeof(plan)), how,
	      status_str(status, s1, sizeof(s1)), ann, sent, closed);
	if (!__atomic_compare_exchange_n(&k->status, &first, status, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		check(G_STATUS, first == status,
		      "kid %u (pid %d): %s reported %s, earlier %s", id, k->pid,
		      how, status_str(status, s1, sizeof(s1)),
		      status_str(first, s2, sizeof(s2)));
}

/* ---- the children ---- */

static void sleep_until(int t)
{
	long long abs_ms = sh->t0 + t;
	struct timespec ts = {
		.tv_sec = abs_ms / 1000,
		.tv_nsec = (abs_ms % 1000) * 1000000,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Announce the end, then end as planned. */
static noreturn void kid_end(struct kid *k)
{
	st(&k->announced, now_rel() + 1);
	if (k->selfsig)
		syscall(__NR_kill, getpid(), k->selfsig);
	_exit(k->code);
}

static noreturn void kid_run(struct kid *k)
{
	if (k->deadline < 0)
		for (;;)
			pause();
	sleep_until(k->deadline);
	kid_end(k);
}

static int kid_thread(void *arg)
{
	struct kid *k = arg;

	if (k->kind == KID_THREAD_FIRST)
		syscall(__NR_exit, 0);
	kid_run(k);
}

/* The stack of a threaded child's second thread: each child has its copy. */
static long long kid_stack[2048];

static noreturn void kid_start(unsigned int id, char *const argv[])
{
	struct kid *k = &sh->kids[id];
	sigset_t none;
	char *top;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (k->kind == KID_EXEC) {
		/* Only the shared memory survives, for the exec'd child. */
		if (shm_fd > 3)
			syscall(__NR_close_range, 3, shm_fd - 1, 0);
		syscall(__NR_close_range, shm_fd + 1, ~0U, 0);
		execv("/proc/self/exe", argv);
		kid_run(k);
	}
	/* Drop the copies of everything the parent holds. */
	syscall(__NR_close_range, 3, ~0U, 0);
	if (k->kind == KID_LEADER_FIRST || k->kind == KID_THREAD_FIRST) {
		top = (char *)((uintptr_t)(kid_stack + ARRAY_SIZE(kid_stack)) & ~(uintptr_t)15);
		if (clone(kid_thread, top, CLONE_VM | CLONE_FS | CLONE_FILES |
			  CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, k) < 0)
			kid_run(k);
		if (k->kind == KID_LEADER_FIRST)
			syscall(__NR_exit, 0);
	}
	kid_run(k);
}

/* main() of an exec'd child: stress_test --kid ID SHMFD */
static int kid_exec_main(char **argv)
{
	unsigned int id = strtoul(argv[2], NULL, 10);

	shm_fd = atoi(argv[3]);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (sh == MAP_FAILED || id >= NSLOTS)
		_exit(127);
	kid_run(&sh->kids[id]);
}

/* ---- the descriptors a process holds, and its own children ---- */

enum { WANT_ANY, WANT_PRIMARY, WANT_OTHER };

static int checkout(struct worker *w, int want)
{
	int i, j, start = rnd_below(w, MAX_HELD), pick = -1;

	pthread_mutex_lock(&held_lock);
	for (j = 0; j < MAX_HELD && pick < 0; j++) {
		i = (start + j) % MAX_HELD;
		if (held[i].fd < 0 || held[i].busy)
			continue;
		if ((want == WANT_PRIMARY && !held[i].primary) ||
		    (want == WANT_OTHER && held[i].primary))
			continue;
		held[i].busy = true;
		pick = i;
	}
	pthread_mutex_unlock(&held_lock);
	return pick;
}

static void checkin(int i)
{
	pthread_mutex_lock(&held_lock);
	held[i].busy = false;
	pthread_mutex_unlock(&held_lock);
}

/* The entry's descriptor was closed. */
static void drop(int i)
{
	pthread_mutex_lock(&held_lock);
	held[i].fd = -1;
	held[i].busy = false;
	pthread_mutex_unlock(&held_lock);
}

/*
 * One object per process: a child's descriptor made by pdfork (the primary
 * one) and those opened by pdopenpid are files on the same object, each with
 * its own PD_DAEMON, and the release of the last of them kills the child
 * unless that file has PD_DAEMON. A file is released once every fd naming
 * it is closed (copies made by dup, SCM_RIGHTS or fork among them), which
 * this model cannot see; but not while the fd it was opened as (its opening
 * fd) is open. So once all the child's opening fds are closed, any file
 * left may be the last, and the last close may kill if any of them lacked
 * PD_DAEMON. Called before the close.
 */
static void fd_closing(struct kid *k, bool opening, bool daemon)
{
	if (!opening)
		return;
	if (!daemon)
		st(&k->nd_loose, 1);
	if (!add(&k->opening_fds, -1) && ld(&k->nd_loose))
		st(&k->close_kill, 1);
}

enum { H_PRIMARY = 1, H_OPENING = 2, H_DAEMON = 4 };

/* Keep @fd; if there is no room, close it and say so. */
static bool hold(int fd, unsigned int id, unsigned int how)
{
	int i;

	pthread_mutex_lock(&held_lock);
	for (i = 0; i < MAX_HELD; i++) {
		if (held[i].fd >= 0)
			continue;
		held[i] = (struct held){
			.fd = fd, .id = id, .primary = how & H_PRIMARY,
			.opening = how & H_OPENING, .daemon = how & H_DAEMON,
		};
		break;
	}
	pthread_mutex_unlock(&held_lock);
	if (i < MAX_HELD)
		return true;
	fd_closing(&sh->kids[id], how & H_OPENING, how & H_DAEMON);
	close(fd);
	return false;
}

/* Reserve a child record: MAX_LIVE of them with descriptors. */
static bool own_add(unsigned int id)
{
	int i, live = 0, slot = -1;

	pthread_mutex_lock(&own_lock);
	for (i = 0; i < MAX_OWN; i++) {
		if (own[i].used)
			live += !own[i].pending;
		else if (slot < 0)
			slot = i;
	}
	if (slot >= 0 && live < MAX_LIVE)
		own[slot] = (struct own){ .id = id, .pidfd = -1, .used = true };
	else
		slot = -1;
	pthread_mutex_unlock(&own_lock);
	return slot >= 0;
}

static void own_attach(unsigned int id, int pidfd)
{
	int i;

	pthread_mutex_lock(&own_lock);
	for (i = 0; i < MAX_OWN; i++)
		if (own[i].used && own[i].id == id)
			own[i].pidfd = pidfd;
	pthread_mutex_unlock(&own_lock);
}

static int own_count_pending(void)
{
	int i, n = 0;

	pthread_mutex_lock(&own_lock);
	for (i = 0; i < MAX_OWN; i++)
		n += own[i].used && own[i].pending;
	pthread_mutex_unlock(&own_lock);
	return n;
}

static void own_set(unsigned int id, bool remove)
{
	int i;

	pthread_mutex_lock(&own_lock);
	for (i = 0; i < MAX_OWN; i++) {
		if (!own[i].used || own[i].id != id)
			continue;
		if (remove) {
			own[i].used = false;
			if (own[i].pidfd >= 0)
				close(own[i].pidfd);
		} else {
			own[i].pending = true;
		}
		own[i].busy = false;
	}
	pthread_mutex_unlock(&own_lock);
}

static int own_checkout_pending(struct worker *w)
{
	int i, j, start = rnd_below(w, MAX_OWN), pick = -1;

	pthread_mutex_lock(&own_lock);
	for (j = 0; j < MAX_OWN && pick < 0; j++) {
		i = (start + j) % MAX_OWN;
		if (own[i].used && own[i].pending && !own[i].busy) {
			own[i].busy = true;
			pick = i;
		}
	}
	pthread_mutex_unlock(&own_lock);
	return pick;
}

/* ---- the watchdog: interrupts blocking calls that outlive their bound ---- */

static void wake_handler(int sig)
{
}

static void sigchld_handler(int sig, siginfo_t *si, void *uc)
{
	unsigned int n;

	/* A tracer shares our memory (CLONE_VM) and runs this for its tracee. */
	if (syscall(SYS_getpid) != self_pid)
		return;
	n = uadd(&sigchld_count, 1) - 1;
	if (n < MAX_LOUD)
		sigchld_from[n] = si->si_pid;
}

/* @pid, made by fork() or clone(SIGCHLD), will send us its SIGCHLD. */
static void loud(pid_t pid)
{
	unsigned int n = uadd(&loud_count, 1) - 1;

	if (n < MAX_LOUD)
		loud_kid[n] = pid;
}

static int wake_sig(void)
{
	return SIGRTMIN + 1;
}

static void arm(struct worker *w, int ms)
{
	st(&w->until, ms < 0 ? 0 : now_rel() + ms + 1);
}

static void disarm(struct worker *w)
{
	st(&w->until, 0);
}

static void *watchdog(void *arg)
{
	int i, until;

	while (!ld(&watchdog_stop)) {
		usleep(50000);
		for (i = 0; i < NSLOTS_WD; i++) {
			until = ld(&workers[i].until);
			if (until && now_rel() >= until)
				pthread_kill(workers[i].thread, wake_sig());
		}
	}
	return NULL;
}

/* ---- the operations ---- */

static struct kid *kid_of(int i)
{
	return &sh->kids[held[i].id];
}

static bool is_owner(struct kid *k)
{
	return k->owner == self_pid;
}

enum { MAKE_FORK, MAKE_SPAWN };

/*
 * Make a child with pdfork(), or pdspawn()/pdspawnp() of this program,
 * which then runs kid_exec_main(). Some are closed at once and never
 * waited for (PD_DAEMON or not, exec'ing or not), some of those exiting at
 * once: the close races the child's exit and exec, and the library must
 * reap them.
 */
static void make_kid(struct worker *w, int how)
{
	char name[] = "stress_test", flag[] = "--kid", idbuf[16], fdbuf[16];
	int fd = -1, flags, pidfd, ret;
	unsigned int id, r;
	bool unwaited, p;
	char *argv[5];
	pid_t pid = 0, dpid = 0;
	struct kid *k;

	if (forked_holder)
		return;
	id = uadd(&sh->next_id, 1) - 1;
	if (id >= NSLOTS) {
		stat_inc(ST_EXHAUSTED);
		return;
	}
	if (!own_add(id))
		return;
	k = &sh->kids[id];
	r = rnd_below(w, 100);
	k->kind = how == MAKE_SPAWN ? KID_SPAWN : r < 80 ? KID_PLAIN :
		  r < 86 ? KID_LEADER_FIRST : r < 92 ? KID_THREAD_FIRST : KID_EXEC;
	unwaited = rnd_below(w, 6) == 0;
	k->deadline = rnd_below(w, 100) < 65 ? now_rel() + (int)rnd_below(w, LIFE_MS) : -1;
	if (unwaited && rnd_below(w, 2))
		k->deadline = now_rel();
	k->code = 1 + id % 250;
	k->selfsig = 0;
	if (k->deadline >= 0 && rnd_below(w, 4) == 0) {
		static const int sigs[] = { SIGTERM, SIGUSR2, SIGHUP };

		k->selfsig = sigs[rnd_below(w, ARRAY_SIZE(sigs))];
	}
	k->daemon = k->deadline >= 0 && rnd_below(w, 4) == 0;
	st(&k->status, STATUS_NONE);
	snprintf(idbuf, sizeof(idbuf), "%u", id);
	snprintf(fdbuf, sizeof(fdbuf), "%d", how == MAKE_SPAWN ? 3 : shm_fd);
	argv[0] = name;
	argv[1] = flag;
	argv[2] = idbuf;
	argv[3] = fdbuf;
	argv[4] = NULL;
	flags = (k->daemon ? PD_DAEMON : 0) | (rnd_below(w, 2) ? PD_CLOEXEC : 0);
	st(&k->opening_fds, 1);

	if (how == MAKE_SPAWN) {
		count(OP_SPAWN);
		p = rnd_below(w, 2);
		ret = p ? pdspawnp(&pid, &fd, flags, self_name, &spawn_actions, &spawn_attr,
				   argv, environ) :
			  pdspawn(&pid, &fd, flags, self_exe, &spawn_actions, &spawn_attr,
				  argv, environ);
		if (ret) {
			check(G_CALLS, ret == EAGAIN || ret == ENOMEM || ret == EMFILE ||
			      ret == ENFILE, "%s: %s", p ? "pdspawnp" : "pdspawn", strerror(ret));
			own_set(id, true);
			return;
		}
		stat_inc(ST_KIDS_SPAWNED);
	} else {
		count(OP_PDFORK);
		pid = pdfork(&fd, flags);
		if (pid == 0)
			kid_start(id, argv);
		if (pid < 0) {
			check(G_CALLS, errno == EAGAIN || errno == ENOMEM || errno == EMFILE ||
			      errno == ENFILE, "pdfork: %s", strerror(errno));
			own_set(id, true);
			return;
		}
		if (k->kind == KID_EXEC)
			stat_inc(ST_KIDS_EXEC);
		else if (k->kind != KID_PLAIN)
			stat_inc(ST_KIDS_THREADED);
	}
	st(&k->owner, self_pid);
	st(&k->pid, pid);
	/* Not the child of another thread armed at the same time. */
	check(G_CALLS, !pdgetpid(fd, &dpid) && dpid == pid,
	      "kid %u: made as pid %d, its descriptor names pid %d", id, pid, dpid);
	/*
	 * A pidfd names the child for op_reap() and cleanup(): once all its
	 * descriptors are closed, the library may reap it at any of its calls,
	 * and its number may then be reused.
	 */
	pidfd = pdgetpidfd(fd);
	if (!check(G_CALLS, pidfd >= 0, "pdgetpidfd(kid %u, pid %d, new): %s", id, pid,
		   strerror(errno))) {
		__atomic_or_fetch(&k->sent, sigbit(SIGKILL), __ATOMIC_SEQ_CST);
		add(&k->reaping, 1);
		pdkill(fd, SIGKILL);
		pdwait(fd, NULL, WEXITED, NULL, NULL);
		st(&k->reaped, 1);
		st(&k->finished, 1);
		add(&k->reaping, -1);
		close(fd);
		own_set(id, true);
		return;
	}
	own_attach(id, pidfd);
	if (unwaited && own_count_pending() < MAX_PENDING) {
		stat_inc(ST_UNWAITED);
		fd_closing(k, true, k->daemon);
		close(fd);
		own_set(id, false);
		return;
	}
	if (!hold(fd, id, H_PRIMARY | H_OPENING | (k->daemon ? H_DAEMON : 0)))
		own_set(id, false);
}

static void op_pdfork(struct worker *w)
{
	make_kid(w, MAKE_FORK);
}

/*
 * pdspawn() or pdspawnp(); one in eight of a program that does not exist:
 * ENOENT back, errno and the fd untouched, and no child left (the library
 * reaps the one whose exec failed; the end of the run would find it).
 */
static void op_spawn(struct worker *w)
{
	char name[] = "stress_test-missing", *argv[] = { name, NULL };
	bool p = rnd_below(w, 2);
	int fd = -1, ret;
	pid_t pid = 0;

	if (forked_holder)
		return;
	if (rnd_below(w, 8)) {
		make_kid(w, MAKE_SPAWN);
		return;
	}
	count(OP_SPAWN);
	errno = EDOM;
	ret = p ? pdspawnp(&pid, &fd, rnd_below(w, 4), name, NULL, NULL, argv, environ) :
		  pdspawn(&pid, &fd, rnd_below(w, 4), "/nonexistent/stress_test", NULL, NULL,
			  argv, environ);
	if (ret == ENOENT)
		stat_inc(ST_SPAWN_FAILED);
	check(G_CALLS, (ret == ENOENT || ret == EAGAIN || ret == ENOMEM || ret == EMFILE ||
			ret == ENFILE) && errno == EDOM && fd == -1 && pid == 0,
	      "%s of a missing program: %s, errno %s, fd %d, pid %d",
	      p ? "pdspawnp" : "pdspawn", strerror(ret), strerror(errno), fd, pid);
}

struct burster {
	struct worker w;
	int *go;
};

static void *burster_main(void *arg)
{
	struct burster *b = arg;

	while (!ld(b->go))
		sched_yield();
	make_kid(&b->w, rnd_below(&b->w, 3) ? MAKE_FORK : MAKE_SPAWN);
	return NULL;
}

/*
 * Children made by BURST threads at once, each armed for its own: each must
 * get its own child's descriptor (make_kid() checks it).
 */
static void op_burst(struct worker *w)
{
	struct burster b[BURST];
	pthread_t t[BURST];
	int i, n, go = 0;

	if (forked_holder)
		return;
	count(OP_BURST);
	for (n = 0; n < BURST; n++) {
		b[n] = (struct burster){ .w = { .rnd = rnd(w) | 1, .idx = w->idx }, .go = &go };
		if (pthread_create(&t[n], NULL, burster_main, &b[n]))
			break;
	}
	st(&go, 1);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static void op_pdkill(struct worker *w)
{
	static const int fatal[] = { SIGTERM, SIGUSR1, SIGKILL };
	struct procdesc_kill args = { 0 };
	int i = checkout(w, WANT_ANY), r, sig, ret, err;
	struct kid *k;
	char plan[96];

	if (i < 0)
		return;
	k = kid_of(i);
	r = rnd_below(w, 20);
	sig = r < 8 ? 0 : r < 17 ? SIGCONT : fatal[rnd_below(w, ARRAY_SIZE(fatal))];
	if (sig && sig != SIGCONT)
		__atomic_or_fetch(&k->sent, sigbit(sig), __ATOMIC_SEQ_CST);
	count(OP_PDKILL);
	if (rnd_below(w, 2)) {
		ret = pdkill(held[i].fd, sig);
	} else {
		args.signal = sig;
		ret = ioctl(held[i].fd, PROCDESC_IOC_KILL, &args);
	}
	err = errno;
	if (!ret && sig && sig != SIGCONT) {
		int zero = 0;

		__atomic_compare_exchange_n(&k->killed, &zero, now_rel() + 1, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	if (ret)
		check(G_CALLS, err == ESRCH && (ld(&k->finishing) || ld(&k->finished)),
		      "pdkill(kid %u, pid %d, %s, signal %d): %s, but its exit was neither consumed nor reaped",
		      held[i].id, k->pid, plan_str(k, plan, sizeof(plan)), sig,
		      strerror(err));
	checkin(i);
}

/*
 * One wait of the test: pdwait(), or the raw PROCDESC_IOC_WAIT if @pw,
 * with @options; the watchdog is disarmed after it. A waiter that finds
 * an exit queues for the collect lock while another waiter copies it out,
 * and a signal ends that wait with EINTR (pd_wait(), as a pipe read
 * waiting for the pipe's lock): the watchdog's signal at a @block-ing
 * wait's deadline so interrupts a wait whose exit was there. Such a wait
 * is asked again without blocking, which no deadline interrupts (a late
 * watchdog signal may still: a few tries). A missed wake-up cannot hide
 * so: a blocking wait tests its condition before it returns EINTR.
 */
static int wait_call(struct worker *w, int fd, int options, bool block,
		     struct procdesc_wait *pw, int *status, siginfo_t *si)
{
	int ret, err;

	for (int tries = 0;; tries++) {
		if (pw) {
			memset(pw, 0, sizeof(*pw));
			pw->options = options;
			ret = ioctl(fd, PROCDESC_IOC_WAIT, pw);
			*status = pw->status;
		} else {
			memset(si, 0, sizeof(*si));
			ret = pdwait(fd, status, options, NULL, si);
		}
		err = errno;
		disarm(w);
		if (!block || ret == 0 || err != EINTR || tries == INTERRUPTED_TRIES)
			break;
		options |= WNOHANG;
	}
	errno = err;
	return ret;
}

enum {
	DW_BLOCK = 1,		/* block, if the kid is bound to end */
	DW_RACE = 2,		/* @fd may be closed under us (EBADF) */
	DW_CONSUME = 4,		/* no WNOWAIT */
};

/*
 * pdwait on @fd, a descriptor of kid @id, and check what it says. Blocks
 * (under the watchdog) only until the kid's end plus the bound. A
 * consuming wait in the parent goes through the ioctl, which does not
 * reap: only op_retire() and op_reap() reap.
 */
static void do_wait(struct worker *w, int fd, unsigned int id, int how)
{
	struct kid *k = &sh->kids[id];
	bool owner = is_owner(k), nowait = !(how & DW_CONSUME) && rnd_below(w, 2);
	bool block = how & DW_BLOCK, race = how & DW_RACE, raw;
	int options = WEXITED, budget = wait_budget(k), consumed_before, reaped_before;
	int ret, err, status = 0, n, t_asked;
	bool reported_before = exit_reported(k);
	struct procdesc_wait pw;
	char plan[96];
	siginfo_t si;

	block = block && w->may_block && budget >= 0;
	if (!block)
		options |= WNOHANG;
	if (nowait)
		options |= WNOWAIT;
	raw = race || owner || rnd_below(w, 2);
	consumed_before = ld(&k->consumed);
	reaped_before = ld(&k->reaped);
	if (!nowait)
		add(&k->finishing, 1);
	if (!nowait && owner)
		add(&k->parent_consuming, 1);
	count(OP_PDWAIT);
	t_asked = now_rel() + (block ? budget : 0);
	if (block)
		arm(w, budget);
	ret = wait_call(w, fd, options, block, raw ? &pw : NULL, &status, &si);
	err = errno;
	if (ret == 0) {
		if (!nowait) {
			add(&k->consumed, 1);
			st(&k->finished, 1);
			stat_inc(ST_CONSUMED);
		}
		if (owner) {
			/*
			 * Told as long as its zombie is there, whoever else
			 * consumed it, until the parent itself has: once.
			 */
			check(G_STATUS, !reaped_before,
			      "kid %u (pid %d): the parent's pdwait%s reported an exit reaped before it began",
			      id, k->pid, nowait ? "(WNOWAIT)" : "");
			n = nowait ? 1 : add(&k->parent_told, 1);
			check(G_STATUS, n == 1,
			      "kid %u (pid %d): the parent was told its exit %d times",
			      id, k->pid, n);
		} else {
			if (!nowait) {
				n = add(&k->consumed_np, 1);
				check(G_STATUS, n == 1,
				      "kid %u (pid %d): exit consumed %d times", id, k->pid, n);
			}
			check(G_STATUS, consumed_before == 0,
			      "kid %u (pid %d): pdwait%s reported an exit consumed before it began",
			      id, k->pid, nowait ? "(WNOWAIT)" : "");
		}
		if (block)
			stat_inc(ST_BLOCKED_WOKEN);
		check_really_exited(k, id, "pdwait", race);
		check_status(k, id, status, raw ? "PROCDESC_IOC_WAIT" : "pdwait");
		if (raw) {
			check(G_CALLS, pw.pid == k->pid && pw.uid == getuid() &&
			      pw.code == (WIFEXITED(pw.status) ? CLD_EXITED : CLD_KILLED) &&
			      !!(pw.result & PROCDESC_WAIT_PARENT) == owner,
			      "kid %u (pid %d): PROCDESC_IOC_WAIT gave pid %d uid %u code %d result %#x (parent: %d)",
			      id, k->pid, pw.pid, pw.uid, pw.code, pw.result, owner);
		} else {
			check(G_CALLS, si.si_pid == k->pid && si.si_signo == SIGCHLD &&
			      si.si_code == (WIFEXITED(status) ? CLD_EXITED : CLD_KILLED),
			      "kid %u (pid %d): pdwait siginfo pid %d signo %d code %d",
			      id, k->pid, si.si_pid, si.si_signo, si.si_code);
		}
	} else if (err == EAGAIN && !block) {
		check_not_missed(k, id, fd, reported_before, t_asked, "pdwait(WNOHANG)");
	} else if (err == EAGAIN || (err == EINTR && block)) {
		check_not_missed(k, id, fd, reported_before, t_asked,
				 "blocking pdwait (and asked again)");
	} else if (err == ESRCH && owner) {
		/* Another thread of the parent may not have counted its telling yet. */
		check(G_CALLS, ld(&k->parent_told) || ld(&k->reaping) || ld(&k->reaped) ||
		      ld(&k->parent_consuming) > !nowait,
		      "pdwait by the parent (kid %u, pid %d, %s): ESRCH, but it was neither told to the parent nor reaped",
		      id, k->pid, plan_str(k, plan, sizeof(plan)));
	} else if (err == ESRCH) {
		check(G_CALLS, ld(&k->finishing) > !nowait || ld(&k->finished),
		      "pdwait(kid %u, pid %d, %s): ESRCH, but its exit was neither consumed nor reaped",
		      id, k->pid, plan_str(k, plan, sizeof(plan)));
	} else {
		check(G_CALLS, race && err == EBADF, "pdwait(kid %u, pid %d, options %#x): %s",
		      id, k->pid, options, strerror(err));
	}
	if (!nowait && owner)
		add(&k->parent_consuming, -1);
	if (!nowait)
		add(&k->finishing, -1);
}

static void op_pdwait(struct worker *w)
{
	int i = checkout(w, WANT_ANY);

	if (i < 0)
		return;
	do_wait(w, held[i].fd, held[i].id, rnd_below(w, 3) ? 0 : DW_BLOCK);
	checkin(i);
}

static void op_poll(struct worker *w)
{
	static const short asked[] = { POLLIN, 0, POLLIN | POLLOUT | POLLPRI };
	int i = checkout(w, WANT_ANY), budget, ret, t_end;
	struct pollfd pfd;
	bool reported_before;
	struct kid *k;

	if (i < 0)
		return;
	k = kid_of(i);
	budget = wait_budget(k);
	if (budget < 0 || !w->may_block || rnd_below(w, 3))
		budget = 0;
	reported_before = exit_reported(k);
	t_end = now_rel() + budget;
	pfd = (struct pollfd){ .fd = held[i].fd, .events = asked[rnd_below(w, 3)] };
	count(OP_POLL);
	/*
	 * A signal (SIGCHLD, the watchdog's) interrupts even a poll that does
	 * not sleep: ask again, without sleeping once the budget is spent.
	 */
	do {
		ret = poll(&pfd, 1, budget);
		budget = t_end - now_rel();
		if (budget < 0)
			budget = 0;
	} while (ret < 0 && errno == EINTR);
	if (check(G_CALLS, ret >= 0 && (pfd.revents & ~POLLHUP) == 0,
		  "poll(kid %u): %d, revents %#x: %s", held[i].id, ret, pfd.revents,
		  ret < 0 ? strerror(errno) : "not just POLLHUP")) {
		if (pfd.revents & POLLHUP)
			check_really_exited(k, held[i].id, "poll", false);
		else
			check_not_missed(k, held[i].id, held[i].fd, reported_before, t_end, "poll");
	}
	checkin(i);
}

static void op_select(struct worker *w)
{
	int i = checkout(w, WANT_ANY), fd, ret, t_asked;
	bool reported_before;
	struct timeval tv;
	fd_set rfds, efds;
	struct kid *k;

	if (i < 0)
		return;
	k = kid_of(i);
	fd = held[i].fd;
	reported_before = exit_reported(k);
	FD_ZERO(&rfds);
	FD_ZERO(&efds);
	FD_SET(fd, &rfds);
	FD_SET(fd, &efds);
	tv = (struct timeval){ 0 };
	count(OP_SELECT);
	t_asked = now_rel();
	do {
		ret = select(fd + 1, &rfds, NULL, &efds, &tv);
	} while (ret < 0 && errno == EINTR);
	if (check(G_CALLS, ret >= 0 && !FD_ISSET(fd, &efds),
		  "select(kid %u): %d %s", held[i].id, ret,
		  ret < 0 ? strerror(errno) : "exceptional condition")) {
		if (FD_ISSET(fd, &rfds))
			check_really_exited(k, held[i].id, "select", false);
		else
			check_not_missed(k, held[i].id, held[i].fd, reported_before, t_asked,
					 "select");
	}
	checkin(i);
}

static void op_epoll(struct worker *w)
{
	static const unsigned int modes[] = { 0, EPOLLET, EPOLLONESHOT };
	int idx[3], t_added[3], n = 0, j, ret, budget = 0, t_end, target = -1;
	bool reported_before[3], hup[3] = { false };
	struct epoll_event ev, evs[8];
	struct kid *k;

	while (n < 3) {
		idx[n] = checkout(w, WANT_ANY);
		if (idx[n] < 0)
			break;
		k = kid_of(idx[n]);
		reported_before[n] = exit_reported(k);
		t_added[n] = now_rel();
		ev = (struct epoll_event){
			.events = EPOLLIN | modes[rnd_below(w, 3)],
			.data.u32 = n,
		};
		if (!check(G_CALLS, !epoll_ctl(w->epfd, EPOLL_CTL_ADD, held[idx[n]].fd, &ev),
			   "epoll_ctl(ADD, kid %u): %s", held[idx[n]].id, strerror(errno))) {
			checkin(idx[n]);
			break;
		}
		if (target < 0 && w->may_block && wait_budget(k) >= 0 && !rnd_below(w, 3)) {
			target = n;
			budget = wait_budget(k);
		}
		n++;
	}
	if (!n)
		return;
	count(OP_EPOLL);
	t_end = now_rel() + budget;
	for (;;) {
		ret = epoll_wait(w->epfd, evs, ARRAY_SIZE(evs), budget);
		if (ret < 0 && errno != EINTR) {
			check(G_CALLS, false, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (j = 0; j < ret; j++) {
			if (!check(G_CALLS, evs[j].events == EPOLLHUP &&
				   evs[j].data.u32 < (unsigned int)n,
				   "epoll_wait: events %#x", evs[j].events))
				continue;
			hup[evs[j].data.u32] = true;
		}
		budget = t_end - now_rel();
		if (budget <= 0 || target < 0 || hup[target])
			break;
	}
	for (j = 0; j < n; j++) {
		k = kid_of(idx[j]);
		if (hup[j])
			check_really_exited(k, held[idx[j]].id, "epoll", false);
		else
			check_not_missed(k, held[idx[j]].id, held[idx[j]].fd, reported_before[j],
					 j == target ? t_end : t_added[j],
					 j == target ? "blocking epoll" : "epoll");
		if (j == target && hup[j])
			stat_inc(ST_BLOCKED_WOKEN);
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, held[idx[j]].fd, NULL);
		checkin(idx[j]);
	}
}

static void op_fstat(struct worker *w)
{
	int i = checkout(w, WANT_ANY), t_asked;
	bool reported_before;
	struct stat sb;
	struct kid *k;

	if (i < 0)
		return;
	k = kid_of(i);
	reported_before = exit_reported(k);
	count(OP_FSTAT);
	t_asked = now_rel();
	if (check(G_CALLS, !fstat(held[i].fd, &sb) &&
		  (sb.st_mode == S_IFREG || sb.st_mode == (S_IFREG | 0700)),
		  "fstat(kid %u): mode %#o", held[i].id, (unsigned int)sb.st_mode)) {
		if (sb.st_mode == S_IFREG)
			check_really_exited(k, held[i].id, "fstat", false);
		else
			check_not_missed(k, held[i].id, held[i].fd, reported_before, t_asked,
					 "fstat");
	}
	checkin(i);
}

static void op_getpid(struct worker *w)
{
	int i = checkout(w, WANT_ANY), ret;
	pid_t pid = 0;

	if (i < 0)
		return;
	count(OP_GETPID);
	if (rnd_below(w, 2))
		ret = pdgetpid(held[i].fd, &pid);
	else
		ret = ioctl(held[i].fd, PROCDESC_IOC_GETPID, &pid);
	check(G_CALLS, !ret && pid == kid_of(i)->pid, "pdgetpid(kid %u, pid %d): %d, %d: %s",
	      held[i].id, kid_of(i)->pid, ret, pid, ret ? strerror(errno) : "wrong pid");
	checkin(i);
}

/*
 * A pidfd from the descriptor: signal 0 through it, then close it. The
 * library opens it from the pid, so it fails with ESRCH once the child is
 * reaped; a held descriptor keeps the library from reaping it, so only the
 * parent's own reaps can have.
 */
static void op_pidfd(struct worker *w)
{
	int i = checkout(w, WANT_ANY), pidfd, ret, err;
	struct kid *k;

	if (i < 0)
		return;
	k = kid_of(i);
	count(OP_PIDFD);
	pidfd = pdgetpidfd(held[i].fd);
	err = errno;
	if (pidfd < 0 && err == ESRCH)
		check(G_CALLS, ld(&k->reaping) || ld(&k->reaped),
		      "pdgetpidfd(kid %u, pid %d): ESRCH, but it was not reaped", held[i].id,
		      k->pid);
	else if (check(G_CALLS, pidfd >= 0, "pdgetpidfd(kid %u): %s", held[i].id,
		       strerror(err))) {
		ret = sys_pidfd_send_signal(pidfd, 0, NULL, 0);
		check(G_CALLS, !ret || (errno == ESRCH && (ld(&k->reaping) || ld(&k->reaped))),
		      "pidfd_send_signal(kid %u, pid %d, 0): %s", held[i].id, k->pid,
		      strerror(errno));
		close(pidfd);
	}
	checkin(i);
}

/*
 * Another file on the child's object: pdopenpid() from any holder, or for
 * the parent also pdopenpidfd() of the pidfd pdgetpidfd() gives. PD_DAEMON
 * only for a child that ends by itself, as the last file's PD_DAEMON may
 * leave it running.
 */
static void op_open(struct worker *w)
{
	int i = checkout(w, WANT_ANY), pidfd, fd, flags, err, tries;
	bool daemon, owner, via_pidfd;
	unsigned int id;
	struct kid *k;
	char plan[96];

	/* Most descriptors held are of reaped children: look for another. */
	for (tries = 0; i >= 0 && ld(&kid_of(i)->reaped) && tries < 3; tries++) {
		checkin(i);
		i = checkout(w, WANT_ANY);
	}
	if (i < 0)
		return;
	k = kid_of(i);
	id = held[i].id;
	owner = is_owner(k);
	daemon = k->deadline >= 0 && rnd_below(w, 2);
	flags = (daemon ? PD_DAEMON : 0) | (rnd_below(w, 2) ? PD_CLOEXEC : 0);
	via_pidfd = owner && rnd_below(w, 2);
	count(OP_OPEN);
	pidfd = pdgetpidfd(held[i].fd);
	if (pidfd < 0) {
		check(G_CALLS, errno == ESRCH && (ld(&k->reaping) || ld(&k->reaped)),
		      "pdgetpidfd(kid %u, pid %d): %s", id, k->pid, strerror(errno));
		checkin(i);
		return;
	}
	/* Counted first: the file we hold keeps the object from going meanwhile. */
	add(&k->opening_fds, 1);
	fd = via_pidfd ? pdopenpidfd(pidfd, flags) : pdopenpid(k->pid, flags);
	err = errno;
	if (fd < 0) {
		fd_closing(k, true, true);
		if (err == ESRCH)
			check(G_CALLS, ld(&k->reaping) || ld(&k->reaped),
			      "%s(kid %u, pid %d): ESRCH, but it was not reaped",
			      via_pidfd ? "pdopenpidfd" : "pdopenpid", id, k->pid);
		else if (err == EBUSY)
			/*
			 * pdopenpid() only, the parent's too, once the leader
			 * is exiting; pdopenpidfd() adopts an ending child.
			 */
			check(G_CALLS, !via_pidfd && (k->kind == KID_LEADER_FIRST || end_caused(k)),
			      "pdopenpid(kid %u, pid %d, %s): EBUSY, but it was not ending",
			      id, k->pid, plan_str(k, plan, sizeof(plan)));
		else
			check(G_CALLS, err == EMFILE || err == ENFILE || err == ENOMEM,
			      "%s(kid %u, pid %d): %s", via_pidfd ? "pdopenpidfd" : "pdopenpid",
			      id, k->pid, strerror(err));
	} else {
		stat_inc(ST_OPENED);
		check(G_CALLS, !ioctl(fd, PROCDESC_IOC_PIDFD, &pidfd),
		      "the descriptor %s opened for kid %u (pid %d) names another process: %s",
		      via_pidfd ? "pdopenpidfd" : "pdopenpid", id, k->pid, strerror(errno));
		hold(fd, id, H_OPENING | (daemon ? H_DAEMON : 0));
	}
	close(pidfd);
	checkin(i);
}

static void op_dup(struct worker *w)
{
	int i = checkout(w, WANT_ANY), fd;

	if (i < 0)
		return;
	count(OP_DUP);
	fd = rnd_below(w, 2) ? dup(held[i].fd) : fcntl(held[i].fd, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0)
		hold(fd, held[i].id, 0);
	else
		check(G_CALLS, errno == EMFILE, "dup: %s", strerror(errno));
	checkin(i);
}

static void op_close(struct worker *w)
{
	int i = checkout(w, WANT_OTHER);

	if (i < 0)
		return;
	count(OP_CLOSE);
	fd_closing(kid_of(i), held[i].opening, held[i].daemon);
	check(G_CALLS, !close(held[i].fd), "close: %s", strerror(errno));
	drop(i);
}

/* Pass a descriptor to a random process (maybe ourselves). */
static void op_send(struct worker *w)
{
	int i = checkout(w, WANT_ANY), to = rnd_below(w, NPROC);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	unsigned int id;
	struct iovec iov = { .iov_base = &id, .iov_len = sizeof(id) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;

	if (i < 0)
		return;
	id = held[i].id;
	memset(&u, 0, sizeof(u));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &held[i].fd, sizeof(int));
	count(OP_SEND);
	/*
	 * Once the run is stopping, the receiver may have closed its end in
	 * cleanup(): the first send to it is refused, later ones find the
	 * shared sending socket disconnected.
	 */
	if (sendmsg(tx_fd[to], &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		check(G_CALLS, errno == EAGAIN || errno == ENOBUFS || errno == ETOOMANYREFS ||
		      ((errno == ECONNREFUSED || errno == ENOTCONN) && ld(&sh->stop)),
		      "sendmsg(SCM_RIGHTS): %s", strerror(errno));
	checkin(i);
}

static void op_recv(struct worker *w)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	unsigned int id = 0;
	struct iovec iov = { .iov_base = &id, .iov_len = sizeof(id) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	pid_t pid = 0;
	ssize_t n;
	int fd;

	n = recvmsg(rx_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		check(G_CALLS, errno == EAGAIN, "recvmsg: %s", strerror(errno));
		return;
	}
	count(OP_RECV);
	cmsg = CMSG_FIRSTHDR(&msg);
	if (msg.msg_flags & MSG_CTRUNC || !cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return;	/* no room for the fd here */
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	if (!check(G_CALLS, n == sizeof(id) && id < NSLOTS, "recvmsg: %zd bytes, id %u", n, id)) {
		close(fd);
		return;
	}
	check(G_CALLS, !pdgetpid(fd, &pid) && pid == sh->kids[id].pid,
	      "descriptor of kid %u (pid %d) received names pid %d", id, sh->kids[id].pid, pid);
	hold(fd, id, 0);
}

static void run_op(struct worker *w, int op);

/*
 * A copy of this process, holding copies of its descriptors: a few
 * non-blocking operations on them, maybe a pause, then exit (which closes
 * them). It is not the parent of any child.
 */
static noreturn void forked_holder_main(struct worker *parent)
{
	static const int ops[] = {
		OP_PDKILL, OP_PDWAIT, OP_POLL, OP_SELECT, OP_EPOLL, OP_FSTAT,
		OP_GETPID, OP_PIDFD, OP_DUP, OP_CLOSE, OP_SEND, OP_RECV,
	};
	struct worker w = {
		.rnd = (parent->rnd ^ (unsigned int)getpid()) | 1,
		.idx = parent->idx,
	};
	int i, n;

	forked_holder = true;
	self_pid = getpid();
	pthread_mutex_init(&held_lock, NULL);
	pthread_mutex_init(&own_lock, NULL);
	memset(own, 0, sizeof(own));
	/* Entries busy in other threads may be closing: leave them alone. */
	for (i = 0; i < MAX_HELD; i++) {
		if (held[i].busy)
			held[i].fd = -1;
		held[i].primary = false;
		held[i].opening = false;
	}
	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w.epfd < 0)
		_exit(3);
	rnd(&w);
	n = 1 + rnd_below(&w, 8);
	for (i = 0; i < n; i++)
		run_op(&w, ops[rnd_below(&w, ARRAY_SIZE(ops))]);
	if (rnd_below(&w, 2))
		usleep(rnd_below(&w, 20000));
	_exit(0);
}

static void op_fork(struct worker *w)
{
	int status = 0;
	pid_t pid, ret;

	if (forked_holder)
		return;
	count(OP_FORK);
	pthread_mutex_lock(&held_lock);
	pid = fork();
	if (pid == 0)
		forked_holder_main(w);
	pthread_mutex_unlock(&held_lock);
	if (pid > 0)
		loud(pid);
	if (pid < 0) {
		check(G_CALLS, errno == EAGAIN || errno == ENOMEM, "fork: %s", strerror(errno));
		return;
	}
	arm(w, 2 * BOUND_MS);
	ret = waitpid(pid, &status, 0);
	disarm(w);
	if (ret < 0) {
		check(G_CALLS, false, "forked holder %d did not finish: %s", pid, strerror(errno));
		kill(pid, SIGKILL);
		ret = waitpid_nointr(pid, &status, 0);
	}
	check(G_CALLS, WIFEXITED(status) && !WEXITSTATUS(status),
	      "forked holder %d ended with status %#x", pid, status);
}

/* The wait(2) status of the exit @si reports. */
static int si_wstatus(const siginfo_t *si)
{
	if (si->si_code == CLD_EXITED)
		return W_EXITCODE(si->si_status, 0);
	return si->si_status | (si->si_code == CLD_DUMPED ? WCOREFLAG : 0);
}

/*
 * @how found @k reaped by someone else: the library, which reaps a child
 * once its descriptors are all closed and it has ended. Its status is not
 * ours to see.
 */
static void reaped_by_library(struct kid *k, unsigned int id, const char *how)
{
	char plan[96];

	st(&k->reaped, 1);
	st(&k->finished, 1);
	stat_inc(ST_LIB_REAPED);
	check(G_EARLY, end_caused(k),
	      "kid %u (pid %d, %s): %s found it reaped, but it did not announce an end, was sent no fatal signal and no last close could kill it",
	      id, k->pid, plan_str(k, plan, sizeof(plan)), how);
	check(G_CALLS, !ld(&k->opening_fds),
	      "kid %u (pid %d, %s): %s found it reaped while %d descriptors of it were open",
	      id, k->pid, plan_str(k, plan, sizeof(plan)), how, ld(&k->opening_fds));
}

static void close_primary(int i)
{
	fd_closing(kid_of(i), true, held[i].daemon);
	close(held[i].fd);
	drop(i);
}

/*
 * The parent finishes a child: closes its descriptor (reaped later by
 * op_reap()), or pdwait()s for it, which reaps it, after a fatal pdkill if
 * it would not end by itself.
 */
static void op_retire(struct worker *w)
{
	int i = checkout(w, WANT_PRIMARY), budget, consumed_before, status = 0, ret, err;
	int t_asked;
	bool reported_before, block;
	unsigned int id;
	struct kid *k;
	siginfo_t si;

	if (i < 0)
		return;
	count(OP_RETIRE);
	k = kid_of(i);
	id = held[i].id;
	if (rnd_below(w, 3) == 0 && own_count_pending() < MAX_PENDING) {
		close_primary(i);
		own_set(id, false);
		return;
	}
	if (expected_end(k) < 0 && rnd_below(w, 2)) {
		int sig = rnd_below(w, 2) ? SIGKILL : SIGTERM, zero = 0;

		__atomic_or_fetch(&k->sent, sigbit(sig), __ATOMIC_SEQ_CST);
		if (!pdkill(held[i].fd, sig))
			__atomic_compare_exchange_n(&k->killed, &zero, now_rel() + 1, false,
						    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	budget = wait_budget(k);
	block = budget >= 0;
	reported_before = exit_reported(k);
	consumed_before = ld(&k->consumed);
	add(&k->finishing, 1);
	add(&k->reaping, 1);
	t_asked = now_rel() + (block ? budget : 0);
	if (block)
		arm(w, budget);
	ret = wait_call(w, held[i].fd, WEXITED | (block ? 0 : WNOHANG), block, NULL,
			&status, &si);
	err = errno;
	if (ret == 0) {
		/*
		 * pdwait() reaped it: the caller is the parent, told of the
		 * zombie also when another holder consumed the exit.
		 */
		st(&k->reaped, 1);
		st(&k->finished, 1);
		add(&k->consumed, 1);
		stat_inc(consumed_before ? ST_ELSEWHERE : ST_CONSUMED);
		if (block)
			stat_inc(ST_BLOCKED_WOKEN);
		check_really_exited(k, id, "pdwait by the parent", false);
		check_status(k, id, status, "pdwait by the parent");
		check(G_CALLS, si.si_pid == k->pid, "kid %u (pid %d): pdwait si_pid %d",
		      id, k->pid, si.si_pid);
	}
	add(&k->reaping, -1);
	add(&k->finishing, -1);
	if (ret == 0) {
		close_primary(i);
		own_set(id, true);
		return;
	}
	if (err == ESRCH) {
		/*
		 * Nobody else reaps a child whose primary descriptor is held:
		 * the parent's PROCDESC_IOC_WAIT consumed the exit (do_wait()),
		 * and the parent reaps it itself, as the library would have.
		 */
		check(G_CALLS, ld(&k->parent_told) || ld(&k->parent_consuming),
		      "pdwait by the parent (kid %u, pid %d): ESRCH, but it was neither told to the parent nor reaped",
		      id, k->pid);
		close_primary(i);
		own_set(id, false);
		return;
	} else if (err == EAGAIN || (err == EINTR && block)) {
		check_not_missed(k, id, held[i].fd, reported_before, t_asked,
				 block ? "blocking pdwait by the parent (and asked again)" :
					 "pdwait(WNOHANG) by the parent");
	} else {
		check(G_CALLS, false, "pdwait by the parent (kid %u, pid %d): %s", id, k->pid,
		      strerror(err));
	}
	checkin(i);
}

/*
 * Reap a child whose descriptor the parent closed, if it has ended, through
 * its pidfd: the library may have reaped it already.
 */
static void op_reap(struct worker *w)
{
	int o = own_checkout_pending(w), pidfd, ret, err;
	unsigned int id;
	struct kid *k;
	siginfo_t si;
	bool gone;

	if (o < 0)
		return;
	id = own[o].id;
	pidfd = own[o].pidfd;
	k = &sh->kids[id];
	count(OP_REAP);
	add(&k->finishing, 1);
	add(&k->reaping, 1);
	memset(&si, 0, sizeof(si));
	ret = sys_waitid(P_PIDFD, pidfd, &si, WEXITED | WNOHANG | __WALL);
	err = errno;
	gone = !ret && si.si_pid;
	if (gone) {
		st(&k->reaped, 1);
		st(&k->finished, 1);
		check(G_CALLS, si.si_pid == k->pid, "waitid(P_PIDFD, kid %u, pid %d): pid %d",
		      id, k->pid, si.si_pid);
		check_status(k, id, si_wstatus(&si), "waitid(P_PIDFD)");
	} else if (ret && err == ECHILD) {
		gone = true;
		reaped_by_library(k, id, "waitid(P_PIDFD)");
	} else {
		check(G_CALLS, !ret, "waitid(P_PIDFD, kid %u, pid %d): %s", id, k->pid,
		      strerror(err));
	}
	add(&k->reaping, -1);
	add(&k->finishing, -1);
	own_set(id, gone);
}

struct racer {
	struct worker *w;	/* its watchdog slot */
	int fd;
	unsigned int id;
	int delay_us;
	bool twin;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	st(&r->w->until, 0);
	r->w->thread = pthread_self();
	if (r->twin) {
		do_wait(r->w, r->fd, r->id, DW_BLOCK | DW_CONSUME);
		return NULL;
	}
	if (r->delay_us)
		usleep(r->delay_us);
	close(r->fd);
	return NULL;
}

/*
 * Races on one file, through an fd number no other code allocates, so its
 * reuse cannot mislead: another thread closes the very descriptor this one
 * waits on, after 0-3 ms, sometimes the parent's only one; or both threads
 * block in a consuming wait, to be woken by the same exit, and only one
 * may get it.
 */
static void op_race(struct worker *w)
{
	int i = checkout(w, WANT_ANY), fd = race_fd + w->idx;
	struct racer r = { .w = &workers[NTHREADS + 1 + w->idx], .fd = fd };
	pthread_t t;

	if (i < 0)
		return;
	if (race_fd < 3 * MAX_HELD) {
		checkin(i);
		return;
	}
	r.id = held[i].id;
	r.twin = rnd_below(w, 2) && wait_budget(kid_of(i)) >= 0;
	if (dup2(held[i].fd, fd) < 0) {
		check(G_CALLS, false, "dup2: %s", strerror(errno));
		checkin(i);
		return;
	}
	count(OP_RACE);
	if (!r.twin && held[i].primary && rnd_below(w, 2) &&
	    own_count_pending() < MAX_PENDING) {
		close_primary(i);
		own_set(r.id, false);
	} else {
		checkin(i);
	}
	r.w->rnd = rnd(w) | 1;
	r.w->may_block = true;
	r.delay_us = rnd_below(w, 3000);
	if (pthread_create(&t, NULL, racer_main, &r)) {
		close(fd);
		return;
	}
	do_wait(w, fd, r.id, r.twin ? DW_BLOCK | DW_RACE | DW_CONSUME :
			     (rnd_below(w, 2) ? DW_BLOCK : 0) | DW_RACE);
	pthread_join(t, NULL);
	if (r.twin)
		close(fd);
}

/*
 * A tracer for a while: a process that shares our fd table, so that it
 * holds no descriptor of its own, PTRACE_SEIZEs a child and exits 0-50 ms
 * later. A zombie it holds meanwhile goes back to the parent only then:
 * until then the parent's pdwait does not report it. The child is checked
 * out as a primary descriptor so that nobody reaps it, and its pid cannot
 * be reused, during the trace.
 */
struct tracer {
	pid_t pid;
	int ms;
};

static int tracer_main(void *arg)
{
	struct tracer *t = arg;
	struct timespec ts = { .tv_nsec = t->ms * 1000000L };

	syscall(SYS_ptrace, PTRACE_SEIZE, t->pid, 0, 0);
	/* SIGCHLDs from the tracee interrupt it. */
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 0;
}

static void op_trace(struct worker *w)
{
	int i = checkout(w, WANT_PRIMARY), status = -1;
	struct tracer t;
	char *stack;
	pid_t pid;

	if (i < 0)
		return;
	stack = malloc(TRACER_STACK);
	if (!stack) {
		checkin(i);
		return;
	}
	count(OP_TRACE);
	t.pid = kid_of(i)->pid;
	t.ms = rnd_below(w, 50);
	/* CLONE_VFORK: this thread waits until the tracer has exited. */
	pid = clone(tracer_main, stack + TRACER_STACK,
		    CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, &t);
	if (pid > 0)
		loud(pid);
	check(G_CALLS, pid > 0 && waitpid_nointr(pid, &status, 0) == pid && status == 0,
	      "tracer of kid %u (pid %d): clone %d, status %#x", held[i].id, t.pid, pid,
	      status);
	free(stack);
	checkin(i);
}

static void run_op(struct worker *w, int op)
{
	switch (op) {
	case OP_PDFORK:
		op_pdfork(w);
		break;
	case OP_PDKILL:
		op_pdkill(w);
		break;
	case OP_PDWAIT:
		op_pdwait(w);
		break;
	case OP_POLL:
		op_poll(w);
		break;
	case OP_SELECT:
		op_select(w);
		break;
	case OP_EPOLL:
		op_epoll(w);
		break;
	case OP_FSTAT:
		op_fstat(w);
		break;
	case OP_GETPID:
		op_getpid(w);
		break;
	case OP_PIDFD:
		op_pidfd(w);
		break;
	case OP_DUP:
		op_dup(w);
		break;
	case OP_CLOSE:
		op_close(w);
		break;
	case OP_SEND:
		op_send(w);
		break;
	case OP_RECV:
		op_recv(w);
		break;
	case OP_FORK:
		op_fork(w);
		break;
	case OP_RETIRE:
		op_retire(w);
		break;
	case OP_REAP:
		op_reap(w);
		break;
	case OP_RACE:
		op_race(w);
		break;
	case OP_TRACE:
		op_trace(w);
		break;
	case OP_OPEN:
		op_open(w);
		break;
	case OP_SPAWN:
		op_spawn(w);
		break;
	case OP_BURST:
		op_burst(w);
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int total = 0, r;
	int op;

	for (op = 0; op < NOPS; op++)
		total += op_weight[op];
	while (!ld(&sh->stop)) {
		r = rnd_below(w, total);
		for (op = 0; r >= op_weight[op]; op++)
			r -= op_weight[op];
		run_op(w, op);
	}
	return NULL;
}

/* ---- a process's run and its cleanup ---- */

/* Wait up to @ms for the process of @pidfd to end: a zombie, or reaped. */
static bool pidfd_wait_end(int pidfd, int ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int t_end = now_rel() + ms, ret;

	do {
		ret = poll(&pfd, 1, ms > 0 ? ms : 0);
		ms = t_end - now_rel();
	} while (ret < 0 && errno == EINTR);
	return ret > 0;
}

/*
 * Have the library collect the children left without a descriptor: its
 * pdfork() reaps those that have ended, and so does the parent's pdwait().
 */
static void library_collects(void)
{
	int fd, status = -1;
	pid_t pid;

	pid = pdfork(&fd, 0);
	if (pid == 0)
		_exit(0);
	if (!check(G_LEFT, pid > 0, "pdfork for the library's collection: %s", strerror(errno)))
		return;
	check(G_LEFT, !pdwait(fd, &status, WEXITED, NULL, NULL) && status == 0,
	      "pdwait(pid %d) for the library's collection: status %#x, %s", pid, status,
	      strerror(errno));
	close(fd);
}

/*
 * Close everything and wait for every process to have done so: then each
 * child must end within BOUND_MS (a daemon by its deadline, the others
 * killed by the last close), and the library, not us, must reap them all,
 * as it does for any child whose descriptors were all closed.
 */
static void cleanup(void)
{
	int i, t, state;
	unsigned int id;
	char plan[96];
	struct kid *k;
	siginfo_t si;

	close(rx_fd);
	for (i = 0; i < NPROC; i++)
		close(tx_fd[i]);
	for (i = 0; i < MAX_HELD; i++) {
		if (held[i].fd < 0)
			continue;
		fd_closing(kid_of(i), held[i].opening, held[i].daemon);
		close(held[i].fd);
		held[i].fd = -1;
	}
	add(&sh->closed_procs, 1);
	t = now_rel();
	while (ld(&sh->closed_procs) < NPROC && now_rel() - t < 6 * BOUND_MS)
		usleep(10000);
	t = now_rel() + BOUND_MS;
	for (i = 0; i < MAX_OWN; i++) {
		if (!own[i].used || own[i].pidfd < 0)
			continue;
		k = &sh->kids[own[i].id];
		if (pidfd_wait_end(own[i].pidfd, t - now_rel()))
			continue;
		state = proc_state(k->pid);
		check(G_LEFT, false,
		      "kid %u (pid %d, %s, state %c): alive %d ms after every descriptor was closed",
		      own[i].id, k->pid, plan_str(k, plan, sizeof(plan)), state ? state : '?',
		      BOUND_MS);
		__atomic_or_fetch(&k->sent, sigbit(SIGKILL), __ATOMIC_SEQ_CST);
		sys_pidfd_send_signal(own[i].pidfd, SIGKILL, NULL, 0);
		pidfd_wait_end(own[i].pidfd, BOUND_MS);
	}
	library_collects();
	for (i = 0; i < MAX_OWN; i++) {
		if (!own[i].used || own[i].pidfd < 0)
			continue;
		id = own[i].id;
		k = &sh->kids[id];
		memset(&si, 0, sizeof(si));
		if (sys_waitid(P_PIDFD, own[i].pidfd, &si, WEXITED | WNOHANG | __WALL)) {
			if (check(G_LEFT, errno == ECHILD,
				  "final waitid(P_PIDFD, kid %u, pid %d): %s", id, k->pid,
				  strerror(errno)))
				reaped_by_library(k, id, "the final waitid(P_PIDFD)");
		} else if (si.si_pid) {
			check(G_LEFT, false,
			      "kid %u (pid %d, %s): a zombie left after the library's collection",
			      id, k->pid, plan_str(k, plan, sizeof(plan)));
			st(&k->reaped, 1);
			st(&k->finished, 1);
			check_status(k, id, si_wstatus(&si), "the final waitid(P_PIDFD)");
		} else {
			check(G_LEFT, false, "kid %u (pid %d, %s): running after it ended", id,
			      k->pid, plan_str(k, plan, sizeof(plan)));
		}
		own_set(id, true);
	}
}

/*
 * A SIGCHLD may only come from a child made with fork() or clone(SIGCHLD):
 * one made with a descriptor is quiet, PD_DAEMON or not, exec'd or not,
 * closed or not. Once all children are reaped.
 */
static void check_quiet(void)
{
	unsigned int n = __atomic_load_n(&sigchld_count, __ATOMIC_SEQ_CST);
	unsigned int m = __atomic_load_n(&loud_count, __ATOMIC_SEQ_CST), i, j, id;
	char plan[96];
	bool ok;

	if (n > MAX_LOUD || m > MAX_LOUD) {
		ksft_print_msg("pid %d: %u SIGCHLDs, %u forked children: too many to check\n",
			       self_pid, n, m);
		return;
	}
	for (i = 0; i < n; i++) {
		for (j = 0, ok = false; j < m && !ok; j++)
			ok = loud_kid[j] == sigchld_from[i];
		for (id = 0; !ok && id < sh->next_id && id < NSLOTS; id++) {
			if (sh->kids[id].owner == self_pid && sh->kids[id].pid == sigchld_from[i])
				break;
		}
		if (!ok && id < sh->next_id && id < NSLOTS)
			check(G_STATUS, false, "kid %u (pid %d, %s) sent its parent SIGCHLD",
			      id, sigchld_from[i],
			      plan_str(&sh->kids[id], plan, sizeof(plan)));
		else
			check(G_STATUS, ok, "SIGCHLD from pid %d, not a child of ours",
			      sigchld_from[i]);
	}
}

static int run_process(int seconds)
{
	pthread_t wd;
	int i;

	self_pid = getpid();
	for (i = 0; i < MAX_HELD; i++)
		held[i].fd = -1;
	workers[NTHREADS] = (struct worker){ .thread = pthread_self(), .idx = NTHREADS };
	if (pthread_create(&wd, NULL, watchdog, NULL))
		return -1;
	for (i = 0; i < NTHREADS; i++) {
		struct worker *w = &workers[i];

		w->idx = i;
		w->rnd = (seed * 2654435761u + self_idx * 97 + i * 7919) | 1;
		w->may_block = true;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epfd < 0 || pthread_create(&w->thread, NULL, worker_main, w))
			return -1;
	}
	if (seconds > 0) {
		while (now_rel() < seconds * 1000)
			usleep(50000);
		st(&sh->stop, 1);
	} else {
		while (!ld(&sh->stop))
			usleep(50000);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(workers[i].thread, NULL);
	cleanup();
	check_quiet();
	st(&watchdog_stop, 1);
	pthread_join(wd, NULL);
	return 0;
}

/*
 * Before any thread: spawned children run this program, found by pdspawnp()
 * in the PATH, with the shared memory as fd 3 and nothing else but the
 * standard streams.
 */
static int spawn_setup(void)
{
	const char *old = getenv("PATH");
	char path[2 * PATH_MAX];
	sigset_t none;
	ssize_t n;

	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return -1;
	self_exe[n] = '\0';
	self_name = strrchr(self_exe, '/') + 1;
	snprintf(path, sizeof(path), "%.*s:%s", (int)(self_name - 1 - self_exe), self_exe,
		 old ? old : "/usr/bin:/bin");
	sigemptyset(&none);
	if (setenv("PATH", path, 1) || posix_spawn_file_actions_init(&spawn_actions) ||
	    (shm_fd != 3 && posix_spawn_file_actions_adddup2(&spawn_actions, shm_fd, 3)) ||
	    posix_spawn_file_actions_addclosefrom_np(&spawn_actions, 4) ||
	    posix_spawnattr_init(&spawn_attr) || posix_spawnattr_setsigmask(&spawn_attr, &none) ||
	    posix_spawnattr_setflags(&spawn_attr, POSIX_SPAWN_SETSIGMASK))
		return -1;
	return 0;
}

/* ---- the final checks ---- */

/* Our children, found by their PPid in /proc; killed and reaped. */
static int children_left(void)
{
	char path[64], line[256], state;
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0, ppid;
	FILE *f;
	pid_t pid;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		pid = atoi(e->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		ppid = 0;
		state = '?';
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "State:", 6))
				sscanf(line + 6, " %c", &state);
			else if (!strncmp(line, "PPid:", 5))
				ppid = atoi(line + 5);
		}
		fclose(f);
		if (ppid != getpid())
			continue;
		ksft_print_msg("left: pid %d, state %c\n", pid, state);
		kill(pid, SIGKILL);
		waitpid_nointr(pid, NULL, __WALL);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * One PROCDESC_IOC_REAPABLE call, as the library makes: the pids it lists
 * are ended children without a descriptor that the library left unreaped
 * (reaped here); and it forgets the objects of such children that were
 * reaped by other means. Returns how many it listed, or -1.
 */
static int reapable_left(void)
{
	struct procdesc_reapable r;
	int ctl, n = 0;
	unsigned int i;

	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -1;
	do {
		if (ioctl(ctl, PROCDESC_IOC_REAPABLE, &r) < 0) {
			n = -1;
			break;
		}
		for (i = 0; i < r.count; i++) {
			ksft_print_msg("left for the library to reap: pid %d\n", r.pid[i]);
			waitpid_nointr(r.pid[i], NULL, __WALL);
		}
		n += r.count;
	} while (r.more);
	close(ctl);
	return n;
}

static int procdesc_fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char target[64];
	int n = 0;
	ssize_t len;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		len = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		n += !strcmp(target, "anon_inode:[procdesc]");
	}
	closedir(d);
	return n;
}

static void print_counts(void)
{
	char buf[1024];
	int i, n;

	n = snprintf(buf, sizeof(buf), "ops:");
	for (i = 0; i < NOPS; i++)
		n += snprintf(buf + n, sizeof(buf) - n, " %s=%u", op_name[i], sh->ops[i]);
	ksft_print_msg("%s\n", buf);
	n = snprintf(buf, sizeof(buf), "outcomes: children=%u", sh->next_id);
	for (i = 0; i < NSTATS; i++)
		n += snprintf(buf + n, sizeof(buf) - n, " %s=%u", stat_name[i], sh->stats[i]);
	ksft_print_msg("%s\n", buf);
}

static int parse_seconds(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 24 * 3600)
		return -1;
	return (int)v;
}

int main(int argc, char **argv)
{
	static const char *const desc[NGROUPS] = {
		"exit statuses are the children's own, consumed at most once",
		"no exit reported before it happened",
		"every exit reported within the bound",
		"every call returned a documented result",
		"no zombie or live child left",
		"module reference count back to 0",
	};
	int seconds = DEFAULT_SECONDS, refcnt_before, refcnt, i, status, sv[2], t;
	struct sigaction sa = { .sa_handler = wake_handler };
	struct sigaction sa_chld = {
		.sa_sigaction = sigchld_handler,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};
	struct rlimit rl = { 0 };
	int rx[NPROC];
	pid_t holders[NPROC];
	const char *env;
	siginfo_t si;

	if (argc == 4 && !strcmp(argv[1], "--kid"))
		return kid_exec_main(argv);
	env = getenv("PROCDESC_STRESS_SECONDS");
	if (argc > 1)
		seconds = parse_seconds(argv[1]);
	else if (env)
		seconds = parse_seconds(env);
	if (argc > 2 || seconds < 0) {
		fprintf(stderr, "usage: %s [SECONDS]  (or PROCDESC_STRESS_SECONDS)\n", argv[0]);
		return 2;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	race_fd = (rl.rlim_cur < 1024 ? (int)rl.rlim_cur : 1024) - 1 - NTHREADS;
	env = getenv("PROCDESC_STRESS_SEED");
	seed = env ? strtoul(env, NULL, 0) : (unsigned int)(now_ms() ^ getpid());

	ksft_print_header();
	ksft_set_plan(NGROUPS);
	if (access("/dev/procdesc", F_OK)) {
		for (i = 0; i < NGROUPS; i++)
			ksft_test_result_skip("%s: no /dev/procdesc\n", desc[i]);
		ksft_finished();
	}
	refcnt_before = module_refcnt();

	shm_fd = memfd_create("procdesc-stress", 0);
	if (shm_fd < 0 || ftruncate(shm_fd, sizeof(*sh)))
		ksft_exit_fail_perror("memfd");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_perror("mmap");
	if (spawn_setup())
		ksft_exit_fail_perror("spawn setup");
	sh->t0 = now_ms();
	/* Orphans of the holders come back to us, so none can hide. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		ksft_exit_fail_perror("PR_SET_CHILD_SUBREAPER");
	if (sigaction(wake_sig(), &sa, NULL) || sigaction(SIGCHLD, &sa_chld, NULL))
		ksft_exit_fail_perror("sigaction");
	for (i = 0; i < NPROC; i++) {
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
			ksft_exit_fail_perror("socketpair");
		rx[i] = sv[0];
		tx_fd[i] = sv[1];
	}
	ksft_print_msg("%d s, seed %u, %d processes x %d threads, refcnt before: %d\n",
		       seconds, seed, NPROC, NTHREADS, refcnt_before);
	fflush(stdout);

	for (i = 1; i < NPROC; i++) {
		pid_t pid = fork();

		if (pid < 0)
			ksft_exit_fail_perror("fork");
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			self_idx = i;
			rx_fd = rx[i];
			for (t = 0; t < NPROC; t++)
				if (t != i)
					close(rx[t]);
			_exit(run_process(0) ? 3 : 0);
		}
		close(rx[i]);
		holders[i] = pid;
		loud(pid);
	}
	rx_fd = rx[0];
	if (run_process(seconds))
		ksft_exit_fail_perror("threads");

	t = now_rel() + 6 * BOUND_MS;
	for (i = 1; i < NPROC; i++) {
		while (!waitpid(holders[i], &status, WNOHANG) && now_rel() < t)
			usleep(10000);
		if (now_rel() >= t) {
			check(G_LEFT, false, "holder %d did not finish", holders[i]);
			kill(holders[i], SIGKILL);
			waitpid_nointr(holders[i], &status, 0);
		}
		check(G_CALLS, WIFEXITED(status) && !WEXITSTATUS(status),
		      "holder %d ended with status %#x", holders[i], status);
	}

	print_counts();
	check(G_CALLS, sh->ops[OP_PDFORK] > 0, "no child was made");

	/* 5: waitid(P_ALL) sees nothing (ECHILD), /proc no child. */
	memset(&si, 0, sizeof(si));
	if (!waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL))
		check(G_LEFT, false, "waitid(P_ALL) found a child: pid %d (%s)", si.si_pid,
		      si.si_pid ? "zombie" : "running");
	else
		check(G_LEFT, errno == ECHILD, "waitid(P_ALL): %s", strerror(errno));
	/*
	 * The objects of children that this process reaped itself (op_reap())
	 * stay in the module's table, each with a module reference, until the
	 * library's next PROCDESC_IOC_REAPABLE call forgets them, or this
	 * process exits. cleanup() had the library make that call after the
	 * last child ended; one more must find nothing to reap, and leaves the
	 * reference count to the descriptors alone.
	 */
	i = reapable_left();
	check(G_LEFT, !i, "PROCDESC_IOC_REAPABLE: %d (%s)", i, i < 0 ? strerror(errno) : "pids");
	i = children_left();
	check(G_LEFT, !i, "%d children left", i);
	/* At most the control device libprocdesc keeps; closed, as closefrom() would. */
	i = close_control_fds();
	check(G_LEFT, i <= 1, "%d fds of /dev/procdesc open, not at most 1", i);

	/* 6: the module reference count back to 0. */
	refcnt = module_refcnt_settled();
	if (refcnt > 0)
		ksft_print_msg("refcnt %d; procdesc descriptors open here: %d\n", refcnt,
			       procdesc_fds_open());

	for (i = 0; i < NGROUPS; i++) {
		if (i == G_REFCNT) {
			if (refcnt < 0)
				ksft_test_result_skip("%s: no /sys/module/procdesc/refcnt\n",
						      desc[i]);
			else
				ksft_test_result(refcnt == 0, "%s (%d, %d before)\n", desc[i],
						 refcnt, refcnt_before);
			continue;
		}
		ksft_test_result(!sh->fails[i], "%s (%u checks, %u failed)\n", desc[i],
				 sh->checks[i], sh->fails[i]);
	}
	ksft_finished();
}
