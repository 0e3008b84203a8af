# skald — the two set-up commands of README.md, plus helpers for developers.
#
#   make run    install missing Debian packages, build (Release), start one node
#               with configs/skald-local.yaml (data under ./data), in the foreground
#   make test   the same set-up, then every test through ctest
#
# BUILD_DIR and CMAKE_BUILD_TYPE may be overridden: make test BUILD_DIR=build-asan
BUILD_DIR ?= build
CMAKE_BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
CTEST_FLAGS ?=

.PHONY: run test build deps configure bench fuzz tidy format clean

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) $(CMAKE_FLAGS)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target skald
	mkdir -p data
	exec $(BUILD_DIR)/skald -config.file=configs/skald-local.yaml

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_FLAGS)

bench: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target skald_bench skald
	$(BUILD_DIR)/bench/skald_bench

tidy: configure
	git ls-files 'runtime/*.cpp' 'actors/*.cpp' 'messages/*.cpp' 'cmd/*.cpp' | \
	  xargs -r clang-tidy -p $(BUILD_DIR) --quiet

format:
	git ls-files '*.hpp' '*.cpp' | xargs -r clang-format -i

# make fuzz FUZZ_TARGET=push_decoder_fuzz FUZZ_SEEDS=tests/fuzz/corpus/push FUZZ_SECONDS=300 — libFuzzer with ASan+UBSan,
# in its own clang build dir; the corpus grows in build-fuzz/corpus/<target>.
FUZZ_TARGET ?= push_decoder_fuzz
FUZZ_SECONDS ?= 300
FUZZ_SEEDS ?= tests/fuzz/corpus/push
fuzz:
	@SKALD_INSTALL_FUZZ=1 scripts/install-deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSKALD_BUILD_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGET)
	mkdir -p build-fuzz/corpus/$(FUZZ_TARGET)
	UBSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/ubsan.supp:halt_on_error=1 \
	  build-fuzz/tests/$(FUZZ_TARGET) -max_total_time=$(FUZZ_SECONDS) \
	  build-fuzz/corpus/$(FUZZ_TARGET) $(FUZZ_SEEDS)

clean:
	rm -rf $(BUILD_DIR)
