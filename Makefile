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

clean:
	rm -rf $(BUILD_DIR)
