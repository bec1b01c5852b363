# Integration tests of Step 3 (zone transfers and zone walking): real Knot
# servers and hostile doubles on loopback, in a private network namespace.
foreach(t axfr walk)
  add_test(NAME integration.${t} COMMAND ${DG_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh)
  set_tests_properties(integration.${t} PROPERTIES
    ENVIRONMENT "DG_BIN=$<TARGET_FILE:dnsglean_cli>"
    TIMEOUT 300
    LABELS "integration;sanitize;xfr")
endforeach()
