# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# sipxdp build, in the shape of libbpf-bootstrap's examples/c/Makefile.
#   make            build build/sipxdp (installs build packages if missing)
#   make run        build, then run the agent with its defaults
#   make test       every test: unit, BPF, replay, fuzz, end-to-end
#   make bench      benchmarks (ns/packet against an empty XDP program, agent)
#   make install    install the binary under $(PREFIX)
#   make V=1        show the full commands
OUTPUT := build
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= cc
PREFIX ?= /usr/local
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

WARN := -Wall -Wextra -Werror
INCLUDES := -Iinclude -I$(OUTPUT)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) $(INCLUDES) \
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

# Every user/*.c but the entry point goes into one archive, so tests link
# only the objects they use.
USER_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB := $(OUTPUT)/libsipxdp.a

UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/%,$(wildcard tests/bpf/test_*.c))
BENCHES := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(wildcard bench/bench_*.c))

# Installs what the build needs when a tool or header is missing.
DEPS_STAMP := $(OUTPUT)/.build-deps
TEST_DEPS_STAMP := $(OUTPUT)/.test-deps

.PHONY: all run test unit-test bpf-test e2e-test bench install clean demo deps test-deps
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

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/sipxdp.h | $(DEPS_STAMP)
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

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) include/sipxdp.h $(SKELS) | $(DEPS_STAMP)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iuser -c $< -o $@

$(LIB): $(USER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(OUTPUT)/sipxdp: user/main.c $(LIB) $(wildcard user/*.h)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser $< $(LIB) $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c tests/testlib.h $(LIB)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests $< $(LIB) $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/bpf/%.c tests/testlib.h $(wildcard tests/bpf/*.h) $(LIB)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests $< $(LIB) $(LDLIBS) -o $@

$(OUTPUT)/bench/%: bench/%.c $(wildcard bench/*.h) $(LIB) $(SKELS)
	$(call msg,BENCH,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iuser -Itests $< $(LIB) $(LDLIBS) -o $@

run: $(OUTPUT)/sipxdp
	$(OUTPUT)/sipxdp run $(ARGS)

# Every test; tests/run.sh prints each suite and the summed "N passed, N failed".
test: $(TEST_DEPS_STAMP) $(OUTPUT)/sipxdp $(UNIT_TESTS) $(BPF_TESTS) $(OUTPUT)/refused.bpf.o
	$(Q)tests/run.sh $(OUTPUT)

bench: $(TEST_DEPS_STAMP) $(OUTPUT)/sipxdp $(BENCHES)
	$(Q)bench/run.sh $(OUTPUT)

demo: $(TEST_DEPS_STAMP) $(OUTPUT)/sipxdp
	$(Q)scripts/demo.sh $(OUTPUT)

install: $(OUTPUT)/sipxdp
	install -D -m 0755 $(OUTPUT)/sipxdp $(DESTDIR)$(PREFIX)/sbin/sipxdp

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT)

# Keep no half-written target after a failed command.
.DELETE_ON_ERROR:
.SECONDARY:
