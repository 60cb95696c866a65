// SPDX-License-Identifier: GPL-2.0
/*
 * exit0: the program the spawn benchmarks exec. Static, without a C
 * library: its only system call is exit_group(0), so what is measured is
 * the spawn and the exec, not a program's start-up.
 *
 * Built with -static -nostdlib (bench/bench.mk).
 */
void _start(void)
{
	/* exit_group(0): 231 on x86-64. */
	asm volatile("syscall" : : "a"(231), "D"(0) : "rcx", "r11", "memory");
	for (;;)
		;
}
