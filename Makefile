# smsmilter - top-level GNU Makefile (non-recursive)
#
# Each module directory contributes a fragment, <dir>/module.mk, that
# names its sources and flags; this file holds the common rules.
#
#   make                 build everything into $(O) (default build/)
#   make check           install deps, then the full gate (tests/check.sh)
#   make check-sendmail  smsmilter behind Sendmail in a Debian 12 root
#   make deb             the Debian package, in build/deb/
#   make check-deb       ...installed with apt in a Debian 12 root
#   make SANITIZE=address,undefined check-unit
#                        build and run the unit tests under sanitizers
#   make bench           benchmarks, side by side with the peers
#   make fuzz            run the fuzzers (FUZZ_SECONDS each, default 300)
#   make install         PREFIX (/usr/local) and DESTDIR honoured
#   make demo            the README's first command
#   make format / format-check

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# The configuration is SYSCONFDIR/smsmilter/smsmilter.conf: the default
# compiled into the three programs and the -c of the systemd units
# (/etc whatever PREFIX is, as INSTALL has it; change both with it).
SYSCONFDIR ?= /etc
CONF_PATH := $(SYSCONFDIR)/smsmilter/smsmilter.conf

CC ?= cc
PKG_CONFIG ?= pkg-config
SANITIZE ?=
WERROR ?=

ifneq ($(SANITIZE),)
O ?= build/san
else
O ?= build
endif

WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wno-unused-parameter
CFLAGS ?= -g -O2
CFLAGS += -std=c11 -fno-common $(WARNINGS)
CPPFLAGS += -I. -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
ifneq ($(WERROR),)
CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

# Filled in by the fragments.
PROGRAMS :=
TESTS :=
MAN_PAGES :=

all:

include util/module.mk
include sms/module.mk
include conf/module.mk
include mailparse/module.mk
include store/module.mk
include policy/module.mk
include transport/module.mk
include milter/module.mk
include gateway/module.mk
include tools/module.mk
include tests/module.mk
include bench/module.mk

all: $(PROGRAMS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/%.a:
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

-include $(shell find $(O) -path '$(O)/deb' -prune -o -name '*.d' -type f \
	-print 2>/dev/null)

# The objects that name the default configuration, rebuilt when
# CONF_PATH changes (the stamp is rewritten only then).
CONF_PATH_OBJS := $(O)/milter/main.o $(O)/gateway/main.o \
	$(O)/tools/smsctl.o $(O)/tools/cmd_render.o
$(CONF_PATH_OBJS): CPPFLAGS += -DCONF_DEFAULT_PATH='"$(CONF_PATH)"'
$(CONF_PATH_OBJS): $(O)/conf_path.stamp
$(O)/conf_path.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(CONF_PATH)' | cmp -s - $@ || echo '$(CONF_PATH)' >$@
FORCE:

# The version: the first line of debian/changelog, "smsmilter (0.1.0)
# ...", is its one source; -V of the three programs and smsgw's
# /metrics build_info say it. util/version.o alone is compiled with it,
# rebuilt when it changes (the stamp is rewritten only then).
VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
$(O)/util/version.o: CPPFLAGS += -DSMSMILTER_VERSION='"$(VERSION)"'
$(O)/util/version.o: $(O)/version.stamp
$(O)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@

.PHONY: FORCE all deps check check-sendmail check-pg deb check-deb check-unit tests format format-check install \
	uninstall clean bench fuzz demo man-check docs chaos

deps:
	@sh scripts/deps.sh

check: deps
	@sh tests/check.sh

tests: $(TESTS)

# the fault-injection suite in full: 1,000 texts, kills of both daemons
chaos: all
	@sh tests/chaos/run.sh $(O) --full

# deb: the Debian package from debian/, built with dpkg-buildpackage in
# a copy of the tracked files (build/deb/src), left in build/deb/
deb:
	rm -rf $(O)/deb
	mkdir -p $(O)/deb/src
	git ls-files -z | tar --null -T - -cf - | tar -x -C $(O)/deb/src
	cd $(O)/deb/src && dpkg-buildpackage -us -uc -b
	@ls $(O)/deb/*.deb

# check-deb: that package installed with apt in a Debian 12 root (the
# one check-sendmail keeps; apt needs the mirror), then INSTALL's lines
# for it run there with Debian's Postfix (a layer with postfix and the
# package's libraries, made once and kept in DEB_LAYER)
check-deb: deb
	@sh tests/e2e/test_deb.sh $(O)/deb/smsmilter_*_$$(dpkg --print-architecture).deb
	@sh tests/e2e/test_deb_loop.sh $(O)/deb/smsmilter_*_$$(dpkg --print-architecture).deb

# Sendmail (it conflicts with Postfix) in a Debian 12 root made once by
# debootstrap and kept in SENDMAIL_ROOT: minutes the first time, so not
# part of make check
check-sendmail: all
	@sh tests/e2e/test_sendmail.sh $(O)

# two sites (Postfix, smsmilter, smsgw each) on one private PostgreSQL:
# 2,000 mails, a gateway killed, the server stopped for 10 s (minutes:
# not part of make check)
check-pg: all
	@sh tests/e2e/test_pg_sites.sh $(O)

# check-unit: the unit programs and the fuzz corpora's replays, UNIT_JOBS
# at a time (each is one process: the cores are otherwise idle);
# UNIT_REPLAYS=no leaves the replays out (valgrind: the sanitizer run
# replays them with leak detection)
UNIT_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
UNIT_SET = $(if $(filter no,$(UNIT_REPLAYS)),$(filter-out %/replay_%,$(TESTS)),$(TESTS))
check-unit: $(TESTS)
	@printf '%s\n' $(UNIT_SET) | xargs -P $(UNIT_JOBS) -n 1 sh tests/run-unit.sh

SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	find . -name '*.[ch]' -not -path './build/*' -not -path '*/node_modules/*')

format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run --Werror $(SOURCES) && echo "format-check: ok"

DOCDIR ?= $(PREFIX)/share/doc/smsmilter
UNITDIR ?= $(PREFIX)/lib/systemd/system
UNITS := contrib/systemd/smsmilter.service contrib/systemd/smsgw.service

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	@for m in $(MAN_PAGES); do \
	    d=$(DESTDIR)$(MANDIR)/man$${m##*.}; \
	    echo "install -m 644 $$m $$d/"; \
	    install -d $$d && install -m 644 $$m $$d/ || exit 1; \
	done
	install -m 644 conf/smsmilter.conf \
	    $(DESTDIR)$(DOCDIR)/smsmilter.conf.sample
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/contrib
	@for u in $(UNITS); do \
	    echo "install -m 644 $$u $(DESTDIR)$(UNITDIR)/"; \
	    sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@CONF_PATH@|$(CONF_PATH)|g' \
	        $$u.in >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	cp -R contrib/. $(DESTDIR)$(DOCDIR)/contrib/

man-check:
	@for m in $(MAN_PAGES); do \
	    out=$$(groff -ww -man -Tutf8 -z $$m 2>&1); \
	    if [ -n "$$out" ]; then echo "$$m: $$out"; exit 1; fi; \
	done; echo "man-check: ok ($(words $(MAN_PAGES)) pages)"

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS)))
	@for m in $(MAN_PAGES); do \
	    rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -f $(DESTDIR)$(DOCDIR)/smsmilter.conf.sample
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	rm -rf $(DESTDIR)$(DOCDIR)/contrib

docs: $(SMSCTL)
	sh scripts/gen-docs.sh $(SMSCTL)

clean:
	rm -rf build

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(O)
