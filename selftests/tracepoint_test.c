// SPDX-License-Identifier: GPL-2.0
/*
 * The procdesc tracepoints, checked without bpftrace: BPF programs built
 * with libbpf (tracepoint_test.bpf.c, embedded as a skeleton) attach to
 * every event of both trace systems, procdesc and procdesc32, and copy its
 * fields to a ring buffer; the tests make a known sequence of calls and
 * compare every event, in order, field by field.
 *
 * - native: every call of a 64-bit caller and its failures, made here,
 *   and the life events of its three children: one collected, one killed
 *   by the last close and reaped by the library, one a daemon;
 * - compat: the procdesc32 events of build/tools/loadgen32 3, whose calls
 *   are listed in tools/bpftrace/loadgen.c.
 *
 * Needs root, /dev/procdesc and the initial pid namespace, since the events
 * carry global pids. Built native only: the 32-bit binary just skips, as
 * the native one covers 32-bit callers through loadgen32.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>

#include "procdesc_test.h"

#ifdef __LP64__
#include <bpf/libbpf.h>
#include "tracepoint_test.h"
#include "tracepoint_test.skel.h"
#endif

#include "kselftest_harness.h"

#ifndef __LP64__

TEST(native_only)
{
	SKIP(return, "libbpf is native only; the native binary checks procdesc32 with loadgen32");
}

TEST_HARNESS_MAIN

#else /* __LP64__ */

static const char *const pd_ev_names[PD_EV_COUNT] = {
	[PD_EV_OPEN_ENTER]	= "open_enter",
	[PD_EV_OPEN_RETURN]	= "open_return",
	[PD_EV_ARM_ENTER]	= "arm_enter",
	[PD_EV_ARM_RETURN]	= "arm_return",
	[PD_EV_DISARM_ENTER]	= "disarm_enter",
	[PD_EV_DISARM_RETURN]	= "disarm_return",
	[PD_EV_REAPABLE_ENTER]	= "reapable_enter",
	[PD_EV_REAPABLE_RETURN]	= "reapable_return",
	[PD_EV_GETPID_ENTER]	= "getpid_enter",
	[PD_EV_GETPID_RETURN]	= "getpid_return",
	[PD_EV_KILL_ENTER]	= "kill_enter",
	[PD_EV_KILL_RETURN]	= "kill_return",
	[PD_EV_WAIT_ENTER]	= "wait_enter",
	[PD_EV_WAIT_RETURN]	= "wait_return",
	[PD_EV_PIDFD_ENTER]	= "pidfd_enter",
	[PD_EV_PIDFD_RETURN]	= "pidfd_return",
	[PD_EV_ERROR]		= "error",
	[PD_EV_CREATE]		= "create",
	[PD_EV_EXIT]		= "exit",
	[PD_EV_RELEASE]		= "release",
	[PD_EV_LOCK_ACQUIRED]	= "lock_acquired",
	[PD_EV_LOCK_RELEASE]	= "lock_release",
};

/* Every event the ring buffer delivered, in order, whoever fired it. */
#define PD_LOG_MAX	8192

struct pd_log {
	struct pd_rec rec[PD_LOG_MAX];
	int n;
	int overflow;		/* records that did not fit in rec[] */
	int bad_size;		/* records of another size than pd_rec */
};

/* An event sequence: what one process fired, or what it should have. */
#define PD_SEQ_MAX	128

struct pd_seq {
	struct pd_rec rec[PD_SEQ_MAX];
	int n;
};

static int pd_log_add(void *ctx, void *data, size_t size)
{
	struct pd_log *log = ctx;

	if (size != sizeof(struct pd_rec))
		log->bad_size++;
	else if (log->n == PD_LOG_MAX)
		log->overflow++;
	else
		memcpy(&log->rec[log->n++], data, sizeof(struct pd_rec));
	return 0;
}

static int pd_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	fputs("# ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* Append an event to @s; @str is op or name, or NULL. */
static void pd_add(struct pd_seq *s, __u32 tgid, __u32 id, __s32 f0, __s32 f1,
		   __s32 f2, const char *str, __u64 addr)
{
	struct pd_rec *r;

	if (s->n == PD_SEQ_MAX)
		return;
	r = &s->rec[s->n++];
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->tgid = tgid;
	r->f[0] = f0;
	r->f[1] = f1;
	r->f[2] = f2;
	if (str)
		memcpy(r->str, str, strnlen(str, sizeof(r->str)));
	r->addr = addr;
}

/* The events @tgid fired, in order; n counts those that did not fit too. */
static void pd_select(const struct pd_log *log, __u32 tgid, struct pd_seq *s)
{
	int i;

	s->n = 0;
	for (i = 0; i < log->n; i++) {
		if (log->rec[i].tgid != tgid)
			continue;
		if (s->n < PD_SEQ_MAX)
			s->rec[s->n] = log->rec[i];
		s->n++;
	}
}

/*
 * How many events @caller had fired when @tgid fired event @id: where in
 * the caller's sequence it happened. -1 if it did not fire.
 */
static int pd_position(const struct pd_log *log, __u32 caller, __u32 tgid,
		       __u32 id)
{
	int i, k = 0;

	for (i = 0; i < log->n; i++) {
		if (log->rec[i].tgid == tgid && log->rec[i].id == id)
			return k;
		if (log->rec[i].tgid == caller)
			k++;
	}
	return -1;
}

/* The @nth (from 0) event @id of @s, or NULL. */
static const struct pd_rec *pd_find(const struct pd_seq *s, __u32 id, int nth)
{
	int i;

	for (i = 0; i < s->n && i < PD_SEQ_MAX; i++)
		if (s->rec[i].id == id && !nth--)
			return &s->rec[i];
	return NULL;
}

static void pd_str(const struct pd_rec *r, char *buf)
{
	memcpy(buf, r->str, sizeof(r->str));
	buf[sizeof(r->str)] = '\0';
}

static const char *pd_ev_name(__u32 id, char *buf, size_t len)
{
	__u32 ev = id & ~PD_EV_COMPAT;

	snprintf(buf, len, "%s%s", ev < PD_EV_COUNT && pd_ev_names[ev] ?
		 pd_ev_names[ev] : "?", id & PD_EV_COMPAT ? "32" : "");
	return buf;
}

static bool pd_rec_equal(const struct pd_rec *a, const struct pd_rec *b)
{
	return a->id == b->id && a->tgid == b->tgid && a->f[0] == b->f[0] &&
	       a->f[1] == b->f[1] && a->f[2] == b->f[2] &&
	       !strncmp(a->str, b->str, sizeof(a->str)) && a->addr == b->addr;
}

static void pd_dump(const char *what, const struct pd_seq *s)
{
	char name[32], str[sizeof(s->rec[0].str) + 1];
	int i;

	printf("# %s: %d events\n", what, s->n);
	for (i = 0; i < s->n && i < PD_SEQ_MAX; i++) {
		const struct pd_rec *r = &s->rec[i];

		pd_str(r, str);
		printf("#  %2d %-15s tgid=%u f=%d,%d,%d str=\"%s\" addr=%#llx\n",
		       i, pd_ev_name(r->id, name, sizeof(name)), r->tgid,
		       r->f[0], r->f[1], r->f[2], str,
		       (unsigned long long)r->addr);
	}
}

/* Assert that @got is @exp: same events, same order, same fields. */
static void pd_check_seq(struct __test_metadata *_metadata, const char *what,
			 const struct pd_seq *exp, const struct pd_seq *got)
{
	char name[32], es[sizeof(exp->rec[0].str) + 1];
	char gs[sizeof(got->rec[0].str) + 1];
	bool same = exp->n == got->n;
	int i;

	for (i = 0; same && i < exp->n; i++)
		same = pd_rec_equal(&exp->rec[i], &got->rec[i]);
	if (!same) {
		printf("# %s: the events differ\n", what);
		pd_dump("expected", exp);
		pd_dump("got", got);
	}
	ASSERT_EQ(exp->n, got->n) TH_LOG("%s: number of events", what);
	for (i = 0; i < exp->n; i++) {
		const struct pd_rec *e = &exp->rec[i], *g = &got->rec[i];

		pd_ev_name(e->id, name, sizeof(name));
		pd_str(e, es);
		pd_str(g, gs);
		ASSERT_EQ(e->id, g->id) TH_LOG("%s: event %d: %s", what, i, name);
		ASSERT_EQ(e->tgid, g->tgid) TH_LOG("%s: %d %s: tgid", what, i, name);
		ASSERT_EQ(e->f[0], g->f[0]) TH_LOG("%s: %d %s: field 1", what, i, name);
		ASSERT_EQ(e->f[1], g->f[1]) TH_LOG("%s: %d %s: field 2", what, i, name);
		ASSERT_EQ(e->f[2], g->f[2]) TH_LOG("%s: %d %s: field 3", what, i, name);
		ASSERT_STREQ(es, gs) TH_LOG("%s: %d %s: op/name", what, i, name);
		ASSERT_EQ(e->addr, g->addr) TH_LOG("%s: %d %s: addr", what, i, name);
	}
}

/* The @n lowest free fd numbers, which the next @n new fds will take. */
static int pd_free_fds(int *fds, int n)
{
	int i, ret = 0;

	for (i = 0; i < n; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			ret = -1;
		else
			close(fds[i]);
	}
	return ret;
}

/* Whether we are in the initial pid namespace: NSpid has one number. */
static bool pd_init_pidns(void)
{
	char line[256];
	bool init = false;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "NSpid:", 6)) {
			init = !strchr(line + 6 + strspn(line + 6, " \t"), '\t');
			break;
		}
	}
	fclose(f);
	return init;
}

/* loadgen32: $PROCDESC_LOADGEN32, or ../tools/loadgen32 from this binary. */
static int pd_loadgen32(char *path, size_t len)
{
	const char *env = getenv("PROCDESC_LOADGEN32");
	char exe[PATH_MAX - 32], *slash;
	ssize_t n;

	if (env && *env) {
		snprintf(path, len, "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			n = 0;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, len, "%s/../tools/loadgen32", exe);
	}
	return access(path, X_OK);
}

/*
 * Run loadgen32 3 with fds 0-2 only, stdout on /dev/null, so that its fds
 * are known: see the compat test.
 */
static noreturn void pd_exec_loadgen32(const char *path)
{
	int null = open("/dev/null", O_RDWR), fd;

	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		_exit(126);
	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && dup2(null, fd) < 0)
			_exit(126);
	if (close_range(3, ~0U, 0))
		_exit(126);
	execl(path, "loadgen32", "3", (char *)NULL);
	_exit(127);
}

/* One program per event of each trace system. */
#define PD_PROGS	(2 * (PD_EV_COUNT - 1))

/*
 * The programs, attached once by main() for all tests: detaching waits for
 * RCU grace periods, one tracepoint after the other, which takes 25 s on
 * PREEMPT_RT under TCG, so it is paid once, after the tests and outside
 * their time limit. Each test runs in a child of main() and reads the
 * shared ring buffer into its own copy of the log.
 */
struct pd_trace {
	const char *skip;	/* why the tests cannot run here */
	char error[256];	/* why loading or attaching failed */
	struct tracepoint_test_bpf *skel;
	struct bpf_link *link[PD_PROGS];
	int nlinks;
	struct ring_buffer *rb;
	struct pd_log *log;
	struct pd_seq *exp, *got;
};

static struct pd_trace pd_trace;

static void pd_trace_start(struct pd_trace *t)
{
	struct bpf_program *prog;
	int err;

	if (!is_root())
		t->skip = "needs root to load BPF programs";
	else if (access("/dev/procdesc", F_OK))
		t->skip = "procdesc is not loaded (no /dev/procdesc)";
	else if (!pd_init_pidns())
		t->skip = "events carry global pids: needs the initial pid namespace";
	if (t->skip)
		return;
	libbpf_set_print(pd_libbpf_print);
	t->log = calloc(1, sizeof(*t->log));
	t->exp = calloc(1, sizeof(*t->exp));
	t->got = calloc(1, sizeof(*t->got));
	if (!t->log || !t->exp || !t->got) {
		snprintf(t->error, sizeof(t->error), "out of memory");
		return;
	}
	t->skel = tracepoint_test_bpf__open_and_load();
	if (!t->skel) {
		snprintf(t->error, sizeof(t->error),
			 "cannot load the BPF programs: %s", strerror(errno));
		return;
	}
	bpf_object__for_each_program(prog, t->skel->obj) {
		if (t->nlinks == PD_PROGS) {
			snprintf(t->error, sizeof(t->error),
				 "more than %d BPF programs", PD_PROGS);
			return;
		}
		t->link[t->nlinks] = bpf_program__attach(prog);
		err = errno;
		if (!t->link[t->nlinks]) {
			snprintf(t->error, sizeof(t->error), "cannot attach %s: %s",
				 bpf_program__section_name(prog), strerror(err));
			return;
		}
		t->nlinks++;
	}
	if (t->nlinks != PD_PROGS) {
		snprintf(t->error, sizeof(t->error), "%d BPF programs, not %d",
			 t->nlinks, PD_PROGS);
		return;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.pd_events),
				 pd_log_add, t->log, NULL);
	if (!t->rb)
		snprintf(t->error, sizeof(t->error),
			 "cannot read the ring buffer: %s", strerror(errno));
}

static void pd_trace_stop(struct pd_trace *t)
{
	ring_buffer__free(t->rb);
	while (t->nlinks)
		bpf_link__destroy(t->link[--t->nlinks]);
	tracepoint_test_bpf__destroy(t->skel);
	free(t->got);
	free(t->exp);
	free(t->log);
}

/*
 * Start a test (that pd_trace_start() found nothing to skip for): fail if
 * it failed, then read and forget what earlier tests left in the ring.
 */
static void pd_trace_begin(struct __test_metadata *_metadata,
			   struct pd_trace *t)
{
	ASSERT_EQ(0, t->error[0]) TH_LOG("%s", t->error);
	ASSERT_LE(0, ring_buffer__consume(t->rb));
	t->log->n = 0;
}

/* Read every event fired so far; none may have been lost. */
static void pd_trace_drain(struct __test_metadata *_metadata,
			   struct pd_trace *t)
{
	ASSERT_LE(0, ring_buffer__consume(t->rb));
	ASSERT_EQ(0ULL, t->skel->bss->pd_dropped) TH_LOG("ring buffer full");
	ASSERT_EQ(0, t->log->overflow) TH_LOG("more than %d events", PD_LOG_MAX);
	ASSERT_EQ(0, t->log->bad_size) TH_LOG("records of the wrong size");
}

/*
 * A 64-bit caller, every call and every kind of failure:
 * - child a: pdfork (ARM, then the C library's fork; the create event is
 *   ours, fired as the descriptor is installed), pdgetpid, pdkill 0 and 65
 *   (EINVAL), pdwait WNOHANG on a running child (EAGAIN), pdgetpidfd
 *   (pdgetpid, then the pidfd check), the check of a pipe (EBADF),
 *   pdopenpid (OPEN: a second file on a's descriptor, closed at once);
 * - on a control device of our own: OPEN with a bad flag (EINVAL), ARM
 *   with a bad flag (EINVAL), ARM, ARM again (EBUSY), DISARM 1 (EINVAL),
 *   DISARM (cancels the arm: no life event), DISARM again (ENOENT),
 *   REAPABLE to a bad address (EFAULT);
 * - a's exit(9) and its collection, then the close of its descriptor;
 * - child b: pdfork, then the close of its descriptor kills it, and it
 *   ends, left for the library to reap (where the kernel autoreaps, 7.1
 *   and later, the kernel reaps it);
 * - child c: pdfork(PD_DAEMON), whose ARM says there is a child to reap:
 *   the library's REAPABLE hands it b, which it reaps (no REAPABLE where
 *   the kernel reaped b); then c's exit(3) and its collection.
 */
