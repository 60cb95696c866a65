# SPDX-License-Identifier: GPL-2.0
#
# make bench's arithmetic: from the records of every kernel, the table, the
# JSON, the chart's data and the goal lines (tools/bench runs it).
#
# Input, one record a line: "<kernel> <record>", where <record> is a line
# pdbench or bench/guest.sh printed without its "BENCH " prefix:
#   raw <test> <variant> <round> <ns>
#   slab <cache> <objsize> <n> <child> <pidfd> <opened> <armed>
#   meminfo <field> <n> <child kB> <pidfd kB> <opened kB> <armed kB>
#   syscalls <variant> <system call> <calls per cycle>
#   info <key> <value>
# (pdbench's make_descriptors() and bench/guest.sh say what each counts)
# and the comparisons (bench/comparisons) as "cmp <id> <test> <num> <den>
# <goal or -> <label...>", where <num> and <den> are variants, "a:b" for
# the ratio of variants a and b within each round, or "test/v" for
# variant v of another test.
#
# Variables: out (directory for bench.json, table.md and chart.dat),
# kernels (the kernels in order, space-separated), machine (a one-line
# description).
#
# A comparison's ratio is computed per round, numerator over denominator
# measured in the same round; its median, minimum and maximum over the
# rounds are reported.

function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}

function median(a, n) {
	sort(a, n)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# A variant's value in round r, or "" if not measured; "a:b" is the ratio
# of variants a and b in that round (the other cancels drift between runs);
# "t/v" is variant v of test t (one bpftrace script against another).
function value(k, test, spec, r,    p, a, b) {
	p = index(spec, ":")
	if (!p) {
		p = index(spec, "/")
		if (p) {
			test = substr(spec, 1, p - 1)
			spec = substr(spec, p + 1)
		}
		a = (k SUBSEP test SUBSEP spec) SUBSEP r
		return a in val ? val[a] : ""
	}
	a = value(k, test, substr(spec, 1, p - 1), r)
	b = value(k, test, substr(spec, p + 1), r)
	return a == "" || b == "" ? "" : a / b
}

# System calls per cycle of variant v on kernel k, or "-".
function syscalls(k, v) {
	return (k, v) in sctotal ? sprintf("%g", sctotal[k, v]) : "-"
}

function jstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}

function ns(v) {
	if (v >= 1e6)
		return sprintf("%.2f ms", v / 1e6)
	if (v >= 1e3)
		return sprintf("%.1f us", v / 1e3)
	return sprintf("%.0f ns", v)
}

$1 == "cmp" {
	ncmp++
	cid[ncmp] = $2; ctest[ncmp] = $3; cnum[ncmp] = $4; cden[ncmp] = $5
	cgoal[ncmp] = $6
	label = $7
	for (i = 8; i <= NF; i++)
		label = label " " $i
	clabel[ncmp] = label
	next
}

$2 == "raw" {
	k = $1; key = k SUBSEP $3 SUBSEP $4
	val[key, $5] = $6
	if (!((key) in seen)) {
		seen[key] = 1
		nvar[k]++
		vars[k, nvar[k]] = $3 SUBSEP $4
	}
	next
}

$2 == "slab" {
	k = $1
	nslab[k]++
	s = nslab[k]
	sname[k, s] = $3; ssize[k, s] = $4; sn[k] = $5
	for (i = 1; i <= 4; i++)
		sd[k, s, i] = $(5 + i)
	next
}

$2 == "meminfo" {
	k = $1
	nmi[k]++
	mname[k, nmi[k]] = $3
	for (i = 1; i <= 4; i++)
		md[k, nmi[k], i] = $(4 + i)
	next
}

$2 == "syscalls" {
	k = $1
	if (!($3 in scseen)) {
		scseen[$3] = 1
		scvars[++nscv] = $3
	}
	sctotal[k, $3] += $5
	sclist[k, $3] = sclist[k, $3] sprintf(" %s %g", $4, $5)
	next
}

$2 == "info" {
	info[$1, $3] = $4
	next
}

