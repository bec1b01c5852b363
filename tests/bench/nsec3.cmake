# NSEC3 cracking benchmark (tests/bench/nsec3-bench.sh runs it). It uses the
# library's private SHA-1 header to pick the implementation and OpenSSL's
# one-shot SHA1() as the reference it is compared with.
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
add_executable(dg_nsec3_bench ${CMAKE_CURRENT_LIST_DIR}/nsec3_bench.c)
target_compile_options(dg_nsec3_bench PRIVATE ${DG_WARN})
target_include_directories(dg_nsec3_bench PRIVATE ${PROJECT_SOURCE_DIR}/core/src)
target_link_libraries(dg_nsec3_bench PRIVATE dnsglean_static OpenSSL::Crypto)
# A short run as a test: the RFC 5155 vector must hold and the program work,
# with the implementation the CPU picks and with the portable one.
add_test(NAME bench.nsec3_smoke COMMAND dg_nsec3_bench 0 0.2)
add_test(NAME bench.nsec3_smoke_portable COMMAND dg_nsec3_bench 0 0.2 c0ffee42 portable)
