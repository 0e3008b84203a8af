# tests/cmake/admin.cmake — the admin console's browser test (issue 9).
#
# e2e.admin_console opens /admin of a live node in Debian's chromium (headless,
# playwright-core from npm, tests/e2e/run_admin_console.sh). It is skipped with
# a message (exit 77) when chromium or node are missing, and fails then when
# CI=true. Its screenshot lands in <build>/test-artifacts/admin-console.png.
# A build configured with SKALD_INTROSPECTION=OFF (bench/admin_cost_ir.sh's
# baseline: no actor enlists) skips it visibly, like the admin gtests.
if(SKALD_INTROSPECTION)
  add_test(NAME e2e.admin_console
           COMMAND ${CMAKE_SOURCE_DIR}/tests/e2e/run_admin_console.sh $<TARGET_FILE:skald>
                   ${CMAKE_BINARY_DIR}/test-artifacts)
else()
  add_test(NAME e2e.admin_console
           COMMAND sh -c "echo 'e2e.admin_console: SKIPPED: built with SKALD_INTROSPECTION=OFF' >&2; exit 77")
endif()
set_tests_properties(e2e.admin_console PROPERTIES
  LABELS "e2e;integration"
  SKIP_RETURN_CODE 77
  TIMEOUT 180)
