# SPDX-License-Identifier: GPL-2.0
#
# make bench: procdesc against the kernel's own process interfaces, in a VM
# on every target kernel (tools/bench; doc/performance.md).
# Included by the top-level Makefile, whose variables it uses.
#
#   make bench                    the full run: 10 minutes quiet, 18 on a busy host
#   make bench BENCH_ARGS=--quick a short run, to try changes
#   make bench-build              only build what it runs

BENCH_OUT := $(BUILD)/bench
BENCH_NOTRACE := $(foreach k,$(KVERS),$(BUILD)/$(k)-notrace/procdesc.ko)
BENCH_ARGS ?=

STYLE_PLAIN += $(wildcard bench/*.c)

.PHONY: bench bench-build
bench: deps
	$(MAKE) bench-build
	tools/bench $(BENCH_ARGS)

bench-build: modules lib $(BENCH_NOTRACE) $(BENCH_OUT)/pdbench $(BENCH_OUT)/exit0

# The module with every trace call compiled out (src/procdesc.h), for the
# cost of disabled tracepoints. The shorter stem wins over build/%/procdesc.ko.
$(BUILD)/%-notrace/procdesc.ko: $(MODULE_SOURCES) FORCE
	$(call build_module,$(BUILD)/$*-notrace,/lib/modules/$*/build,KCFLAGS=-DPROCDESC_NO_TRACEPOINTS,\
		$(call in_root,$*))

$(BENCH_OUT)/pdbench: bench/pdbench.c lib
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< $(BUILD)/lib/libprocdesc.a

# Static and without a C library: exec costs as little as it can.
$(BENCH_OUT)/exit0: bench/exit0.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -static -nostdlib -fno-stack-protector -o $@ $<
