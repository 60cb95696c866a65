#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every procdesc selftest binary in <bindir>, in the order of
# `make -C selftests list`, each under a timeout (SELFTEST_TIMEOUT seconds,
# default 300). Their TAP goes through unchanged. A binary that fails
# (non-zero exit, signal or timeout) without having printed a "not ok" line
# gets one extra line, "not ok <binary> # ...", so that counting the
# top-level "ok"/"not ok" lines of the output counts every failure.
#
# Usage: selftests/run_tests.sh <bindir>
# Exit status: 0 if every binary passed, 1 otherwise.
set -u

here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
(($# == 1)) || { echo "usage: ${0##*/} <bindir>" >&2; exit 2; }
bindir=$1
[[ -d $bindir ]] || { echo "${0##*/}: $bindir: no such directory" >&2; exit 2; }
limit=${SELFTEST_TIMEOUT:-300}
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "${0##*/}: bad SELFTEST_TIMEOUT: $limit" >&2; exit 2; }

# The order comes from the Makefile; without make, the binaries sorted.
# (No process substitution: a minimal guest may have no /dev/fd.)
tests=($(make -s --no-print-directory -C "$here" list 2>/dev/null))
if ((${#tests[@]} == 0)); then
	tests=($(cd "$bindir" && ls -1 -- *_test 2>/dev/null | sort))
fi
((${#tests[@]})) || { echo "${0##*/}: no test binaries" >&2; exit 2; }

log=$(mktemp -t procdesc-selftest.XXXXXX) || exit 2
trap 'rm -f "$log"' EXIT

failed=0
for t in "${tests[@]}"; do
	bin=$bindir/$t
	echo "# selftests: procdesc: $t"
	if [[ ! -x $bin ]]; then
		echo "not ok $t # missing: $bin"
		failed=1
		continue
	fi
	# timeout(1) gives 124 on timeout and 128+N when the binary died
	# of signal N.
	timeout -k 10 "$limit" "$bin" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	((rc == 0)) && continue
	failed=1
	grep -q '^not ok' "$log" && continue
	if ((rc == 124)); then
		echo "not ok $t # timed out after ${limit}s"
	elif ((rc > 128)); then
		echo "not ok $t # killed by signal $((rc - 128))"
	else
		echo "not ok $t # exited with status $rc"
	fi
done
exit "$failed"
