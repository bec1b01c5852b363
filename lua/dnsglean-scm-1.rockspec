-- LuaRocks build of the dnsglean Lua module, from a source tree:
--   luarocks make lua/dnsglean-scm-1.rockspec            (run at the tree's top)
-- Builds the module for the Lua version LuaRocks runs for, with the project's
-- CMake (libdnsglean linked in statically), and installs only the module.
-- System packages needed: cmake, pkg-config, libglib2.0-dev, libldns-dev.
rockspec_format = "3.0"
package = "dnsglean"
version = "scm-1"
source = {
  url = "git+file://.", -- `luarocks make` builds the tree it runs in
}
description = {
  summary = "DNS reconnaissance engine and classifier (the dnsglean C core) for Lua",
  detailed = [[
    require "dnsglean": subdomain enumeration through a sans-I/O engine (with a
    blocking driver and a next_query/feed/tick interface for any event loop),
    record classification into cloud/SaaS providers, SPF and DMARC parsers,
    domain footprints.
  ]],
  license = "see LICENSE",
}
dependencies = {
  "lua >= 5.3, < 5.5",
}
build = {
  type = "command",
  build_command = [[cmake -S . -B build.luarocks -DCMAKE_BUILD_TYPE=Release ]]
    .. [[-DDG_BUILD_TESTS=OFF -DDG_BUILD_WIRESHARK=OFF ]]
    .. [["-DDG_LUA_INCDIR=$(LUA_INCDIR)" ]]
    .. [["-DDG_LUA_CMOD=$(LIBDIR)" ]]
    .. [[&& cmake --build build.luarocks --target dnsglean_lua -j2]],
  install_command = [[cmake --install build.luarocks --component lua]],
}
