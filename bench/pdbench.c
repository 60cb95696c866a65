// SPDX-License-Identifier: GPL-2.0
/*
 * pdbench: procdesc against the kernel's own process interfaces.
 *
 * USAGE: pdbench [-q] [-r ROUNDS] [-n ITERS] [-o FIRST] [-T NAME] [-s SUFFIX]
 *                [-m MIB] [-x EXIT0] [-v VARIANT,...] [-w MS] TEST [N...]
 *
 *   spawn        spawn, exit and reap: pdfork+pdwait, fork+waitpid,
 *                clone3(CLONE_PIDFD)+waitid(P_PIDFD), posix_spawn+waitpid
 *                and pdspawn+pdwait (the last two exec EXIT0); with -m the
 *                parent first touches MIB MiB of memory
 *   plain        fork+waitpid and posix_spawn+waitpid of a program that
 *                uses no procdesc, and a pipe round trip to a helper
 *                process, which no procdesc hook sees: for A/B comparisons
 *                with the module loaded and unloaded
 *   kill         pdkill, pidfd_send_signal and kill of SIGUSR1 to a child
 *                that blocks it
 *   ioctl        the cheap descriptor ioctls and an unknown one (ENOTTY)
 *   epoll N...   exit-to-epoll_wait latency with N descriptors in the set,
 *                and memory for the largest N
 *   memory N     slab objects per child, pidfd and descriptor, with N
 *                children (no timing)
 *   cycle        the pdfork and clone3 cycles, pdgetpid and the unknown ioctl,
 *                for A/B comparisons
 *
 * The variants of a test are interleaved: ROUNDS rounds of ITERS slots,
 * each slot timing a batch of every variant in turn (one spawn cycle, 100
 * cheap calls), the first variant rotating, so that drift and stalls of
 * the (emulated) machine hit every variant alike.
 * Every run starts with a warm-up of -w MS milliseconds (default 500); -w 0
 * runs no more than the slots measured, so that a tracer (strace, bpftrace)
 * can count per operation. One line per round and variant, numbered from
 * FIRST (default 1), and at the end the operations run, warm-up included:
 *
 *	BENCH raw <NAME> <variant><SUFFIX> <round> <nanoseconds per operation>
 *	BENCH ops <NAME> <variant><SUFFIX> <operations>
 *
 * NAME defaults to the test's name; -v runs only the variants named (for
 * profiling one with perf, or counting one's system calls); -q drops the
 * progress lines. memory and epoll print BENCH slab and BENCH meminfo lines
 * (see make_descriptors()).
 * Ratios, medians and spreads are computed from these lines by
 * tools/bench. Progress goes to stderr.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/procdesc.h>
#include <linux/sched.h>
#include <sys/procdesc.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* An ioctl number procdesc does not know: the module's floor. */
#define PD_IOC_NULL _IO(PROCDESC_IOC_MAGIC, 0x7f)

#define ARRAY_SIZE(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int rounds = 7;
static long iters = 100;
static long warmup_ms = 500;
static int first_round = 1;
static const char *test_name;
static const char *suffix = "";
static long memory_mib;
static const char *exit0 = "build/bench/exit0";
static const char *only;
static int quiet;

/* The child of the kill, ioctl and cycle tests, and its handles. */
static int child_fd = -1, child_pidfd = -1, ctl_fd = -1;
static pid_t child_pid;

