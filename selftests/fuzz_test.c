// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the procdesc ioctls: random and boundary commands (the known ones,
 * version 1's retired PROCDESC_IOC_PIDFD, every direction and size of
 * every number of magic 0xB9, neighbouring magics, bit flips, random
 * numbers), arguments (pointers aligned and not, into read-only memory,
 * across the end of a mapping, to PROT_NONE memory, NULL, low and kernel
 * addresses; all flag bits, invalid signals, non-zero tails of larger
 * structures; every kind of fd as the pidfd of PROCDESC_IOC_OPEN and
 * PROCDESC_IOC_PIDFD) on /dev/procdesc and on descriptors of sacrificial
 * children in every state: running, exited, exit consumed, reaped, and a
 * process that is not our child.
 *
 * A PROCDESC_IOC_ARM that succeeds leaves the thread armed for a few
 * calls (a second ARM then gets EBUSY, DISARM 0), and then is cancelled
 * or consumed by a fork, whose child must come with its descriptor
 * written back and exit signal 0; the fuzzer never ends armed. Children
 * whose last descriptor it closes it reaps at once, so PROCDESC_IOC_REAPABLE
 * must list none of them, and no arm or WAIT result may count them.
 *
 * A model of the contract (doc/semantics.md) and of the module's argument
 * handling (copy_struct_from_user(): the tail first, E2BIG, then EFAULT)
 * predicts the one result each call may have; any other fails. No call
 * may hang: a blocking PROCDESC_IOC_WAIT that the model expects is cut by
 * a 3 ms timer (EINTR); anything else still in the kernel after 10 s is
 * interrupted and reported, after 30 s the test gives up. Signals go only
 * to the sacrificial children (mostly 0 and SIGCONT); every fd a call
 * returns is checked and closed; no child is left.
 *
 * Usage: fuzz_test [ITERATIONS [SEED]]
 *   ITERATIONS defaults to $PROCDESC_FUZZ_ITERATIONS, else 1000000;
 *   SEED to $PROCDESC_FUZZ_SEED, else the time. The seed is printed.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/time.h>

#include "procdesc_test.h"
#include "kselftest.h"

#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC 0x50494446
#endif

#define DEFAULT_ITERATIONS	1000000
#define REGION_SIZE		32768	/* each followed by a PROT_NONE page */
#define NONE_SIZE		(4 << 20)
#define MAX_REPORTS		30
#define BLOCK_MS		10000
#define HANG_MS			30000
#define ZOMBIE_CODE		7
#define KILL_SIZE		sizeof(struct procdesc_kill)
#define OPEN_SIZE		sizeof(struct procdesc_open)
#define WAIT_SIZE		sizeof(struct procdesc_wait)
#define ARM_SIZE		sizeof(struct procdesc_arm)
#define REAPABLE_SIZE		sizeof(struct procdesc_reapable)
#define ARM_FLAGS		(PROCDESC_F_DAEMON | PROCDESC_F_CLOEXEC)
#define WAIT_OPTIONS		(WEXITED | WNOHANG | WNOWAIT)
#define OPEN_FLAGS		(PROCDESC_F_DAEMON | PROCDESC_F_CLOEXEC | \
				 PROCDESC_F_NONCHILD | PROCDESC_F_QUIET)

/* Results a call can have. */
enum {
	RES_OK, RES_ENOTTY, RES_EINVAL, RES_EFAULT, RES_E2BIG, RES_EBADF, RES_ECHILD,
	RES_ESRCH, RES_EBUSY, RES_EPERM, RES_EAGAIN, RES_EINTR, RES_ENOENT, RES_OTHER,
	NRES,
};

static const int res_errno[NRES] = {
	0, ENOTTY, EINVAL, EFAULT, E2BIG, EBADF, ECHILD, ESRCH, EBUSY, EPERM,
	EAGAIN, EINTR, ENOENT, -1,
};

static const char *const res_name[NRES] = {
	"ok", "ENOTTY", "EINVAL", "EFAULT", "E2BIG", "EBADF", "ECHILD",
	"ESRCH", "EBUSY", "EPERM", "EAGAIN", "EINTR", "ENOENT", "other",
};

/* What the fd is: the control device, or a descriptor in some state. */
enum {
	T_CTL, T_LIVE, T_ZOMBIE, T_CONSUMED, T_REAPED, T_NONCHILD, T_BADFD,
	NTARGETS,
};

static const char *const target_name[NTARGETS] = {
	"/dev/procdesc", "running", "exited", "consumed", "reaped",
	"non-child", "bad fd",
};

static const unsigned char target_weight[NTARGETS] = { 30, 22, 12, 11, 11, 11, 3 };

/* What the module does with a command on that fd. */
enum {
	OP_VERSION, OP_OPEN, OP_ARM, OP_DISARM, OP_REAPABLE, OP_GETPID, OP_KILL,
	OP_WAIT, OP_PIDFD, OP_NOTTY, OP_BADF, NOPS,
};

static const char *const op_name[NOPS] = {
	"VERSION", "OPEN", "ARM", "DISARM", "REAPABLE", "GETPID", "KILL", "WAIT",
	"PIDFD", "other-cmd", "bad-fd",
};

/* What the pidfd field of PROCDESC_IOC_OPEN names. */
enum {
	PF_LIVE, PF_ZOMBIE, PF_REAPED, PF_NONCHILD, PF_KTHREAD, PF_THREAD,
	PF_NOTPIDFD, PF_BAD, NPF,
};

/* Where a pointer argument points. */
enum {
	P_RW, P_RW_ODD, P_RW_STRADDLE, P_RO, P_RO_STRADDLE, P_NONE, P_NULL,
	P_LOW, P_KERNEL, NPTR,
};

static const char *const ptr_name[NPTR] = {
	"rw", "rw+odd", "rw|guard", "ro", "ro|guard", "prot-none", "NULL",
	"low", "kernel",
};

enum { G_CTL, G_PD, G_HANG, G_FDS, G_LEFT, G_REFCNT, NGROUPS };

struct entry {
	int fd;
	int pidfd;
	pid_t pid;
	bool valid;
};

struct region {
	char *base;
	size_t len;
};

