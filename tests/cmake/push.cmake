# tests/cmake/push.cmake — extra targets of the write-path libraries (push decoding).
#
# push_decoder_fuzz: libFuzzer target (tests/fuzz/push_decoder_fuzz.cpp), built
# only with -DSKALD_BUILD_FUZZ=ON and clang. It compiles its own copy of the
# CAF-free sources it needs with -fsanitize=fuzzer,address,undefined, so the
# rest of the build dir stays uninstrumented. Needs clang's libFuzzer runtime
# (Debian: libclang-rt-14-dev; scripts/install-deps with SKALD_INSTALL_FUZZ=1).
#
#   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang \
#     -DCMAKE_CXX_COMPILER=clang++ -DSKALD_BUILD_FUZZ=ON -DSKALD_BUILD_TESTS=ON
#   cmake --build build-fuzz --target push_decoder_fuzz
#   mkdir -p /tmp/push-corpus
#   build-fuzz/tests/push_decoder_fuzz -max_total_time=300 /tmp/push-corpus \
#     tests/fuzz/corpus/push
# A short smoke run over the seed corpus is registered as ctest fuzz.push_decoder_seeds.
if(SKALD_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(WARNING "SKALD_BUILD_FUZZ needs clang (CMAKE_CXX_COMPILER=clang++); push_decoder_fuzz skipped")
  else()
    file(GLOB SKALD_PUSH_FUZZ_SRCS CONFIGURE_DEPENDS
      "${CMAKE_SOURCE_DIR}/runtime/model/*.cpp"
      "${CMAKE_SOURCE_DIR}/runtime/push/*.cpp"
      "${CMAKE_SOURCE_DIR}/runtime/validation/*.cpp"
      "${CMAKE_SOURCE_DIR}/runtime/util/status.cpp"
      "${CMAKE_SOURCE_DIR}/runtime/util/errc.cpp")
    # The config adapters pull in runtime/config; the fuzz target does not need them.
    list(FILTER SKALD_PUSH_FUZZ_SRCS EXCLUDE REGEX "/runtime/validation/from_config\\.cpp$")
    add_executable(push_decoder_fuzz
      "${CMAKE_SOURCE_DIR}/tests/fuzz/push_decoder_fuzz.cpp" ${SKALD_PUSH_FUZZ_SRCS})
    target_include_directories(push_decoder_fuzz PRIVATE "${CMAKE_SOURCE_DIR}")
    target_include_directories(push_decoder_fuzz SYSTEM PRIVATE ${RAPIDJSON_INCLUDE_DIRS})
    target_compile_options(push_decoder_fuzz PRIVATE
      -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
      # recoverable only so tests/fuzz/ubsan.supp can silence rapidjson's Stack
      # (run with UBSAN_OPTIONS=suppressions=...:halt_on_error=1)
      -fsanitize-recover=pointer-overflow
      -fno-omit-frame-pointer -g -O1)
    target_link_options(push_decoder_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(push_decoder_fuzz PRIVATE Snappy::snappy ZLIB::ZLIB PkgConfig::XXHASH
      PkgConfig::RE2) # runtime/model/matcher.cpp
    skald_warnings(push_decoder_fuzz)
    add_test(NAME fuzz.push_decoder_seeds
             COMMAND push_decoder_fuzz -runs=0 "${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/push")
    set_property(TEST fuzz.push_decoder_seeds PROPERTY ENVIRONMENT
      "UBSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/fuzz/ubsan.supp:halt_on_error=1:print_stacktrace=1")
    set_tests_properties(fuzz.push_decoder_seeds PROPERTIES LABELS fuzz)
  endif()
endif()
