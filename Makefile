# SPDX-License-Identifier: GPL-2.0
#
# procdesc. The kernel module is described by Kbuild; this file builds it
# for each target kernel, builds the library, the selftests and examples,
# and runs them in QEMU.
#
#   make                 build everything, the module for every target kernel
#   make KVER=<release>  the module for one kernel
#   make deps            install the Debian packages the build and tests need
#   make run             demonstrate procdesc in a 6.12 VM
#   make check           run the selftests on every target kernel in a VM
#   make debug-kernel    build (once) the KASAN/lockdep/kmemleak kernel
#   make check-debug     run the suite, long stress and fuzz on that kernel

TOP := $(abspath .)
BUILD := $(TOP)/build

# The target kernels: every kernel with headers here, and those of the build
# roots (tools/build-root: 5.10 and the newest of trixie-backports, whose
# headers need their own release's compiler), built inside their root.
HOST_KVERS := $(sort $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build))))
ROOT_KVERS := $(shell $(TOP)/tools/build-root list 2>/dev/null | cut -d ' ' -f 3)
KVERS ?= $(HOST_KVERS) $(filter-out $(HOST_KVERS),$(ROOT_KVERS))
ifdef KVER
KVERS := $(KVER)
endif
LINUX_SOURCE := /usr/src/linux-source-6.12.tar.xz
# Files we use from Debian's kernel source, extracted once, never committed.
KSRC := $(BUILD)/linux-source
KSRC_FILES := tools/testing/selftests/kselftest_harness.h \
	tools/testing/selftests/kselftest.h scripts/checkpatch.pl \
	scripts/spelling.txt scripts/const_structs.checkpatch
KSFT := $(KSRC)/tools/testing/selftests
CHECKPATCH := $(KSRC)/scripts/checkpatch.pl
MODULE_SOURCES := Kbuild $(wildcard src/*.c src/*.h) include/uapi/linux/procdesc.h
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -Iinclude/uapi -Ilib/include

.PHONY: all modules lib selftests examples loadgen style header-check deps check run clean FORCE \
	debug-kernel debug-module check-debug
all: modules lib selftests examples loadgen

# Each kernel gets a build directory of links to the sources, so kbuild
# writes its objects there and never into src/.
modules: $(foreach k,$(KVERS),$(BUILD)/$(k)/procdesc.ko)

# in_root RELEASE: nothing for a kernel whose headers are installed here;
# for one of a build root, the command prefix that runs kbuild in that root,
# with the tree (and build/) at the same paths.
in_root = $(if $(wildcard /lib/modules/$(1)/build),,$(if $(filter $(1),$(ROOT_KVERS)),\
	$(TOP)/tools/build-root run --bind $(TOP) $(if $(filter $(TOP)/%,$(BUILD)),,--bind $(BUILD)) \
	$(1) --))

# build_module DIR KERNEL-TREE [KBUILD-VARIABLES] [COMMAND-PREFIX]
define build_module
	@mkdir -p $(1)
	@cp -rsf $(TOP)/Kbuild $(TOP)/src $(TOP)/include $(1)/
	@find $(1)/ -xtype l -delete
	$(4) $(MAKE) -C $(2) M=$(1) $(3) modules
endef

$(BUILD)/%/procdesc.ko: $(MODULE_SOURCES) FORCE
	$(call build_module,$(BUILD)/$*,/lib/modules/$*/build,,$(call in_root,$*))

# The library and the selftests, native and 32-bit (build/lib32,
# build/selftests32): 32-bit callers reach the module through compat_ioctl.
lib:
	$(MAKE) -C lib O=$(BUILD)/lib WERROR=-Werror
	$(MAKE) -C lib O=$(BUILD)/lib32 EXTRA_CFLAGS=-m32 WERROR=-Werror

$(KSRC)/.stamp: $(LINUX_SOURCE)
	@mkdir -p $(KSRC)
	tar -xJf $< -C $(KSRC) --strip-components=1 $(addprefix linux-source-6.12/,$(KSRC_FILES))
	@touch $@

selftests: lib $(KSRC)/.stamp
	$(MAKE) -C selftests O=$(BUILD)/selftests \
		LIBPROCDESC=$(BUILD)/lib/libprocdesc.a KSFT=$(KSFT)
	$(MAKE) -C selftests O=$(BUILD)/selftests32 EXTRA_CFLAGS=-m32 \
		LIBPROCDESC=$(BUILD)/lib32/libprocdesc.a KSFT=$(KSFT)

