# Unit tests of Step 3: AXFR state machine, zone walker, NSEC3 cracker.
add_executable(test_xfr ${CMAKE_CURRENT_LIST_DIR}/test_xfr.cc)
target_compile_options(test_xfr PRIVATE -Wall -Wextra -Werror)
target_link_libraries(test_xfr PRIVATE dnsglean_static GTest::gtest GTest::gtest_main)
add_test(NAME unit.xfr COMMAND test_xfr)
set_tests_properties(unit.xfr PROPERTIES LABELS "unit;sanitize")
