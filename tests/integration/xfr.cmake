# Integration tests of Step 3 (zone transfers and zone walking): real Knot
# servers and hostile doubles on loopback, in a private network namespace.
foreach(t axfr walk)
  dg_integration_test(${t} 300 "integration;sanitize;xfr")
endforeach()