# Kernel style, checkpatch --strict. Three exceptions, as in the kernel's
# own trees: version checks are the point of src/compat.h, as are macros
# that drop an argument of an older kernel's prototype or declare a function
# by name; trace event definitions are laid out the way every kernel trace
# header is; and clone_time_test plays a container's seccomp profile, which
# answers clone3 with ENOSYS.
STYLE_PLAIN := $(filter-out src/compat.h src/pd_events.h selftests/clone_time_test.c, \
	$(wildcard src/*.[ch] lib/*.c lib/include/sys/*.h examples/*.c selftests/*.[ch]) \
	include/uapi/linux/procdesc.h)
style: $(KSRC)/.stamp
	$(CHECKPATCH) --strict --no-tree --quiet -f $(STYLE_PLAIN)
	$(CHECKPATCH) --strict --no-tree --quiet -f \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_ARG_UNUSED,MACRO_ARG_REUSE \
		src/compat.h
	$(CHECKPATCH) --strict --no-tree --quiet -f \
		--ignore PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE src/pd_events.h
	$(CHECKPATCH) --strict --no-tree --quiet -f --ignore ENOSYS \
		selftests/clone_time_test.c

# <sys/procdesc.h> compiles in every mode a user may build in, native and
# 32-bit, with and without libprocdesc-freebsd's <sys/wait.h>: one target
# per language, which make check reports each.
HEADER_CHECK_FLAGS := -Wall -Wextra -Werror -pedantic -Ilib/include -c -o /dev/null
header-check-c89 header-check-c99 header-check-c11:
	for m in -m64 -m32; do for f in -Ilib/include -isystem\ lib/include/freebsd; do \
		$(CC) -x c -std=$(subst header-check-,,$@) $$m $$f $(HEADER_CHECK_FLAGS) \
			selftests/header_check.h || exit 1; done; done
header-check-c++:
	for s in c++98 c++17; do for f in -Ilib/include -isystem\ lib/include/freebsd; do \
		$(CXX) -x c++ -std=$$s $$f $(HEADER_CHECK_FLAGS) \
			selftests/header_check.h || exit 1; done; done
header-check: header-check-c89 header-check-c99 header-check-c11 header-check-c++

EXAMPLES := demo sandboxed-supervisor freebsd-style
examples: $(addprefix $(BUILD)/examples/,$(EXAMPLES))

$(BUILD)/examples/%: examples/%.c lib
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< $(BUILD)/lib/libprocdesc.a -lseccomp

# Built as a FreeBSD program is: `pkg-config --cflags libprocdesc-freebsd`
# puts this include directory first on the system path.
$(BUILD)/examples/freebsd-style: USER_CFLAGS += -isystem lib/include/freebsd

# The load generator the bpftrace script tests trace, native and 32-bit.
loadgen: $(BUILD)/tools/loadgen $(BUILD)/tools/loadgen32
$(BUILD)/tools/loadgen: tools/bpftrace/loadgen.c lib
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -pthread -o $@ $< $(BUILD)/lib/libprocdesc.a
$(BUILD)/tools/loadgen32: tools/bpftrace/loadgen.c lib
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -m32 -pthread -o $@ $< $(BUILD)/lib32/libprocdesc.a

deps:
	@tools/install-deps

run: deps
	$(MAKE) all
	tools/vmtest --kernel 6.12 -- sh -c '$(BUILD)/examples/demo && echo && \
		$(BUILD)/examples/sandboxed-supervisor'

check: deps
	$(MAKE) all
	tools/check

# The debug kernel is cached outside the tree (tools/debug-kernel); the
# module built against it goes to build/debug.
debug-kernel: deps
	tools/debug-kernel build

debug-module: debug-kernel
	$(call build_module,$(BUILD)/debug,$$(tools/debug-kernel dir)/build)

check-debug: deps
	$(MAKE) all debug-module
	CHECK_KERNELS=debug tools/check --vm-only

# install, uninstall, deb, dkms-install, dkms-uninstall
include packaging/install.mk
include bench/bench.mk

clean:
	rm -rf $(BUILD)

FORCE:
