local io = require "io"
local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"

description = [[
Looks for subdomain takeover candidates with dnsglean's C core: names whose
CNAME points into a service where anyone can claim the target (Azure App
Service, S3 website buckets, GitHub Pages, Heroku, ...; dnsglean's
fingerprint database says which) while the target no longer exists
(NXDOMAIN). Such a name serves whatever the next customer of that service
puts there.

Checks the names given in <code>dnsglean-takeover.names</code>, the names
<code>dnsglean-brute</code> found for the domain earlier in the same scan
(it runs first when both are selected), and the domain itself. The lookups
travel through Nmap's own UDP sockets (the engine's sans-I/O interface).
Resolvers default to Nmap's <code>--dns-servers</code> (else the system's).

A dangling CNAME whose target service is not in the database is reported
too, as <code>dangling</code>: worth a look, not a proven candidate. The
script only resolves names; it never tries to claim anything.

Needs the dnsglean Lua module built for the Lua version of this Nmap
(Nmap 7.93: Lua 5.3; later releases: Lua 5.4), found through
<code>LUA_CPATH</code> or installed where Lua looks for C modules. Its Nmap
library <code>dnsglean_nse</code> is installed into Nmap's <code>nselib</code>
(a script run by path from a source tree finds it in <code>nse/nselib/</code>).
]]

---
-- @usage
-- nmap -sn -Pn --dns-servers 192.0.2.53 --script dnsglean-takeover \
--   --script-args dnsglean-takeover.domain=example.com,dnsglean-takeover.names={legacy.example.com,shop.example.com}
-- nmap -sn -Pn --dns-servers 192.0.2.53 --script dnsglean-brute,dnsglean-takeover \
--   --script-args dnsglean-brute.domain=example.com,dnsglean-takeover.domain=example.com
--
-- @args dnsglean-takeover.domain Domain whose names are checked (prerule).
-- @args dnsglean-takeover.names Names to check: several as <code>{a,b}</code>, or a
--       file with one name per line.
-- @args dnsglean-takeover.resolvers Resolvers (<code>addr[:port]</code>, several
--       as <code>{a,b}</code>) or a file of them (default: Nmap's
--       <code>--dns-servers</code>, else the system's).
-- @args dnsglean-takeover.timeout Per-try timeout in milliseconds (default 1500).
--
-- @output
-- Pre-scan script results:
-- | dnsglean-takeover:
-- |   domain: example.com
-- |   checked: 12
-- |   candidates:
-- |
-- |       name: legacy.example.com
-- |       target: gone-app.azurewebsites.net
-- |       provider: Azure App Service
-- |       takeover_status: vulnerable
-- |       condition: nxdomain
-- |_      verdict: candidate
--
-- @xmloutput
-- <elem key="domain">example.com</elem>
-- <elem key="checked">12</elem>
-- <table key="candidates">
--   <table>
--     <elem key="name">legacy.example.com</elem>
--     <elem key="target">gone-app.azurewebsites.net</elem>
--     <elem key="provider">Azure App Service</elem>
--     <elem key="takeover_status">vulnerable</elem>
--     <elem key="condition">nxdomain</elem>
--     <elem key="verdict">candidate</elem>
--   </table>
-- </table>

author = "dnsglean developers"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"discovery", "safe"}
dependencies = {"dnsglean-brute"}

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

local function resolvers()
  local r = arg("resolvers")
  if r then return r end
  local servers = nmap.get_dns_servers()
  if servers and #servers > 0 then return servers end
  return nil
end


-- Resolves (name, type) questions through Nmap's sockets; returns a table
-- name -> result, or nil, message.
local function lookup(dg, glue, domain, res, questions, timeout)
  local ok, e, err = pcall(dg.engine, {domain = domain, resolvers = res,
                                        lookups = questions, timeout = timeout})
  if not ok then return nil, tostring(e) end
  if not e then return nil, err end
  local out = {}
  local dok, derr = glue.drive(e, 1, timeout or 1500, function(r) out[r.name] = r end)
  local fatal = e:error()
  e:close()
  if not dok then return nil, derr end
  if fatal then return nil, fatal end
  return out
end

local function names_arg()
  local v = arg("names")
  if type(v) == "table" then return v end
  if type(v) ~= "string" then return {} end
  local f = io.open(v)
  if not f then return {v} end
  local t = {}
  for l in f:lines() do
    local n = l:match("^%s*([^%s#]+)")
    if n then t[#t + 1] = n end
  end
  f:close()
  return t
end

action = function()
  local domain = arg("domain")
  local dg, glue = load_dnsglean()
  if not dg then return fail(glue) end
  if not dg.classify then
    return fail("this build of the dnsglean module has no classifier")
  end
  local res = resolvers()
  if not res then
    return fail("no resolvers: use --dns-servers or " .. SCRIPT_NAME .. ".resolvers")
  end
  local timeout = arg("timeout") and math.tointeger(tonumber(arg("timeout")))

  -- the names: given, found by dnsglean-brute, and the domain itself
  local seen, names = {}, {}
  local function add(n)
    n = n:lower():gsub("%.$", "")
    if not seen[n] then
      seen[n] = true
      names[#names + 1] = n
    end
  end
  add(domain)
  for _, n in ipairs(names_arg()) do add(n) end
  local found = nmap.registry.dnsglean_found and nmap.registry.dnsglean_found[domain]
  for _, n in ipairs(found or {}) do add(n) end

  -- 1. each name's CNAME chain
  local q = {}
  for _, n in ipairs(names) do q[#q + 1] = {n, "A"} end
  local first, err = lookup(dg, glue, domain, res, q, timeout)
  if not first then return fail(err) end
  -- 2. the last target of every chain: does it exist?
  local targets, tq = {}, {}
  for _, n in ipairs(names) do
    local r = first[n]
    local chain = r and r.answers[1] and r.answers[1].cname or {}
    if #chain > 0 then
      local t = chain[#chain]:gsub("%.$", ""):lower()
      targets[n] = t
      if not seen[t] then
        seen[t] = true
        tq[#tq + 1] = {t, "A"}
      end
    end
  end
  local second = {}
  if #tq > 0 then
    second, err = lookup(dg, glue, domain, res, tq, timeout)
    if not second then return fail(err) end
  end

  local candidates = {}
  for _, n in ipairs(names) do
    local t = targets[n]
    local r = first[n]
    local tr = t and (second[t] or first[t])
    local gone = (r and r.status == "nxdomain") or (tr and tr.status == "nxdomain")
    if t and gone then
      local providers, takeover, condition, status = dg.classify{owner = n, type = "CNAME",
                                                                 rdata = t .. "."}
      local row = stdnse.output_table()
      row.name = n
      row.target = t
      if providers and #providers > 0 then row.provider = providers[1].name end
      row.takeover_status = status -- vulnerable / not-vulnerable / edge-case, or nil
      if takeover then
        row.condition = condition
        row.verdict = "candidate"
      else
        row.verdict = "dangling"
      end
      candidates[#candidates + 1] = row
    end
  end

  local out = stdnse.output_table()
  out.domain = domain
  out.checked = #names
  if #candidates == 0 then
    setmetatable(candidates, {__tostring = function() return "none found" end})
  end
  out.candidates = candidates
  return out
end
