# SPDX-License-Identifier: GPL-2.0
#
# Installing procdesc. Included by the top-level Makefile; it also works on
# its own as `make -f packaging/install.mk <target>` (debian/rules uses it
# that way).
#
#   make install [PREFIX=/usr/local] [DESTDIR=]   library, headers, pkg-config
#                        files, man pages, bpftrace scripts
#   make uninstall       the same files removed
#   make dkms-install    the module source into /usr/src/procdesc-<ver>/, then
#                        dkms add, build and install for every kernel with headers
#                        (those older than 5.10 are skipped: dkms.conf)
#   make dkms-uninstall  dkms remove --all and the source directory
#   make deb             Debian packages into build/*.deb (dpkg-buildpackage)
#
# Only the native library is installed (the 32-bit one is for the tests).
# DESTDIR applies to every path. DEB_HOST_MULTIARCH, if set, puts the
# library into $(PREFIX)/lib/<triplet>. No udev rule is needed: the module
# creates /dev/procdesc with mode 0666 itself. Nothing is installed in
# /etc/modules-load.d: loading the module at boot is the administrator's
# choice, in a file of their own (see the README).

PD_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
PD_BUILD ?= $(PD_TOP)/build
# Where lib/Makefile puts the native library.
PD_LIBBUILD ?= $(PD_BUILD)/lib

# Remember whether a default goal was set before us: if not (we were
# included before the Makefile's first target, or run on our own), clear it
# again at the end so that none of these targets becomes the default.
PD_HAD_DEFAULT_GOAL := $(.DEFAULT_GOAL)

PD_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(PD_TOP)/dkms.conf)
PD_SONAME := $(shell sed -n 's/^SONAME[[:space:]]*:=[[:space:]]*//p' $(PD_TOP)/lib/Makefile)
PD_REALNAME := $(shell sed -n 's/^REALNAME[[:space:]]*:=[[:space:]]*//p' $(PD_TOP)/lib/Makefile)

PREFIX ?= /usr/local
DESTDIR ?=
ifneq ($(DEB_HOST_MULTIARCH),)
LIBDIR ?= $(PREFIX)/lib/$(DEB_HOST_MULTIARCH)
else
LIBDIR ?= $(PREFIX)/lib
endif
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BPFTRACEDIR ?= $(PREFIX)/share/procdesc/bpftrace
DKMS_SRCDIR ?= /usr/src/procdesc-$(PD_VERSION)