TEST(native)
{
	struct procdesc_open bad_open = { .pidfd = -1, .flags = 0x10 };
	struct procdesc_arm arm = { .flags = PROCDESC_F_CLOEXEC };
	struct procdesc_arm arm_busy = { .flags = PROCDESC_F_DAEMON };
	struct procdesc_arm arm_bad = { .flags = 0x10 };
	const struct pd_rec *lock_a, *lock_c;
	struct pd_trace *t = &pd_trace;
	int sync[2], fds_a[2], fds_o[2], fd, fd_o, fd_b, fd_c, next_b, next_c;
	int n_a, pidfd, ctl, status, let_go_a, release_a, let_go_c, release_c, pos, w;
	bool autoreap = kernel_autoreaps();
	__u32 me = getpid();
	struct pd_seq *exp, *got;
	siginfo_t info;
	pid_t a, b, c, nr;
	char ch;

	if (t->skip)
		SKIP(return, "%s", t->skip);
	pd_trace_begin(_metadata, t);
	exp = t->exp;
	got = t->got;
	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));
	/*
	 * pdfork: the control fd (the first time only: the library keeps it),
	 * then the descriptor.
	 */
	n_a = count_control_fds() ? 1 : 2;
	ASSERT_EQ(0, pd_free_fds(fds_a, n_a));
	a = pdfork(&fd, PD_CLOEXEC);
	ASSERT_GE(a, 0);
	if (a == 0) {
		close(sync[1]);
		_exit(read(sync[0], &ch, 1) == 1 ? 9 : 1);
	}
	ASSERT_EQ(fds_a[n_a - 1], fd);
	ASSERT_EQ(0, pdgetpid(fd, &nr));
	ASSERT_EQ(a, nr);
	ASSERT_EQ(0, pdkill(fd, 0));
	ASSERT_EQ(-1, pdkill(fd, 65));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, pdwait(fd, &status, WEXITED | WNOHANG, NULL, NULL));
	ASSERT_EQ(EAGAIN, errno);
	pidfd = pdgetpidfd(fd);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, close(pidfd));
	ASSERT_EQ(-1, ioctl(fd, PROCDESC_IOC_PIDFD, &sync[0]));
	ASSERT_EQ(EBADF, errno);
	/* pdopenpid: a pidfd, then the new file. */
	ASSERT_EQ(0, pd_free_fds(fds_o, 2));
	fd_o = pdopenpid(a, 0);
	ASSERT_EQ(fds_o[1], fd_o);
	ASSERT_EQ(0, close(fd_o));

	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(-1, ioctl(ctl, PROCDESC_IOC_OPEN, &bad_open));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM, &arm_bad));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(ctl, PROCDESC_IOC_ARM, &arm));
	ASSERT_EQ(-1, ioctl(ctl, PROCDESC_IOC_ARM, &arm_busy));
	ASSERT_EQ(EBUSY, errno);
	ASSERT_EQ(-1, ioctl(ctl, PROCDESC_IOC_DISARM, 1UL));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(ctl, PROCDESC_IOC_DISARM, 0UL));
	ASSERT_EQ(-1, ioctl(ctl, PROCDESC_IOC_DISARM, 0UL));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, ioctl(ctl, PROCDESC_IOC_REAPABLE, NULL));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(0, close(ctl));

	/* Let a exit; pdwait collects it and the library reaps it. */
	ASSERT_EQ(1, write(sync[1], "x", 1));
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	ASSERT_EQ(0x900, status);
	ASSERT_EQ(0, close(fd));

	/* Closed while alive: the last close kills it; it stays unreaped. */
	ASSERT_EQ(0, pd_free_fds(&next_b, 1));
	b = pdfork(&fd_b, 0);
	ASSERT_GE(b, 0);
	if (b == 0) {
		for (;;)
			pause();
	}
	ASSERT_EQ(next_b, fd_b);
	w = watch_child(b);
	ASSERT_GE(w, 0);
	ASSERT_EQ(0, close(fd_b));
	if (autoreap) {
		ASSERT_EQ(SIGKILL, closed_child_status(w, b));
	} else {
		close(w);
		ASSERT_EQ(0, sys_waitid(P_PID, b, &info, WEXITED | WNOWAIT | __WALL));
		ASSERT_EQ(CLD_KILLED, info.si_code);
		ASSERT_EQ(SIGKILL, info.si_status);
	}

	/* The next pdfork's ARM reports b, and the library reaps it. */
	ASSERT_EQ(0, pd_free_fds(&next_c, 1));
	c = pdfork(&fd_c, PD_DAEMON);
	ASSERT_GE(c, 0);
	if (c == 0) {
		close(sync[1]);
		_exit(read(sync[0], &ch, 1) == 1 ? 3 : 1);
	}
	ASSERT_EQ(next_c, fd_c);
	ASSERT_EQ(-1, sys_waitid(P_PID, b, &info, WEXITED | WNOHANG | __WALL));
	ASSERT_EQ(ECHILD, errno) TH_LOG("the library did not reap b");
	ASSERT_EQ(1, write(sync[1], "x", 1));
	ASSERT_EQ(0, pdwait(fd_c, &status, WEXITED, NULL, NULL));
	ASSERT_EQ(0x300, status);
	ASSERT_EQ(0, close(fd_c));

	pd_trace_drain(_metadata, t);
	pd_select(t->log, me, got);
	lock_a = pd_find(got, PD_EV_LOCK_ACQUIRED, 0);
	lock_c = pd_find(got, PD_EV_LOCK_ACQUIRED, 1);
	ASSERT_NE(NULL, lock_a) TH_LOG("no lock_acquired for a");
	ASSERT_NE(NULL, lock_c) TH_LOG("no lock_acquired for c");
	ASSERT_NE(0ULL, lock_a->addr);
	ASSERT_NE(0ULL, lock_c->addr);

#define PD_ADD(id, ...)	pd_add(exp, me, PD_EV_##id, __VA_ARGS__)
	exp->n = 0;
	PD_ADD(ARM_ENTER, PROCDESC_F_CLOEXEC, 0, 0, NULL, 0);
	PD_ADD(ARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD(CREATE, a, fd, PROCDESC_F_CLOEXEC, NULL, 0);
	PD_ADD(GETPID_ENTER, a, 0, 0, NULL, 0);
	PD_ADD(GETPID_RETURN, a, 0, 0, NULL, 0);
	PD_ADD(KILL_ENTER, a, 0, 0, NULL, 0);
	PD_ADD(KILL_RETURN, a, 0, 0, NULL, 0);
	PD_ADD(KILL_ENTER, a, 65, 0, NULL, 0);
	PD_ADD(KILL_RETURN, a, -EINVAL, 0, NULL, 0);
	PD_ADD(ERROR, a, EINVAL, 0, "kill", 0);
	PD_ADD(WAIT_ENTER, a, WEXITED | WNOHANG, 0, NULL, 0);
	PD_ADD(WAIT_RETURN, a, -EAGAIN, 0, NULL, 0);
	PD_ADD(ERROR, a, EAGAIN, 0, "wait", 0);
	/* pdgetpidfd, then the check of a pipe */
	PD_ADD(GETPID_ENTER, a, 0, 0, NULL, 0);
	PD_ADD(GETPID_RETURN, a, 0, 0, NULL, 0);
	PD_ADD(PIDFD_ENTER, a, 0, 0, NULL, 0);
	PD_ADD(PIDFD_RETURN, a, 0, 0, NULL, 0);
	PD_ADD(PIDFD_ENTER, a, 0, 0, NULL, 0);
	PD_ADD(PIDFD_RETURN, a, -EBADF, 0, NULL, 0);
	PD_ADD(ERROR, a, EBADF, 0, "pidfd", 0);
	/* pdopenpid: the library adds PROCDESC_F_NONCHILD */
	PD_ADD(OPEN_ENTER, fds_o[0], PROCDESC_F_NONCHILD, 0, NULL, 0);
	PD_ADD(CREATE, a, fd_o, PROCDESC_F_NONCHILD, NULL, 0);
	PD_ADD(OPEN_RETURN, a, fd_o, 0, NULL, 0);
	PD_ADD(RELEASE, a, 0, 0, NULL, 0);
	/* the control device's calls */
	PD_ADD(OPEN_ENTER, -1, 0x10, 0, NULL, 0);
	PD_ADD(OPEN_RETURN, 0, -EINVAL, 0, NULL, 0);
	PD_ADD(ERROR, 0, EINVAL, 0, "open", 0);
	PD_ADD(ARM_ENTER, 0x10, 0, 0, NULL, 0);
	PD_ADD(ARM_RETURN, 0, -EINVAL, 0, NULL, 0);
	PD_ADD(ERROR, 0, EINVAL, 0, "arm", 0);
	PD_ADD(ARM_ENTER, PROCDESC_F_CLOEXEC, 0, 0, NULL, 0);
	PD_ADD(ARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD(ARM_ENTER, PROCDESC_F_DAEMON, 0, 0, NULL, 0);
	PD_ADD(ARM_RETURN, 0, -EBUSY, 0, NULL, 0);
	PD_ADD(ERROR, 0, EBUSY, 0, "arm", 0);
	PD_ADD(DISARM_ENTER, 1, 0, 0, NULL, 0);
	PD_ADD(DISARM_RETURN, 0, -EINVAL, 0, NULL, 0);
	PD_ADD(ERROR, 0, EINVAL, 0, "disarm", 0);
	PD_ADD(DISARM_ENTER, 0, 0, 0, NULL, 0);
	PD_ADD(DISARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD(DISARM_ENTER, 0, 0, 0, NULL, 0);
	PD_ADD(DISARM_RETURN, 0, -ENOENT, 0, NULL, 0);
	PD_ADD(ERROR, 0, ENOENT, 0, "disarm", 0);
	PD_ADD(REAPABLE_ENTER, 0, 0, 0, NULL, 0);
	PD_ADD(REAPABLE_RETURN, 0, -EFAULT, 0, NULL, 0);
	PD_ADD(ERROR, 0, EFAULT, 0, "reapable", 0);
	/* a's exit and collection */
	let_go_a = exp->n;
	PD_ADD(WAIT_ENTER, a, WEXITED, 0, NULL, 0);
	PD_ADD(LOCK_ACQUIRED, 0, 0, 0, "collect", lock_a->addr);
	PD_ADD(LOCK_RELEASE, 0, 0, 0, "collect", lock_a->addr);
	PD_ADD(WAIT_RETURN, a, 0, 0x900, NULL, 0);
	release_a = exp->n;
	PD_ADD(RELEASE, a, 0, 0, NULL, 0);
	/* b, killed by the close */
	PD_ADD(ARM_ENTER, 0, 0, 0, NULL, 0);
	PD_ADD(ARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD(CREATE, b, fd_b, 0, NULL, 0);
	PD_ADD(RELEASE, b, 1, 0, NULL, 0);
	/* c, whose pdfork reaps b */
	PD_ADD(ARM_ENTER, PROCDESC_F_DAEMON, 0, 0, NULL, 0);
	PD_ADD(ARM_RETURN, 0, 0, 0, NULL, 0);
	if (!autoreap) {
		PD_ADD(REAPABLE_ENTER, 0, 0, 0, NULL, 0);
		PD_ADD(REAPABLE_RETURN, 0, 1, 0, NULL, 0);
	}
	PD_ADD(CREATE, c, fd_c, PROCDESC_F_DAEMON, NULL, 0);
	let_go_c = exp->n;
	PD_ADD(WAIT_ENTER, c, WEXITED, 0, NULL, 0);
	PD_ADD(LOCK_ACQUIRED, 0, 0, 0, "collect", lock_c->addr);
	PD_ADD(LOCK_RELEASE, 0, 0, 0, "collect", lock_c->addr);
	PD_ADD(WAIT_RETURN, c, 0, 0x300, NULL, 0);
	release_c = exp->n;
	PD_ADD(RELEASE, c, 0, 0, NULL, 0);
#undef PD_ADD
	pd_check_seq(_metadata, "caller", exp, got);

	/*
	 * a and c fired their exit events, once, as they exited, in their
	 * own context; before the parent reaped them, which waits for the
	 * exit's notification to end (tasklist_lock), so before the release.
	 */
	pd_select(t->log, a, got);
	exp->n = 0;
	pd_add(exp, a, PD_EV_EXIT, a, 0x900, 0, NULL, 0);
	pd_check_seq(_metadata, "child a", exp, got);
	pos = pd_position(t->log, me, a, PD_EV_EXIT);
	ASSERT_GE(pos, let_go_a) TH_LOG("a's exit before it was let go");
	ASSERT_LE(pos, release_a) TH_LOG("a's exit after the release");

	pd_select(t->log, c, got);
	exp->n = 0;
	pd_add(exp, c, PD_EV_EXIT, c, 0x300, 0, NULL, 0);
	pd_check_seq(_metadata, "child c", exp, got);
	pos = pd_position(t->log, me, c, PD_EV_EXIT);
	ASSERT_GE(pos, let_go_c) TH_LOG("c's exit before it was let go");
	ASSERT_LE(pos, release_c) TH_LOG("c's exit after the release");

	/*
	 * b was alive at the release: the descriptor stopped watching it
	 * before the SIGKILL (pd_release()), so it never saw the exit and
	 * fired no exit event; release's killed is the record.
	 */
	pd_select(t->log, b, got);
	exp->n = 0;
	pd_check_seq(_metadata, "child b", exp, got);
}

/*
 * A descriptor made for a child that had already exited (pdopenpidfd() of
 * a zombie) reports that exit once, and at once, although the kernel will
 * not notify the exit again (6.9+ wakes pidfd waiters at the reap, which
 * would be too late): the event comes from the descriptor's creation,
 * before any pdwait.
 */
TEST(exit_before_creation_reported_once)
{
	struct pd_trace *t = &pd_trace;
	int pidfd = -1, fd, status = -1, i, exits = 0, exit_at = -1, wait_at = -1;
	__u32 me = getpid();
	siginfo_t info;
	pid_t pid;

	if (t->skip)
		SKIP(return, "%s", t->skip);
	pd_trace_begin(_metadata, t);
	pid = clone3_pidfd(&pidfd, 0);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(4);
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED | WNOWAIT | __WALL));
	fd = pdopenpidfd(pidfd, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pdwait(fd, &status, WEXITED, NULL, NULL));
	ASSERT_EQ(4 << 8, status);
	close(fd);
	close(pidfd);

	pd_trace_drain(_metadata, t);
	for (i = 0; i < t->log->n; i++) {
		const struct pd_rec *r = &t->log->rec[i];

		if (r->id == PD_EV_WAIT_ENTER && r->tgid == me && wait_at < 0)
			wait_at = i;
		if (r->id != PD_EV_EXIT || r->f[0] != pid)
			continue;
		exits++;
		exit_at = i;
		EXPECT_EQ(4 << 8, r->f[1]);
	}
	EXPECT_EQ(1, exits) TH_LOG("exit events for pid %d", pid);
	ASSERT_GE(wait_at, 0) TH_LOG("no wait_enter");
	EXPECT_LT(exit_at, wait_at) TH_LOG("the exit event came after pdwait began");
}

/*
 * Once installed, a new descriptor's fd may be closed by another thread at
 * once, freeing it: its creation must not touch it afterwards (the create
 * event fires before fd_install()). Under the debug kernel, KASAN sees any
 * such use; anywhere, every creation must report its event and fd.
 */
struct closer {
	int fd;
	int stop;
};

static void *closer_thread(void *arg)
{
	struct closer *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
		close(c->fd);
	return NULL;
}

TEST(create_event_with_racing_close)
{
	struct pd_trace *t = &pd_trace;
	struct closer c = { .fd = -1 };
	struct procdesc_open args = {
		.flags = PROCDESC_F_NONCHILD | PROCDESC_F_DAEMON,
	};
	int i, n = 0, made = 0, ctl, fds[500];
	__u32 me = getpid();
	pthread_t thread;

	if (t->skip)
		SKIP(return, "%s", t->skip);
	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	args.pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(args.pidfd, 0);
	/* Each descriptor takes the lowest free number, which the closer closes. */
	ASSERT_EQ(0, pd_free_fds(&c.fd, 1));
	pd_trace_begin(_metadata, t);
	ASSERT_EQ(0, pthread_create(&thread, NULL, closer_thread, &c));
	for (i = 0; i < 500; i++) {
		int fd = ioctl(ctl, PROCDESC_IOC_OPEN, &args);

		if (fd < 0)
			continue;
		fds[made++] = fd;
		/* One the closer did not get to: keep the number free. */
		if (fd != c.fd)
			close(fd);
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	close(c.fd);
	close(args.pidfd);
	close(ctl);
	EXPECT_EQ(500, made);

	pd_trace_drain(_metadata, t);
	for (i = 0; i < t->log->n; i++) {
		const struct pd_rec *r = &t->log->rec[i];

		if (r->id != PD_EV_CREATE || r->tgid != me)
			continue;
		EXPECT_EQ((int)me, r->f[0]);
		if (n < made)
			EXPECT_EQ(fds[n], r->f[1]);
		n++;
	}
	EXPECT_EQ(made, n);
}

/*
 * A 32-bit caller: loadgen32 3, whose calls tools/bpftrace/loadgen.c lists:
 * pdfork(PD_CLOEXEC) of child 1, 3 rounds of pdgetpid, pdkill 0, pdkill 65
 * (EINVAL) and pdwait WNOHANG (EAGAIN), pdgetpidfd, pdopenpid, ARM, ARM
 * (EBUSY), DISARM, DISARM (ENOENT), the pdfork and close of child 2, then
 * pdkill SIGKILL and pdwait of child 1, which reaps child 2 through
 * REAPABLE (where the kernel did not reap it: 7.1 and later autoreap);
 * child 1's descriptor goes with loadgen32's exit. It starts with
 * fds 0-2 only, so pdfork takes 3 (control, which the library keeps) and
 * 4; pdgetpidfd's pidfd is 5, pdopenpid's pidfd 5 and its file 6; its own
 * control device is 5, then child 2's descriptor.
 */
TEST(compat)
{
	const struct pd_rec *create, *create2, *lock;
	struct pd_trace *t = &pd_trace;
	struct pd_seq *exp, *got;
	bool autoreap = kernel_autoreaps();
	char path[PATH_MAX];
	int status, i, kill9, release, pos;
	pid_t gen, c, c2;

	if (t->skip)
		SKIP(return, "%s", t->skip);
	if (pd_loadgen32(path, sizeof(path)))
		SKIP(return, "no %.512s: run make at the top, or set PROCDESC_LOADGEN32",
		     path);
	pd_trace_begin(_metadata, t);
	exp = t->exp;
	got = t->got;
	gen = fork();
	ASSERT_GE(gen, 0);
	if (gen == 0)
		pd_exec_loadgen32(path);
	ASSERT_EQ(gen, waitpid_nointr(gen, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("%s 3 failed", path);

	pd_trace_drain(_metadata, t);
	pd_select(t->log, gen, got);
	create = pd_find(got, PD_EV_CREATE | PD_EV_COMPAT, 0);
	create2 = pd_find(got, PD_EV_CREATE | PD_EV_COMPAT, 2);
	ASSERT_NE(NULL, create) TH_LOG("no create32 from loadgen32");
	ASSERT_NE(NULL, create2) TH_LOG("no create32 for child 2");
	c = create->f[0];
	c2 = create2->f[0];
	ASSERT_GT(c, 0);
	ASSERT_NE(gen, c);
	ASSERT_GT(c2, 0);
	ASSERT_NE(gen, c2);
	ASSERT_NE(c, c2);
	lock = pd_find(got, PD_EV_LOCK_ACQUIRED | PD_EV_COMPAT, 0);
	ASSERT_NE(NULL, lock) TH_LOG("no lock_acquired32");
	ASSERT_NE(0ULL, lock->addr);

#define PD_ADD32(id, ...)	pd_add(exp, gen, PD_EV_##id | PD_EV_COMPAT, __VA_ARGS__)
	exp->n = 0;
	PD_ADD32(ARM_ENTER, PROCDESC_F_CLOEXEC, 0, 0, NULL, 0);
	PD_ADD32(ARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD32(CREATE, c, 4, PROCDESC_F_CLOEXEC, NULL, 0);
	for (i = 0; i < 3; i++) {
		PD_ADD32(GETPID_ENTER, c, 0, 0, NULL, 0);
		PD_ADD32(GETPID_RETURN, c, 0, 0, NULL, 0);
		PD_ADD32(KILL_ENTER, c, 0, 0, NULL, 0);
		PD_ADD32(KILL_RETURN, c, 0, 0, NULL, 0);
		PD_ADD32(KILL_ENTER, c, 65, 0, NULL, 0);
		PD_ADD32(KILL_RETURN, c, -EINVAL, 0, NULL, 0);
		PD_ADD32(ERROR, c, EINVAL, 0, "kill", 0);
		PD_ADD32(WAIT_ENTER, c, WEXITED | WNOHANG, 0, NULL, 0);
		PD_ADD32(WAIT_RETURN, c, -EAGAIN, 0, NULL, 0);
		PD_ADD32(ERROR, c, EAGAIN, 0, "wait", 0);
	}
	/* pdgetpidfd */
	PD_ADD32(GETPID_ENTER, c, 0, 0, NULL, 0);
	PD_ADD32(GETPID_RETURN, c, 0, 0, NULL, 0);
	PD_ADD32(PIDFD_ENTER, c, 0, 0, NULL, 0);
	PD_ADD32(PIDFD_RETURN, c, 0, 0, NULL, 0);
	/* pdopenpid, closed at once */
	PD_ADD32(OPEN_ENTER, 5, PROCDESC_F_NONCHILD, 0, NULL, 0);
	PD_ADD32(CREATE, c, 6, PROCDESC_F_NONCHILD, NULL, 0);
	PD_ADD32(OPEN_RETURN, c, 6, 0, NULL, 0);
	PD_ADD32(RELEASE, c, 0, 0, NULL, 0);
	/* arm and disarm */
	PD_ADD32(ARM_ENTER, PROCDESC_F_CLOEXEC, 0, 0, NULL, 0);
	PD_ADD32(ARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD32(ARM_ENTER, PROCDESC_F_DAEMON, 0, 0, NULL, 0);
	PD_ADD32(ARM_RETURN, 0, -EBUSY, 0, NULL, 0);
	PD_ADD32(ERROR, 0, EBUSY, 0, "arm", 0);
	PD_ADD32(DISARM_ENTER, 0, 0, 0, NULL, 0);
	PD_ADD32(DISARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD32(DISARM_ENTER, 0, 0, 0, NULL, 0);
	PD_ADD32(DISARM_RETURN, 0, -ENOENT, 0, NULL, 0);
	PD_ADD32(ERROR, 0, ENOENT, 0, "disarm", 0);
	/* child 2, killed by its close */
	PD_ADD32(ARM_ENTER, 0, 0, 0, NULL, 0);
	PD_ADD32(ARM_RETURN, 0, 0, 0, NULL, 0);
	PD_ADD32(CREATE, c2, 5, 0, NULL, 0);
	PD_ADD32(RELEASE, c2, 1, 0, NULL, 0);
	/* child 1 killed and collected; the library reaps child 2 */
	kill9 = exp->n;
	PD_ADD32(KILL_ENTER, c, SIGKILL, 0, NULL, 0);
	PD_ADD32(KILL_RETURN, c, 0, 0, NULL, 0);
	PD_ADD32(WAIT_ENTER, c, WEXITED, 0, NULL, 0);
	PD_ADD32(LOCK_ACQUIRED, 0, 0, 0, "collect", lock->addr);
	PD_ADD32(LOCK_RELEASE, 0, 0, 0, "collect", lock->addr);
	PD_ADD32(WAIT_RETURN, c, 0, SIGKILL, NULL, 0);
	if (!autoreap) {
		PD_ADD32(REAPABLE_ENTER, 0, 0, 0, NULL, 0);
		PD_ADD32(REAPABLE_RETURN, 0, 1, 0, NULL, 0);
	}
	release = exp->n;
	PD_ADD32(RELEASE, c, 0, 0, NULL, 0);
#undef PD_ADD32
	pd_check_seq(_metadata, "loadgen32", exp, got);

	/* Child 1's exit, in its own context, after the SIGKILL was sent. */
	pd_select(t->log, c, got);
	exp->n = 0;
	pd_add(exp, c, PD_EV_EXIT | PD_EV_COMPAT, c, SIGKILL, 0, NULL, 0);
	pd_check_seq(_metadata, "loadgen32's child 1", exp, got);
	pos = pd_position(t->log, gen, c, PD_EV_EXIT | PD_EV_COMPAT);
	ASSERT_GT(pos, kill9) TH_LOG("exit32 before kill_enter32");
	ASSERT_LE(pos, release) TH_LOG("exit32 after release32");

	/* Child 2 ended after its last close: no exit event. */
	pd_select(t->log, c2, got);
	exp->n = 0;
	pd_check_seq(_metadata, "loadgen32's child 2", exp, got);
}

int main(int argc, char **argv)
{
	int ret;

	pd_trace_start(&pd_trace);
	ret = test_harness_run(argc, argv);
	pd_trace_stop(&pd_trace);
	return ret;
}

#endif /* __LP64__ */
