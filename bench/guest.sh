#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench inside one VM boot (tools/vmtest --no-module): every
# measurement of bench/pdbench on the running kernel, loading and unloading
# procdesc.ko itself. Records go to stdout as "BENCH ..." lines (pdbench's,
# and "BENCH info" and "BENCH raw" lines of its own), progress to stderr;
# tools/bench sorts them apart.
#
# USAGE: bench/guest.sh [--quick]
set -euo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
build=$top/build
rel=$(uname -r)
ko=$build/$rel/procdesc.ko
ko_notrace=$build/$rel-notrace/procdesc.ko
pdbench=$build/bench/pdbench
bpf=$top/tools/bpftrace
scripts=(check_error check_internal_locks stats_timing trace_procdesc)

# Rounds (-r) and operations per round (-n) of each test, sized so that one
# kernel takes about three minutes under TCG; --quick for trying changes.
spawn=(-r 21 -n 12)
spawn_1g=(-r 5 -n 2)
kill_=(-r 9 -n 200)
ioctl_=(-r 9 -n 200)
epoll=(-r 4 -n 9)
epoll_sizes=(10 1000 10000)
ab_rounds=6
ab_sub=3
ab=(-n 10)
trace_rounds=6
trace=(-n 6)
if [[ ${1:-} == --quick ]]; then
	spawn=(-r 3 -n 10)
	spawn_1g=(-r 2 -n 1)
	kill_=(-r 3 -n 20)
	ioctl_=(-r 3 -n 20)
	epoll=(-r 2 -n 3)
	epoll_sizes=(10 1000)
	ab_rounds=2
	ab_sub=1
	ab=(-n 5)
	trace_rounds=1
	trace=(-n 5)
	scripts=(stats_timing)
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

start=$SECONDS
echo "BENCH info kernel $rel"
echo "BENCH info cpus $(nproc)"
echo "BENCH info memory_mib $(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024))"
echo "BENCH info cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '_')"

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

# Disabled tracepoints: the module with them against the module without,
# a load of each per round, in the order AB BA AB ..., each load measuring
# $ab_sub rounds that pair with the other module's.
say "disabled tracepoints: $ab_rounds rounds, module reloaded each time"
unload
for ((r = 1; r <= ab_rounds; r++)); do
	if ((r % 2)); then
		order=(notrace tp_off)
	else
		order=(tp_off notrace)
	fi
	for v in "${order[@]}"; do
		if [[ $v == notrace ]]; then
			load "$ko_notrace"
		else
			load "$ko"
		fi
		pd -q "${ab[@]}" -r "$ab_sub" -o $(((r - 1) * ab_sub + 1)) -T tracepoints \
			-s "@$v" cycle
		unload
	done
done

# Each bpftrace script attached in turn, bracketed: the cycle without it
# just before (rounds 1..R) and just after (R+1..2R), with it (1..2R) once
# bpftrace reports its probes attached; each round pairs with the nearer.
load "$ko"
out=$(mktemp -d)
R=$trace_rounds
attached()
{
	grep -A 1 '^Attaching' "$out/$s.log" | sed -n 2p | grep -q .
}

for s in "${scripts[@]}"; do
	say "bpftrace $s.bt"
	pd -q "${trace[@]}" -r "$R" -T "bpftrace_$s" -s @off cycle
	BPFTRACE_PERF_RB_PAGES=1024 bpftrace "$bpf/$s.bt" > "$out/$s.log" 2>&1 &
	bt=$!
	# "Attaching N probes..." comes first; the BEGIN probe's line, once
	# every probe is attached.
	for ((i = 0; i < 1200; i++)); do
		attached && break
		kill -0 "$bt" 2>/dev/null || break
		sleep 0.1
	done
	if ! attached; then
		say "bpftrace $s.bt did not attach:"
		cat "$out/$s.log" >&2
		kill "$bt" 2>/dev/null || true
		wait "$bt" || true
		exit 1
	fi
	say "bpftrace $s.bt attached"
	pd -q "${trace[@]}" -r $((2 * R)) -T "bpftrace_$s" -s @on cycle
	# Its report is not needed, and printing it takes long under TCG:
	# SIGKILL, and the kernel detaches the probes as the files close.
	kill -KILL "$bt"
	wait "$bt" 2>/dev/null || true
	say "bpftrace $s.bt stopped"
	# Detaching switches tracepoints off, and the kernel frees what bpftrace
	# used a moment later: let that pass before measuring again.
	sleep 1
	pd -q "${trace[@]}" -r "$R" -o $((R + 1)) -T "bpftrace_$s" -s @off cycle
	lost=$(sed -n 's/^Lost \([0-9]*\) events.*/\1/p' "$out/$s.log" | awk '{ n += $1 } END { print n + 0 }')
	echo "BENCH info lost_events_$s $lost"
done
rm -rf "$out"
unload
say "done"