INSTALL ?= install
PD_MAN := $(sort $(wildcard $(PD_TOP)/man/*.[1-9]))
PD_BT := $(sort $(wildcard $(PD_TOP)/tools/bpftrace/*.bt))
PD_BT_README := $(wildcard $(PD_TOP)/tools/bpftrace/README.md)
PD_PC := $(PD_BUILD)/packaging/libprocdesc.pc $(PD_BUILD)/packaging/libprocdesc-freebsd.pc
# <sys/wait.h> for FreeBSD programs (libprocdesc-freebsd.pc puts it first).
FREEBSDINCLUDEDIR ?= $(INCLUDEDIR)/procdesc/freebsd
# The module source as DKMS builds it: nothing else is needed.
PD_DKMS_FILES := dkms.conf Kbuild \
	$(patsubst $(PD_TOP)/%,%,$(sort $(wildcard $(PD_TOP)/src/*.[ch]))) \
	include/uapi/linux/procdesc.h

.PHONY: install uninstall pd-lib pd-pc dkms-install dkms-uninstall \
	dkms-src-install deb

# The native library only (lib/Makefile; it rebuilds nothing up to date).
pd-lib:
	$(MAKE) -C $(PD_TOP)/lib O=$(PD_LIBBUILD)

pd-pc: $(PD_PC)
$(PD_PC): $(PD_BUILD)/packaging/%.pc: $(PD_TOP)/packaging/%.pc.in $(PD_TOP)/dkms.conf FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(PD_VERSION)|g' \
	    -e 's|@FREEBSDINCLUDEDIR@|$(FREEBSDINCLUDEDIR)|g' \
	    $< > $@.tmp
	mv -f $@.tmp $@

install: pd-lib pd-pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/sys $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(FREEBSDINCLUDEDIR)/sys \
		$(DESTDIR)$(MANDIR)/man2 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man4 \
		$(DESTDIR)$(BPFTRACEDIR)
	$(INSTALL) -m 644 $(PD_LIBBUILD)/libprocdesc.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 644 $(PD_LIBBUILD)/$(PD_REALNAME) $(DESTDIR)$(LIBDIR)/
	ln -sf $(PD_REALNAME) $(DESTDIR)$(LIBDIR)/$(PD_SONAME)
	ln -sf $(PD_REALNAME) $(DESTDIR)$(LIBDIR)/libprocdesc.so
	$(INSTALL) -m 644 $(PD_PC) $(DESTDIR)$(PKGCONFIGDIR)/
	$(INSTALL) -m 644 $(PD_TOP)/lib/include/sys/procdesc.h $(DESTDIR)$(INCLUDEDIR)/sys/procdesc.h
	$(INSTALL) -m 644 $(PD_TOP)/include/uapi/linux/procdesc.h $(DESTDIR)$(INCLUDEDIR)/linux/procdesc.h
	$(INSTALL) -m 644 $(PD_TOP)/lib/include/freebsd/sys/wait.h $(DESTDIR)$(FREEBSDINCLUDEDIR)/sys/wait.h
	$(foreach m,$(PD_MAN),$(INSTALL) -m 644 $(m) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/ &&) true
	$(INSTALL) -m 755 $(PD_BT) $(DESTDIR)$(BPFTRACEDIR)/
	$(if $(PD_BT_README),$(INSTALL) -m 644 $(PD_BT_README) $(DESTDIR)$(BPFTRACEDIR)/)
	$(if $(DESTDIR),,-ldconfig)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libprocdesc.a $(DESTDIR)$(LIBDIR)/libprocdesc.so \
		$(DESTDIR)$(LIBDIR)/$(PD_SONAME) $(DESTDIR)$(LIBDIR)/$(PD_REALNAME) \
		$(addprefix $(DESTDIR)$(PKGCONFIGDIR)/,$(notdir $(PD_PC))) \
		$(DESTDIR)$(INCLUDEDIR)/sys/procdesc.h $(DESTDIR)$(INCLUDEDIR)/linux/procdesc.h \
		$(DESTDIR)$(FREEBSDINCLUDEDIR)/sys/wait.h \
		$(foreach m,$(PD_MAN),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -rf $(DESTDIR)$(BPFTRACEDIR)
	@# Directories install made, if nothing else is in them now.
	@for d in $(addprefix $(DESTDIR),$(dir $(BPFTRACEDIR)) $(INCLUDEDIR)/sys \
		$(FREEBSDINCLUDEDIR)/sys $(FREEBSDINCLUDEDIR) $(dir $(FREEBSDINCLUDEDIR)) \
		$(INCLUDEDIR)/linux $(PKGCONFIGDIR) $(MANDIR)/man2 $(MANDIR)/man3 \
		$(MANDIR)/man4); do rmdir "$$d" 2>/dev/null || true; done
	$(if $(DESTDIR),,-ldconfig)

# The module through DKMS, from this tree: only the files DKMS needs are
# copied, so that dkms never sees build/ or .git.
dkms-src-install:
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	cd $(PD_TOP) && for f in $(PD_DKMS_FILES); do \
		$(INSTALL) -D -m 644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit 1; \
	done

dkms-install: dkms-src-install
	if [ -n "$$(dkms status procdesc/$(PD_VERSION))" ]; then \
		dkms remove procdesc/$(PD_VERSION) --all; fi
	dkms add procdesc/$(PD_VERSION)
	for d in /lib/modules/*/build/include; do \
		[ -d "$$d" ] || continue; \
		k=$${d#/lib/modules/}; k=$${k%/build/include}; \
		rc=0; dkms install procdesc/$(PD_VERSION) -k $$k || rc=$$?; \
		case $$rc in 0) ;; 77) echo "skipped $$k: procdesc needs 5.10 or newer";; \
		*) exit 1;; esac; \
	done
	dkms status procdesc

dkms-uninstall:
	if [ -n "$$(dkms status procdesc/$(PD_VERSION))" ]; then \
		dkms remove procdesc/$(PD_VERSION) --all; fi
	rm -rf $(DKMS_SRCDIR)

# Debian packages, built from a copy of the tree (dpkg-buildpackage writes
# into the parent directory): the files git knows plus new ones it does not
# ignore, or without git everything but build/ and .git.
PD_DEBDIR := $(PD_BUILD)/deb
PD_DEBSRC := $(PD_DEBDIR)/procdesc-$(PD_VERSION)
deb:
	@v=$$(cd $(PD_TOP) && dpkg-parsechangelog -SVersion); \
	if [ "$$v" != "$(PD_VERSION)" ]; then \
		echo "deb: debian/changelog says $$v, dkms.conf $(PD_VERSION)" >&2; exit 1; \
	fi
	rm -rf $(PD_DEBDIR)
	mkdir -p $(PD_DEBSRC)
	cd $(PD_TOP) && if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
			tar --null -T - -cf - ; \
	else \
		tar --exclude=./build --exclude=./.git -cf - . ; \
	fi | tar -xf - -C $(PD_DEBSRC)
	cd $(PD_DEBSRC) && dpkg-buildpackage -us -uc -b
	rm -f $(PD_BUILD)/*.deb $(PD_BUILD)/procdesc_*.changes $(PD_BUILD)/procdesc_*.buildinfo
	mv $(PD_DEBDIR)/*.deb $(PD_DEBDIR)/*.changes $(PD_DEBDIR)/*.buildinfo $(PD_BUILD)/
	rm -rf $(PD_DEBDIR)
	@ls -1 $(PD_BUILD)/*.deb

FORCE:

ifeq ($(PD_HAD_DEFAULT_GOAL),)
.DEFAULT_GOAL :=
endif
