# A thin wrapper over CMake: the README's two commands.
#   make demo   install what is missing, build, load the sample, serve it
#   make check  install what is missing, build, run every test
#   make        build only (scripts/setup.sh, or `make setup`, installs
#               the Debian packages the build needs)
#   make bench  the benchmark (Release build), writes BENCHMARKS.md
#   STRICT=1    warnings are errors (.ci/run sets it)
BUILD ?= build
DATA ?= minga-data
PORT ?= 8080
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
STRICT ?=
WERROR := $(if $(filter 1,$(STRICT)),-DMINGA_WERROR=ON,-DMINGA_WERROR=OFF)

.PHONY: all setup build demo check check-sanitize check-fuzz bench deb clean

all: build

# What the build needs; `make check` adds the browser tests' Chromium.
setup:
	@scripts/setup.sh

build:
	cmake -S . -B $(BUILD) $(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

demo:
	@scripts/setup.sh
	@$(MAKE) --no-print-directory build
	$(BUILD)/bin/minga --data $(DATA) init
	$(BUILD)/bin/minga --data $(DATA) import data/sample
	$(BUILD)/bin/minga --data $(DATA) search --limit 3 agricultura urbana
	$(BUILD)/bin/minga --data $(DATA) serve --port $(PORT)

check:
	@scripts/setup.sh --with-browser
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The same tests under ASan and UBSan. Left out: the browser tests (the
# page's memory paths are the server's, which web_page and the API tests
# drive) and valgrind; the crash test kills a smaller import (1 000 cases:
# the sanitizers make the 3 000 of `make check` take 20 s and more).
check-sanitize: setup
	cmake -S . -B $(BUILD)-sanitize $(WERROR) -DMINGA_ASAN=ON \
	  -DMINGA_UBSAN=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD)-sanitize -j$(JOBS)
	cd $(BUILD)-sanitize && ASAN_OPTIONS=detect_leaks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1 MINGA_CRASH_CASES=1000 \
	  ctest --output-on-failure -j$(JOBS) \
	  -E 'web_browser|web_lighthouse|reliability_valgrind'

# libFuzzer targets (clang), each run FUZZ_SECONDS from its seed corpus
FUZZ_SECONDS ?= 20
check-fuzz: setup
	@FUZZ=1 scripts/setup.sh
	CC=clang CXX=clang++ cmake -S . -B $(BUILD)-fuzz -DMINGA_FUZZ=ON \
	  -DMINGA_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD)-fuzz -j$(JOBS) --target fuzz
	fuzz/run.sh $(BUILD)-fuzz $(FUZZ_SECONDS)

bench:
	@BENCH=1 scripts/setup.sh
	bench/run.sh

# The Debian package (CPack; dpkg-shlibdeps fills in Depends):
# $(BUILD)-deb/minga_VERSION_ARCH.deb
deb:
	@scripts/setup.sh
	cmake -S . -B $(BUILD)-deb -DCMAKE_BUILD_TYPE=Release -DMINGA_TESTS=OFF \
	  $(WERROR) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD)-deb -j$(JOBS)
	cd $(BUILD)-deb && cpack -G DEB

clean:
	rm -rf $(BUILD) $(BUILD)-sanitize $(BUILD)-fuzz $(BUILD)-release $(BUILD)-deb
