# tests/cmake/wal.cmake — extra targets of the WAL library (runtime/wal).
#
# wal_replay_fuzz: libFuzzer target (tests/fuzz/wal_replay_fuzz.cpp), built
# only with -DSKALD_BUILD_FUZZ=ON and clang. Like push.cmake's target it
# compiles its own copy of the CAF-free sources it needs with
# -fsanitize=fuzzer,address,undefined, so the rest of the build dir stays
# uninstrumented. Needs clang's libFuzzer runtime (Debian: libclang-rt-14-dev).
#
#   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang \
#     -DCMAKE_CXX_COMPILER=clang++ -DSKALD_BUILD_FUZZ=ON -DSKALD_BUILD_TESTS=ON
#   cmake --build build-fuzz --target wal_replay_fuzz
#   mkdir -p /tmp/wal-corpus
#   build-fuzz/tests/wal_replay_fuzz -max_total_time=300 /tmp/wal-corpus \
#     tests/fuzz/corpus/wal
# A short smoke run over the seed corpus is registered as ctest fuzz.wal_replay_seeds.
if(SKALD_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(WARNING "SKALD_BUILD_FUZZ needs clang (CMAKE_CXX_COMPILER=clang++); wal_replay_fuzz skipped")
  else()
    file(GLOB SKALD_WAL_FUZZ_SRCS CONFIGURE_DEPENDS
      "${CMAKE_SOURCE_DIR}/runtime/wal/*.cpp"
      "${CMAKE_SOURCE_DIR}/runtime/util/crc32c.cpp"
      "${CMAKE_SOURCE_DIR}/runtime/util/status.cpp"
      "${CMAKE_SOURCE_DIR}/runtime/util/errc.cpp")
    # The config adapter pulls in runtime/config; the fuzz target does not need it.
    list(FILTER SKALD_WAL_FUZZ_SRCS EXCLUDE REGEX "/runtime/wal/from_config\\.cpp$")
    add_executable(wal_replay_fuzz
      "${CMAKE_SOURCE_DIR}/tests/fuzz/wal_replay_fuzz.cpp" ${SKALD_WAL_FUZZ_SRCS})
    target_include_directories(wal_replay_fuzz PRIVATE "${CMAKE_SOURCE_DIR}")
    target_compile_options(wal_replay_fuzz PRIVATE
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer -g -O1)
    target_link_options(wal_replay_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    skald_warnings(wal_replay_fuzz)
    add_test(NAME fuzz.wal_replay_seeds
             COMMAND wal_replay_fuzz -runs=0 "${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/wal")
    set_property(TEST fuzz.wal_replay_seeds PROPERTY ENVIRONMENT
      "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
    set_tests_properties(fuzz.wal_replay_seeds PROPERTIES LABELS fuzz)
  endif()
endif()
