#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the bpftrace scripts under load, inside a VM with procdesc loaded:
# each script traces loadgen (native and 32-bit) doing 4N+4 operations and
# must report exact counts with no lost events. Prints TAP.
#
# USAGE: tools/bpftrace/test_scripts.sh BUILD_DIR [N]
set -uo pipefail

build=$1
n=${2:-5000}
dir=$(dirname "$(readlink -f "$0")")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export BPFTRACE_PERF_RB_PAGES=4096
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
	errors=$(value "$out/check_error$bits" @errors_total)
	kill_errors=$(grep -c "tracepoint:$sys:error$bits, kill, 22, loadgen" "$out/check_error$bits")
	[ "$errors" = $((2 * n)) ] && [ "$kill_errors" = 1 ]
	tap $? "check_error $sys: $((2 * n)) errors counted (got ${errors:-none})"

	run stats_timing "$bits"
	getpid=$(sed -n "s/^@calls\\[tracepoint:$sys:getpid_enter$bits, loadgen$bits\\]: //p" \
		"$out/stats_timing$bits")
	kills=$(sed -n "s/^@calls\\[tracepoint:$sys:kill_enter$bits, loadgen$bits\\]: //p" \
		"$out/stats_timing$bits")
	[ "$getpid" = "$n" ] && [ "$kills" = $((2 * n + 1)) ] &&
		grep -q "^@lock_hold_ns\\[tracepoint:$sys:lock_release$bits, collect\\]:" \
			"$out/stats_timing$bits"
	tap $? "stats_timing $sys: $n getpid and $((2 * n + 1)) kill calls (got ${getpid:-none}, ${kills:-none})"

	run trace_procdesc "$bits"
	# Operations plus the create, exit and release lines.
	lines=$(value "$out/trace_procdesc$bits" @lines)
	printed=$(grep -c "tracepoint:$sys:" "$out/trace_procdesc$bits")
	[ "$lines" = $((4 * n + 7)) ] && [ "$printed" = "$lines" ]
	tap $? "trace_procdesc $sys: $((4 * n + 7)) lines (counted ${lines:-none}, printed $printed)"

	run check_internal_locks "$bits"
	acq=$(sed -n "s/^@acquisitions\\[tracepoint:$sys:lock_acquired$bits, collect, .*\\]: //p" \
		"$out/check_internal_locks$bits")
	[ "$acq" = 1 ] && ! grep -q '^@\(recursive\|unlocked\|held_too_long\)' \
		"$out/check_internal_locks$bits"
	tap $? "check_internal_locks $sys: 1 acquisition, no violations (got ${acq:-none})"
done
exit $failed
