# NSEC3 cracking benchmark (tests/bench/nsec3-bench.sh runs it).
add_executable(dg_nsec3_bench ${CMAKE_CURRENT_LIST_DIR}/nsec3_bench.c)
target_compile_options(dg_nsec3_bench PRIVATE ${DG_WARN})
target_link_libraries(dg_nsec3_bench PRIVATE dnsglean_static)
# A short run as a test: the RFC 5155 vector must hold and the program work.
add_test(NAME bench.nsec3_smoke COMMAND dg_nsec3_bench 0 0.2)
