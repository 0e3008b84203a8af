# LogQL conformance: Loki's .logqltest scripts run through skald's engine.
#
# logqltest.conformance is strict: every case of ../shared/testdata/logqltest
# must pass (all 782 do), and it prints the "N passed, M failed" summary.
# Cases believed wrong upstream would be listed with a reason in
# tests/logqltest/skip.txt (empty today). The runner's --ratchet mode (a list
# of case ids that must keep passing) is there for suites that do not pass
# whole yet. Without ../shared the test is skipped
# visibly (exit 77), or fails when CI=true.
add_executable(logqltest_runner ${CMAKE_SOURCE_DIR}/tests/logqltest/runner_main.cpp
               ${CMAKE_SOURCE_DIR}/tests/testutil/http_client.cpp
               ${CMAKE_SOURCE_DIR}/tests/testutil/process.cpp)
target_link_libraries(logqltest_runner PRIVATE skald_runtime Boost::boost)
target_include_directories(logqltest_runner PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_compile_definitions(logqltest_runner PRIVATE SKALD_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared")
skald_warnings(logqltest_runner)

add_test(NAME logqltest.conformance
         COMMAND logqltest_runner --quiet
                 --skip ${CMAKE_SOURCE_DIR}/tests/logqltest/skip.txt
                 ${CMAKE_SOURCE_DIR}/../shared/testdata/logqltest)
set_tests_properties(logqltest.conformance PROPERTIES
  LABELS "unit;conformance"
  SKIP_RETURN_CODE 77)

# The runner itself: a failing case is reported with file:line and the
# summary, and the plain mode's non-zero exit is covered by the regex (ctest
# ignores the exit code when PASS_REGULAR_EXPRESSION is set); the ratchet
# mode exits 0 because only the passing case is listed.
add_test(NAME logqltest.runner_reports_failures
         COMMAND logqltest_runner ${CMAKE_SOURCE_DIR}/tests/logqltest/selftest)
set_tests_properties(logqltest.runner_reports_failures PROPERTIES
  LABELS "unit;conformance"
  PASS_REGULAR_EXPRESSION "FAIL runner_selftest.logqltest:11: value differs.*1 passed, 1 failed")
add_test(NAME logqltest.runner_ratchet_ignores_unlisted_failures
         COMMAND logqltest_runner --quiet
                 --ratchet ${CMAKE_SOURCE_DIR}/tests/logqltest/selftest/passing_selftest.txt
                 ${CMAKE_SOURCE_DIR}/tests/logqltest/selftest)
set_tests_properties(logqltest.runner_ratchet_ignores_unlisted_failures PROPERTIES
  LABELS "unit;conformance")

# The same cases evaluated through their canonical to_string() form.
add_test(NAME logqltest.conformance_roundtrip
         COMMAND logqltest_runner --quiet --roundtrip
                 --skip ${CMAKE_SOURCE_DIR}/tests/logqltest/skip.txt
                 ${CMAKE_SOURCE_DIR}/../shared/testdata/logqltest)
set_tests_properties(logqltest.conformance_roundtrip PROPERTIES
  LABELS "unit;conformance"
  SKIP_RETURN_CODE 77)

# skald's own cases in the same format (binary operators, functions,
# conversions): strict, every case must pass.
add_test(NAME logqltest.extra
         COMMAND logqltest_runner --quiet ${CMAKE_SOURCE_DIR}/tests/logqltest/extra)
set_tests_properties(logqltest.extra PROPERTIES LABELS "unit;conformance")

# The same cases through the HTTP API of a live node (--http): each eval
# pushes its data to a fresh tenant and queries /loki/api/v1/query or
# query_range. Cases that cannot hold over HTTP are listed with their reason
# in tests/logqltest/skip_http.txt.
add_test(NAME logqltest.conformance_http
         COMMAND logqltest_runner --quiet
                 --http $<TARGET_FILE:skald>
                 --config ${CMAKE_SOURCE_DIR}/configs/skald-local.yaml
                 --skip ${CMAKE_SOURCE_DIR}/tests/logqltest/skip_http.txt
                 ${CMAKE_SOURCE_DIR}/../shared/testdata/logqltest)
set_tests_properties(logqltest.conformance_http PROPERTIES
  LABELS "integration;conformance"
  SKIP_RETURN_CODE 77
  TIMEOUT 600)