END {
	nk = split(kernels, kl, " ")
	json = out "/bench.json"
	chart = out "/chart.dat"

	# Every comparison on every kernel.
	for (c = 1; c <= ncmp; c++) {
		for (ki = 1; ki <= nk; ki++) {
			k = kl[ki]
			n = 0
			nn = 0
			for (r = 1; r <= 1000; r++) {
				x = value(k, ctest[c], cnum[c], r)
				y = value(k, ctest[c], cden[c], r)
				if (x == "" || y == "")
					continue
				n++
				ratio[n] = x / y
				numv[n] = x
				denv[n] = y
			}
			cn[c, k] = n
			if (!n)
				continue
			m = median(ratio, n)
			cmed[c, k] = m
			cmin[c, k] = ratio[1]
			cmax[c, k] = ratio[n]
			cnumns[c, k] = median(numv, n)
			cdenns[c, k] = median(denv, n)
		}
	}

	# Memory per descriptor, from the slab deltas: column i of memcol[]
	# per kernel, summed over the caches. The goal is on a descriptor made
	# at the clone (armed, as pdfork() makes it), less its struct file and
	# the file's LSM blob, which any file descriptor costs: the caches
	# bench/guest.sh names in "info file_caches", as SLUB may list the blob
	# under the name of a cache it was merged with.
	ncol = split("child pidfd opened armed", memcol, " ")
	for (ki = 1; ki <= nk; ki++) {
		k = kl[ki]
		if (!sn[k])
			continue
		split((k, "file_caches") in info ? info[k, "file_caches"] : "filp,lsm_file_cache",
		      fc, ",")
		for (c in filecache)
			delete filecache[c]
		for (c in fc)
			filecache[fc[c]] = 1
		file_b[k] = 0
		for (i = 1; i <= ncol; i++)
			mem_b[k, i] = 0
		for (s = 1; s <= nslab[k]; s++) {
			for (i = 1; i <= ncol; i++)
				mem_b[k, i] += sd[k, s, i] * ssize[k, s] / sn[k]
			if (sname[k, s] in filecache)
				file_b[k] += sd[k, s, 4] * ssize[k, s] / sn[k]
		}
		beyond[k] = mem_b[k, 4] - file_b[k]
	}

	# The table.
	printf("\nprocdesc benchmark: median ratio over rounds [min-max], %s\n", machine)
	hdr = sprintf("%-46s", "comparison (numerator / denominator)")
	for (ki = 1; ki <= nk; ki++)
		hdr = hdr sprintf(" | %-22s", kl[ki])
	print hdr
	line = hdr
	gsub(/./, "-", line)
	print line
	for (c = 1; c <= ncmp; c++) {
		row = sprintf("%-46s", clabel[c])
		for (ki = 1; ki <= nk; ki++) {
			k = kl[ki]
			if (!cn[c, k])
				cell = "-"
			else
				cell = sprintf("%.3f [%.2f-%.2f]", cmed[c, k], cmin[c, k], cmax[c, k])
			row = row sprintf(" | %-22s", cell)
		}
		print row
	}
	printf("\nmedian time per operation (numerator / denominator)\n")
	for (c = 1; c <= ncmp; c++) {
		row = sprintf("%-46s", clabel[c])
		for (ki = 1; ki <= nk; ki++) {
			k = kl[ki]
			cell = "-"
			if (cn[c, k] && !index(cnum[c], ":"))
				cell = ns(cnumns[c, k]) " / " ns(cdenns[c, k])
			row = row sprintf(" | %-22s", cell)
		}
		print row
	}

	# Columns: a paused child; a pidfd of it (pidfd_open); a descriptor
	# opened from that pidfd, the pidfd closed (pdopenpidfd()); a
	# descriptor made at the clone, as pdfork() makes it (the child's own
	# cost taken out).
	printf("\nkernel memory per process, bytes (slab objects x size / N)\n")
	for (ki = 1; ki <= nk; ki++) {
		k = kl[ki]
		if (!sn[k])
			continue
		printf("%s, N = %d: %-24s %8s %8s %8s %8s\n", k, sn[k], "cache (object size)",
		       "child", "pidfd", "opened", "armed")
		for (s = 1; s <= nslab[k]; s++) {
			big = 0
			for (i = 2; i <= ncol; i++)
				big = big || sd[k, s, i] * 10 >= sn[k] || sd[k, s, i] * 10 <= -sn[k]
			if (!big)
				continue
			row = sprintf("  %-36s", sname[k, s] " (" ssize[k, s] ")")
			for (i = 1; i <= ncol; i++)
				row = row sprintf(" %8.0f", sd[k, s, i] * ssize[k, s] / sn[k])
			print row
		}
		row = sprintf("  %-36s", "all slab caches")
		for (i = 1; i <= ncol; i++)
			row = row sprintf(" %8.0f", mem_b[k, i])
		print row
		printf("  descriptor made at the clone: %.0f bytes, of which its file %.0f, beyond the file %.0f\n",
		       mem_b[k, 4], file_b[k], beyond[k])
	}

	# System calls per cycle, the child's included (bench/guest.sh).
	if (nscv) {
		printf("\nsystem calls per cycle, the child's included (strace -f)\n")
		for (v = 1; v <= nscv; v++) {
			row = sprintf("%-14s", scvars[v])
			for (ki = 1; ki <= nk; ki++)
				row = row sprintf(" | %-6s", syscalls(kl[ki], scvars[v]))
			print row
		}
		for (ki = 1; ki <= nk; ki++)
			for (v = 1; v <= nscv; v++)
				if ((kl[ki], scvars[v]) in sctotal)
					printf("  %s %s:%s\n", kl[ki], scvars[v], sclist[kl[ki], scvars[v]])
	}

	# The same table in Markdown, for the README.
	mdf = out "/table.md"
	row = "| comparison (numerator / denominator) |"
	sep = "|---|"
	for (ki = 1; ki <= nk; ki++) {
		row = row " " kl[ki] " |"
		sep = sep "---|"
	}
	print row "\n" sep > mdf
	for (c = 1; c <= ncmp; c++) {
		row = "| " clabel[c] (cgoal[c] == "-" ? "" : " (goal <= " cgoal[c] ")") " |"
		for (ki = 1; ki <= nk; ki++) {
			k = kl[ki]
			if (!cn[c, k])
				cell = "-"
			else if (index(cnum[c], ":"))
				cell = sprintf("%.3f [%.2f-%.2f]", cmed[c, k], cmin[c, k], cmax[c, k])
			else
				cell = sprintf("%.3f [%.2f-%.2f] %s / %s", cmed[c, k], cmin[c, k],
					       cmax[c, k], ns(cnumns[c, k]), ns(cdenns[c, k]))
			row = row " " cell " |"
		}
		print row > mdf
	}
	printf("\n| kernel memory per descriptor, bytes | ") > mdf
	sep = "|---|"
	for (ki = 1; ki <= nk; ki++) {
		printf("%s | ", kl[ki]) > mdf
		sep = sep "---|"
	}
	print "\n" sep > mdf
	split("a paused child|its pidfd|descriptor from the pidfd (pdopenpidfd)|descriptor made at the clone (pdfork)", mlabel, "|")
	for (i = 1; i <= ncol; i++) {
		row = "| " mlabel[i] " |"
		for (ki = 1; ki <= nk; ki++)
			row = row (sn[kl[ki]] ? sprintf(" %.0f |", mem_b[kl[ki], i]) : " - |")
		print row > mdf
	}
	row = "| descriptor made at the clone, beyond its struct file (goal <= 768) |"
	for (ki = 1; ki <= nk; ki++)
		row = row (sn[kl[ki]] ? sprintf(" %.0f |", beyond[kl[ki]]) : " - |")
	print row > mdf
	if (nscv) {
		printf("\n| system calls per cycle (strace -f, child included) | ") > mdf
		for (ki = 1; ki <= nk; ki++)
			printf("%s | ", kl[ki]) > mdf
		print "\n" sep > mdf
		for (v = 1; v <= nscv; v++) {
			row = "| " scvars[v] " |"
			for (ki = 1; ki <= nk; ki++)
				row = row " " syscalls(kl[ki], scvars[v]) " |"
			print row > mdf
		}
	}
	close(mdf)

	# JSON.
	printf("{\n  \"machine\": %s,\n  \"kernels\": {\n", jstr(machine)) > json
	for (ki = 1; ki <= nk; ki++) {
		k = kl[ki]
		printf("    %s: {\n      \"release\": %s,\n      \"cpus\": %s,\n      \"memory_mib\": %s,\n",
		       jstr(k), jstr(info[k, "kernel"]), info[k, "cpus"] + 0,
		       info[k, "memory_mib"] + 0) > json
		printf("      \"comparisons\": [\n") > json
		first = 1
		for (c = 1; c <= ncmp; c++) {
			if (!cn[c, k])
				continue
			printf("%s        {\"id\": %s, \"label\": %s, \"test\": %s, \"numerator\": %s, \"denominator\": %s, \"rounds\": %d, \"ratio_median\": %.4f, \"ratio_min\": %.4f, \"ratio_max\": %.4f, \"numerator_ns\": %.1f, \"denominator_ns\": %.1f%s}",
			       first ? "" : ",\n", jstr(cid[c]), jstr(clabel[c]), jstr(ctest[c]),
			       jstr(cnum[c]), jstr(cden[c]), cn[c, k], cmed[c, k], cmin[c, k],
			       cmax[c, k], cnumns[c, k], cdenns[c, k],
			       cgoal[c] == "-" ? "" : sprintf(", \"goal\": %s", cgoal[c])) > json
			first = 0
		}
		printf("\n      ],\n      \"raw\": [\n") > json
		for (v = 1; v <= nvar[k]; v++) {
			split(vars[k, v], tv, SUBSEP)
			printf("        {\"test\": %s, \"variant\": %s, \"ns\": [", jstr(tv[1]),
			       jstr(tv[2])) > json
			sep = ""
			for (r = 1; r <= 1000; r++) {
				a = (k SUBSEP tv[1] SUBSEP tv[2]) SUBSEP r
				if (a in val) {
					printf("%s%s", sep, val[a]) > json
					sep = ", "
				}
			}
			printf("]}%s\n", v < nvar[k] ? "," : "") > json
		}
		printf("      ]") > json
		if (sn[k]) {
			printf(",\n      \"memory\": {\"n\": %d, \"bytes_per_child\": %.0f, \"bytes_per_pidfd\": %.0f, \"bytes_descriptor_opened\": %.0f, \"bytes_descriptor_armed\": %.0f, \"bytes_descriptor_file\": %.0f, \"bytes_descriptor_beyond_file\": %.0f, \"caches\": [\n",
			       sn[k], mem_b[k, 1], mem_b[k, 2], mem_b[k, 3], mem_b[k, 4], file_b[k],
			       beyond[k]) > json
			for (s = 1; s <= nslab[k]; s++)
				printf("        {\"cache\": %s, \"object_size\": %d, \"objects\": {\"child\": %d, \"pidfd\": %d, \"opened\": %d, \"armed\": %d}}%s\n",
				       jstr(sname[k, s]), ssize[k, s], sd[k, s, 1], sd[k, s, 2],
				       sd[k, s, 3], sd[k, s, 4], s < nslab[k] ? "," : "") > json
			printf("      ], \"meminfo_kb\": [\n") > json
			for (s = 1; s <= nmi[k]; s++)
				printf("        {\"field\": %s, \"child\": %d, \"pidfd\": %d, \"opened\": %d, \"armed\": %d}%s\n",
				       jstr(mname[k, s]), md[k, s, 1], md[k, s, 2], md[k, s, 3],
				       md[k, s, 4], s < nmi[k] ? "," : "") > json
			printf("      ]}") > json
		}
		if (nscv) {
			printf(",\n      \"syscalls_per_cycle\": {") > json
			sep = ""
			for (v = 1; v <= nscv; v++) {
				if (!((k, scvars[v]) in sctotal))
					continue
				printf("%s%s: %g", sep, jstr(scvars[v]), sctotal[k, scvars[v]]) > json
				sep = ", "
			}
			printf("}") > json
		}
		printf("\n    }%s\n", ki < nk ? "," : "") > json
	}
	printf("  }\n}\n") > json
	close(json)

	# The chart's data: one row per comparison, median min max per kernel.
	for (c = 1; c <= ncmp; c++) {
		row = sprintf("\"%s\" %s", clabel[c], cgoal[c] == "-" ? "NaN" : cgoal[c])
		for (ki = 1; ki <= nk; ki++) {
			k = kl[ki]
			if (cn[c, k])
				row = row sprintf(" %.4f %.4f %.4f", cmed[c, k], cmin[c, k], cmax[c, k])
			else
				row = row " NaN NaN NaN"
		}
		print row > chart
	}
	close(chart)

	# One line per goal: the worst kernel's median decides.
	print ""
	for (c = 1; c <= ncmp; c++) {
		if (cgoal[c] == "-")
			continue
		worst = ""
		for (ki = 1; ki <= nk; ki++) {
			k = kl[ki]
			if (cn[c, k] && (worst == "" || cmed[c, k] > worst))
				worst = cmed[c, k]
		}
		if (worst == "")
			printf("goal %s: not measured (target %.2f)\n", cid[c], cgoal[c])
		else
			printf("goal %s: %.3f (target %.2f) %s\n", cid[c], worst, cgoal[c],
			       worst <= cgoal[c] + 0 ? "met" : "missed")
	}
	worst = ""
	for (ki = 1; ki <= nk; ki++) {
		k = kl[ki]
		if (sn[k] && (worst == "" || beyond[k] > worst))
			worst = beyond[k]
	}
	if (worst == "")
		printf("goal memory_per_descriptor: not measured (target 768 bytes beyond the struct file)\n")
	else
		printf("goal memory_per_descriptor: %.0f bytes beyond the struct file (target 768) %s\n",
		       worst, worst <= 768 ? "met" : "missed")
}