static void die(const char *what)
{
	fprintf(stderr, "pdbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

struct variant {
	const char *name;
	void (*op)(void);
	long scale;	/* operations per batch; a round has ITERS batches */
};

static void emit(const char *test, const char *variant, int round, double ns)
{
	printf("BENCH raw %s %s%s %d %.1f\n", test, variant, suffix, round, ns);
}

/* Whether -v names @name in its comma-separated list, or there is no -v. */
static int selected(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (!only)
		return 1;
	for (p = only; p; p = strchr(p, ',')) {
		p += *p == ',';
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return 1;
	}
	return 0;
}

static void run_variants(const char *test, const struct variant *all, int nall)
{
	struct variant v[16];
	double spent[16], t_end;
	long i, j, warm = 0;
	int r, k, nv = 0;

	for (k = 0; k < nall && nv < ARRAY_SIZE(v); k++)
		if (selected(all[k].name))
			v[nv++] = all[k];

	/*
	 * Warm up (-w, half a second by default), one slot at least: caches,
	 * page tables, the slabs the operations use, and QEMU's translations
	 * of the code, which a big program run just before (bpftrace) may
	 * have evicted. -w 0 runs exactly ROUNDS x ITERS slots, for counting
	 * system calls.
	 */
	t_end = now_ns() + warmup_ms * 1e6;
	while (warmup_ms > 0) {
		for (k = 0; k < nv; k++)
			for (j = 0; j < v[k].scale; j++)
				v[k].op();
		warm++;
		if (now_ns() >= t_end)
			break;
	}
	for (r = 0; r < rounds; r++) {
		if (!quiet)
			fprintf(stderr, "pdbench: %s: round %d of %d\n", test, r + 1, rounds);
		for (k = 0; k < nv; k++)
			spent[k] = 0;
		/*
		 * ITERS slots, each a batch of every variant in turn, the first
		 * one rotating: a stall of the host lands on any variant alike.
		 */
		for (i = 0; i < iters; i++) {
			for (k = 0; k < nv; k++) {
				int x = (i + r + k) % nv;
				double t0 = now_ns();

				for (j = 0; j < v[x].scale; j++)
					v[x].op();
				spent[x] += now_ns() - t0;
			}
		}
		for (k = 0; k < nv; k++)
			emit(test, v[k].name, first_round + r, spent[k] / (iters * v[k].scale));
	}
	/* Every operation run, warm-up included: what a tracer saw. */
	for (k = 0; k < nv; k++)
		printf("BENCH ops %s %s%s %ld\n", test, v[k].name, suffix,
		       (warm + (long)rounds * iters) * v[k].scale);
}

/* Reap every child that is left, quiet ones (exit signal 0) included. */
static void reap_all(void)
{
	siginfo_t info;

	while (waitid(P_ALL, 0, &info, WEXITED | __WALL) == 0 || errno == EINTR)
		;
}

/* --- spawn, exit, reap --- */

static char *exit0_argv[] = { "exit0", NULL };

static void spawn_pdfork(void)
{
	int fd, status;
	pid_t pid = pdfork(&fd, PD_CLOEXEC);

	if (pid < 0)
		die("pdfork");
	if (pid == 0)
		_exit(0);
	if (pdwait(fd, &status, WEXITED, NULL, NULL))
		die("pdwait");
	close(fd);
}

static void spawn_fork(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(0);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
}

static void spawn_clone3(void)
{
	struct clone_args args;
	siginfo_t info;
	int pidfd;
	pid_t pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		die("clone3");
	if (pid == 0)
		syscall(SYS_exit_group, 0);
	if (syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED, NULL))
		die("waitid");
	close(pidfd);
}

static void spawn_posix_spawn(void)
{
	int status, err;
	pid_t pid;

	err = posix_spawn(&pid, exit0, NULL, NULL, exit0_argv, environ);
	if (err) {
		errno = err;
		die("posix_spawn");
	}
	if (waitpid(pid, &status, 0) != pid || status)
		die("waitpid after posix_spawn");
}

static void spawn_pdspawn(void)
{
	int fd, status, err;
	pid_t pid;

	err = pdspawn(&pid, &fd, PD_CLOEXEC, exit0, NULL, NULL, exit0_argv, environ);
	if (err) {
		errno = err;
		die("pdspawn");
	}
	if (pdwait(fd, &status, WEXITED, NULL, NULL) || status)
		die("pdwait after pdspawn");
	close(fd);
}

static const struct variant spawn_variants[] = {
	{ "pdfork", spawn_pdfork, 1 },
	{ "fork", spawn_fork, 1 },
	{ "clone3", spawn_clone3, 1 },
	{ "posix_spawn", spawn_posix_spawn, 1 },
	{ "pdspawn", spawn_pdspawn, 1 },
};

/* Give the parent @mib MiB of touched memory in small pages. */
static void touch_memory(long mib)
{
	size_t len = (size_t)mib << 20, i;
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	/* Huge pages would copy one entry per 2 MiB: keep fork's real cost. */
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i += page)
		p[i] = 1;
}

static void bench_spawn(void)
{
	if (access(exit0, X_OK))
		die(exit0);
	if (memory_mib) {
		fprintf(stderr, "pdbench: touching %ld MiB\n", memory_mib);
		touch_memory(memory_mib);
	}
	run_variants(test_name ? test_name : memory_mib ? "spawn-1g" : "spawn",
		     spawn_variants, ARRAY_SIZE(spawn_variants));
}

/* --- a process that uses no procdesc, for the module's A/B --- */

static int to_echo = -1, from_echo = -1;

/*
 * The reference of the plain test: a byte to a helper process and back,
 * two wakeups and two context switches on our CPU, the scheduler's part of
 * a fork cycle without a clone, an exec or an exit, the three moments
 * procdesc hooks (src/hooks.c). It cancels the drift of the host between
 * two module loads.
 */
static void plain_pipe(void)
{
	char c = 'p';

	if (write(to_echo, &c, 1) != 1 || read(from_echo, &c, 1) != 1)
		die("pipe round trip");
}

static const struct variant plain_variants[] = {
	{ "fork", spawn_fork, 1 },
	{ "posix_spawn", spawn_posix_spawn, 1 },
	{ "pipe", plain_pipe, 20 },
};

static void bench_plain(void)
{
	int down[2], up[2], status;
	pid_t echo;
	char c;

	if (access(exit0, X_OK))
		die(exit0);
	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		die("pipe");
	echo = fork();
	if (echo < 0)
		die("fork");
	if (echo == 0) {
		close(down[1]);
		close(up[0]);
		while (read(down[0], &c, 1) == 1 && write(up[1], &c, 1) == 1)
			;
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	to_echo = down[1];
	from_echo = up[0];
	run_variants(test_name ? test_name : "plain", plain_variants,
		     ARRAY_SIZE(plain_variants));
	close(to_echo);
	close(from_echo);
	if (waitpid(echo, &status, 0) != echo)
		die("waitpid of the echo helper");
}

/* --- one child to signal and query --- */

static void start_child(void)
{
	sigset_t usr1;

	/* Inherited: SIGUSR1 stays pending in the child, never delivered. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	child_pid = pdfork(&child_fd, PD_CLOEXEC);
	if (child_pid < 0)
		die("pdfork");
	if (child_pid == 0) {
		for (;;)
			pause();
	}
	child_pidfd = pdgetpidfd(child_fd);
	if (child_pidfd < 0)
		die("pdgetpidfd");
	ctl_fd = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0)
		die("/dev/procdesc");
}

static void stop_child(void)
{
	int status;

	if (pdkill(child_fd, SIGKILL) || pdwait(child_fd, &status, WEXITED, NULL, NULL))
		die("stopping the child");
	close(child_fd);
	close(child_pidfd);
	close(ctl_fd);
}

static void kill_pdkill(void)
{
	if (pdkill(child_fd, SIGUSR1))
		die("pdkill");
}

static void kill_pidfd(void)
{
	if (syscall(SYS_pidfd_send_signal, child_pidfd, SIGUSR1, NULL, 0))
		die("pidfd_send_signal");
}

static void kill_kill(void)
{
	if (kill(child_pid, SIGUSR1))
		die("kill");
}

static const struct variant kill_variants[] = {
	{ "pdkill", kill_pdkill, 100 },
	{ "pidfd_send_signal", kill_pidfd, 100 },
	{ "kill", kill_kill, 100 },
};

static void ioctl_null(void)
{
	if (ioctl(child_fd, PD_IOC_NULL, 0) != -1 || errno != ENOTTY)
		die("unknown ioctl");
}

static void ioctl_getpid(void)
{
	pid_t pid;

	if (pdgetpid(child_fd, &pid))
		die("pdgetpid");
}

static void ioctl_kill0(void)
{
	if (pdkill(child_fd, 0))
		die("pdkill 0");
}

static void ioctl_wait_nohang(void)
{
	struct procdesc_wait w = { .options = WEXITED | WNOHANG };

	if (ioctl(child_fd, PROCDESC_IOC_WAIT, &w) != -1 || errno != EAGAIN)
		die("PROCDESC_IOC_WAIT WNOHANG");
}

static void ioctl_pidfd(void)
{
	int fd = pdgetpidfd(child_fd);

	if (fd < 0)
		die("pdgetpidfd");
	close(fd);
}

static void ioctl_version(void)
{
	__u32 version;

	if (ioctl(ctl_fd, PROCDESC_IOC_VERSION, &version))
		die("PROCDESC_IOC_VERSION");
}

static const struct variant ioctl_variants[] = {
	{ "null", ioctl_null, 100 },
	{ "pdgetpid", ioctl_getpid, 100 },
	{ "pdkill0", ioctl_kill0, 100 },
	{ "wait_nohang", ioctl_wait_nohang, 100 },
	{ "pdgetpidfd_close", ioctl_pidfd, 100 },
	{ "version", ioctl_version, 100 },
};

/*
 * For A/B comparisons across module loads and bpftrace runs: per slot one
 * pdfork cycle and 2,000 pdgetpid calls, and as references in the same
 * slots the clone3 cycle and the unknown ioctl, which fire no procdesc
 * tracepoint.
 */
static const struct variant cycle_variants[] = {
	{ "pdfork", spawn_pdfork, 1 },
	{ "clone3", spawn_clone3, 1 },
	{ "pdgetpid", ioctl_getpid, 2000 },
	{ "null", ioctl_null, 2000 },
};

static void bench_child_test(const char *name, const struct variant *v, int nv)
{
	start_child();
	run_variants(test_name ? test_name : name, v, nv);
	stop_child();
}

/* --- exit notification through epoll --- */

static void raise_nofile(long n)
{
	struct rlimit rl = { .rlim_cur = n, .rlim_max = n };

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= (rlim_t)n)
		return;
	rl.rlim_cur = n;
	if (rl.rlim_max < (rlim_t)n)
		rl.rlim_max = n;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");
}

/*
 * A child that pauses, made with clone3() and sharing our descriptor table
 * (CLONE_FILES: a fork copies the table, and 10,000 children would copy it
 * 10,000 times). With @ctl >= 0 it gets its descriptor as a pdfork() child
 * does, at the clone: PROCDESC_IOC_ARM, then the clone, which binds the
 * descriptor to the child before it runs and installs it before clone3()
 * returns. Returns the descriptor, or with @ctl < 0 the pid of a child
 * that has neither descriptor nor pidfd (exit signal 0 in both cases).
 */
static int idle_child(int ctl)
{
	struct procdesc_arm arm = { .flags = PROCDESC_F_CLOEXEC };
	struct clone_args args;
	pid_t pid;

	if (ctl >= 0 && ioctl(ctl, PROCDESC_IOC_ARM, &arm))
		die("PROCDESC_IOC_ARM");
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_FILES;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		die("clone3");
	if (pid == 0) {
		for (;;)
			syscall(SYS_pause);
	}
	if (ctl < 0)
		return pid;
	if (arm.pid != pid || arm.fd < 0) {
		errno = arm.fd < 0 ? -arm.fd : EPROTO;
		die("the descriptor made at the clone");
	}
	return arm.fd;
}

struct epoll_set {
	long size;	/* descriptors in the set, the measured one included */
	int epfd;
	double *lat;	/* this round's latencies */
};

static long long *exit_stamp;	/* the child's clock just before _exit, ns */
static int go[2];
static long early;			/* exits before the parent slept */

static void epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLHUP, .data.fd = fd };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl");
}

/* One pdfork child's exit, from its last instruction to our wakeup. */
static double epoll_once(struct epoll_set *s, int first_fd)
{
	struct epoll_event out;
	double t0, t1, stamp;
	int fd, status;
	char c = 'g';
	pid_t pid;

	pid = pdfork(&fd, PD_CLOEXEC);
	if (pid < 0)
		die("pdfork");
	if (pid == 0) {
		struct timespec nap = { 0, 2000000 };

		/* Its exit must not close our 10,000 descriptors. */
		syscall(SYS_close_range, first_fd, ~0U, 0);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		/* The parent is asleep in epoll_wait by now. */
		nanosleep(&nap, NULL);
		__atomic_store_n(exit_stamp, (long long)now_ns(), __ATOMIC_SEQ_CST);
		_exit(0);
	}
	epoll_add(s->epfd, fd);
	if (write(go[1], &c, 1) != 1)
		die("write");
	t0 = now_ns();
	if (epoll_wait(s->epfd, &out, 1, -1) != 1 || out.data.fd != fd)
		die("epoll_wait");
	t1 = now_ns();
	stamp = __atomic_load_n(exit_stamp, __ATOMIC_SEQ_CST);
	if (stamp < t0)
		early++;
	if (pdwait(fd, &status, WEXITED, NULL, NULL))
		die("pdwait");
	close(fd);
	return t1 - stamp;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* --- kernel memory per descriptor --- */

#define MAX_SLABS 512

struct slab {
	char name[64];
	long objs;
	long size;
};

static int read_slabinfo(struct slab *tab)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];
	int n = 0;

	if (!f)
		die("/proc/slabinfo");
	while (n < MAX_SLABS && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %*d %ld", tab[n].name, &tab[n].objs,
			   &tab[n].size) == 3 && line[0] != '#')
			n++;
	}
	fclose(f);
	return n;
}

