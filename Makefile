# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# sipxdp build, in the shape of libbpf-bootstrap's examples/c/Makefile.
#   make            build build/sipxdp (installs build packages if missing)
#   make run        build, then run the agent with its defaults
#   make test       every test: unit, BPF, replay, fuzz (seeds only), end-to-end
#   make bench      benchmarks (ns/packet against an empty XDP program, agent)
#   make vmtest     the BPF and attach tests in a Linux 6.1 guest (qemu; make test runs it)
#   make vmbench    the verifier benchmark in that guest (make bench runs it)
#   make fuzz       libFuzzer on the user-space parsers, FUZZ_SECONDS each, then
#                   the kernel against the agent's parser about as long
#   make install    install the binary, the systemd unit, the man page, the
#                   rules and the dashboard under $(PREFIX)
#   make deb        the Debian package, build/deb/sipxdp_*.deb (dpkg-buildpackage)
#   make V=1        show the full commands
OUTPUT := build
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= cc
PREFIX ?= /usr/local
# systemd reads units from /usr/local/lib/systemd/system too; Debian 12's
# packages put theirs in /lib/systemd/system (debian/rules says so).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DATADIR ?= $(PREFIX)/share/sipxdp
MANDIR ?= $(PREFIX)/share/man
# What make computes as it reads this file may only ask the base system
# (uname, and git, which cloned the tree): the compilers and libraries are not
# there yet on a fresh machine, they come with $(DEPS_STAMP).
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

WARN := -Wall -Wextra -Werror
INCLUDES := -Iinclude -I$(OUTPUT)
# clang -target bpf does not search the multiarch include directory, where
# <asm/types.h> lives (/usr/include/x86_64-linux-gnu): ask the host compiler
# for it. Recursive (=), and used only in recipes, so the compiler is asked
# when a BPF object is built, after $(DEPS_STAMP) has installed it, not when
# make parses this file.
MULTIARCH = $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) $(INCLUDES) \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))
CFLAGS ?= -g -O2
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -DSIPXDP_VERSION='"$(VERSION)"' $(INCLUDES)
LDLIBS := -lbpf -lxdp -lelf -lz -lpcap -lmicrohttpd -lm

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# BPF programs: the monitor, and the empty baseline the benchmarks compare with.
BPF_APPS := sipxdp
BPF_BENCH := xdp_pass xdp_classify
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_APPS) $(BPF_BENCH))

# Every user/*/*.c goes into one archive, so tests link only the objects
# they use. The folders are the agent's layers (README: Layout); each is on
# the include path.
USER_SRCS := $(wildcard user/*/*.c)
USER_HDRS := $(wildcard user/*/*.h)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
USER_INC := $(patsubst %/,-I%,$(sort $(dir $(USER_SRCS) $(USER_HDRS))))
LIB := $(OUTPUT)/libsipxdp.a

UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/%,$(wildcard tests/bpf/test_*.c))
BENCHES := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(wildcard bench/bench_*.c))

# Installs what the build needs when a tool or header is missing.
DEPS_STAMP := $(OUTPUT)/.build-deps
TEST_DEPS_STAMP := $(OUTPUT)/.test-deps

.PHONY: all run test unit-test bpf-test e2e-test bench vmtest vmbench fuzz fuzz-build install clean demo deps test-deps deb deb-deps
all: $(OUTPUT)/sipxdp

$(DEPS_STAMP): scripts/install-deps.sh
	$(call msg,DEPS,build packages)
	$(Q)mkdir -p $(OUTPUT)
	$(Q)scripts/install-deps.sh --build-only
	$(Q)touch $@

$(TEST_DEPS_STAMP): scripts/install-deps.sh
	$(call msg,DEPS,test packages)
	$(Q)mkdir -p $(OUTPUT)
	$(Q)scripts/install-deps.sh
	$(Q)touch $@

deps: $(DEPS_STAMP)
test-deps: $(TEST_DEPS_STAMP)

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) | $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp

$(OUTPUT)/%.bpf.o: bench/%.bpf.c | $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp

# A program the verifier must refuse, for the test of how a refusal is reported.
$(OUTPUT)/%.bpf.o: tests/bpf/%.bpf.c | $(DEPS_STAMP)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/user/%.o: user/%.c $(USER_HDRS) include/sipxdp.h $(SKELS) | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_INC) -c $< -o $@