static struct entry ent[NTARGETS];
static struct region rw, ro;
static char *none_base;
static unsigned long mmap_min;
static int ctl_fd, memfd, kthread_pidfd = -1, thread_pidfd = -1;
static int helper_pipe = -1;
static pid_t helper_pid;
static unsigned long long rng;
static unsigned int checks[NGROUPS], fails[NGROUPS], reports;
static unsigned int hist[NOPS][NRES];
static long long t0;
static pthread_t main_thread;
static int call_start, call_interrupted;
static char call_desc[256];
/* The thread is armed: for that many more calls, at the struct there. */
static bool armed;
static unsigned int armed_calls;
static uintptr_t armed_at;
static __u32 armed_flags;

static int ld(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static int now_rel(void)
{
	return (int)(now_ms() - t0) + 1;
}

/* splitmix64: fine for fuzzing, and the same sequence on 32 and 64 bits. */
static unsigned long long rnd64(void)
{
	unsigned long long z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)(rnd64() % n);
}

static __printf(3, 4) bool check(int group, bool ok, const char *fmt, ...)
{
	va_list ap;

	checks[group]++;
	if (ok)
		return true;
	fails[group]++;
	if (++reports > MAX_REPORTS)
		return false;
	printf("# FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return false;
}

/* ---- the watchdog ---- */

static void alarm_handler(int sig)
{
}

static void begin_call(void)
{
	st(&call_interrupted, 0);
	st(&call_start, now_rel());
}

static bool end_call(void)
{
	st(&call_start, 0);
	return ld(&call_interrupted);
}

static void *watchdog(void *arg)
{
	char buf[400];
	int start, n;

	for (;;) {
		usleep(100000);
		start = ld(&call_start);
		if (!start)
			continue;
		if (now_rel() - start >= HANG_MS) {
			n = snprintf(buf, sizeof(buf),
				     "# call still running after %d ms: %s\nnot ok %d no call hung\n",
				     HANG_MS, call_desc, G_HANG + 1);
			if (write(STDOUT_FILENO, buf, n) < 0)
				_exit(2);
			_exit(1);
		}
		if (now_rel() - start >= BLOCK_MS && !ld(&call_interrupted)) {
			st(&call_interrupted, 1);
			pthread_kill(main_thread, SIGALRM);
		}
	}
	return NULL;
}

/*
 * A 3 ms timer cuts a wait the model expects to block. Periodic: a signal
 * that comes before the call sleeps is followed by another.
 */
static void arm_timer(bool on)
{
	struct itimerval it = {
		.it_value = { .tv_usec = on ? 3000 : 0 },
		.it_interval = { .tv_usec = on ? 3000 : 0 },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- memory: what the kernel may read and write ---- */

static bool in_region(struct region *r, uintptr_t p, size_t n)
{
	uintptr_t b = (uintptr_t)r->base;

	return p >= b && p - b <= r->len && n <= r->len - (p - b);
}

static bool readable(uintptr_t p, size_t n)
{
	return !n || in_region(&rw, p, n) || in_region(&ro, p, n);
}

static bool writable(uintptr_t p, size_t n)
{
	return !n || in_region(&rw, p, n);
}

/* Store @n bytes at @p, as far as they fall into our regions. */
static void put_bytes(uintptr_t p, const void *src, size_t n)
{
	struct region *regs[] = { &rw, &ro };
	uintptr_t b, e, from, to;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		b = (uintptr_t)regs[i]->base;
		e = b + regs[i]->len;
		from = p > b ? p : b;
		to = p + n < p ? e : (p + n < e ? p + n : e);
		if (p >= e || from >= to)
			continue;
		if (regs[i] == &ro)
			mprotect(ro.base, ro.len, PROT_READ | PROT_WRITE);
		memcpy((void *)from, (const char *)src + (from - p), to - from);
		if (regs[i] == &ro)
			mprotect(ro.base, ro.len, PROT_READ);
	}
}

/* copy_struct_from_user(): the tail must be readable and zero, then the head. */
static int model_copy_in(uintptr_t p, size_t ksize, size_t usize)
{
	size_t i;

	for (i = ksize; i < usize; i++) {
		if (!readable(p + i, 1))
			return RES_EFAULT;
		if (((unsigned char *)p)[i])
			return RES_E2BIG;
	}
	return readable(p, ksize < usize ? ksize : usize) ? RES_OK : RES_EFAULT;
}

static uintptr_t gen_ptr(int cls, size_t n)
{
	static const unsigned long long kernel64[] = {
		0xffffffff81000000ULL, 0xffff888000000000ULL, 0x8000000000000000ULL,
		0xfffffffffffff000ULL, 0x00007ffffffff000ULL,
	};
	struct region *r = cls <= P_RW_STRADDLE ? &rw : &ro;
	uintptr_t end = (uintptr_t)r->base + r->len, p;
	size_t k;

	switch (cls) {
	case P_RW:
	case P_RO:
		p = (end - n - 8 * rnd(64)) & ~(uintptr_t)7;
		return p < (uintptr_t)r->base ? (uintptr_t)r->base : p;
	case P_RW_ODD:
		p = ((end - n - 8 - 8 * rnd(64)) & ~(uintptr_t)7) + 1 + rnd(7);
		return p < (uintptr_t)r->base ? (uintptr_t)r->base + 1 : p;
	case P_RW_STRADDLE:
	case P_RO_STRADDLE:
		k = 1 + rnd(n < 64 ? (unsigned int)n : 64);
		return end - n + k;
	case P_NONE:
		return (uintptr_t)none_base + rnd(NONE_SIZE - 16384);
	case P_NULL:
		return 0;
	case P_LOW:
		return 1 + rnd(4095);
	default:
		if (sizeof(uintptr_t) == 8)
			return (uintptr_t)(kernel64[rnd(ARRAY_SIZE(kernel64))] + rnd(4096));
		return (uintptr_t)(0xffffe000UL + rnd(0x1ff0));
	}
}

static int pick_ptr_class(size_t n)
{
	static const unsigned char weight[NPTR] = { 40, 12, 10, 10, 6, 6, 6, 4, 6 };
	unsigned int r = rnd(100);
	int c;

	for (c = 0; r >= weight[c]; c++)
		r -= weight[c];
	/* Low addresses up to 20 KiB must stay below mmap_min_addr. */
	if (c == P_LOW && mmap_min < 65536)
		c = P_NULL;
	if ((c == P_RW_STRADDLE || c == P_RO_STRADDLE) && !n)
		c = P_RW;
	return c;
}

/* ---- the sacrificial processes ---- */

static noreturn void sacrifice(int code)
{
	signal(SIGALRM, SIG_DFL);
	syscall(__NR_close_range, 3, ~0U, 0);
	if (code >= 0)
		_exit(code);
	for (;;)
		pause();
}

/*
 * The helper is a child that keeps one child of its own (ours is not its
 * parent), reports each one's pid on a pipe and makes a new one when it
 * dies.
 */
static int start_helper(void)
{
	int p[2];
	pid_t g;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	helper_pid = fork();
	if (helper_pid < 0)
		return -1;
	if (helper_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGALRM, SIG_DFL);
		close(p[0]);
		for (;;) {
			g = fork();
			if (g == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				sacrifice(-1);
			}
			if (g < 0 || write(p[1], &g, sizeof(g)) != sizeof(g))
				_exit(1);
			waitpid_nointr(g, NULL, 0);
		}
	}
	close(p[1]);
	helper_pipe = p[0];
	return 0;
}

/*
 * Reap a child of ours whose last descriptor is closed. Its object stayed,
 * detached, for PROCDESC_IOC_REAPABLE, which must now list nothing (the
 * child is reaped) and forget it: no result of the model has to count it.
 */
static void wait_child(pid_t pid)
{
	struct procdesc_reapable r;
	int ret;

	begin_call();
	snprintf(call_desc, sizeof(call_desc), "waitpid(%d) of a sacrificial child", pid);
	waitpid_nointr(pid, NULL, __WALL);
	end_call();
	memset(&r, 0xa5, sizeof(r));
	ret = ioctl(ctl_fd, PROCDESC_IOC_REAPABLE, &r);
	check(G_CTL, !ret && !r.count && !r.more,
	      "PROCDESC_IOC_REAPABLE after reaping %d: %d (%s), count %u, more %u", pid, ret,
	      ret ? strerror(errno) : "ok", r.count, r.more);
}

static void retire(int t)
{
	struct entry *e = &ent[t];

	if (!e->valid)
		return;
	e->valid = false;
	/* The helper makes a new child when this one dies. */
	if (t == T_NONCHILD)
		sys_pidfd_send_signal(e->pidfd, SIGKILL, NULL, 0);
	close(e->fd);
	close(e->pidfd);
	/* A running child dies of the close; only the helper reaps its own. */
	if (t == T_LIVE || t == T_ZOMBIE || t == T_CONSUMED)
		wait_child(e->pid);
}

static bool make_child(struct entry *e, int code)
{
	e->pid = pdfork(&e->fd, rnd(2) ? PD_CLOEXEC : 0);
	if (e->pid == 0)
		sacrifice(code);
	if (e->pid < 0)
		return false;
	e->pidfd = pdgetpidfd(e->fd);
	if (e->pidfd < 0) {
		close(e->fd);
		wait_child(e->pid);
		return false;
	}
	e->valid = true;
	return true;
}

/* An exited, unconsumed, unreaped child. */
static bool make_zombie(struct entry *e)
{
	if (!make_child(e, ZOMBIE_CODE))
		return false;
	if (wait_revents(e->fd, POLLIN, PD_TIMEOUT_MS) == POLLHUP)
		return true;
	check(G_PD, false, "no POLLHUP from a child that exited");
	e->valid = false;
	close(e->fd);
	close(e->pidfd);
	wait_child(e->pid);
	return false;
}

static bool ensure(int t)
{
	struct entry *e = &ent[t];
	struct procdesc_open args = { .flags = PROCDESC_F_NONCHILD | PROCDESC_F_DAEMON };
	struct procdesc_wait w = { .options = WEXITED };
	pid_t g;

	if (e->valid)
		return true;
	switch (t) {
	case T_LIVE:
		return make_child(e, -1);
	case T_ZOMBIE:
		return make_zombie(e);
	case T_CONSUMED:
		if (!make_zombie(e))
			return false;
		return check(G_PD, !ioctl(e->fd, PROCDESC_IOC_WAIT, &w),
			     "PROCDESC_IOC_WAIT on an exited child: %s", strerror(errno));
	case T_REAPED:
		if (!make_zombie(e))
			return false;
		return check(G_PD, waitpid_nointr(e->pid, NULL, __WALL) == e->pid,
			     "waitpid: %s", strerror(errno));
	case T_NONCHILD:
		if (wait_revents(helper_pipe, POLLIN, PD_TIMEOUT_MS) <= 0 ||
		    read(helper_pipe, &g, sizeof(g)) != sizeof(g))
			return false;
		e->pid = g;
		e->pidfd = sys_pidfd_open(g, 0);
		if (e->pidfd < 0)
			return false;
		args.pidfd = e->pidfd;
		e->fd = ioctl(ctl_fd, PROCDESC_IOC_OPEN, &args);
		if (e->fd < 0) {
			close(e->pidfd);
			return false;
		}
		e->valid = true;
		return true;
	}
	return true;
}

/* A fatal signal for a process with default dispositions? */
static bool kills(int sig)
{
	switch (sig) {
	case 0: case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return false;
	}
	return sig > 0 && sig <= 64;
}

/* ---- commands and argument values ---- */

/* The control device's commands, then the descriptor's. */
static const unsigned int known_cmds[] = {
	PROCDESC_IOC_VERSION, PROCDESC_IOC_OPEN, PROCDESC_IOC_ARM, PROCDESC_IOC_DISARM,
	PROCDESC_IOC_REAPABLE,
	PROCDESC_IOC_GETPID, PROCDESC_IOC_KILL, PROCDESC_IOC_WAIT, PROCDESC_IOC_PIDFD,
	/* Version 1's PROCDESC_IOC_PIDFD, gone: ENOTTY. */
	_IO(PROCDESC_IOC_MAGIC, 0x13),
};

#define NCTL_CMDS	5
#define NPD_CMDS	4

/* Types the VFS handles itself for every file (FIONREAD, FIGETBSZ, ...). */
static bool vfs_type(unsigned int cmd)
{
	switch (_IOC_TYPE(cmd)) {
	case 0x00: case 0x15: case 'T': case 'X': case 'f': case 0x94:
		return true;
	}
	return false;
}

static unsigned int gen_size(unsigned int ks)
{
	unsigned int r = rnd(100);

	if (r < 35)
		return ks;
	if (r < 50)
		return ks + 1 + rnd(64);
	if (r < 60)
		return ks ? rnd(ks) : 0;
	if (r < 75)
		return rnd(_IOC_SIZEMASK + 1);
	if (r < 85)
		return 0;
	if (r < 90)
		return _IOC_SIZEMASK;
	return (ks + 8 * rnd(64)) & _IOC_SIZEMASK;
}

/* Mostly the target's own commands (the first two are the device's). */
static unsigned int gen_cmd(int target)
{
	static const unsigned char neighbours[] = { 0xb8, 0xba, 0x39, 0xf9, 0xb1, 0x99 };
	unsigned int r, k, cmd;

	do {
		r = rnd(100);
		k = known_cmds[rnd(ARRAY_SIZE(known_cmds))];
		if (r < 45 && rnd(5))
			k = target == T_CTL ? known_cmds[rnd(NCTL_CMDS)] :
			    known_cmds[NCTL_CMDS + rnd(NPD_CMDS)];
		if (r < 45)
			cmd = k;
		else if (r < 65)
			cmd = _IOC(rnd(4), PROCDESC_IOC_MAGIC, _IOC_NR(k),
				   gen_size(_IOC_SIZE(k)) & _IOC_SIZEMASK);
		else if (r < 78)
			cmd = _IOC(rnd(4), PROCDESC_IOC_MAGIC, rnd(256),
				   gen_size(rnd(2) ? 8 : WAIT_SIZE) & _IOC_SIZEMASK);
		else if (r < 84)
			cmd = _IOC(_IOC_DIR(k), neighbours[rnd(ARRAY_SIZE(neighbours))],
				   _IOC_NR(k), _IOC_SIZE(k));
		else if (r < 92)
			cmd = k ^ (1u << rnd(32)) ^ (rnd(2) ? 1u << rnd(32) : 0);
		else
			cmd = (unsigned int)rnd64();
	} while (vfs_type(cmd));
	return cmd;
}

static int interesting_int(void)
{
	static const int values[] = {
		0, 1, -1, 2, 3, 4, 8, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0xffff,
		INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1, 63, 64, 65, 128,
	};
	unsigned int r = rnd(4);

	if (r == 0)
		return (int)rnd64();
	if (r == 1)
		return (int)(1u << rnd(32));
	return values[rnd(ARRAY_SIZE(values))];
}

static bool same_cmd(unsigned int cmd, unsigned int ref, size_t min)
{
	return _IOC_TYPE(cmd) == _IOC_TYPE(ref) && _IOC_NR(cmd) == _IOC_NR(ref) &&
	       _IOC_DIR(cmd) == _IOC_DIR(ref) && _IOC_SIZE(cmd) >= min;
}

static int classify(int target, unsigned int cmd)
{
	if (target == T_BADFD)
		return OP_BADF;
	if (target == T_CTL) {
		if (cmd == PROCDESC_IOC_VERSION)
			return OP_VERSION;
		if (same_cmd(cmd, PROCDESC_IOC_OPEN, OPEN_SIZE))
			return OP_OPEN;
		if (same_cmd(cmd, PROCDESC_IOC_ARM, ARM_SIZE))
			return OP_ARM;
		if (cmd == PROCDESC_IOC_DISARM)
			return OP_DISARM;
		return cmd == PROCDESC_IOC_REAPABLE ? OP_REAPABLE : OP_NOTTY;
	}
	if (cmd == PROCDESC_IOC_GETPID)
		return OP_GETPID;
	if (same_cmd(cmd, PROCDESC_IOC_KILL, KILL_SIZE))
		return OP_KILL;
	if (same_cmd(cmd, PROCDESC_IOC_WAIT, WAIT_SIZE))
		return OP_WAIT;
	return cmd == PROCDESC_IOC_PIDFD ? OP_PIDFD : OP_NOTTY;
}

/* A value for the pidfd field, and what it names. */
static int gen_pidfd(int *cls)
{
	static const int bad[] = { -1, INT_MAX, INT_MIN, 100000, 1 << 20 };
	unsigned int r = rnd(NPF + 2);
	int fd;

	switch (r) {
	case PF_LIVE:
	case PF_ZOMBIE:
	case PF_REAPED:
	case PF_NONCHILD: {
		static const int from[] = { T_LIVE, T_ZOMBIE, T_REAPED, T_NONCHILD };
		int t = from[r];

		if (r == PF_ZOMBIE && rnd(2))
			t = T_CONSUMED;
		if (!ensure(t))
			break;
		*cls = r;
		return ent[t].pidfd;
	}
	case PF_KTHREAD:
		if (kthread_pidfd < 0)
			break;
		*cls = PF_KTHREAD;
		return kthread_pidfd;
	case PF_THREAD:
		if (thread_pidfd < 0)
			break;
		*cls = PF_THREAD;
		return thread_pidfd;
	case PF_NOTPIDFD: {
		int others[] = {
			ctl_fd, memfd, 0, 1, 2, ent[T_LIVE].valid ? ent[T_LIVE].fd : ctl_fd,
		};

		fd = others[rnd(ARRAY_SIZE(others))];
		*cls = fcntl(fd, F_GETFD) < 0 ? PF_BAD : PF_NOTPIDFD;
		return fd;
	}
	}
	fd = rnd(2) ? bad[rnd(ARRAY_SIZE(bad))] : interesting_int();
	/* A small number may be one of ours: say what it is. */
	for (r = 0; r < NTARGETS; r++) {
		if (ent[r].valid && fd == ent[r].pidfd) {
			*cls = r == T_LIVE ? PF_LIVE : r == T_REAPED ? PF_REAPED :
			       r == T_NONCHILD ? PF_NONCHILD : PF_ZOMBIE;
			return fd;
		}
	}
	if (fd == kthread_pidfd && fd >= 0)
		*cls = PF_KTHREAD;
	else if (fd == thread_pidfd && fd >= 0)
		*cls = PF_THREAD;
	else
		*cls = fd >= 0 && fcntl(fd, F_GETFD) >= 0 ? PF_NOTPIDFD : PF_BAD;
	return fd;
}

/*
 * A value for the argument of PROCDESC_IOC_PIDFD on @target's descriptor,
 * and in *@expect the result it must get: the process's own pidfd 0,
 * another process's or a thread's ESRCH, anything else EBADF.
 */
static int gen_check_pidfd(int target, int *expect)
{
	static const int bad[] = { -1, INT_MAX, INT_MIN, 100000, 1 << 20 };
	int others[] = { ctl_fd, memfd, 0, 1, 2, ent[target].fd };
	unsigned int r = rnd(100);
	int fd, t;

	if (r < 40) {
		fd = ent[target].pidfd;
	} else if (r < 60) {
		t = T_LIVE + rnd(T_BADFD - T_LIVE);
		fd = ent[t].valid ? ent[t].pidfd : kthread_pidfd;
	} else if (r < 70) {
		fd = rnd(2) ? kthread_pidfd : thread_pidfd;
	} else if (r < 85) {
		fd = others[rnd(ARRAY_SIZE(others))];
	} else {
		fd = rnd(2) ? bad[rnd(ARRAY_SIZE(bad))] : interesting_int();
	}
	*expect = RES_EBADF;
	if (fd == ent[target].pidfd)
		*expect = RES_OK;
	else if (fd >= 0 && (fd == kthread_pidfd || fd == thread_pidfd))
		*expect = RES_ESRCH;
	for (t = T_LIVE; t < T_BADFD && *expect == RES_EBADF; t++)
		if (ent[t].valid && fd == ent[t].pidfd)
			*expect = RES_ESRCH;
	return fd;
}

static int model_open(int pf, unsigned int flags)
{
	if (flags & ~OPEN_FLAGS)
		return RES_EINVAL;
	switch (pf) {
	case PF_LIVE:
		return RES_OK;
	case PF_ZOMBIE:
		/* pdopenpid() refuses an exited process, even a child. */
		return flags & PROCDESC_F_NONCHILD ? RES_EBUSY : RES_OK;
	case PF_REAPED:
		return RES_ESRCH;
	case PF_THREAD:
		return RES_EINVAL;
	case PF_KTHREAD:
		return flags & PROCDESC_F_NONCHILD ? RES_EBUSY : RES_ECHILD;
	case PF_NONCHILD:
		if (!(flags & PROCDESC_F_NONCHILD))
			return RES_ECHILD;
		if (flags & PROCDESC_F_QUIET)
			return RES_EINVAL;
		return RES_OK;
	}
	return RES_EBADF;
}

/* An fd returned by a call: the right kind, with the right FD_CLOEXEC. */
static void check_new_fd(int group, int fd, long magic, bool cloexec, const char *what)
{
	char link[64], target[64] = "";
	int flags = fcntl(fd, F_GETFD);
	struct statfs sfs;
	bool kind;

	if (fstatfs(fd, &sfs))
		sfs.f_type = 0;
	kind = (long)sfs.f_type == magic;
	if (!kind && magic == PID_FS_MAGIC) {
		/* Before pidfs (6.9), an anonymous inode. */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if (readlink(link, target, sizeof(target) - 1) > 0)
			kind = !strcmp(target, "anon_inode:[pidfd]");
	}
	check(G_FDS, kind && flags >= 0 && !!(flags & FD_CLOEXEC) == cloexec,
	      "%s returned fd %d: fs magic %#lx, fd flags %d", what, fd,
	      (long)sfs.f_type, flags);
	close(fd);
}

/* ---- one call ---- */

struct call {
	int target, op, fd, ptrcls, pf, check, expect;
	unsigned int cmd;
	uintptr_t arg;
	size_t usize;
	bool may_block, interrupted;
	union {
		struct procdesc_open open;
		struct procdesc_arm arm;
		struct procdesc_kill kill;
		struct procdesc_wait wait;
		__s32 pidfd;
		unsigned char bytes[WAIT_SIZE];
	} in;
};

static int pick_target(void)
{
	unsigned int r = rnd(100);
	int t;

	for (t = 0; r >= target_weight[t]; t++)
		r -= target_weight[t];
	return t;
}

/* Fill the argument the module will read, and what the model expects. */
static void prepare(struct call *c)
{
	static unsigned char blob[_IOC_SIZEMASK + 1];
	size_t ks = 0, n;

	memset(&c->in, 0, sizeof(c->in));
	c->usize = _IOC_SIZE(c->cmd);
	switch (c->op) {
	case OP_OPEN:
		ks = OPEN_SIZE;
		c->in.open.pidfd = gen_pidfd(&c->pf);
		c->in.open.flags = rnd(5) < 3 ? rnd(16) : (unsigned int)interesting_int();
		break;
	case OP_ARM: {
		unsigned int r = rnd(100);

		ks = ARM_SIZE;
		c->in.arm.flags = r < 60 ? rnd(4) : r < 80 ? rnd(16) :
				  (unsigned int)interesting_int();
		/* The outputs: whatever the caller leaves there is overwritten. */
		c->in.arm.fd = interesting_int();
		c->in.arm.pid = interesting_int();
		c->in.arm.reapable = (unsigned int)interesting_int();
		break;
	}
	case OP_KILL: {
		unsigned int r = rnd(100);

		ks = KILL_SIZE;
		c->in.kill.signal = r < 40 ? 0 : r < 65 ? SIGCONT : r < 68 ? 1 + (int)rnd(64) :
				    interesting_int();
		c->in.kill.flags = rnd(5) ? 0 : (unsigned int)interesting_int();
		break;
	}
	case OP_WAIT: {
		unsigned int r = rnd(100);

		ks = WAIT_SIZE;
		if (r < 60) {
			c->in.wait.options = WEXITED | (rnd(2) ? WNOWAIT : 0);
			/* Mostly WNOHANG on a running process: blocking costs 3 ms. */
			if ((c->target != T_LIVE && c->target != T_NONCHILD) ? rnd(2) : rnd(10))
				c->in.wait.options |= WNOHANG;
		} else {
			c->in.wait.options = (unsigned int)interesting_int();
		}
		if (rnd(4) == 0)
			c->in.wait.status = interesting_int();
		break;
	}
	case OP_VERSION:
	case OP_GETPID:
		c->usize = 4;
		break;
	case OP_PIDFD:
		ks = sizeof(__s32);
		c->usize = ks;
		c->in.pidfd = gen_check_pidfd(c->target, &c->check);
		break;
	}
	if (c->target == T_BADFD)
		c->op = OP_BADF;
	if (_IOC_DIR(c->cmd) == _IOC_NONE && rnd(2)) {
		/* An integer argument. */
		c->ptrcls = -1;
		c->arg = rnd(2) ? 0 : rnd(2) ? 1 : (uintptr_t)rnd64();
		return;
	}
	n = c->usize > ks ? c->usize : ks;
	c->ptrcls = pick_ptr_class(n);
	c->arg = gen_ptr(c->ptrcls, n);
	/* Beyond the known structure: zeros, or one non-zero byte. */
	if (n > ks) {
		memset(blob, 0, n - ks);
		if (rnd(3) == 0)
			blob[rnd(n - ks)] = 1 + rnd(255);
		put_bytes(c->arg + ks, blob, n - ks);
	}
	if (ks)
		put_bytes(c->arg, &c->in, ks);
	else if (n)
		put_bytes(c->arg, blob, n < 8 ? n : 8);
}

/* The one result the contract allows for the call prepared. */
static void model(struct call *c)
{
	size_t ks = c->op == OP_OPEN ? OPEN_SIZE : c->op == OP_KILL ? KILL_SIZE :
		    c->op == OP_ARM ? ARM_SIZE : WAIT_SIZE;
	int copy;

	switch (c->op) {
	case OP_VERSION:
	case OP_GETPID:
		c->expect = writable(c->arg, 4) ? RES_OK : RES_EFAULT;
		break;
	case OP_PIDFD:
		c->expect = readable(c->arg, sizeof(__s32)) ? c->check : RES_EFAULT;
		break;
	case OP_ARM:
		/* Flags, a free fd, the write-back at once, then the arm. */
		copy = model_copy_in(c->arg, ks, c->usize);
		if (copy)
			c->expect = copy;
		else if (c->in.arm.flags & ~ARM_FLAGS)
			c->expect = RES_EINVAL;
		else if (!writable(c->arg, c->usize))
			c->expect = RES_EFAULT;
		else
			c->expect = armed ? RES_EBUSY : RES_OK;
		break;
	case OP_DISARM:
		c->expect = c->arg ? RES_EINVAL : armed ? RES_OK : RES_ENOENT;
		break;
	case OP_REAPABLE:
		c->expect = writable(c->arg, REAPABLE_SIZE) ? RES_OK : RES_EFAULT;
		break;
	case OP_NOTTY:
		c->expect = RES_ENOTTY;
		break;
	case OP_BADF:
		c->expect = RES_EBADF;
		break;
	case OP_OPEN:
		copy = model_copy_in(c->arg, ks, c->usize);
		c->expect = copy ? copy : model_open(c->pf, c->in.open.flags);
		break;
	case OP_KILL:
		copy = model_copy_in(c->arg, ks, c->usize);
		if (copy)
			c->expect = copy;
		else if (c->in.kill.flags || c->in.kill.signal < 0 || c->in.kill.signal > 64)
			c->expect = RES_EINVAL;
		else if (c->target == T_CONSUMED || c->target == T_REAPED)
			c->expect = RES_ESRCH;
		else
			c->expect = RES_OK;
		break;
	case OP_WAIT:
		copy = model_copy_in(c->arg, ks, c->usize);
		if (copy)
			c->expect = copy;
		else if ((c->in.wait.options & ~WAIT_OPTIONS) || !(c->in.wait.options & WEXITED))
			c->expect = RES_EINVAL;
		/* The parent is told an exit once: T_CONSUMED's was, by ensure(). */
		else if (c->target == T_REAPED || c->target == T_CONSUMED)
			c->expect = RES_ESRCH;
		else if (c->target == T_ZOMBIE)
			c->expect = writable(c->arg, c->usize) ? RES_OK : RES_EFAULT;
		else if (c->in.wait.options & WNOHANG)
			c->expect = RES_EAGAIN;
		else
			c->expect = RES_EINTR;
		c->may_block = c->expect == RES_EINTR;
		break;
	}
}

static const char *describe(struct call *c)
{
	snprintf(call_desc, sizeof(call_desc),
		 "ioctl(%s fd, %#x [dir %u type %#x nr %#x size %u], %s %#llx)",
		 target_name[c->target], c->cmd, _IOC_DIR(c->cmd), _IOC_TYPE(c->cmd),
		 _IOC_NR(c->cmd), _IOC_SIZE(c->cmd),
		 c->ptrcls < 0 ? "int" : ptr_name[c->ptrcls], (unsigned long long)c->arg);
	return call_desc;
}

/* PROCDESC_IOC_DISARM of the armed thread. */
static void disarm_now(void)
{
	int ret = ioctl(ctl_fd, PROCDESC_IOC_DISARM, 0);

	armed = false;
	check(G_CTL, !ret, "PROCDESC_IOC_DISARM of an armed thread: %s", strerror(errno));
}

/*
 * Consume the arm with a fork, the C library's or a raw clone: the child
 * comes with its descriptor and pid written back to the struct of the arm
 * before the fork returns, and exit signal 0, so that no waitpid() without
 * __WALL sees it.
 */
static void consume_arm(void)
{
	int status = -1, hup = 0;
	struct procdesc_arm a;
	bool quiet = false;
	pid_t pid, reaped;

	armed = false;
	pid = rnd(2) ? fork() : (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(ZOMBIE_CODE);
	memcpy(&a, (void *)armed_at, sizeof(a));
	if (!check(G_CTL, pid > 0 && a.pid == pid && a.fd >= 0,
		   "fork of an armed thread: pid %d, written back fd %d pid %d", pid, a.fd,
		   a.pid)) {
		if (pid > 0)
			waitpid_nointr(pid, NULL, __WALL);
		return;
	}
	hup = wait_revents(a.fd, POLLIN, PD_TIMEOUT_MS);
	if (hup == POLLHUP)
		quiet = waitpid(pid, NULL, WNOHANG) == -1 && errno == ECHILD;
	reaped = waitpid_nointr(pid, &status, __WALL);
	check(G_CTL, hup == POLLHUP && quiet && reaped == pid && status == ZOMBIE_CODE << 8,
	      "child %d of an armed fork: revents %#x, %s, reaped %d, status %#x", pid, hup,
	      quiet ? "quiet" : "not quiet", reaped, status);
	/* Reaped first: its object goes with this close, nothing to list. */
	check_new_fd(G_FDS, a.fd, PROCDESC_FS_MAGIC, armed_flags & PROCDESC_F_CLOEXEC,
		     "the fork of an armed thread");
}

/* After a success: check what was written or returned; follow the state. */
static void aftermath(struct call *c, int ret)
{
	struct entry *e = &ent[c->target];
	int group = c->target == T_CTL ? G_CTL : G_PD;
	struct procdesc_reapable r;
	struct procdesc_wait w;
	struct procdesc_arm a;
	size_t i;
	__u32 v;

	switch (c->op) {
	case OP_VERSION:
	case OP_GETPID:
		memcpy(&v, (void *)c->arg, sizeof(v));
		check(group, c->op == OP_VERSION ? v == 2 : (pid_t)v == e->pid,
		      "%s wrote %u", describe(c), v);
		break;
	case OP_PIDFD:
		check(group, !ret, "%s returned %d", describe(c), ret);
		break;
	case OP_OPEN:
		/* Another file on the process's object: its close kills nothing. */
		check_new_fd(G_FDS, ret, PROCDESC_FS_MAGIC,
			     c->in.open.flags & PROCDESC_F_CLOEXEC, "PROCDESC_IOC_OPEN");
		break;
	case OP_ARM:
		memcpy(&a, (void *)c->arg, sizeof(a));
		check(group, !ret && a.flags == c->in.arm.flags && a.fd == -1 && !a.pid &&
		      !a.reapable, "%s returned %d, wrote flags %#x fd %d pid %d reapable %u",
		      describe(c), ret, a.flags, a.fd, a.pid, a.reapable);
		for (i = ARM_SIZE; i < c->usize && !((unsigned char *)c->arg)[i]; i++)
			;
		check(group, i >= c->usize, "%s left byte %zu of the struct non-zero",
		      describe(c), i);
		/* Armed for a few calls, then disarmed or consumed. */
		armed = true;
		armed_calls = rnd(8);
		armed_at = c->arg;
		armed_flags = c->in.arm.flags;
		break;
	case OP_DISARM:
		armed = false;
		check(group, !ret, "%s returned %d", describe(c), ret);
		break;
	case OP_REAPABLE:
		memcpy(&r, (void *)c->arg, sizeof(r));
		check(group, !ret && !r.count && !r.more, "%s returned %d, wrote count %u more %u",
		      describe(c), ret, r.count, r.more);
		break;
	case OP_KILL:
		if (kills(c->in.kill.signal) && (c->target == T_LIVE || c->target == T_NONCHILD))
			retire(c->target);
		break;
	case OP_WAIT:
		memcpy(&w, (void *)c->arg, sizeof(w));
		check(group, w.pid == e->pid && w.status == ZOMBIE_CODE << 8 &&
		      w.code == CLD_EXITED && w.result == PROCDESC_WAIT_PARENT &&
		      w.uid == getuid() && w.options == c->in.wait.options,
		      "%s wrote pid %d status %#x code %d result %#x uid %u options %#x",
		      describe(c), w.pid, w.status, w.code, w.result, w.uid, w.options);
		for (i = WAIT_SIZE; i < c->usize && !((unsigned char *)c->arg)[i]; i++)
			;
		check(group, i >= c->usize, "%s left byte %zu of the result non-zero",
		      describe(c), i);
		if (c->target == T_ZOMBIE && !(c->in.wait.options & WNOWAIT)) {
			retire(T_CONSUMED);
			ent[T_CONSUMED] = *e;
			e->valid = false;
		}
		break;
	}
}

static void one_call(void)
{
	struct call c = { .pf = -1 };
	int ret, err, res;

	if (armed && !armed_calls--) {
		if (rnd(3))
			consume_arm();
		else
			disarm_now();
	}
	c.target = pick_target();
	if (!ensure(c.target))
		return;
	c.fd = c.target == T_CTL ? ctl_fd : c.target == T_BADFD ? INT_MAX : ent[c.target].fd;
	c.cmd = gen_cmd(c.target);
	c.op = classify(c.target, c.cmd);
	prepare(&c);
	model(&c);

	describe(&c);
	begin_call();
	if (c.may_block)
		arm_timer(true);
	ret = ioctl(c.fd, c.cmd, (unsigned long)c.arg);
	err = errno;
	if (c.may_block)
		arm_timer(false);
	c.interrupted = end_call();

	res = ret >= 0 ? RES_OK : RES_OTHER;
	if (ret < 0)
		for (res = 0; res < RES_OTHER && res_errno[res] != err; res++)
			;
	hist[c.op][res]++;
	check(G_HANG, !c.interrupted, "%s blocked for %d ms", describe(&c), BLOCK_MS);
	if (!check(c.target == T_CTL ? G_CTL : G_PD, res == c.expect,
		   "%s: %s, expected %s (pidfd class %d, pidfd %d, flags %#x / signal %d, options %#x)",
		   describe(&c), ret >= 0 ? "success" : strerror(err), res_name[c.expect],
		   c.pf, c.in.open.pidfd, c.in.open.flags, c.in.kill.signal,
		   c.in.wait.options)) {
		/*
		 * The model lost track: start from fresh processes, and never
		 * stay armed by a call it did not expect to arm.
		 */
		if (ret >= 0 && c.op == OP_OPEN)
			close(ret);
		ioctl(ctl_fd, PROCDESC_IOC_DISARM, 0);
		armed = false;
		for (ret = T_LIVE; ret < T_BADFD; ret++)
			retire(ret);
		return;
	}
	if (res == RES_OK)
		aftermath(&c, ret);
}

/* ---- setup, the final checks ---- */

static void *idle_thread(void *arg)
{
	int *tid = arg;

	__atomic_store_n(tid, (int)sys_gettid(), __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

static int setup(void)
{
	char line[64] = "";
	pthread_t t;
	int tid = 0;
	FILE *f;
	char *m;

	m = mmap(NULL, 2 * REGION_SIZE + 2 * 4096, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	none_base = mmap(NULL, NONE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || none_base == MAP_FAILED)
		return -1;
	rw = (struct region){ m, REGION_SIZE };
	ro = (struct region){ m + REGION_SIZE + 4096, REGION_SIZE };
	if (mprotect(rw.base, rw.len, PROT_READ | PROT_WRITE) ||
	    mprotect(ro.base, ro.len, PROT_READ))
		return -1;
	f = fopen("/proc/sys/vm/mmap_min_addr", "re");
	if (f) {
		if (fscanf(f, "%lu", &mmap_min) != 1)
			mmap_min = 0;
		fclose(f);
	}

	ctl_fd = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	memfd = memfd_create("procdesc-fuzz", MFD_CLOEXEC);
	if (ctl_fd < 0 || memfd < 0)
		return -1;
	/* kthreadd: a kernel thread, EBUSY with PROCDESC_F_NONCHILD. */
	f = fopen("/proc/2/status", "re");
	if (f) {
		if (fgets(line, sizeof(line), f) && !strcmp(line, "Name:\tkthreadd\n"))
			kthread_pidfd = sys_pidfd_open(2, 0);
		fclose(f);
	}
	/* A thread's pidfd (6.9+): names no process, EINVAL. */
	if (pthread_create(&t, NULL, idle_thread, &tid))
		return -1;
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	thread_pidfd = sys_pidfd_open(tid, PIDFD_THREAD);
	return start_helper();
}

/* Children left: reaped here, so nothing outlives the test. */
static int children_left(void)
{
	siginfo_t si;
	int n = 0;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) || !si.si_pid)
			break;
		ksft_print_msg("left: pid %d\n", si.si_pid);
		waitpid_nointr(si.si_pid, NULL, __WALL);
		n++;
	}
	return n;
}

static long long parse_num(const char *s, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	static const char *const desc[NGROUPS] = {
		"/dev/procdesc: every result as the contract says",
		"descriptors: every result as the contract says",
		"no call hung or blocked",
		"every fd returned was the right kind, none leaked",
		"no child left",
		"module reference count back to 0",
	};
	long long iterations = DEFAULT_ITERATIONS, seed, i;
	struct sigaction sa = { .sa_handler = alarm_handler };
	int fds_before, fds_after, refcnt, left = 0, t;
	sigset_t alrm, saved;
	pid_t g = 0;
	char buf[512];
	pthread_t wd;
	const char *env;
	siginfo_t si;

	env = getenv("PROCDESC_FUZZ_ITERATIONS");
	if (argc > 1)
		iterations = parse_num(argv[1], LLONG_MAX);
	else if (env)
		iterations = parse_num(env, LLONG_MAX);
	env = getenv("PROCDESC_FUZZ_SEED");
	seed = argc > 2 ? parse_num(argv[2], LLONG_MAX) :
	       env ? parse_num(env, LLONG_MAX) : (now_ms() ^ getpid()) & 0xffffffff;
	if (argc > 3 || iterations < 0 || seed < 0) {
		fprintf(stderr, "usage: %s [ITERATIONS [SEED]]\n", argv[0]);
		return 2;
	}
	rng = seed;

	ksft_print_header();
	ksft_set_plan(NGROUPS);
	if (access("/dev/procdesc", F_OK)) {
		for (t = 0; t < NGROUPS; t++)
			ksft_test_result_skip("%s: no /dev/procdesc\n", desc[t]);
		ksft_finished();
	}
	ksft_print_msg("seed %lld (PROCDESC_FUZZ_SEED), %lld iterations\n", seed, iterations);
	fflush(stdout);
	fds_before = count_fds();
	t0 = now_ms();
	main_thread = pthread_self();
	/* SIGALRM is for the main thread only. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &saved);
	if (sigaction(SIGALRM, &sa, NULL) || prctl(PR_SET_CHILD_SUBREAPER, 1) || setup() ||
	    pthread_create(&wd, NULL, watchdog, NULL))
		ksft_exit_fail_perror("setup");
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	ksft_print_msg("kernel thread pidfd: %s, thread pidfd: %s\n",
		       kthread_pidfd >= 0 ? "yes" : "no", thread_pidfd >= 0 ? "yes" : "no");

	for (i = 0; i < iterations; i++)
		one_call();
	if (armed)
		disarm_now();
	t = ioctl(ctl_fd, PROCDESC_IOC_DISARM, 0);
	check(G_CTL, t == -1 && errno == ENOENT, "armed at the end: DISARM %d (%s)", t,
	      t ? strerror(errno) : "ok");

	for (t = T_LIVE; t < T_NONCHILD; t++)
		retire(t);
	close(memfd);
	if (kthread_pidfd >= 0)
		close(kthread_pidfd);
	if (thread_pidfd >= 0)
		close(thread_pidfd);
	/*
	 * The helper's current child, known once its pid is read, comes back
	 * to us, the subreaper, when the helper dies: kill it then.
	 */
	if (ensure(T_NONCHILD)) {
		g = ent[T_NONCHILD].pid;
		ent[T_NONCHILD].valid = false;
		close(ent[T_NONCHILD].fd);
		close(ent[T_NONCHILD].pidfd);
	}
	if (helper_pid > 0) {
		kill(helper_pid, SIGKILL);
		waitpid_nointr(helper_pid, NULL, 0);
	}
	close(helper_pipe);
	close(ctl_fd);
	if (g > 0) {
		kill(g, SIGKILL);
		waitpid_nointr(g, NULL, __WALL);
	}
	left = children_left();

	ksft_print_msg("%lld iterations in %.1f s\n", iterations, (now_ms() - t0) / 1000.0);
	for (t = 0; t < NOPS; t++) {
		int r, n = snprintf(buf, sizeof(buf), "%s:", op_name[t]);

		for (r = 0; r < NRES; r++)
			if (hist[t][r])
				n += snprintf(buf + n, sizeof(buf) - n, " %s=%u", res_name[r],
					      hist[t][r]);
		ksft_print_msg("%s\n", buf);
	}

	fds_after = count_fds();
	check(G_FDS, fds_after == fds_before, "%d fds open before, %d after", fds_before,
	      fds_after);
	/* At most the control device that libprocdesc keeps for pdfork(). */
	t = count_control_fds();
	check(G_FDS, t <= 1, "%d fds of /dev/procdesc open, not at most 1", t);
	close_control_fds();
	memset(&si, 0, sizeof(si));
	t = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL);
	check(G_LEFT, !left && t < 0 && errno == ECHILD, "%d children left, then waitid: %d %s",
	      left, t, t ? strerror(errno) : "a child");
	refcnt = module_refcnt_settled();
	for (t = 0; t < NGROUPS; t++) {
		if (t == G_REFCNT) {
			if (refcnt < 0)
				ksft_test_result_skip("%s: no /sys/module/procdesc/refcnt\n",
						      desc[t]);
			else
				ksft_test_result(refcnt == 0, "%s (%d)\n", desc[t], refcnt);
			continue;
		}
		ksft_test_result(!fails[t], "%s (%u checks, %u failed)\n", desc[t], checks[t],
				 fails[t]);
	}
	ksft_finished();
}