static long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t len = strlen(field);
	long kb = -1;

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

static const char * const meminfo_fields[] = {
	"Slab", "SUnreclaim", "KernelStack", "PageTables", "Percpu",
};

#define NFIELDS ARRAY_SIZE(meminfo_fields)

struct snapshot {
	struct slab slabs[MAX_SLABS];
	int nslabs;
	long kb[NFIELDS];
};

/*
 * SLUB counts the free objects of per-CPU slabs as in use: shrinking every
 * cache first moves them back to the node lists, where they are counted.
 */
static void shrink_slabs(void)
{
	DIR *dir = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[512];
	int fd;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) != 1)
			fprintf(stderr, "pdbench: cannot shrink %s\n", e->d_name);
		close(fd);
	}
	closedir(dir);
}

static void snap(struct snapshot *s)
{
	int i;

	/* Let RCU-deferred frees of earlier phases finish. */
	sleep(1);
	shrink_slabs();
	s->nslabs = read_slabinfo(s->slabs);
	for (i = 0; i < NFIELDS; i++)
		s->kb[i] = meminfo_kb(meminfo_fields[i]);
}

static long slab_objs(const struct snapshot *s, const char *name)
{
	int i;

	for (i = 0; i < s->nslabs; i++)
		if (!strcmp(s->slabs[i].name, name))
			return s->slabs[i].objs;
	return 0;
}

/* Forget the children whose descriptors were closed and that are reaped. */
static void forget_reaped(int ctl)
{
	struct procdesc_reapable r;

	do {
		if (ioctl(ctl, PROCDESC_IOC_REAPABLE, &r) < 0)
			die("PROCDESC_IOC_REAPABLE");
	} while (r.more);
}

/* Close the descriptors, which kills the children, and reap them. */
static void drop_descriptors(long n, int *fds, int ctl)
{
	long i;

	fprintf(stderr, "pdbench: stopping %ld children\n", n);
	for (i = 0; i < n; i++)
		close(fds[i]);
	reap_all();
	/*
	 * The module keeps the objects of quiet children whose descriptors
	 * were closed until the parent collects them (libprocdesc does, at
	 * its next call): every PROCDESC_IOC_ARM would count them.
	 */
	forget_reaped(ctl);
}

/*
 * Make @n process descriptors of paused children, @fds, the way pdfork()
 * makes them, and measure what each costs the kernel: six slab snapshots,
 * every cache shrunk first, in two phases, after a warm-up.
 *
 * First @n children without descriptors (s1 - s0), then a pidfd each
 * (pidfd_open(), the file CLONE_PIDFD makes too: s2 - s1), then each pidfd
 * turned into a process descriptor (PROCDESC_IOC_OPEN with
 * PROCDESC_F_QUIET, as pdopenpidfd() does for its own child, and the
 * pidfd closed: s3 - s1). Those are closed, which kills the children, and
 * reaped. Then @n children with descriptors made at the clone
 * (PROCDESC_IOC_ARM, then clone3(): s5 - s4), less what the children
 * alone cost in the first phase. Every cache whose object count moved by
 * at least N/50 gets a line
 *
 *	BENCH slab <cache> <object size> <N> <child> <pidfd> <opened> <armed>
 *
 * with the objects per N of each: a child, its pidfd, a descriptor from
 * a pidfd, a descriptor made at the clone; likewise the kB of a few
 * /proc/meminfo fields in BENCH meminfo lines. The descriptors of the
 * second phase are left in @fds.
 */
