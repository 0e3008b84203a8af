# tests/cmake/fuzz_replay.cmake — the libFuzzer targets in the normal build.
#
# Outside a -DSKALD_BUILD_FUZZ=ON clang build, each target in tests/fuzz/ is
# compiled with g++ against skald_runtime and tests/fuzz/replay_main.cpp
# instead of libFuzzer, and its seed corpus is replayed as ctest
# fuzz.<target>_seeds_replay (label unit). So every `make test`, CI included,
# keeps the fuzz targets compiling and checks that no seed breaks a property
# they assert; the fuzzing itself stays `make fuzz` (push.cmake, wal.cmake).
if(NOT SKALD_BUILD_FUZZ)
  foreach(pair IN ITEMS "push_decoder_fuzz:push" "wal_replay_fuzz:wal")
    string(REPLACE ":" ";" parts "${pair}")
    list(GET parts 0 target)
    list(GET parts 1 corpus)
    add_executable(${target}_replay
      "${CMAKE_SOURCE_DIR}/tests/fuzz/${target}.cpp"
      "${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cpp")
    target_include_directories(${target}_replay PRIVATE "${CMAKE_SOURCE_DIR}")
    target_link_libraries(${target}_replay PRIVATE skald_runtime)
    skald_warnings(${target}_replay)
    add_test(NAME fuzz.${target}_seeds_replay
             COMMAND ${target}_replay "${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${corpus}")
    set_tests_properties(fuzz.${target}_seeds_replay PROPERTIES LABELS unit)
  endforeach()
endif()
