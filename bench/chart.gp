# SPDX-License-Identifier: GPL-2.0
#
# make bench's chart (tools/bench): the median ratio of every comparison on
# every kernel, min-max over the rounds as error bars, goals as diamonds.
# Variables: datafile (report.awk's chart.dat), outfile, kernels (names,
# space-separated), subtitle.
set terminal pngcairo size 1600,1000 font "DejaVu Sans,11"
set output outfile
nk = words(kernels)
set title "procdesc: make bench ratios, lower is better\n{/*0.8 ".subtitle."}"
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.75 border -1
set boxwidth 0.9
set logscale y 2
set yrange [0.04:64]
set ytics (0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4, 8, 16, 32, 64)
set ylabel "ratio: median over rounds (bars: min-max)"
set xtics rotate by -45 left scale 0 font ",10" noenhanced
set grid ytics
set key top left box opaque
set bmargin 18
set rmargin 22
set datafile missing "NaN"
plot for [i=0:nk-1] datafile using (column(3+3*i)):(column(4+3*i)):(column(5+3*i)):xtic(1) \
	title word(kernels, i+1), \
     datafile using 0:2 with points pt 13 ps 2 lc rgb "black" title "goal (at most)", \
     1 with lines dt 2 lc rgb "gray40" notitle
