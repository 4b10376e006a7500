# archport: `make` builds bin/archport; `make run` and `make check` also
# install what is missing (scripts/setup.sh) first.
CC ?= gcc
CFLAGS ?= -O2 -g
WARN = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread
VERSION = 0.1.0
LLVM_DIR = /usr/lib/llvm-19
CPPFLAGS += -Ianalyzer -Istubgen -isystem $(LLVM_DIR)/include -DARCHPORT_VERSION='"$(VERSION)"' \
	-DLIBCLANG_PATH='"$(LLVM_DIR)/lib/libclang.so"' -DARCHPORT_DOCS_DIR='"$(CURDIR)/docs/rules"'
LDLIBS += -pthread -ldl

SRCS = $(wildcard analyzer/*.c) $(wildcard stubgen/*.c)
LIB_SRCS = $(filter-out analyzer/main.c,$(SRCS))
OBJS = $(patsubst %.c,build/obj/%.o,$(notdir $(LIB_SRCS))) build/obj/ruledata.o
HEADERS = $(wildcard analyzer/*.h) $(wildcard stubgen/*.h)
vpath %.c analyzer stubgen
RULE_DATA = $(shell find rules -name '*.tsv') $(wildcard docs/rules/*.md)

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJS = $(patsubst build/obj/%,build/asan/obj/%,$(OBJS))

UNIT_SRCS = $(wildcard tests/unit/*.c)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

.PHONY: all run check bench setup clean unit graded asan-test test-python

all: bin/archport

# Rust front end: the tree-sitter-rust grammar (ABI 14, accepted by Debian's
# libtree-sitter 0.20.7) comes from the npm registry at build time, pinned with
# its sha512 in scripts/npm-lock.txt, and is compiled into build/ (never committed).
TS_RUST_DIR = build/tree-sitter-rust
TS_RUST_LIB = build/libts-rust.a
LDLIBS += $(TS_RUST_LIB) -ltree-sitter

$(TS_RUST_DIR)/src/parser.c: scripts/npm-lock.txt scripts/fetch_npm.sh
	sh scripts/fetch_npm.sh tree-sitter-rust $(TS_RUST_DIR)
	@touch $@

# Generated code: its own headers, no -Werror, -O1 keeps the 200k-line parser quick to build.
build/ts-rust/%.o: $(TS_RUST_DIR)/src/parser.c
	@mkdir -p build/ts-rust
	$(CC) -std=c11 -O1 -g0 -w -I$(TS_RUST_DIR)/src -c $(TS_RUST_DIR)/src/$*.c -o $@

$(TS_RUST_LIB): build/ts-rust/parser.o build/ts-rust/scanner.o
	rm -f $@ && ar rcs $@ $^

bin/archport build/asan/archport build/unit_tests: $(TS_RUST_LIB)

# The Rust trees (fixtures/rust-*) graded against Debian's rustc, part of `make graded`.
.PHONY: test-rust
test-rust: all
	python3 tests/test_rust.py --archport bin/archport
	python3 tests/test_rust_stub.py --archport bin/archport
graded: test-rust
# End of the Rust front end block.

# libFuzzer targets (tests/fuzz/): the C lexer, the #if evaluator, the Rust
# cfg evaluator, linked with the library objects built by clang-19 under
# ASan/UBSan. The seed corpus is made from fixtures/ (scripts/fuzz_corpus.py).
# `make fuzz` runs each FUZZ_TIME seconds; `make check` runs fuzz-check.
FUZZ_CC = clang-19
FUZZ_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TARGETS = lex pp_expr rust_cfg
FUZZ_TIME ?= 300
FUZZ_CHECK_TIME ?= 15
FUZZ_OBJS = $(patsubst build/obj/%,build/fuzz/obj/%,$(OBJS))
FUZZ_BINS = $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
.PHONY: fuzz fuzz-check fuzz-build fuzz-corpus

build/fuzz/obj/%.o: %.c $(HEADERS)
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c $< -o $@

build/fuzz/obj/ruledata.o: build/ruledata.c analyzer/ruledata.h
	@mkdir -p build/fuzz/obj
	$(FUZZ_CC) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) $(TS_RUST_LIB)
	$(FUZZ_CC) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer $(CPPFLAGS) -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

fuzz-corpus:
	rm -rf build/fuzz-corpus
	python3 scripts/fuzz_corpus.py fixtures build/fuzz-corpus

fuzz-build: $(FUZZ_BINS)

# Each target runs on a scratch copy of its seeds (what it finds is kept in
# build/fuzz-corpus/<target>.found); a crash fails the run and leaves
# build/fuzz/crash-* to reproduce with `build/fuzz/fuzz_<target> FILE`.
define run_fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz-corpus/$$t.found; \
		echo "fuzz $$t for $(1) s"; \
		build/fuzz/fuzz_$$t -max_total_time=$(1) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=build/fuzz/ -print_final_stats=1 \
			build/fuzz-corpus/$$t.found build/fuzz-corpus/$$t 2>build/fuzz/$$t.log || \
			{ tail -40 build/fuzz/$$t.log; exit 1; }; \
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" build/fuzz/$$t.log | sed "s/^/  $$t /"; \
	done
endef

fuzz: fuzz-build fuzz-corpus
	$(call run_fuzz,$(FUZZ_TIME))

fuzz-check: fuzz-build fuzz-corpus
	$(call run_fuzz,$(FUZZ_CHECK_TIME))
# End of the libFuzzer block.

setup:
	@sh scripts/setup.sh

build/ruledata.c: scripts/embed_rules.py $(RULE_DATA)
	@mkdir -p build
	python3 scripts/embed_rules.py rules docs/rules $@

build/obj/%.o: %.c $(HEADERS)
	@mkdir -p build/obj
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

build/obj/ruledata.o: build/ruledata.c analyzer/ruledata.h
	@mkdir -p build/obj
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

bin/archport: build/obj/main.o $(OBJS)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The same program with AddressSanitizer and UBSan, for the tests.
build/asan/obj/%.o: %.c $(HEADERS)
	@mkdir -p build/asan/obj
	$(CC) $(WARN) $(ASAN_FLAGS) $(CPPFLAGS) -c $< -o $@

build/asan/obj/ruledata.o: build/ruledata.c analyzer/ruledata.h
	@mkdir -p build/asan/obj
	$(CC) $(WARN) $(ASAN_FLAGS) $(CPPFLAGS) -c $< -o $@

build/asan/archport: build/asan/obj/main.o $(ASAN_OBJS)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDLIBS)

build/unit_tests: $(UNIT_SRCS) $(ASAN_OBJS) $(wildcard tests/unit/*.h)
	$(CC) $(WARN) $(ASAN_FLAGS) $(CPPFLAGS) -o $@ $(UNIT_SRCS) $(ASAN_OBJS) $(CHECK_LIBS) $(LDLIBS)

run: setup all
	bin/archport scan --target aarch64 --fail-on never fixtures

unit: build/unit_tests
	build/unit_tests

graded: all
	python3 tests/test_deep.py --archport bin/archport
	python3 tests/test_stub.py --archport bin/archport
	python3 tests/test_port.py --archport bin/archport
	python3 tests/test_reverse_c.py --archport bin/archport
	python3 tests/test_reverse_hazard.py --archport bin/archport
	python3 tests/test_forward_hazard.py --archport bin/archport
	python3 tests/graded.py --archport bin/archport --targets aarch64,riscv64

test-python: all build/asan/archport
	python3 tests/test_reports.py --archport bin/archport
	python3 tests/test_html.py --archport build/asan/archport
	python3 tests/test_cli.py --archport build/asan/archport
	python3 tests/test_suppress.py --archport build/asan/archport
	python3 tests/test_badinput.py --archport bin/archport
	python3 tests/test_badinput.py --archport build/asan/archport
	python3 tests/test_limits.py --archport build/asan/archport
	python3 tests/test_untrusted.py --archport build/asan/archport
	python3 tests/test_verify.py --archport build/asan/archport --fixtures none
	python3 tests/test_port.py --archport build/asan/archport --targets aarch64
	python3 tests/test_verify.py --archport bin/archport
	python3 tests/test_reverse_verify.py --archport build/asan/archport

check: setup all build/asan/archport
	python3 scripts/check_tree.py
	$(MAKE) unit
	$(MAKE) fuzz-check
	$(MAKE) test-python
	$(MAKE) graded

bench: all
	python3 bench/run.py

.PHONY: bench-deep
bench-deep: all
	python3 bench/deep.py

clean:
	rm -rf build bin
