# Issue 14: the man page and completion against the CLI, the Debian
# packages, passive DNS over HTTPS (cmake/Packaging.cmake, core/cli/pdns_http.c).
add_test(NAME integration.man_completion
  COMMAND ${DG_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/man_completion.sh)
set_tests_properties(integration.man_completion PROPERTIES
  ENVIRONMENT "DG_BIN=$<TARGET_FILE:dnsglean_cli>;DG_MAN=${DG_MAN};DG_COMPLETION=${DG_COMPLETION};DG_BUILD=${PROJECT_BINARY_DIR};DG_PREFIX=${CMAKE_INSTALL_PREFIX}"
  TIMEOUT 300 LABELS integration)
# builds the packages in a folder of its own, kept between runs (the first
# run is a full build)
add_test(NAME integration.debs COMMAND ${DG_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/debs.sh)
set_tests_properties(integration.debs PROPERTIES
  ENVIRONMENT "DG_DEB_BUILD_DIR=${PROJECT_BINARY_DIR}/deb-build"
  TIMEOUT 1200 LABELS "integration;packaging")
dg_integration_test(pdns_https 300 "integration;sanitize")
