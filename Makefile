# wtlua: a Lua-scriptable syscall tracer.  `make` builds ./wtlua, `make test`
# runs every test, `make demo` traces the bundled example install; both
# first install the packages they need (`make deps`, see Dependencies).
# `make check-asan` and `make check-valgrind` run the whole suite under
# AddressSanitizer+UBSan and under memcheck; `make fuzz` runs the libFuzzer
# targets of tests/fuzz for FUZZ_SECONDS each.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/wtlua
MANDIR  ?= $(PREFIX)/share/man/man1

CC      ?= cc
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config

# ---- Dependencies ----
# `make` installs nothing: it checks the libraries it links with pkg-config
# and stops with the command that installs a missing one.  `make deps`
# installs the missing Debian packages of DEPS_PACKAGES (as root, through
# apt-get; otherwise it prints the command); `make test`, `make demo` and
# the check, fuzz and bench targets run it first.

# Each library the build links, as pkg-config-module:Debian-package.
BUILD_DEPS := lua5.4:liblua5.4-dev libseccomp:libseccomp-dev libdw:libdw-dev \
              sqlite3:libsqlite3-dev
pc_modules  = $(foreach d,$1,$(firstword $(subst :, ,$d)))
pc_packages = $(foreach d,$1,$(lastword $(subst :, ,$d)))
BUILD_MODULES := $(call pc_modules,$(BUILD_DEPS))

DEPS_PACKAGES := pkg-config $(call pc_packages,$(BUILD_DEPS))
DEPS_PACKAGES += libcmocka-dev  # unit and e2e test programs
DEPS_PACKAGES += gcc-multilib   # the -m32 fixtures
DEPS_PACKAGES += strace         # test_xlat prints what strace prints
DEPS_PACKAGES += lua-cjson      # --json reports, which the tests read
DEPS_PACKAGES += python3        # tests/e2e/doc-examples, and test programs written in it
DEPS_PACKAGES += fuse3 libfuse3-dev  # the FUSE fixture and tests
DEPS_PACKAGES += liburing-dev   # the io_uring fixture and tests
DEPS_PACKAGES += sqlite3            # test_capture queries captures with the sqlite3 shell
INSTALL_DEPS = tests/install-deps $(strip $(DEPS_PACKAGES))

# build-deps' one-line errors.
MISSING_DEPS = $(strip $(foreach d,$(BUILD_DEPS),$(if $(shell $(PKG_CONFIG) --exists \
    $(call pc_modules,$d) 2>/dev/null && echo y),,$d)))
NO_PKG_CONFIG_ERROR = $(PKG_CONFIG) is not installed: install it and the libraries with \
    `sudo apt-get install pkg-config $(call pc_packages,$(BUILD_DEPS))` (on Debian or Ubuntu; \
    elsewhere, pkg-config or pkgconf and the packages that provide $(BUILD_MODULES:=.pc))
MISSING_DEPS_ERROR = pkg-config cannot find $(call pc_modules,$(MISSING_DEPS)): install with \
    `sudo apt-get install $(call pc_packages,$(MISSING_DEPS))` (on Debian or Ubuntu; \
    elsewhere, the packages that provide $(addsuffix .pc,$(call pc_modules,$(MISSING_DEPS))))

# Recursive (=): pkg-config runs when a recipe needs the flags, after
# build-deps has checked that it finds them.
WT_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes -Isrc \
            $(shell $(PKG_CONFIG) --cflags $(BUILD_MODULES))
WT_LIBS   = $(shell $(PKG_CONFIG) --libs $(BUILD_MODULES))
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka)

B := build
# The binary `make` writes and the e2e tests run; check-asan and
# check-valgrind build theirs under their own build directory.
WTLUA_BIN ?= wtlua
# What the e2e tests execute as wtlua (check-valgrind: a valgrind wrapper),
# and a command prefix for each unit test program (check-valgrind: valgrind).
E2E_WTLUA ?= $(abspath $(WTLUA_BIN))
UNIT_RUN  ?=
# Sources linked into every unit and e2e test program (check-valgrind: the
# skipping of tests that cannot run under valgrind).
TEST_EXTRA ?=
ENGINE_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
ENGINE_OBJ := $(ENGINE_SRC:src/%.c=$(B)/obj/%.o)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
E2E_SRC   := $(wildcard tests/e2e/test_*.c)
E2E_BIN   := $(E2E_SRC:tests/e2e/%.c=$(B)/tests/%)
FIX_SRC   := $(wildcard tests/fixtures/*.c)
# Fixtures also built with -m32, to trace i386 tracees.
FIXTURES_32 := openers hostile stress own_filter changes syscalls stack_chain
# sc:stack's fixture also built static, not position-independent, and
# stripped of its symbol table.
FIXTURES_LINKED := stack_chain-static stack_chain-nopie stack_chain-stripped
FIX_BIN   := $(FIX_SRC:tests/fixtures/%.c=$(B)/fixtures/%) \
             $(FIXTURES_32:%=$(B)/fixtures/%-32) $(FIXTURES_LINKED:%=$(B)/fixtures/%)

.PHONY: all deps build-deps test unit e2e demo bench install uninstall clean \
        check-asan check-valgrind fuzz fuzz-build FORCE
all: $(WTLUA_BIN)

deps:
	@$(INSTALL_DEPS)

# Everything that compiles against the libraries waits for this check.
build-deps:
	$(if $(shell $(PKG_CONFIG) --version 2>/dev/null),,$(error $(NO_PKG_CONFIG_ERROR)))
	$(if $(MISSING_DEPS),$(error $(MISSING_DEPS_ERROR)))

$(B)/obj/%.o: src/%.c | build-deps
	@mkdir -p $(@D)
	$(CC) $(WT_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Only main.c knows the installation directory.  The stamp holds the
# DATADIR main.o was built with, so `make install PREFIX=...` rebuilds it
# when that changes.
DATADIR_STAMP := $(B)/.datadir
$(DATADIR_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' > $@
$(B)/obj/main.o: WT_CFLAGS += -DWTLUA_DATADIR='"$(DATADIR)"'
$(B)/obj/main.o: $(DATADIR_STAMP)

$(WTLUA_BIN): $(B)/obj/main.o $(ENGINE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(WT_LIBS) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c $(ENGINE_OBJ) $(TEST_EXTRA) | build-deps
	@mkdir -p $(@D)
	$(CC) $(WT_CFLAGS) $(CMOCKA_CFLAGS) $(CFLAGS) -o $@ $^ $(WT_LIBS) $(CMOCKA_LIBS) $(LDLIBS)

# test_waiter counts the waiter's polls through sched_yield.
$(B)/tests/test_waiter: LDLIBS += -Wl,--wrap=sched_yield

$(B)/tests/%: tests/e2e/%.c tests/e2e/e2e.h $(TEST_EXTRA) | build-deps
	@mkdir -p $(@D)
	$(CC) $(WT_CFLAGS) $(CMOCKA_CFLAGS) $(CFLAGS) -o $@ $< $(TEST_EXTRA) $(CMOCKA_LIBS) -lpthread

$(B)/fixtures/%: tests/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -O1 -g -o $@ $< -lpthread

# The FUSE fixture needs libfuse3 (make deps); where pkg-config does not
# know fuse3 it is not built, and the FUSE tests skip.
$(B)/fixtures/fuse_memfs: tests/fixtures/fuse_memfs.c
	@mkdir -p $(@D)
	@if pkg-config --exists fuse3; then set -x; \
	    $(CC) -std=gnu11 -Wall -Wextra -O1 -g $$(pkg-config --cflags fuse3) -o $@ $< \
	        $$(pkg-config --libs fuse3); \
	else echo "no fuse3 (pkg-config): $@ not built, the FUSE tests skip"; fi

# The io_uring fixture links liburing (make deps).
$(B)/fixtures/uring_writer: tests/fixtures/uring_writer.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -O1 -g -o $@ $< -luring

$(B)/fixtures/%-32: tests/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) -m32 -std=gnu11 -Wall -Wextra -O1 -g -o $@ $< -lpthread

$(B)/fixtures/%-static: tests/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) -static -DSTATIC_LINK -std=gnu11 -Wall -Wextra -O1 -g -o $@ $< -lpthread

$(B)/fixtures/%-nopie: tests/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) -no-pie -fno-pie -std=gnu11 -Wall -Wextra -O1 -g -o $@ $< -lpthread

$(B)/fixtures/%-stripped: tests/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) -s -std=gnu11 -Wall -Wextra -O1 -o $@ $< -lpthread

# Every test program runs even after one fails; the target fails at the end.
# test_modify traces fixtures.
unit: $(UNIT_BIN) $(FIX_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; \
	    FIXTURES=$(CURDIR)/$(B)/fixtures $(UNIT_RUN) $$t || fail=1; done; exit $$fail

# The tests run make as a traced command: it must not see this make's flags
# (with -j, a jobserver it is not given).
e2e: $(WTLUA_BIN) $(E2E_BIN) $(FIX_BIN)
	@fail=0; for t in $(E2E_BIN); do echo "== $$t"; \
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL WTLUA=$(E2E_WTLUA) \
	    FIXTURES=$(CURDIR)/$(B)/fixtures SRCROOT=$(CURDIR) $$t || fail=1; done; exit $$fail

# The targets that install packages build in a make of their own, which
# starts after the packages are there (make -j would not wait).
test: deps
	@$(MAKE) --no-print-directory unit e2e

demo: deps
	@$(MAKE) --no-print-directory wtlua
	@tests/example/run-demo ./wtlua

bench:
	@$(INSTALL_DEPS) strace python3 liburing-dev
	@$(MAKE) -s --no-print-directory wtlua $(B)/fixtures/syscall_loop $(B)/fixtures/uring_writer
	@tests/bench/run-bench ./wtlua $(B)/fixtures/syscall_loop \
	    --uring-writer $(B)/fixtures/uring_writer

# What install puts under DATADIR, which may be a directory shared with
# others: uninstall removes these files, then these directories (deepest
# first) when they are left empty.
DATA_FILES := $(wildcard lua/*.lua lua/wt/*.lua scripts/*.lua)
DATA_DIRS  := lua/wt lua scripts

install: $(WTLUA_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DATA_DIRS:%=$(DESTDIR)$(DATADIR)/%)
	install -m 755 $(WTLUA_BIN) $(DESTDIR)$(BINDIR)/wtlua
	install -m 644 docs/wtlua.1 $(DESTDIR)$(MANDIR)/wtlua.1
	for f in $(DATA_FILES); do install -m 644 $$f $(DESTDIR)$(DATADIR)/$$f || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wtlua $(DESTDIR)$(MANDIR)/wtlua.1 \
	    $(DATA_FILES:%=$(DESTDIR)$(DATADIR)/%)
	for d in $(DATA_DIRS:%=$(DESTDIR)$(DATADIR)/%) $(DESTDIR)$(DATADIR); do \
	    if [ -d $$d ]; then rmdir --ignore-fail-on-non-empty $$d || exit 1; fi; done

# ---- The suite under AddressSanitizer+UBSan, under memcheck; fuzzing ----
# Each builds in a directory of its own, with DATADIR pointing at this tree
# so that its wtlua (not next to lua/) finds the prelude here.  Sanitizer
# and valgrind reports go to per-process files, since some come from forked
# children or from runs whose stderr no test looks at: any report fails the
# target (tests/check-reports), after the tests have run.

SAN_B      = $(B)/asan
SAN_FLAGS ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=all
SAN_LOGS   = $(CURDIR)/$(SAN_B)/logs
# abort_on_error: a sanitizer that cannot make syscalls (a test child whose
# seccomp filter fails them all) then dies instead of spinning in its exit
# path; any report that was written still fails the target.
SAN_OPTS   = abort_on_error=1:log_path=$(SAN_LOGS)
SAN_ENV    = ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:$(SAN_OPTS)/asan \
             UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:$(SAN_OPTS)/ubsan \
             LSAN_OPTIONS=suppressions=$(CURDIR)/tests/asan/lsan.supp:print_suppressions=0

# The report directories are world-writable (sticky): some e2e tests run
# wtlua as nobody (tests/e2e/test_unprivileged.c).
check-asan: deps
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS) && chmod 1777 $(SAN_LOGS)
	@rc=0; $(SAN_ENV) $(MAKE) --no-print-directory B=$(SAN_B) WTLUA_BIN=$(SAN_B)/wtlua \
	    DATADIR=$(CURDIR) CFLAGS='$(SAN_FLAGS)' LDFLAGS='$(SAN_FLAGS)' -k unit e2e || rc=1; \
	    tests/check-reports $(SAN_LOGS) || rc=1; exit $$rc

# Memcheck on an unoptimised build; tests/valgrind/wtlua runs the real
# binary under valgrind without following the traced command (the e2e tests
# exec it as wtlua), tests/valgrind/run does the same for a unit test
# program.  tests/valgrind/wtlua.supp and tests/valgrind/ignore explain the
# reports and warnings that are not wtlua's.
VG_B       = $(B)/valgrind
VG_CFLAGS ?= -O0 -g
# Tests left out under valgrind (PROGRAM:GLOB, see tests/valgrind/skip.c;
# one glob per program):
# - test_filter:test_install_*: they make i386 syscalls with "int 0x80"
#   from a 64-bit process, which valgrind does not emulate (SIGILL).
# - test_errors:test_exec_fails_in_child: wtlua's child runs under valgrind
#   until its execve; when that execve fails after valgrind's own checks
#   passed (a #! line naming a missing interpreter), valgrind cannot
#   recover and exits 101 instead of letting the child report the error.
# - test_scripts:test_slow: the command's first execve is made by that
#   child under valgrind and takes over 10 ms, which the test's
#   "threshold=10" run then reports.
# - test_trace:test_as_strace_*: they compare wtlua's log with strace's,
#   and that child's own syscalls before its execve (valgrind's) are
#   traced, where strace's child makes none.
# - test_capture:test_killed_capture_is_truncated: under the e2e harness and
#   memcheck the probing sqlite3 shell kept seeing no events table for the
#   test's 20 s, though the file had it when looked at afterwards (not
#   reproduced outside the harness).  It
#   runs in make test and check-asan.
VG_SKIP_TESTS ?= test_filter:test_install_* test_errors:test_exec_fails_in_child \
                 test_scripts:test_slow test_trace:test_as_strace_* \
                 test_capture:test_killed_capture_is_truncated
VG_ENV     = VALGRIND_WTLUA=$(CURDIR)/$(VG_B)/wtlua VALGRIND_LOGS=$(CURDIR)/$(VG_B)/logs \
             VALGRIND_SUPP=$(CURDIR)/tests/valgrind/wtlua.supp \
             VALGRIND_SKIP_TESTS='$(VG_SKIP_TESTS)'

check-valgrind:
	@$(INSTALL_DEPS) valgrind
	@rm -rf $(VG_B)/logs && mkdir -p $(VG_B)/logs && chmod 1777 $(VG_B)/logs
	@rc=0; $(VG_ENV) $(MAKE) --no-print-directory B=$(VG_B) WTLUA_BIN=$(VG_B)/wtlua \
	    DATADIR=$(CURDIR) CFLAGS='$(VG_CFLAGS)' TEST_EXTRA=tests/valgrind/skip.c \
	    E2E_WTLUA=$(CURDIR)/tests/valgrind/wtlua UNIT_RUN=$(CURDIR)/tests/valgrind/run \
	    -k unit e2e || rc=1; \
	    tests/check-reports $(VG_B)/logs tests/valgrind/ignore || rc=1; exit $$rc

# libFuzzer targets (clang): tests/fuzz/fuzz_*.c against the engine objects
# built with -fsanitize=fuzzer-no-link.  Each runs FUZZ_SECONDS on a copy of
# its seed corpus (tests/fuzz/corpus/NAME), an input running longer than
# FUZZ_TIMEOUT counts as a hang; crashes and hangs land in
# $(FUZZ_B)/NAME/crashes/ (rerun one: $(FUZZ_B)/fuzzers/NAME FILE; the
# reproducers of bugs found so far are in tests/fuzz/regress/NAME/).
FUZZ_B        = $(B)/fuzz
FUZZ_CC      ?= clang
FUZZ_FLAGS   ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_ARGS    ?=
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/%.c=%)

$(B)/fuzzers/%: tests/fuzz/%.c $(ENGINE_OBJ) | build-deps
	@mkdir -p $(@D)
	$(CC) $(WT_CFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(WT_LIBS) $(LDLIBS)

fuzz-build:
	@$(INSTALL_DEPS) clang libclang-rt-dev
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) \
	    CFLAGS='$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link' $(FUZZ_NAMES:%=$(FUZZ_B)/fuzzers/%)

fuzz: fuzz-build
	@rc=0; for f in $(FUZZ_NAMES); do \
	    echo "== $$f: $(FUZZ_SECONDS) s"; \
	    mkdir -p $(FUZZ_B)/$$f/corpus $(FUZZ_B)/$$f/crashes; \
	    cp -n tests/fuzz/corpus/$$f/* $(FUZZ_B)/$$f/corpus/ 2>/dev/null; \
	    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(FUZZ_B)/fuzzers/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_B)/$$f/crashes/ $(FUZZ_ARGS) \
	        $(FUZZ_B)/$$f/corpus || rc=1; \
	done; exit $$rc

clean:
	rm -rf $(B) wtlua

-include $(wildcard $(B)/obj/*.d)