static void make_descriptors(long n, int *fds)
{
	static struct snapshot s[6];
	long i, d[4];
	int ctl, k, f;

	ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("/dev/procdesc");
	/*
	 * Once through the second phase unmeasured, so that both phases start
	 * after as many children have come and gone: the vmalloc()ed kernel
	 * stacks otherwise leave the two with different vmap_area counts
	 * (thousands of objects apart at 10,000 children).
	 */
	fprintf(stderr, "pdbench: memory: warming up with %ld children\n", n);
	for (i = 0; i < n; i++)
		fds[i] = idle_child(ctl);
	drop_descriptors(n, fds, ctl);
	snap(&s[0]);
	fprintf(stderr, "pdbench: memory: %ld children\n", n);
	for (i = 0; i < n; i++)
		fds[i] = idle_child(-1);
	snap(&s[1]);
	fprintf(stderr, "pdbench: memory: %ld pidfds\n", n);
	for (i = 0; i < n; i++) {
		fds[i] = syscall(SYS_pidfd_open, fds[i], 0);
		if (fds[i] < 0)
			die("pidfd_open");
	}
	snap(&s[2]);
	fprintf(stderr, "pdbench: memory: %ld descriptors from the pidfds\n", n);
	for (i = 0; i < n; i++) {
		struct procdesc_open op = {
			.pidfd = fds[i],
			.flags = PROCDESC_F_QUIET | PROCDESC_F_CLOEXEC,
		};
		int fd = ioctl(ctl, PROCDESC_IOC_OPEN, &op);

		if (fd < 0)
			die("PROCDESC_IOC_OPEN");
		close(fds[i]);
		fds[i] = fd;
	}
	snap(&s[3]);
	drop_descriptors(n, fds, ctl);
	snap(&s[4]);
	fprintf(stderr, "pdbench: memory: %ld children with descriptors made at the clone\n", n);
	for (i = 0; i < n; i++)
		fds[i] = idle_child(ctl);
	snap(&s[5]);
	close(ctl);
	for (i = 0; i < s[5].nslabs; i++) {
		const char *name = s[5].slabs[i].name;
		long c[6];
		int big = 0;

		for (k = 0; k < 6; k++)
			c[k] = slab_objs(&s[k], name);
		d[0] = c[1] - c[0];
		d[1] = c[2] - c[1];
		d[2] = c[3] - c[1];
		d[3] = c[5] - c[4] - d[0];
		for (k = 0; k < 4; k++)
			big |= labs(d[k]) * 50 >= n;
		if (big)
			printf("BENCH slab %s %ld %ld %ld %ld %ld %ld\n", name,
			       s[5].slabs[i].size, n, d[0], d[1], d[2], d[3]);
	}
	for (f = 0; f < NFIELDS; f++)
		printf("BENCH meminfo %s %ld %ld %ld %ld %ld\n", meminfo_fields[f], n,
		       s[1].kb[f] - s[0].kb[f], s[2].kb[f] - s[1].kb[f],
		       s[3].kb[f] - s[1].kb[f],
		       s[5].kb[f] - s[4].kb[f] - (s[1].kb[f] - s[0].kb[f]));
}

