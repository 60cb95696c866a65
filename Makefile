# SPDX-License-Identifier: GPL-2.0
#
# procdesc. The kernel module is described by Kbuild; this file builds it
# for each target kernel, builds the library, the selftests and examples,
# and runs them in QEMU.
#
#   make                 build everything, the module for every installed kernel
#   make KVER=<release>  the module for one kernel
#   make deps            install the Debian packages the build and tests need
#   make run             demonstrate procdesc in a 6.12 VM
#   make check           run the selftests on every target kernel in a VM

KVERS ?= $(sort $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build))))
ifdef KVER
KVERS := $(KVER)
endif

TOP := $(abspath .)
BUILD := $(TOP)/build
KSFT := $(BUILD)/kselftest
LINUX_SOURCE := /usr/src/linux-source-6.12.tar.xz
MODULE_SOURCES := Kbuild $(wildcard src/*.c src/*.h) include/uapi/linux/procdesc.h
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) -Wall -Wextra -Werror -Iinclude/uapi -Ilib/include

.PHONY: all modules lib selftests examples deps check run clean FORCE
all: modules lib selftests examples

# Each kernel gets a build directory of links to the sources, so kbuild
# writes its objects there and never into src/.
modules: $(foreach k,$(KVERS),$(BUILD)/$(k)/procdesc.ko)

$(BUILD)/%/procdesc.ko: $(MODULE_SOURCES) FORCE
	@mkdir -p $(BUILD)/$*
	@cp -rsf $(TOP)/Kbuild $(TOP)/src $(TOP)/include $(BUILD)/$*/
	@find $(BUILD)/$*/ -xtype l -delete
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/$* modules

lib:
	$(MAKE) -C lib O=$(BUILD)/lib

# The kselftest harness comes from Debian's kernel source, not our tree.
$(KSFT)/kselftest_harness.h: $(LINUX_SOURCE)
	@mkdir -p $(KSFT)
	tar -xJf $< -C $(KSFT) --strip-components=4 \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h
	@touch $@

selftests: lib $(KSFT)/kselftest_harness.h
	$(MAKE) -C selftests O=$(BUILD)/selftests \
		LIBPROCDESC=$(BUILD)/lib/libprocdesc.a KSFT=$(KSFT)

examples: $(BUILD)/examples/demo

$(BUILD)/examples/%: examples/%.c lib
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< $(BUILD)/lib/libprocdesc.a

deps:
	@tools/install-deps

run: deps
	$(MAKE) all
	tools/vmtest --kernel 6.12 -- $(BUILD)/examples/demo

check: deps
	$(MAKE) all
	tools/check

clean:
	rm -rf $(BUILD)

FORCE:
