# Third-party clients end to end (tests/e2e): pinned npm Loki clients
# (winston-loki, pino-loki) push to a live node and read back through
# query_range. Needs node and npm (scripts/install-deps installs them);
# without them the test is skipped visibly, and fails when CI=true.
add_test(NAME e2e.npm_clients
         COMMAND ${CMAKE_SOURCE_DIR}/tests/e2e/npm_clients_test.sh $<TARGET_FILE:skald>)
set_tests_properties(e2e.npm_clients PROPERTIES
  LABELS e2e
  SKIP_RETURN_CODE 77
  TIMEOUT 300)