$(LIB): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(OUTPUT)/sipxdp: user/main.c $(LIB) $(USER_HDRS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(USER_INC) $< $(LIB) $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c tests/testlib.h $(LIB)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(USER_INC) -Itests $< $(LIB) $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/bpf/%.c tests/testlib.h $(wildcard tests/bpf/*.h) $(LIB)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(USER_INC) -Itests $< $(LIB) $(LDLIBS) -o $@

$(OUTPUT)/bench/%: bench/%.c $(wildcard bench/*.h) $(LIB) $(SKELS)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(USER_INC) -Itests $< $(LIB) $(LDLIBS) -o $@

# The sender of the guest's attach test (busybox's nc has no UDP).
$(OUTPUT)/vm/udpsend: tests/vm/udpsend.c | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -o $@

# What tests/vm/vmtest.sh packs into the Linux 6.1 guest.
VM_TEST_BINS := $(OUTPUT)/sipxdp $(OUTPUT)/tests/test_parser $(OUTPUT)/tests/test_fuzz \
	$(OUTPUT)/tests/test_rtp \
	$(OUTPUT)/tests/test_refusal $(OUTPUT)/refused.bpf.o $(OUTPUT)/vm/udpsend
VM_BENCH_BINS := $(OUTPUT)/bench/bench_verifier $(OUTPUT)/sipxdp.bpf.o
# libFuzzer targets (tests/fuzz/fuzz_*.c) with ASan and UBSan. The library
# is built again into its own archive with the same sanitizers and coverage,
# or ASan would not see its bugs nor libFuzzer its branches; a target links
# only the objects it uses, as the tests do.
FUZZ_SECONDS ?= 30
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 $(FUZZ_SANITIZE) $(WARN) -std=gnu11 -D_GNU_SOURCE \
	-DSIPXDP_VERSION='"$(VERSION)"' $(INCLUDES) $(USER_INC)
FUZZ_DIR := $(OUTPUT)/fuzz
FUZZ_LIB := $(FUZZ_DIR)/libsipxdp.a
FUZZ_OBJS := $(patsubst user/%.c,$(FUZZ_DIR)/user/%.o,$(USER_SRCS))
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_DIR)/user/%.o: user/%.c $(USER_HDRS) include/sipxdp.h $(SKELS) | $(TEST_DEPS_STAMP)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	$(call msg,FUZZER,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB) $(LDLIBS) -o $@

# Binary seeds (pcap files, event records), written at build time so they
# follow the formats; the text seeds are committed under tests/fuzz/corpus/.
$(FUZZ_DIR)/make_seeds: tests/fuzz/make_seeds.c include/sipxdp.h | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< -lpcap -o $@

$(FUZZ_DIR)/seeds/.stamp: $(FUZZ_DIR)/make_seeds
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_DIR)/make_seeds $(@D)
	$(Q)touch $@

fuzz-build: $(FUZZ_TARGETS) $(FUZZ_DIR)/seeds/.stamp

# Then the kernel against the agent's parser (tests/bpf/test_fuzz.c's
# differential oracle) on a fresh seed, about FUZZ_SECONDS of packets: it
# prints the seed, which SIPXDP_FUZZ_SEED replays.
fuzz: $(TEST_DEPS_STAMP) fuzz-build $(OUTPUT)/tests/test_fuzz
	$(Q)tests/fuzz/run.sh $(OUTPUT) $(FUZZ_SECONDS)
	$(Q)SIPXDP_FUZZ_SEED=0x$$(od -An -N8 -tx8 /dev/urandom | tr -d ' ') \
		SIPXDP_FUZZ_PACKETS=$$(( $(FUZZ_SECONDS) * 10000 + 2 )) $(OUTPUT)/tests/test_fuzz

run: $(OUTPUT)/sipxdp
	$(OUTPUT)/sipxdp run $(ARGS)

# Every test; tests/run.sh prints each suite and the summed "N passed, N failed".
test: $(TEST_DEPS_STAMP) $(OUTPUT)/sipxdp $(UNIT_TESTS) $(BPF_TESTS) $(VM_TEST_BINS) fuzz-build
	$(Q)tests/run.sh $(OUTPUT)

bench: $(TEST_DEPS_STAMP) $(OUTPUT)/sipxdp $(BENCHES) $(VM_BENCH_BINS) $(OUTPUT)/tests/test_fuzz
	$(Q)bench/run.sh $(OUTPUT)

# Debian 12's Linux 6.1 under qemu (KVM where it works, else TCG); the
# kernel is fetched with apt-get download once, into SIPXDP_VMTEST_CACHE.
vmtest: $(TEST_DEPS_STAMP) $(VM_TEST_BINS)
	$(Q)tests/vm/vmtest.sh $(OUTPUT)

vmbench: $(TEST_DEPS_STAMP) $(VM_BENCH_BINS)
	$(Q)tests/vm/vmtest.sh --bench $(OUTPUT)

demo: $(TEST_DEPS_STAMP) $(OUTPUT)/sipxdp
	$(Q)scripts/demo.sh $(OUTPUT)

# The unit names the binary where this PREFIX puts it.
install: $(OUTPUT)/sipxdp
	install -D -m 0755 $(OUTPUT)/sipxdp $(DESTDIR)$(PREFIX)/sbin/sipxdp
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|/usr/sbin/sipxdp|$(PREFIX)/sbin/sipxdp|g' scripts/sipxdp.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/sipxdp.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/sipxdp.service
	install -D -m 0644 rules/sipxdp.rules.yml $(DESTDIR)$(DATADIR)/rules/sipxdp.rules.yml
	install -D -m 0644 dashboards/sipxdp.json $(DESTDIR)$(DATADIR)/dashboards/sipxdp.json
	install -D -m 0644 docs/sipxdp.8 $(DESTDIR)$(MANDIR)/man8/sipxdp.8
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/sipxdp docs/metrics.md docs/json.md

# dpkg-buildpackage in an export of the tree under build/deb, so that what
# it writes beside the source (the .deb, .buildinfo, .changes) stays in build/.
DEB_DEPS_STAMP := $(OUTPUT)/.deb-deps
$(DEB_DEPS_STAMP): scripts/install-deps.sh
	$(call msg,DEPS,package build packages)
	$(Q)mkdir -p $(OUTPUT)
	$(Q)scripts/install-deps.sh --deb
	$(Q)touch $@

deb-deps: $(DEB_DEPS_STAMP)
deb: $(DEB_DEPS_STAMP)
	$(Q)scripts/build-deb.sh $(OUTPUT)/deb

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT)

# Keep no half-written target after a failed command.
.DELETE_ON_ERROR:
.SECONDARY:
