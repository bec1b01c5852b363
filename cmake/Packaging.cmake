# The man page, the bash completion and the Debian packages.
#
# dnsglean(1) and the completion are generated at build time from the
# commands' own --help texts (core/tools/gen-docs.py), so they cannot drift
# from the options; `cmake --install` puts them into share/man/man1 and
# share/bash-completion/completions.
#
# `cpack -G DEB` in the build folder (scripts/build-debs.sh does the whole
# thing) writes six packages, each from its own install component, placed
# where Debian's tools look (relative to /usr):
#   dnsglean            the CLI, dnsglean(1), completion, wordlist and fingerprints
#   libdnsglean0        libdnsglean.so.0
#   libdnsglean-dev     headers, libdnsglean.so, libdnsglean.a, dnsglean.pc
#   lua-dnsglean        the module in lib/<triplet>/lua/5.4 and 5.3 (Debian's Lua policy)
#   nmap-dnsglean       share/nmap/scripts and share/nmap/nselib; postinst runs
#                       `nmap --script-updatedb`
#   wireshark-dnsglean  the plugin in the system plugin folder of the Wireshark
#                       built against (pkg-config wireshark: plugindir)
# These component rules are EXCLUDE_FROM_ALL: a plain `cmake --install` is
# unchanged. Depends come from dpkg-shlibdeps plus the lines below.

find_package(Python3 REQUIRED COMPONENTS Interpreter)

# ---- man page and completion ----
set(DG_DOC_DIR ${PROJECT_BINARY_DIR}/doc)
set(DG_MAN ${DG_DOC_DIR}/dnsglean.1)
set(DG_COMPLETION ${DG_DOC_DIR}/dnsglean)
set(DG_GEN_DOCS ${PROJECT_SOURCE_DIR}/core/tools/gen-docs.py)
add_custom_command(OUTPUT ${DG_MAN} ${DG_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${DG_DOC_DIR}
  COMMAND ${Python3_EXECUTABLE} ${DG_GEN_DOCS} --bin $<TARGET_FILE:dnsglean_cli>
    --man ${DG_MAN} --completion ${DG_COMPLETION}
    --datadir ${CMAKE_INSTALL_FULL_DATADIR}/dnsglean
  DEPENDS dnsglean_cli ${DG_GEN_DOCS}
  COMMENT "Generating dnsglean(1) and the bash completion from --help" VERBATIM)
add_custom_command(OUTPUT ${DG_MAN}.gz
  COMMAND gzip -9 -n -c ${DG_MAN} > ${DG_MAN}.gz
  DEPENDS ${DG_MAN}
  COMMENT "Compressing dnsglean(1)")
add_custom_target(dnsglean_docs ALL DEPENDS ${DG_MAN} ${DG_MAN}.gz ${DG_COMPLETION})
install(FILES ${DG_MAN} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${DG_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# ---- Debian packages: one component each ----
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(DG_DEB_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE})
else()
  set(DG_DEB_LIBDIR lib)
endif()
set(DG_DEB_VERSION ${PROJECT_VERSION})
set(DG_DEB_RELEASE 1)
set(DG_DEB_FULLVERSION ${DG_DEB_VERSION}-${DG_DEB_RELEASE})
set(DG_DEB_COMPONENTS pkg_cli pkg_lib pkg_dev)

# dnsglean: the CLI (statically linked: needs no libdnsglean0)
install(TARGETS dnsglean_cli RUNTIME DESTINATION bin COMPONENT pkg_cli EXCLUDE_FROM_ALL)
install(FILES ${DG_MAN}.gz DESTINATION share/man/man1 COMPONENT pkg_cli EXCLUDE_FROM_ALL)
install(FILES ${DG_COMPLETION} DESTINATION share/bash-completion/completions
  COMPONENT pkg_cli EXCLUDE_FROM_ALL)
file(GLOB DG_DEB_FP CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/core/data/fingerprints/*.tsv)
install(FILES ${PROJECT_SOURCE_DIR}/core/data/wordlist.txt
  ${PROJECT_SOURCE_DIR}/core/data/footprint-names.txt
  DESTINATION share/dnsglean COMPONENT pkg_cli EXCLUDE_FROM_ALL)
install(FILES ${DG_DEB_FP} DESTINATION share/dnsglean/fingerprints
  COMPONENT pkg_cli EXCLUDE_FROM_ALL)

# libdnsglean0 and libdnsglean-dev
install(TARGETS dnsglean LIBRARY DESTINATION ${DG_DEB_LIBDIR} COMPONENT pkg_lib
  NAMELINK_SKIP EXCLUDE_FROM_ALL)
install(TARGETS dnsglean LIBRARY DESTINATION ${DG_DEB_LIBDIR} COMPONENT pkg_dev
  NAMELINK_ONLY EXCLUDE_FROM_ALL)
install(TARGETS dnsglean_static ARCHIVE DESTINATION ${DG_DEB_LIBDIR} COMPONENT pkg_dev
  EXCLUDE_FROM_ALL)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/dnsglean DESTINATION include
  COMPONENT pkg_dev EXCLUDE_FROM_ALL)
function(dg_deb_pc)
  # dnsglean.pc as the package installs it: everything under /usr
  set(CMAKE_INSTALL_PREFIX /usr)
  set(CMAKE_INSTALL_FULL_LIBDIR /usr/${DG_DEB_LIBDIR})
  set(CMAKE_INSTALL_FULL_INCLUDEDIR /usr/include)
  configure_file(${PROJECT_SOURCE_DIR}/core/dnsglean.pc.in ${DG_DOC_DIR}/deb/dnsglean.pc @ONLY)
endfunction()
dg_deb_pc()
install(FILES ${DG_DOC_DIR}/deb/dnsglean.pc DESTINATION ${DG_DEB_LIBDIR}/pkgconfig
  COMPONENT pkg_dev EXCLUDE_FROM_ALL)

# lua-dnsglean: Debian's Lua C-module folders, /usr/lib/<triplet>/lua/5.x
foreach(ver IN LISTS DG_LUA_BUILT)
  string(REPLACE "." "" v ${ver})
  install(TARGETS dnsglean_lua${v} LIBRARY DESTINATION ${DG_DEB_LIBDIR}/lua/${ver}
    COMPONENT pkg_lua EXCLUDE_FROM_ALL)
endforeach()
if(DG_LUA_BUILT)
  list(APPEND DG_DEB_COMPONENTS pkg_lua)
endif()

# nmap-dnsglean: Nmap's scripts and nselib folders (Debian: /usr/share/nmap)
file(GLOB DG_DEB_NSE CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/nse/*.nse)
install(FILES ${DG_DEB_NSE} DESTINATION share/nmap/scripts COMPONENT pkg_nmap EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/nse/nselib/dnsglean_nse.lua DESTINATION share/nmap/nselib
  COMPONENT pkg_nmap EXCLUDE_FROM_ALL)
list(APPEND DG_DEB_COMPONENTS pkg_nmap)

# wireshark-dnsglean: the plugin folder of the Wireshark built against
if(TARGET dnsglean_wireshark)
  pkg_get_variable(DG_WS_PLUGINDIR wireshark plugindir)
  string(REGEX REPLACE "^/usr/" "" DG_DEB_WS_DIR "${DG_WS_PLUGINDIR}")
  if(DG_DEB_WS_DIR STREQUAL DG_WS_PLUGINDIR)
    message(FATAL_ERROR "Wireshark's plugindir ${DG_WS_PLUGINDIR} is not under /usr")
  endif()
  install(TARGETS dnsglean_wireshark LIBRARY DESTINATION ${DG_DEB_WS_DIR}/epan
    COMPONENT pkg_wireshark EXCLUDE_FROM_ALL)
  list(APPEND DG_DEB_COMPONENTS pkg_wireshark)
endif()

# ---- CPack ----
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dnsglean)
set(CPACK_PACKAGE_VERSION ${DG_DEB_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DNS reconnaissance toolkit")
set(CPACK_PACKAGE_CONTACT "dnsglean maintainers <dnsglean@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${DG_DEB_COMPONENTS})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${DG_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=") # the ABI of a soname only grows
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_PKG_CLI_PACKAGE_NAME dnsglean)
set(CPACK_COMPONENT_PKG_CLI_DESCRIPTION "DNS reconnaissance: subdomains, providers, findings\n\
dnsglean enumerates a domain's subdomains over many resolvers, gathers its\n\
NS, MX, TXT, SPF, DMARC and SaaS records and names the providers behind\n\
them, tries zone transfers and NSEC/NSEC3 walks, and tags reconnaissance in\n\
DNS captures. With the dnsglean(1) manual and bash completion.")

set(CPACK_DEBIAN_PKG_LIB_PACKAGE_NAME libdnsglean0)
set(CPACK_DEBIAN_PKG_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PKG_LIB_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/cmake/debian/libdnsglean0/triggers)
set(CPACK_COMPONENT_PKG_LIB_DESCRIPTION "DNS reconnaissance library (shared library)\n\
libdnsglean holds dnsglean's sans-I/O enumeration engine, its epoll loop,\n\
the provider classifier with its fingerprint database, the SPF/DMARC\n\
parsers and the passive reconnaissance detector.")

set(CPACK_DEBIAN_PKG_DEV_PACKAGE_NAME libdnsglean-dev)
set(CPACK_DEBIAN_PKG_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PKG_DEV_PACKAGE_DEPENDS
  "libdnsglean0 (= ${DG_DEB_FULLVERSION}), libglib2.0-dev, libldns-dev")
set(CPACK_COMPONENT_PKG_DEV_DESCRIPTION "DNS reconnaissance library (development files)\n\
Headers, the static library and the pkg-config file (dnsglean.pc) of\n\
libdnsglean.")

set(CPACK_DEBIAN_PKG_LUA_PACKAGE_NAME lua-dnsglean)
set(CPACK_DEBIAN_PKG_LUA_PACKAGE_SECTION interpreters)
set(CPACK_DEBIAN_PKG_LUA_PACKAGE_ENHANCES "lua5.4, lua5.3")
set(CPACK_COMPONENT_PKG_LUA_DESCRIPTION "DNS reconnaissance for Lua 5.4 and 5.3\n\
The dnsglean module gives Lua the dnsglean engine (blocking and sans-I/O),\n\
classifier, SPF/DMARC parsers, zone transfer, NSEC walk and detector.")

set(CPACK_DEBIAN_PKG_NMAP_PACKAGE_NAME nmap-dnsglean)
set(CPACK_DEBIAN_PKG_NMAP_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_PKG_NMAP_PACKAGE_DEPENDS "nmap, lua-dnsglean (>= ${DG_DEB_FULLVERSION})")
set(CPACK_DEBIAN_PKG_NMAP_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PKG_NMAP_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/cmake/debian/nmap-dnsglean/postinst
  ${PROJECT_SOURCE_DIR}/cmake/debian/nmap-dnsglean/postrm)
set(CPACK_COMPONENT_PKG_NMAP_DESCRIPTION "Nmap scripts for dnsglean (NSE)\n\
dnsglean-* NSE scripts and their library: subdomain brute force, footprint,\n\
zone transfer and NSEC walk, driving the dnsglean engine through Nmap's\n\
own sockets.")

set(CPACK_DEBIAN_PKG_WIRESHARK_PACKAGE_NAME wireshark-dnsglean)
set(CPACK_DEBIAN_PKG_WIRESHARK_PACKAGE_ENHANCES "wireshark, tshark")
set(CPACK_COMPONENT_PKG_WIRESHARK_DESCRIPTION "Wireshark plugin tagging DNS reconnaissance\n\
A postdissector on DNS that adds dnsglean.tag, dnsglean.provider,\n\
dnsglean.category and dnsglean.source_score fields: zone transfers,\n\
brute force, NSEC walks, cache snooping, provider disclosure.")

include(CPack)
