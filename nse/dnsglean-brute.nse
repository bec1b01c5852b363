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

The engine is sans-I/O: it decides what to ask and what an answer means,
while this script moves its datagrams through Nmap's own UDP sockets
(<code>nmap.new_socket("udp")</code>; TCP for truncated answers), so the scan
cooperates with Nmap's scheduler. Resolvers default to Nmap's
<code>--dns-servers</code> (else the system's).

Needs the dnsglean Lua module built for the Lua version of this Nmap
(Nmap 7.93 embeds Lua 5.3, later releases Lua 5.4), found through
<code>LUA_CPATH</code> or installed where Lua looks for C modules.
]]

---
-- @usage
-- nmap -sn -Pn --dns-servers 192.0.2.53 --script dnsglean-brute \
--   --script-args dnsglean-brute.domain=example.com
-- nmap -sn --script dnsglean-brute \
--   --script-args dnsglean-brute.wordlist=words.txt,dnsglean-brute.types=A,newtargets example.com
--
-- @args dnsglean-brute.domain Domain to enumerate (prerule). Without it the
--       script runs per host on the domain of the host's name, as dns-brute does.
-- @args dnsglean-brute.wordlist File of words, one per line (default: the
--       wordlist installed with dnsglean).
-- @args dnsglean-brute.resolvers Resolvers (<code>addr[:port]</code>, several as
--       <code>{a,b}</code>) or a file of them, one per line (default: Nmap's <code>--dns-servers</code>, else
--       the system's).
-- @args dnsglean-brute.types Record types to ask (default <code>A</code>; the
--       first proves existence, the others are asked for names that exist).
--       Several in Nmap's table syntax: <code>dnsglean-brute.types={A,AAAA}</code>.
-- @args dnsglean-brute.concurrency Names in flight at once (default 256).
-- @args dnsglean-brute.recursive Depth of recursion into found names
--       (default 0; <code>true</code> means 1).
-- @args dnsglean-brute.sockets UDP sockets per resolver (default 1).
-- @args dnsglean-brute.driver <code>nsock</code> (default): the datagrams go
--       through Nmap's sockets and the scan goes on meanwhile;
--       <code>core</code>: the C core's own epoll loop runs the whole
--       enumeration at once (faster, but Nmap waits for it).
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
-- |       A: 192.0.2.10
-- |
-- |       name: api.example.com
-- |       CNAME: www.example.com.
-- |       A: 192.0.2.10
-- |   statistics:
-- |     words: 5000
-- |     found: 2
-- |     wildcard: 0
-- |     failed: 0
-- |     queries: 5012
-- |_    seconds: 1.92
--
-- @xmloutput
-- <elem key="domain">example.com</elem>
-- <table key="names">
--   <table>
--     <elem key="name">www.example.com</elem>
--     <table key="A"><elem>192.0.2.10</elem></table>
--   </table>
-- </table>
-- <table key="statistics">
--   <elem key="words">5000</elem>
--   <elem key="found">2</elem>
--   <elem key="wildcard">0</elem>
--   <elem key="failed">0</elem>
--   <elem key="queries">5012</elem>
--   <elem key="seconds">1.92</elem>
-- </table>

author = "dnsglean developers"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"intrusive", "discovery"}

-- Loads the C module; on failure a message saying what to do, not a traceback.
local function load_dnsglean()
  local want = _VERSION:match("%d+%.%d+")
  local ok, mod = pcall(require, "dnsglean")
  if not ok then
    local why = tostring(mod):gsub("\n%s*", " "):gsub(":$", "")
    return nil, ("dnsglean Lua module not usable in this Nmap (%s): %s. Build it for Lua %s"
      .. " and set LUA_CPATH, e.g. LUA_CPATH='/path/to/build/lua/%s/?.so;;' nmap ...")
      :format(_VERSION, why, want, want)
  end
  if mod._LUA_ABI ~= want then
    return nil, ("dnsglean Lua module was built for Lua %s but this Nmap runs %s"):format(
      tostring(mod._LUA_ABI), _VERSION)
  end
  return mod
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

local function run(domain)
  local dg, lerr = load_dnsglean()
  if not dg then return fail(lerr) end

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
      sockets = number_arg("sockets") or 1,
      timeout = number_arg("timeout"), retries = number_arg("retries"),
      recursive = recursive,
    }
  end)
  if not ok then return fail(opts) end
  local cok, e, eerr = pcall(dg.engine, opts)
  if not cok then return fail(tostring(e)) end
  if not e then return fail(eerr) end

  -- dg.nse (lua/nse.lua, inside the module): Nmap's sockets, or the core's loop
  local driver = dg.nse.drive
  local dname = arg("driver") or "nsock"
  if dname == "core" then
    driver = dg.nse.drive_core
  elseif dname ~= "nsock" then
    return fail(SCRIPT_NAME .. ".driver must be nsock or core")
  end
  local started = nmap.clock_ms()
  local names = {}
  local dok, derr = driver(e, opts.sockets, opts.timeout or 1500, function(r)
    if r.status ~= "found" and r.status ~= "nodata" then return end
    local row = stdnse.output_table()
    row.name = r.name
    if r.status == "nodata" then row.status = "exists (no data of the asked types)" end
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
  end)
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
  stats.found = st.found + st.nodata
  stats.wildcard = st.wildcard
  stats.failed = st.failed
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
