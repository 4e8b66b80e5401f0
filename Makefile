# pdgate build. `make` builds build/pdgate; `make check` installs what is missing, builds and
# runs every test; `make check-full` adds the slow passes (CI); `make demo` runs the gateway
# against local mail servers; `make bench` measures.

CC ?= cc
PKGS := gmime-3.0 json-glib-1.0 sqlite3 libcurl gnutls cairo fontconfig
BUILD := build

# Hyperscan (libhyperscan-dev, amd64 only) for the rules' regexes when pkg-config finds it;
# `make PDGATE_NO_HYPERSCAN=1` builds without it (after `make clean`): everything on GRegex.
HS_PKG := $(if $(PDGATE_NO_HYPERSCAN),,$(shell pkg-config --exists libhs 2>/dev/null && echo libhs))
PKGS += $(HS_PKG)
HS_DEFS := $(if $(HS_PKG),-DPDGATE_HYPERSCAN)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(HS_DEFS)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -letpan -llinear -lm

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Iinclude $(PKG_CFLAGS)

SRCS := $(sort $(wildcard src/*/*.c))
LIB_SRCS := $(SRCS)
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
SAN_OBJS := $(patsubst src/%.c,$(BUILD)/san/%.o,$(LIB_SRCS))
MAIN_OBJ := $(BUILD)/obj/main.o

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
SAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests-san/%,$(UNIT_SRCS))
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps check clang-check unit integration demo bench faults-long clean
# Keep sanitizer objects between runs; they are intermediates of the test binaries.
.SECONDARY:
all: $(BUILD)/pdgate $(BUILD)/pdgate.model

deps:
	@contrib/install-deps.sh

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h) $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: src/%.c $(wildcard include/*.h) $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC) $(ALL_CFLAGS) -O1 $(SANFLAGS) -c -o $@ $<

$(BUILD)/pdgate: $(OBJS) $(MAIN_OBJ)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS)

# The shipped model, learnt from the labelled corpus (sealed held-out sets excluded) with the
# rules it was built with; installed beside the rules. Deterministic: same corpus, same
# weights (only the version's time differs).
CORPUS_FILES := $(wildcard tests/corpus/*/labels.tsv tests/corpus/*/*.eml)
$(BUILD)/pdgate.model: $(BUILD)/pdgate $(wildcard rules/*.rules) $(CORPUS_FILES)
	@echo "  TRAIN   $@"
	@printf '[imap]\nhost = 127.0.0.1\nuser = build\npassword_file = none\n[smtp]\nhost = 127.0.0.1\nfrom = build@pdgate.invalid\n[store]\ndatabase = none\nspool = none\n[gateway]\nrules = %s\ncorpus = %s\n' \
		$(abspath rules/pdgate.rules) $(abspath tests/corpus) > $(BUILD)/model-build.conf
	@$(BUILD)/pdgate -c $(BUILD)/model-build.conf train --shipped --output $@ >/dev/null

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h $(OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(PKG_LIBS) -lcmocka

$(BUILD)/tests-san/%: tests/unit/%.c tests/unit/testutil.h $(SAN_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD-SAN  $@"
	@$(CC) $(ALL_CFLAGS) -O1 $(SANFLAGS) -o $@ $< $(SAN_OBJS) $(PKG_LIBS) -lcmocka

unit: $(UNIT_BINS) $(SAN_BINS)

# The code must build warning-free under both compilers: check clang too (no objects kept).
clang-check:
	@command -v clang >/dev/null || { echo "clang missing: run make deps" >&2; exit 1; }
	@for f in $(SRCS) src/main.c $(UNIT_SRCS) tests/bench/*.c; do \
		clang $(ALL_CFLAGS) -fsyntax-only $$f || exit 1; done
	@echo "  clang: all sources build warning-free"

# Unit tests run plain, under ASan+UBSan, and under valgrind (PDGATE_VALGRIND=0 skips it);
# the fuzz targets (below) replay their regressions and fuzz a few seconds each.
check: deps
	@$(MAKE) --no-print-directory all unit clang-check fuzz-build
	@PDGATE_VALGRIND=$${PDGATE_VALGRIND:-1} tests/run-all.sh

integration: all
	@tests/run-all.sh --integration-only

demo: deps
	@$(MAKE) --no-print-directory all
	@contrib/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/imap-fetch-bench $(BUILD)/classify-bench
	@$(BUILD)/classify-bench rules/pdgate.rules $(BUILD)/pdgate.model tests/corpus/*/*.eml
	@tests/bench/bench.sh

# The crash tests at every hit of every fault point (make check kills at one hit of each).
faults-long: all
	@PDGATE_FAULTS_LONG=1 python3 tests/integration/test_faults.py

$(BUILD)/classify-bench: tests/bench/classify_bench.c $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(PKG_LIBS)

$(BUILD)/imap-fetch-bench: tests/bench/imap_fetch_bench.c $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(PKG_LIBS)

clean:
	rm -rf $(BUILD)

# ---- make check-full: `make check`, then the slow passes, in the order of CHECK_FULL_PASSES.
# A later pass (the PostgreSQL suite, the package build) is a target of its own appended to
# that list; check-full itself does not change.
CHECK_FULL_PASSES := check-integration-san
SAN_PDGATE := $(BUILD)/pdgate-san

.PHONY: check-full $(CHECK_FULL_PASSES)
check-full: check
	@for pass in $(CHECK_FULL_PASSES); do \
		$(MAKE) --no-print-directory $$pass || exit 1; done

# pdgate built from the ASan+UBSan objects of the unit tests. The runtime is linked
# statically so that it comes first even under faketime's LD_PRELOAD (test_lifecycle.py ...).
$(SAN_PDGATE): $(SAN_OBJS) $(BUILD)/san/main.o
	@echo "  LD-SAN  $@"
	@$(CC) $(ALL_CFLAGS) -O1 $(SANFLAGS) -static-libasan -o $@ $^ $(PKG_LIBS)

# The integration suite once more, every pdgate command being $(SAN_PDGATE): any report
# (leaks included) fails the pass, also from a daemon whose own exit status no test reads.
check-integration-san: $(SAN_PDGATE)
	@tests/run-san-integration.sh $(abspath $(SAN_PDGATE))

# ---- fuzzing (libFuzzer, clang): tests/fuzz/fuzz_<name>.c, one target per parser -------------
# The library is compiled again by clang with libFuzzer's coverage and ASan+UBSan into
# build/fuzz/ (an archive: each target links only the modules it needs); the gcc build above is
# untouched. `make fuzz-smoke` replays tests/fuzz/regressions/ and fuzzes each target a few
# seconds (tests/run-all.sh, hence `make check`, runs it too); `make fuzz` fuzzes each target
# FUZZ_SECONDS, keeping what it learns in build/fuzz/corpus/ and crashes in build/fuzz/crashes/.
FUZZ_CC := clang
FUZZ_SECONDS ?= 300
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g $(FUZZ_SANFLAGS) -Iinclude $(PKG_CFLAGS)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))
FUZZ_OBJS := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRCS))

.PHONY: fuzz-build fuzz-smoke fuzz

$(FUZZ_DIR)/obj/%.o: src/%.c $(wildcard include/*.h) $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libpdgate.a: $(FUZZ_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_DIR)/libpdgate.a
	@echo "  LD-FUZZ $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libpdgate.a $(PKG_LIBS)

# The targets are libFuzzer's (clang only), yet build warning-free under $(CC) as well.
fuzz-build: $(FUZZ_BINS)
	@for f in $(FUZZ_SRCS); do $(CC) $(ALL_CFLAGS) -fsyntax-only $$f || exit 1; done

fuzz-smoke: fuzz-build
	@tests/fuzz/run.sh smoke

fuzz: fuzz-build
	@tests/fuzz/run.sh long $(FUZZ_SECONDS)
