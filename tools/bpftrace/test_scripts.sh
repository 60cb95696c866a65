#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the bpftrace scripts under load, inside a VM with procdesc loaded:
# each script traces loadgen (native and 32-bit) doing 4N+12 operations, every
# call at least once (see loadgen.c), and must report exact counts with no
# lost events. Prints TAP.
#
# USAGE: tools/bpftrace/test_scripts.sh BUILD_DIR [N]
set -uo pipefail

build=$1
n=${2:-5000}
dir=$(dirname "$(readlink -f "$0")")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export BPFTRACE_PERF_RB_PAGES=4096

# bpftrace takes the types of procdesc's tracepoint fields from the module's
# BTF, which kernels before 5.11 do not make; there it parses the kernel's
# headers. tools/vmtest boots the kernels of the build roots (5.10) with
# VMTEST_KERNEL_ROOT naming the root, where their headers are: its
# /lib/modules/<release>/build and source links point into its /usr/src.
if [ ! -e /sys/kernel/btf/procdesc ] && [ -z "${BPFTRACE_KERNEL_SOURCE:-}" ]; then
	kroot=${VMTEST_KERNEL_ROOT:-}
	kdir=$kroot/lib/modules/$(uname -r)
	kbuild=$(readlink "$kdir/build" || true)
	ksource=$(readlink "$kdir/source" || echo "$kbuild")
	case $kbuild in /*) kbuild=$kroot$kbuild ;; ?*) kbuild=$kdir/$kbuild ;; esac
	case $ksource in /*) ksource=$kroot$ksource ;; ?*) ksource=$kdir/$ksource ;; esac
	if [ ! -f "$kbuild/Makefile" ] || [ ! -d "$ksource/include" ]; then
		echo "1..1"
		echo "ok 1 bpftrace scripts # SKIP procdesc has no BTF (kernel $(uname -r) < 5.11) and" \
		     "the kernel's headers are not installed"
		exit 0
	fi
	echo "# no module BTF: bpftrace reads the headers in $ksource and $kbuild"
	export BPFTRACE_KERNEL_SOURCE=$ksource BPFTRACE_KERNEL_BUILD=$kbuild
fi
test_no=0
failed=0

tap()
{
	local ok=$1 name=$2

	test_no=$((test_no + 1))
	if [ "$ok" = 0 ]; then
		echo "ok $test_no $name"
	else
		echo "not ok $test_no $name"
		failed=1
	fi
}

# The value of a one-line map or count print such as "@errors_total: 10000".
value()
{
	sed -n "s/^$2: \\([0-9]*\\)\$/\\1/p" "$1" | tail -n 1
}

# The value of a keyed map entry whose printed key starts with PREFIX.
entry()
{
	grep -F -- "$2" "$1" | sed -n 's/.*\]: \([0-9]*\)$/\1/p' | head -n 1
}

# The sum of the bucket counts of histogram KEY ("@name[key]:" then buckets).
hist_total()
{
	awk -v key="$2" '
		index($0, key) == 1 { on = 1; next }
		on && /^\[/ {
			for (i = 2; i <= NF; i++)
				if (substr($i, 1, 1) == "|") { n += $(i - 1); break }
			next
		}
		on { on = 0 }
		END { print n + 0 }' "$1"
}

# run SCRIPT BITS [ARGS...]: trace loadgen$BITS; output in $out/SCRIPT$BITS
run()
{
	local script=$1 bits=$2 log

	shift 2
	log=$out/$script$bits
	bpftrace "$dir/$script.bt" -c "$build/tools/loadgen$bits $n" "$@" > "$log" 2>&1
	if grep -qi 'lost' "$log" || ! grep -q "^loadgen: $n rounds" "$log"; then
		sed 's/^/# /' "$log" | tail -n 20
		return 1
	fi
}

echo "1..8"
for bits in "" 32; do
	sys=procdesc$bits

	run check_error "$bits"
	log=$out/check_error$bits
	errors=$(value "$log" @errors_total)
	kill22=$(entry "$log" "@errors[tracepoint:$sys:error$bits, kill, 22, loadgen$bits,")
	wait11=$(entry "$log" "@errors[tracepoint:$sys:error$bits, wait, 11, loadgen$bits,")
	arm16=$(entry "$log" "@errors[tracepoint:$sys:error$bits, arm, 16, loadgen$bits,")
	disarm2=$(entry "$log" "@errors[tracepoint:$sys:error$bits, disarm, 2, loadgen$bits,")
	badsig=$(entry "$log" "@warn_bad_signal[tracepoint:$sys:kill_enter$bits, loadgen$bits,")
	# The WNOHANG waits of a running process are not errors.
	running=$(entry "$log" "@wnohang_running[tracepoint:$sys:error$bits, loadgen$bits,")
	[ "$errors" = $((n + 2)) ] && [ "$kill22" = "$n" ] && [ -z "$wait11" ] &&
		[ "$running" = "$n" ] && [ "$arm16" = 1 ] && [ "$disarm2" = 1 ] &&
		[ "$badsig" = "$n" ] &&
		grep -q "pd_ioctl" "$log" && grep -q "procdesc_ioc_arm" "$log"
	tap $? "check_error $sys: $((n + 2)) errors: $n kill EINVAL, 1 arm EBUSY, 1 disarm ENOENT, stacks; $n WNOHANG waits of a running process apart; $n bad-signal warnings (got ${errors:-none}: ${kill22:-none}, ${arm16:-none}, ${disarm2:-none}; ${running:-none}, wait EAGAIN errors ${wait11:-none}; ${badsig:-none})"

	run stats_timing "$bits"
	# Every call: its count, and as many latencies in its histogram.
	counts=() ok=0
	for call in arm:4 disarm:2 reapable:1 open:1 getpid:$((n + 1)) kill:$((2 * n + 1)) \
		    wait:$((n + 1)) pidfd:1; do
		op=${call%:*} want=${call#*:}
		calls=$(sed -n "s/^@calls\\[tracepoint:$sys:${op}_enter$bits, loadgen$bits\\]: //p" \
			"$out/stats_timing$bits")
		hist=$(hist_total "$out/stats_timing$bits" \
			"@latency_ns[tracepoint:$sys:${op}_return$bits]:")
		[ "$calls" = "$want" ] && [ "$hist" = "$want" ] || ok=1
		counts+=("$op ${calls:-none}/$hist")
	done
	hlock=$(hist_total "$out/stats_timing$bits" "@lock_hold_ns[tracepoint:$sys:lock_release$bits, collect]:")
	[ "$ok" = 0 ] && [ "$hlock" = 1 ]
	tap $? "stats_timing $sys: calls and latencies of every call, 1 lock hold (got ${counts[*]}, lock $hlock)"

	run trace_procdesc "$bits"
	# Operations plus 3 create, 1 exit and 3 release lines.
	log=$out/trace_procdesc$bits
	lines=$(value "$log" @lines)
	printed=$(grep -c "tracepoint:$sys:" "$log")
	arms=$(grep -c "tracepoint:$sys:arm_return$bits arm(" "$log")
	disarms=$(grep -c "tracepoint:$sys:disarm_return$bits disarm(0) = " "$log")
	reapables=$(grep -c "tracepoint:$sys:reapable_return$bits reapable() = 1\$" "$log")
	# Descriptor files: child 1's, the pdopenpid's (2 open), child 2's.
	live=$(value "$log" @live)
	highest=$(value "$log" @highest)
	unseen=$(value "$log" @released_unseen)
	[ "$lines" = $((4 * n + 19)) ] && [ "$printed" = "$lines" ] && [ "$arms" = 4 ] &&
		[ "$disarms" = 2 ] && [ "$reapables" = 1 ] && [ "$live" = 0 ] &&
		[ "$highest" = 2 ] && [ "$unseen" = 0 ] && ! grep -q '^@open\[' "$log"
	tap $? "trace_procdesc $sys: $((4 * n + 19)) lines, 4 arm, 2 disarm, 1 reapable; descriptors 0 open at exit, at most 2 (counted ${lines:-none}, printed $printed; $arms, $disarms, $reapables; ${live:-none}, ${highest:-none}, unseen releases ${unseen:-none})"

	run check_internal_locks "$bits"
	acq=$(sed -n "s/^@acquisitions\\[tracepoint:$sys:lock_acquired$bits, collect, .*\\]: //p" \
		"$out/check_internal_locks$bits")
	hold=$(hist_total "$out/check_internal_locks$bits" "@hold_ns[collect]:")
	[ "$acq" = 1 ] && [ "$hold" = 1 ] &&
		! grep -q '^@\(recursive\|unlocked\|held_too_long\)\|^recursive\|^unlock of' \
			"$out/check_internal_locks$bits"
	tap $? "check_internal_locks $sys: 1 acquisition, balanced release, no violations (got ${acq:-none}, $hold)"
done
exit $failed
