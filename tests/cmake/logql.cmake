# LogQL conformance: Loki's .logqltest scripts run through skald's engine.
#
# logqltest.conformance runs in ratchet mode: it fails when a case listed in
# tests/logqltest/passing.txt (file:line ids) stops passing, and prints the
# "N passed, M failed" summary. Cases believed wrong upstream are listed with
# a reason in tests/logqltest/skip.txt. Without ../shared the test is skipped
# visibly (exit 77), or fails when CI=true.
add_executable(logqltest_runner ${CMAKE_SOURCE_DIR}/tests/logqltest/runner_main.cpp)
target_link_libraries(logqltest_runner PRIVATE skald_runtime)
skald_warnings(logqltest_runner)

add_test(NAME logqltest.conformance
         COMMAND logqltest_runner --quiet
                 --skip ${CMAKE_SOURCE_DIR}/tests/logqltest/skip.txt
                 --ratchet ${CMAKE_SOURCE_DIR}/tests/logqltest/passing.txt
                 ${CMAKE_SOURCE_DIR}/../shared/testdata/logqltest)
set_tests_properties(logqltest.conformance PROPERTIES
  LABELS "unit;conformance"
  SKIP_RETURN_CODE 77)
