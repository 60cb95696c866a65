# SPDX-License-Identifier: GPL-2.0
#
# make bench's arithmetic: from the records of every kernel, the table, the
# JSON, the chart's data and the goal lines (tools/bench runs it).
#
# Input, one record a line: "<kernel> <record>", where <record> is a line
# pdbench or bench/guest.sh printed without its "BENCH " prefix:
#   raw <test> <variant> <round> <ns>
#   slab <cache> <objsize> <n> <children> <pidfds> <descriptors>
#   meminfo <field> <n> <children kB> <pidfds kB> <descriptors kB>
#   info <key> <value>
# and the comparisons (bench/comparisons) as "cmp <id> <test> <num> <den>
# <goal or -> <label...>", where <num> and <den> are variants, or "a:b" for
# the ratio of variants a and b within each round.
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
# of variants a and b in that round (the other cancels drift between runs).
function value(k, test, spec, r,    p, a, b) {
	p = index(spec, ":")
	if (!p) {
		a = (k SUBSEP test SUBSEP spec) SUBSEP r
		return a in val ? val[a] : ""
	}
	a = value(k, test, substr(spec, 1, p - 1), r)
	b = value(k, test, substr(spec, p + 1), r)
	return a == "" || b == "" ? "" : a / b
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
	sd[k, s, 1] = $6; sd[k, s, 2] = $7; sd[k, s, 3] = $8
	next
}

$2 == "meminfo" {
	k = $1
	nmi[k]++
	mname[k, nmi[k]] = $3
	md[k, nmi[k], 1] = $5; md[k, nmi[k], 2] = $6; md[k, nmi[k], 3] = $7
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

	# Memory per descriptor, from the slab deltas.
	for (ki = 1; ki <= nk; ki++) {
		k = kl[ki]
		if (!sn[k])
			continue
		pidfd_b[k] = 0; mod_b[k] = 0; file_b[k] = 0; child_b[k] = 0
		for (s = 1; s <= nslab[k]; s++) {
			b1 = sd[k, s, 1] * ssize[k, s] / sn[k]
			b2 = sd[k, s, 2] * ssize[k, s] / sn[k]
			b3 = sd[k, s, 3] * ssize[k, s] / sn[k]
			child_b[k] += b1
			pidfd_b[k] += b2
			mod_b[k] += b3
			# The descriptor's own struct file and its LSM blob.
			if (sname[k, s] == "filp" || sname[k, s] == "lsm_file_cache")
				file_b[k] += b3
		}
		beyond[k] = mod_b[k] - file_b[k]
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

	printf("\nkernel memory per process, bytes (slab objects x size / N)\n")
	for (ki = 1; ki <= nk; ki++) {
		k = kl[ki]
		if (!sn[k])
			continue
		printf("%s, N = %d: %-24s %8s %8s %12s\n", k, sn[k], "cache (object size)",
		       "child", "pidfd", "descriptor")
		for (s = 1; s <= nslab[k]; s++) {
			if (sd[k, s, 2] * 10 < sn[k] && sd[k, s, 3] * 10 < sn[k] &&
			    sd[k, s, 2] * 10 > -sn[k] && sd[k, s, 3] * 10 > -sn[k])
				continue
			printf("  %-36s %8.0f %8.0f %12.0f\n", sname[k, s] " (" ssize[k, s] ")",
			       sd[k, s, 1] * ssize[k, s] / sn[k], sd[k, s, 2] * ssize[k, s] / sn[k],
			       sd[k, s, 3] * ssize[k, s] / sn[k])
		}
		printf("  %-36s %8.0f %8.0f %12.0f\n", "all slab caches", child_b[k], pidfd_b[k],
		       mod_b[k])
		printf("  descriptor beyond the pidfd it keeps: %.0f bytes, of which its file %.0f, the rest %.0f\n",
		       mod_b[k], file_b[k], beyond[k])
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
			printf(",\n      \"memory\": {\"n\": %d, \"bytes_per_child\": %.0f, \"bytes_per_pidfd\": %.0f, \"bytes_descriptor_beyond_pidfd\": %.0f, \"bytes_descriptor_file\": %.0f, \"bytes_module_beyond_file\": %.0f, \"caches\": [\n",
			       sn[k], child_b[k], pidfd_b[k], mod_b[k], file_b[k], beyond[k]) > json
			for (s = 1; s <= nslab[k]; s++)
				printf("        {\"cache\": %s, \"object_size\": %d, \"objects\": {\"children\": %d, \"pidfds\": %d, \"descriptors\": %d}}%s\n",
				       jstr(sname[k, s]), ssize[k, s], sd[k, s, 1], sd[k, s, 2],
				       sd[k, s, 3], s < nslab[k] ? "," : "") > json
			printf("      ], \"meminfo_kb\": [\n") > json
			for (s = 1; s <= nmi[k]; s++)
				printf("        {\"field\": %s, \"children\": %d, \"pidfds\": %d, \"descriptors\": %d}%s\n",
				       jstr(mname[k, s]), md[k, s, 1], md[k, s, 2], md[k, s, 3],
				       s < nmi[k] ? "," : "") > json
			printf("      ]}") > json
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
			printf("goal %s: not measured (target %.2f) missed\n", cid[c], cgoal[c])
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
		printf("goal memory_per_descriptor: not measured (target 256 bytes) missed\n")
	else
		printf("goal memory_per_descriptor: %.0f bytes (target 256 bytes) %s\n", worst,
		       worst <= 256 ? "met" : "missed")
}