/* Close the descriptors of make_descriptors() and reap the children. */
static void drop_all(long n, int *fds)
{
	int ctl = open("/dev/procdesc", O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		die("/dev/procdesc");
	drop_descriptors(n, fds, ctl);
	close(ctl);
}

static void bench_memory(long n)
{
	int *fds = calloc(n, sizeof(int));

	if (!fds)
		die("calloc");
	raise_nofile(n + 64);
	make_descriptors(n, fds);
	drop_all(n, fds);
	free(fds);
}

/*
 * The sets share the children: the largest size of descriptors is made
 * (make_descriptors(), with its slab accounting) and each set holds the
 * first size - 1 of them and the measured child's.
 */
static void bench_epoll(int nsizes, char **sizes)
{
	struct epoll_set *sets = calloc(nsizes, sizeof(*sets));
	long n = 0, i;
	int k, r, first_fd, *fds;
	char name[32];

	if (!sets)
		die("calloc");
	exit_stamp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (exit_stamp == MAP_FAILED)
		die("mmap");
	if (pipe2(go, O_CLOEXEC))
		die("pipe");
	first_fd = go[1] + 1;
	for (k = 0; k < nsizes; k++) {
		sets[k].size = strtol(sizes[k], NULL, 10);
		if (sets[k].size < 1)
			die("bad set size");
		if (sets[k].size > n)
			n = sets[k].size;
	}
	fds = calloc(n, sizeof(int));
	if (!fds)
		die("calloc");
	raise_nofile(n + nsizes + 64);
	make_descriptors(n, fds);
	for (k = 0; k < nsizes; k++) {
		sets[k].epfd = epoll_create1(EPOLL_CLOEXEC);
		sets[k].lat = calloc(iters, sizeof(double));
		if (sets[k].epfd < 0 || !sets[k].lat)
			die("epoll_create1");
		for (i = 1; i < sets[k].size; i++)
			epoll_add(sets[k].epfd, fds[i - 1]);
	}
	for (k = 0; k < nsizes; k++)
		epoll_once(&sets[k], first_fd);
	for (r = 0; r < rounds; r++) {
		fprintf(stderr, "pdbench: epoll: round %d of %d\n", r + 1, rounds);
		for (i = 0; i < iters; i++) {
			for (k = 0; k < nsizes; k++) {
				struct epoll_set *s = &sets[(i + r + k) % nsizes];

				s->lat[i] = epoll_once(s, first_fd);
			}
		}
		for (k = 0; k < nsizes; k++) {
			/* The median: one timer tick must not move a round. */
			qsort(sets[k].lat, iters, sizeof(double), cmp_double);
			snprintf(name, sizeof(name), "%ld", sets[k].size);
			emit(test_name ? test_name : "epoll", name, first_round + r,
			     sets[k].lat[iters / 2]);
		}
	}
	if (early)
		fprintf(stderr, "pdbench: epoll: %ld exits came before epoll_wait slept\n",
			early);
	drop_all(n, fds);
	free(fds);
}

static void bad_usage(void)
{
	fputs("usage: pdbench [-q] [-r ROUNDS] [-n ITERS] [-o FIRST] [-T NAME]\n", stderr);
	fputs("               [-s SUFFIX] [-m MIB] [-x EXIT0] [-v VARIANT,...] [-w MS]\n", stderr);
	fputs("               spawn|plain|kill|ioctl|cycle|epoll N...|memory N\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *test;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "qr:n:o:T:s:m:x:v:w:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			iters = atol(optarg);
			break;
		case 'o':
			first_round = atoi(optarg);
			break;
		case 'T':
			test_name = optarg;
			break;
		case 's':
			suffix = optarg;
			break;
		case 'm':
			memory_mib = atol(optarg);
			break;
		case 'x':
			exit0 = optarg;
			break;
		case 'v':
			only = optarg;
			break;
		case 'w':
			warmup_ms = atol(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			bad_usage();
		}
	}
	if (optind >= argc || rounds < 1 || iters < 1)
		bad_usage();
	test = argv[optind++];
	if (!strcmp(test, "spawn"))
		bench_spawn();
	else if (!strcmp(test, "plain"))
		bench_plain();
	else if (!strcmp(test, "kill"))
		bench_child_test(test, kill_variants, ARRAY_SIZE(kill_variants));
	else if (!strcmp(test, "ioctl"))
		bench_child_test(test, ioctl_variants, ARRAY_SIZE(ioctl_variants));
	else if (!strcmp(test, "cycle"))
		bench_child_test(test, cycle_variants, ARRAY_SIZE(cycle_variants));
	else if (!strcmp(test, "epoll") && optind < argc)
		bench_epoll(argc - optind, argv + optind);
	else if (!strcmp(test, "memory") && optind + 1 == argc)
		bench_memory(strtol(argv[optind], NULL, 10));
	else
		bad_usage();
	return 0;
}
