local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"
local target = require "target"

description = [[
Enumerates the subdomains of a domain by brute force with dnsglean's C
engine: resolver validation, wildcard detection (names answered only by a
wildcard are counted, not reported), retries with backoff, optional record
types and recursion into the names found.

By default the C core's own loop (its own sockets, sendmmsg/recvmmsg) runs
in slices of 10 ms that yield to Nmap between them, so other scripts and the
scan go on meanwhile; its packets do not follow Nmap's <code>-S</code>,
<code>-e</code> or <code>--script-trace</code>. With
<code>dnsglean-brute.driver=nsock</code> the engine's datagrams go through
Nmap's own sockets instead (<code>nmap.new_socket("udp")</code>; TCP for
truncated answers): those options apply, but every datagram costs a trip
through Nmap's scheduler (20-70 us on loopback; while any other script
waits on a socket or a timer, each turn of that scheduler lasts up to
50 ms), several times slower. Resolvers default to Nmap's
<code>--dns-servers</code> (else the system's).

Needs the dnsglean Lua module built for the Lua version of this Nmap
(Nmap 7.93 embeds Lua 5.3, later releases Lua 5.4), found through
<code>LUA_CPATH</code> or installed where Lua looks for C modules. Its Nmap
library <code>dnsglean_nse</code> is installed into Nmap's <code>nselib</code>
(a script run by path from a source tree finds it in <code>nse/nselib/</code>).
]]

---
-- @usage
-- nmap -sn -Pn --dns-servers 192.0.2.53 --script dnsglean-brute \
--   --script-args dnsglean-brute.domain=example.com
-- nmap -sn --script dnsglean-brute \
--   --script-args dnsglean-brute.wordlist=words.txt,dnsglean-brute.types=A,newtargets example.com
-- nmap -sn -Pn --dns-servers 192.0.2.53 --script dnsglean-brute \
--   --script-args dnsglean-brute.domain=example.com,dnsglean-brute.trusted=192.0.2.54
--
-- @args dnsglean-brute.domain Domain to enumerate (prerule). Without it the
--       script runs per host on the domain of the host's name, as dns-brute does.
-- @args dnsglean-brute.wordlist File of words, one per line (default: the
--       wordlist installed with dnsglean).
-- @args dnsglean-brute.resolvers Resolvers (<code>addr[:port]</code>, several as
--       <code>{a,b}</code>) or a file of them, one per line (default: Nmap's <code>--dns-servers</code>, else
--       the system's).
-- @args dnsglean-brute.trusted Trusted resolvers (same forms as
--       <code>dnsglean-brute.resolvers</code>) that recheck every name the
--       others find, at their own rate: a name they say does not exist
--       (NXDOMAIN) is not reported and counts as <code>rejected_by_trusted</code>.
--       Guards against resolvers that invent names (NXDOMAIN hijacking).
-- @args dnsglean-brute.trusted_qps Rate limit of those rechecks, queries per
--       second to all trusted resolvers together (default 50; 0: none).
-- @args dnsglean-brute.types Record types to ask (default <code>A</code>; the
--       first proves existence, the others are asked for names that exist).
--       Several in Nmap's table syntax: <code>dnsglean-brute.types={A,AAAA}</code>.
-- @args dnsglean-brute.concurrency Names in flight at once (default 256).
-- @args dnsglean-brute.recursive Depth of recursion into found names
--       (default 0; <code>true</code> means 1).
-- @args dnsglean-brute.sockets UDP sockets per resolver (default 1; 4 with
--       <code>driver=nsock</code>).
-- @args dnsglean-brute.driver <code>core</code> (default): the C core's own
--       loop, in slices that yield to Nmap (see <code>dnsglean-brute.slice</code>);
--       <code>nsock</code>: the datagrams go through Nmap's sockets (follows
--       <code>-S</code>/<code>-e</code>, several times slower).
-- @args dnsglean-brute.slice Milliseconds the core's loop runs before it
--       yields to Nmap (default 10; while other scripts keep Nmap's turns
--       long, a slice lasts as long as the turn before it, up to 5 times
--       this; <code>0</code>: the whole enumeration at once, Nmap waits for
--       it). Only with <code>driver=core</code>.
-- @args dnsglean-brute.timeout Per-try timeout in milliseconds (default 1500).
-- @args dnsglean-brute.retries Extra tries per query (default 4).
-- @args newtargets Adds the addresses found to Nmap's targets.
--
-- @output
-- Pre-scan script results:
-- | dnsglean-brute:
-- |   domain: example.com
-- |   names:
-- |
-- |       name: www.example.com
-- |       status: found
-- |       A: 192.0.2.10
-- |
-- |       name: api.example.com
-- |       status: found
-- |       CNAME: www.example.com.
-- |       A: 192.0.2.10
-- |
-- |       name: mail.example.com
-- |       status: nodata
-- |   statistics:
-- |     words: 5000
-- |     found: 2
-- |     nodata: 1
-- |     nxdomain: 4997
-- |     wildcard: 0
-- |     failed: 0
-- |     rejected_by_trusted: 3
-- |     queries: 5012
-- |_    seconds: 1.92
--
-- @xmloutput
-- <elem key="domain">example.com</elem>
-- <table key="names">
--   <table>
--     <elem key="name">www.example.com</elem>
--     <elem key="status">found</elem>
--     <table key="A"><elem>192.0.2.10</elem></table>
--   </table>
-- </table>
-- <table key="statistics">
--   <elem key="words">5000</elem>
--   <elem key="found">2</elem>
--   <elem key="nodata">1</elem>
--   <elem key="nxdomain">4997</elem>
--   <elem key="wildcard">0</elem>
--   <elem key="failed">0</elem>
--   <elem key="rejected_by_trusted">3</elem>
--   <elem key="queries">5012</elem>
--   <elem key="seconds">1.92</elem>
-- </table>

