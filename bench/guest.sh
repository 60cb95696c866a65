#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench inside one VM boot (tools/vmtest --no-module): every
# measurement of bench/pdbench on the running kernel, loading and unloading
# procdesc.ko itself, and the system calls of each spawn cycle (strace).
# Records go to stdout as "BENCH ..." lines (pdbench's, and "BENCH info",
# "BENCH syscalls" lines of its own), progress to stderr; tools/bench sorts
# them apart. doc/performance.md describes every step.
#
# USAGE: bench/guest.sh [--quick]
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
build=$top/build
rel=$(uname -r)
ko=$build/$rel/procdesc.ko
ko_notrace=$build/$rel-notrace/procdesc.ko
pdbench=$build/bench/pdbench
# The bpftrace scripts, each attached in turn; one_printf is the floor that
# trace_procdesc is compared with (bench/one_printf.bt).
scripts=(check_error check_internal_locks stats_timing trace_procdesc one_printf)

# Rounds (-r) and operations per round (-n) of each test. The full run
# takes 6-12 minutes a kernel on a quiet 2-core host (42 minutes for all
# five; 5.10 is the longest, as bpftrace parses its headers); attaching
# each bpftrace script adds 15 s to 2.5 min under TCG. --quick (4-10
# minutes a kernel on a busy host) for trying changes.
spawn=(-r 21 -n 20)
spawn_1g=(-r 5 -n 2)
kill_=(-r 9 -n 200)
ioctl_=(-r 9 -n 200)
epoll=(-r 4 -n 9)
epoll_sizes=(10 1000 10000)
# strace: the cycles of the two runs whose counts are subtracted.
strace_n=(5 25)
ab_rounds=6
ab_sub=3
ab=(-n 10)
plain=(-n 20)
trace_rounds=6
trace=(-n 20)
trace_getpid=(-n 6)
if [[ ${1:-} == --quick ]]; then
	spawn=(-r 3 -n 10)
	spawn_1g=(-r 2 -n 1)
	kill_=(-r 3 -n 20)
	ioctl_=(-r 3 -n 20)
	epoll=(-r 2 -n 3)
	epoll_sizes=(10 1000)
	strace_n=(2 7)
	ab_rounds=2
	ab_sub=1
	ab=(-n 5)
	plain=(-n 5)
	trace_rounds=1
	trace=(-n 10)
	trace_getpid=(-n 2)
	scripts=(trace_procdesc one_printf)
fi

say()
{
	echo "bench: $rel: [$((SECONDS - start)) s] $*" >&2
}

# On one CPU: under TCG a wakeup on the other vCPU costs an emulated IPI
# and a turn of QEMU's round robin, which would dominate and blur the
# numbers. Children inherit the affinity.
pd()
{
	taskset -c 0 "$pdbench" -x "$build/bench/exit0" "$@"
}

load()
{
	insmod "$1"
}

unload()
{
	local i

	# The last descriptor's file is released a moment after its process.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rmmod procdesc 2>/dev/null && return 0
		sleep 0.5
	done
	rmmod procdesc
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
echo "BENCH info kernel $rel"
echo "BENCH info cpus $(nproc)"
echo "BENCH info memory_mib $(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024))"
echo "BENCH info cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '_')"
# The caches of a struct file and its LSM blob, under the names
# /proc/slabinfo gives them: SLUB merges caches of one size, and lists a
# merged cache under the name of its first (on 7.3 the LSM blob counts as
# ftrace_event_field). bench/report.awk takes them out of the descriptor's
# bytes.
file_caches=$(find /sys/kernel/slab -mindepth 1 -maxdepth 1 -printf '%f %l\n' |
	awk -v slabinfo=/proc/slabinfo '
		{ target[$1] = NF > 1 ? $2 : $1 }
		END {
			while ((getline line < slabinfo) > 0) {
				split(line, f, " ")
				listed[f[1]] = 1
			}
			for (c in target)
				if (c in listed && (target[c] == target["filp"] ||
						    target[c] == target["lsm_file_cache"]))
					names = names (names == "" ? "" : ",") c
			print names
		}')
echo "BENCH info file_caches ${file_caches:-filp,lsm_file_cache}"

load "$ko"
say "spawn cycle, small parent"
pd "${spawn[@]}" spawn
say "spawn cycle, parent with 1 GiB of touched memory"
pd "${spawn_1g[@]}" -m 1024 spawn
say "signals"
pd "${kill_[@]}" kill
say "cheap ioctls"
pd "${ioctl_[@]}" ioctl
say "memory and epoll exit notification with ${epoll_sizes[*]} descriptors"
pd "${epoll[@]}" epoll "${epoll_sizes[@]}"

# System calls per spawn cycle, the child's included: strace -f of a run of
# N1 cycles and of one of N2, without warm-up, each system call counted
# once (a call another process interrupts is printed twice, "unfinished"
# and "resumed": the second is not counted); the difference over N2 - N1
# is per cycle, pdbench's own start and end cancelling. strace -c would
# miss exit_group, which never returns.
#
#	BENCH syscalls <variant> <name> <calls per cycle>
say "system calls per spawn cycle (strace -f)"
for v in pdfork fork clone3 posix_spawn pdspawn; do
	for n in "${strace_n[@]}"; do
		strace -f -qq -e signal=none -o "$tmp/strace.$v.$n" \
			taskset -c 0 "$pdbench" -q -w 0 -x "$build/bench/exit0" -v "$v" \
			-r 1 -n "$n" spawn > /dev/null
	done
	awk -v v="$v" -v d=$((strace_n[1] - strace_n[0])) '
		# "PID name(args...) = ret", "PID name(... <unfinished ...>",
		# "PID <... name resumed>...": the last one is not a new call.
		$2 ~ /^<\.\.\./ { next }
		{
			name = $2
			sub(/\(.*/, "", name)
			# pdbench reads the clock twice per slot, a system call
			# where the clocksource has no vDSO (5.10 under TCG).
			if (name !~ /^[a-z0-9_]+$/ || name == "clock_gettime")
				next
			calls[name] += FILENAME == f1 ? -1 : 1
		}
		END {
			for (name in calls)
				if (calls[name])
					printf("BENCH syscalls %s %s %.2f\n", v, name, calls[name] / d)
		}' f1="$tmp/strace.$v.${strace_n[0]}" "$tmp/strace.$v.${strace_n[0]}" \
		"$tmp/strace.$v.${strace_n[1]}"
done
unload

# A/B across module loads, in one loop of three states: the module not
# loaded, loaded as shipped (its tracepoints compiled in, none enabled),
# and loaded as built without trace calls (-notrace). Each state measures
# $ab_sub rounds per round of the loop; the order rotates and turns round
# from one round to the next, so that every state comes first, middle and
# last alike. Rounds pair across states by number.
#  - module: the plain test, a process that uses no procdesc, unloaded
#    against loaded as shipped: what the module's hooks in every clone,
#    exec and exit (src/hooks.c) cost everyone else;
#  - tracepoints: the cycle test, as shipped against -notrace.
ab_state()
{
	local state=$1 r=$2
	local o=$(((r - 1) * ab_sub + 1))

	case $state in
	unloaded)
		pd -q "${plain[@]}" -r "$ab_sub" -o "$o" -T module -s @unloaded plain
		;;
	shipped)
		load "$ko"
		pd -q "${plain[@]}" -r "$ab_sub" -o "$o" -T module -s @loaded plain
		pd -q "${ab[@]}" -r "$ab_sub" -o "$o" -T tracepoints -s @tp_off cycle
		unload
		;;
	notrace)
		load "$ko_notrace"
		pd -q "${ab[@]}" -r "$ab_sub" -o "$o" -T tracepoints -s @notrace cycle
		unload
		;;
	esac
}

say "module loaded or not, tracepoints or none: $ab_rounds rounds, module reloaded each time"
states=(unloaded shipped notrace)
for ((r = 1; r <= ab_rounds; r++)); do
	order=()
	for ((i = 0; i < 3; i++)); do
		order+=("${states[(r - 1 + i) % 3]}")
	done
	if ((r % 2 == 0)); then
		order=("${order[2]}" "${order[1]}" "${order[0]}")
	fi
	for s in "${order[@]}"; do
		ab_state "$s" "$r"
	done
done

# Each bpftrace script attached in turn, bracketed: the pdfork cycle and
# pdgetpid without it just before (rounds 1..R) and just after (R+1..2R),
# with it (1..2R) once bpftrace reports its probes attached; each round
# pairs with the nearer. Each variant runs alone: a script that prints
# per event (trace_procdesc, one_printf) has bpftrace format the lines on
# the other vCPU, which QEMU runs on the same host thread, so that work
# lands on whatever is being timed meanwhile, and a reference timed beside
# the cycle would be charged for the cycle's lines.
load "$ko"
R=$trace_rounds

# bpftrace takes the types of procdesc's tracepoint fields from the
# module's BTF, which kernels before 5.11 do not make; there it parses the
# kernel's headers, found as tools/bpftrace/test_scripts.sh finds them (in
# the build root tools/vmtest names, for 5.10).
if [[ ! -e /sys/kernel/btf/procdesc ]]; then
	kdir=${VMTEST_KERNEL_ROOT:-}/lib/modules/$rel
	kbuild=$(readlink "$kdir/build" || true)
	ksource=$(readlink "$kdir/source" || echo "$kbuild")
	case $kbuild in /*) kbuild=${VMTEST_KERNEL_ROOT:-}$kbuild ;; ?*) kbuild=$kdir/$kbuild ;; esac
	case $ksource in /*) ksource=${VMTEST_KERNEL_ROOT:-}$ksource ;; ?*) ksource=$kdir/$ksource ;; esac
	if [[ -f $kbuild/Makefile && -d $ksource/include ]]; then
		export BPFTRACE_KERNEL_SOURCE=$ksource BPFTRACE_KERNEL_BUILD=$kbuild
	else
		say "procdesc has no BTF and the kernel's headers are not installed: no bpftrace"
		scripts=()
	fi
fi

# The busy and idle jiffies of every CPU together, from /proc/stat's
# first line, in $busy and $idle: read by the shell, as a program started
# to read them would be most of what it measures under TCG.
cpu_time()
{
	local cpu user nice sys idle_ iowait irq softirq

	read -r cpu user nice sys idle_ iowait irq softirq _ < /proc/stat
	busy=$((user + nice + sys + irq + softirq))
	idle=$((idle_ + iowait))
}

# Wait, at most ten tries of a second, until the guest is idle: less than
# 10% of the CPU time busy over a second.
settle()
{
	local i busy idle b0 i0

	for ((i = 0; i < 10; i++)); do
		cpu_time
		b0=$busy i0=$idle
		sleep 1
		cpu_time
		if (((busy - b0) * 10 < busy - b0 + idle - i0)); then
			return 0
		fi
	done
	say "the guest did not settle: $(((busy - b0) * 100 / (busy - b0 + idle - i0 + 1)))% busy"
}

attached()
{
	grep -A 1 '^Attaching' "$tmp/$s.log" | sed -n 2p | grep -q .
}

for s in "${scripts[@]}"; do
	if [[ $s == one_printf ]]; then
		bt=("$top/bench/one_printf.bt" pdbench)
	else
		bt=("$top/tools/bpftrace/$s.bt")
	fi
	say "bpftrace $s.bt"
	settle
	pd -q "${trace[@]}" -r "$R" -T "bpftrace_$s" -s @off -v pdfork spawn
	[[ $s == one_printf ]] ||
		pd -q "${trace_getpid[@]}" -r "$R" -T "bpftrace_$s" -s @off -v pdgetpid cycle
	BPFTRACE_PERF_RB_PAGES=1024 bpftrace "${bt[@]}" > "$tmp/$s.log" 2>&1 &
	btpid=$!
	# "Attaching N probes..." comes first; the BEGIN probe's line, once
	# every probe is attached.
	for ((i = 0; i < 1200; i++)); do
		attached && break
		kill -0 "$btpid" 2>/dev/null || break
		sleep 0.1
	done
	if ! attached; then
		say "bpftrace $s.bt did not attach:"
		cat "$tmp/$s.log" >&2
		kill "$btpid" 2>/dev/null || true
		wait "$btpid" || true
		exit 1
	fi
	say "bpftrace $s.bt attached"
	res=$(pd -q "${trace[@]}" -r $((2 * R)) -T "bpftrace_$s" -s @on -v pdfork spawn)
	printf '%s\n' "$res"
	# A script that counts its lines in @lines: how many per cycle, read
	# from the map bpftrace prints on SIGUSR1 (pdbench's own start and
	# end add a line or two to the cycles').
	if grep -q '@lines' "${bt[0]}"; then
		ops=$(printf '%s\n' "$res" | sed -n 's/^BENCH ops [^ ]* [^ ]* //p')
		kill -USR1 "$btpid"
		for ((i = 0; i < 300; i++)); do
			grep -q '^@lines:' "$tmp/$s.log" && break
			sleep 0.1
		done
		lines=$(sed -n 's/^@lines: //p' "$tmp/$s.log" | tail -n 1)
		echo "BENCH info lines_per_cycle_$s $(awk -v l="${lines:-0}" -v o="$ops" \
			'BEGIN { printf("%.2f", o ? l / o : 0) }')"
	fi
	[[ $s == one_printf ]] ||
		pd -q "${trace_getpid[@]}" -r $((2 * R)) -T "bpftrace_$s" -s @on -v pdgetpid cycle
	# Its report is not needed, and printing it takes long under TCG:
	# SIGKILL, and the kernel detaches the probes as the files close.
	kill -KILL "$btpid"
	wait "$btpid" 2>/dev/null || true
	say "bpftrace $s.bt stopped"
	# Detaching switches tracepoints off, and the kernel frees what bpftrace
	# used (its ring buffers, programs and maps) in deferred work for
	# seconds under TCG: a fixed second was not enough, and the cycle
	# timed meanwhile came out 3 to 8 times slower than before.
	settle
	pd -q "${trace[@]}" -r "$R" -o $((R + 1)) -T "bpftrace_$s" -s @off -v pdfork spawn
	[[ $s == one_printf ]] ||
		pd -q "${trace_getpid[@]}" -r "$R" -o $((R + 1)) -T "bpftrace_$s" -s @off \
			-v pdgetpid cycle
	lost=$(sed -n 's/^Lost \([0-9]*\) events.*/\1/p' "$tmp/$s.log" | awk '{ n += $1 } END { print n + 0 }')
	echo "BENCH info lost_events_$s $lost"
done
unload
say "done"