author = "dnsglean developers"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"intrusive", "discovery"}

-- Loads dnsglean's Nmap library (nselib/dnsglean_nse.lua: from Nmap's nselib,
-- else beside this script in a source tree) and through it the C module.
-- Returns the module and the library, or nil and a message saying what to
-- do (not a traceback).
local function load_dnsglean()
  local ok, glue = pcall(require, "dnsglean_nse")
  if not ok then
    local dir = (SCRIPT_PATH or ""):match("^(.*)/[^/]*$") or "."
    local file = package.searchpath("dnsglean_nse", dir .. "/nselib/?.lua")
    if not file then
      return nil, "dnsglean's Nmap library dnsglean_nse.lua not found: install it into"
        .. " Nmap's nselib directory or add its directory to LUA_PATH"
    end
    ok, glue = pcall(dofile, file)
    if not ok then return nil, tostring(glue) end
    package.loaded.dnsglean_nse = glue
  end
  local dg, err = glue.load()
  if not dg then return nil, err end
  return dg, glue
end

-- Errors are shown whatever the debugging level (stdnse.format_output hides
-- them below -d).
local function fail(msg)
  return "ERROR: " .. tostring(msg)
end

local function arg(name)
  return stdnse.get_script_args(SCRIPT_NAME .. "." .. name)
end

local function guess_domain(host)
  local name = stdnse.get_hostname(host)
  if name and name ~= host.ip then
    return name:match("%.([^.]+%..+)%.?$") or name:match("^([^.]+%.[^.]+)%.?$")
  end
end

prerule = function()
  if not arg("domain") then
    stdnse.debug1("Skipping '%s' %s, '%s.domain' argument is missing.", SCRIPT_NAME,
      SCRIPT_TYPE, SCRIPT_NAME)
    return false
  end
  return true
end

hostrule = function(host)
  return arg("domain") == nil and guess_domain(host) ~= nil
end

-- Resolvers: the script argument, else Nmap's DNS servers.
local function resolvers()
  local r = arg("resolvers")
  if r then return r end
  local servers = nmap.get_dns_servers()
  if servers and #servers > 0 then return servers end
  return nil
end

local function number_arg(name)
  local v = arg(name)
  if v == nil then return nil end
  local n = tonumber(v)
  if not n or n < 0 or n ~= math.floor(n) then
    error(("%s.%s must be a non-negative integer"):format(SCRIPT_NAME, name), 0)
  end
  return math.tointeger(n)
end

local function rate_arg(name)
  local v = arg(name)
  if v == nil then return nil end
  local n = tonumber(v)
  if not n or n < 0 then
    error(("%s.%s must be a non-negative number"):format(SCRIPT_NAME, name), 0)
  end
  return n
end

-- Sockets per resolver when dnsglean-brute.sockets is not given: Nmap's
-- sockets move one datagram per socket each turn of NSE's scheduler, so the
-- nsock driver takes several (4: about a third less time than 1 on loopback).
local DEFAULT_SOCKETS = {core = 1, nsock = 4}

-- The driver (dnsglean_nse: the core's loop in slices, or Nmap's sockets),
-- its name and the slice length; raises a message for bad arguments.
local function driver_args(glue)
  local dname = arg("driver") or "core"
  local drivers = {core = glue.drive_core, nsock = glue.drive}
  if not drivers[dname] then
    error(SCRIPT_NAME .. ".driver must be core or nsock", 0)
  end
  local slice = number_arg("slice")
  if slice and slice > 60000 then
    error(SCRIPT_NAME .. ".slice must be at most 60000", 0)
  end
  return drivers[dname], dname, slice
end

-- A result worth a row (found, nodata) into names; its addresses become
-- targets with newtargets.
local function add_row(names, r)
  if r.status ~= "found" and r.status ~= "nodata" then return end
  local row = stdnse.output_table()
  row.name = r.name
  row.status = r.status -- found, or nodata: exists without data of the asked types
  for _, a in ipairs(r.answers) do
    if a.cname and #a.cname > 0 and not row.CNAME then row.CNAME = a.cname end
    if #a.data > 0 then
      row[a.type] = a.data
      if target.ALLOW_NEW_TARGETS and (a.type == "A" or a.type == "AAAA") then
        for _, addr in ipairs(a.data) do
          local st, terr = target.add(addr)
          if not st then stdnse.debug1("target.add(%s): %s", addr, tostring(terr)) end
        end
      end
    end
  end
  names[#names + 1] = row
end

local function run(domain)
  local dg, glue = load_dnsglean()
  if not dg then return fail(glue) end
  local aok, driver, dname, slice = pcall(driver_args, glue)
  if not aok then return fail(driver) end

  local wordlist = arg("wordlist")
  if wordlist then
    wordlist = nmap.fetchfile(wordlist) or wordlist
  elseif dg.default_wordlist and io.open(dg.default_wordlist) then
    wordlist = dg.default_wordlist
  else
    return fail("no wordlist: set " .. SCRIPT_NAME .. ".wordlist")
  end
  local res = resolvers()
  if not res then
    return fail("no resolvers: use --dns-servers or " .. SCRIPT_NAME
      .. ".resolvers")
  end
  local recursive = arg("recursive")
  if recursive == "true" then
    recursive = 1
  elseif recursive ~= nil then
    recursive = number_arg("recursive")
  end
  local ok, opts = pcall(function()
    return {
      domain = domain, words = wordlist, resolvers = res,
      types = arg("types") or "A",
      concurrency = number_arg("concurrency") or 256,
      sockets = number_arg("sockets") or DEFAULT_SOCKETS[dname],
      timeout = number_arg("timeout"), retries = number_arg("retries"),
      recursive = recursive,
      trusted = arg("trusted"), trusted_qps = rate_arg("trusted_qps"),
    }
  end)
  if not ok then return fail(opts) end
  local cok, e, eerr = pcall(dg.engine, opts)
  if not cok then return fail(tostring(e)) end
  if not e then return fail(eerr) end

  local started = nmap.clock_ms()
  local names = {}
  local dok, derr = driver(e, opts.sockets, opts.timeout or 1500, function(r)
    add_row(names, r)
  end, slice)
  local st = e:stats()
  e:close()
  if not dok then return fail(derr) end
  table.sort(names, function(a, b) return a.name < b.name end)

  -- for dnsglean-takeover, run after this script in the same scan
  nmap.registry.dnsglean_found = nmap.registry.dnsglean_found or {}
  local found = {}
  for _, row in ipairs(names) do found[#found + 1] = row.name end
  nmap.registry.dnsglean_found[domain] = found

  local out = stdnse.output_table()
  out.domain = domain
  if #names == 0 then
    setmetatable(names, {__tostring = function() return "No names found." end})
  end
  out.names = names
  local stats = stdnse.output_table()
  stats.words = st.words_read
  stats.found = st.found
  stats.nodata = st.nodata
  stats.nxdomain = st.nxdomain
  stats.wildcard = st.wildcard
  stats.failed = st.failed
  if st.trusted > 0 then stats.rejected_by_trusted = st.rejected_by_trusted end
  stats.queries = st.queries
  stats.seconds = ("%.2f"):format((nmap.clock_ms() - started) / 1000)
  out.statistics = stats
  return out
end

action = function(host)
  local domain = arg("domain") or guess_domain(host)
  nmap.registry.dnsglean_brute = nmap.registry.dnsglean_brute or {}
  if nmap.registry.dnsglean_brute[domain] then
    stdnse.debug1("Skipping already enumerated domain %s", domain)
    return nil
  end
  nmap.registry.dnsglean_brute[domain] = true
  return run(domain)
end
