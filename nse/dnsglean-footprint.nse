local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"

description = [[
Reports a domain's DNS footprint with dnsglean's C core: it gathers the
records that give a domain away (NS, SOA, MX, TXT, SPF and its include
chain, DMARC, CAA, DKIM selectors, well-known SRV and SaaS names, CNAME
targets), classifies them against dnsglean's fingerprint database and lists
the third-party providers by category (mail, identity, hosting, CDN, ...)
and the findings (SPF and DMARC weaknesses, takeover candidates, lame
delegations, ...).

The footprint runs in phases (each asks what the previous answers call
for); their datagrams travel through Nmap's own sockets, through the
engine's sans-I/O interface (<code>dnsglean-footprint.driver=core</code> runs
the core's own loop instead, which Nmap waits for). Resolvers default to Nmap's <code>--dns-servers</code>
(else the system's). The lame-delegation check asks the domain's name
servers directly; <code>dnsglean-footprint.lame_check=false</code> skips it.

Needs the dnsglean Lua module built for the Lua version of this Nmap
(Nmap 7.93: Lua 5.3; later releases: Lua 5.4), found through
<code>LUA_CPATH</code> or installed where Lua looks for C modules. Its Nmap
library <code>dnsglean_nse</code> is installed into Nmap's <code>nselib</code>
(a script run by path from a source tree finds it in <code>nse/nselib/</code>).
]]

---
-- @usage
-- nmap -sn -Pn --dns-servers 192.0.2.53 --script dnsglean-footprint \
--   --script-args dnsglean-footprint.domain=example.com
-- nmap -sn --script dnsglean-footprint www.example.com
--
-- @args dnsglean-footprint.domain Domain to footprint (prerule). Without it the
--       script runs per host on the domain of the host's name.
-- @args dnsglean-footprint.resolvers Resolvers (<code>addr[:port]</code>, several
--       as <code>{a,b}</code>) or a file of them (default: Nmap's
--       <code>--dns-servers</code>, else the system's).
-- @args dnsglean-footprint.timeout Per-try timeout in milliseconds.
-- @args dnsglean-footprint.driver <code>nsock</code> (default) or <code>core</code>.
-- @args dnsglean-footprint.lame_check Ask each name server for the zone's SOA
--       (default <code>true</code>).
--
-- @output
-- Pre-scan script results:
-- | dnsglean-footprint:
-- |   domain: example.com
-- |   providers:
-- |     hosting: Azure App Service
-- |     mail: Microsoft 365
-- |   findings:
-- |
-- |       id: takeover-candidate
-- |       severity: high
-- |       message: legacy.example.com points to gone.azurewebsites.net (Azure App
-- |         Service), which does not exist (NXDOMAIN): ...
-- |
-- |       id: dmarc-p-none
-- |       severity: low
-- |       message: DMARC policy is p=none: failing mail is delivered (monitoring only)
-- |_  queries: 41
--
-- @xmloutput
-- <elem key="domain">example.com</elem>
-- <table key="providers">
--   <table key="hosting"><elem>Azure App Service</elem></table>
--   <table key="mail"><elem>Microsoft 365</elem></table>
-- </table>
-- <table key="findings">
--   <table>
--     <elem key="id">takeover-candidate</elem>
--     <elem key="severity">high</elem>
--     <elem key="message">legacy.example.com points to ...</elem>
--   </table>
-- </table>
-- <elem key="queries">41</elem>

author = "dnsglean developers"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"discovery", "safe"}

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

local function resolvers()
  local r = arg("resolvers")
  if r then return r end
  local servers = nmap.get_dns_servers()
  if servers and #servers > 0 then return servers end
  return nil
end

local function run(domain)
  local dg, glue = load_dnsglean()
  if not dg then return fail(glue) end
  local res = resolvers()
  if not res then
    return fail("no resolvers: use --dns-servers or " .. SCRIPT_NAME .. ".resolvers")
  end
  local timeout = arg("timeout") and tonumber(arg("timeout"))
  local lame = arg("lame_check")
  local opts = {domain = domain, resolvers = res,
    timeout = timeout and math.tointeger(timeout) or nil,
    lame_check = lame == nil and true or (lame ~= "false" and lame ~= "0")}
  local driver = arg("driver") or "nsock"
  local ok, rep, err
  if driver == "core" then
    ok, rep, err = pcall(dg.footprint, opts)
  elseif driver == "nsock" then
    ok, rep, err = pcall(function()
      local fp, ferr = dg.footprinter(opts)
      if not fp then return nil, ferr end
      while true do
        local e = fp:engine()
        if not e then break end
        local dok, derr = glue.drive(e, 1, opts.timeout or 1500, function() end)
        if not dok then
          fp:close()
          return nil, derr
        end
        local more, perr = fp:next_phase()
        if more == nil then
          fp:close()
          return nil, perr
        end
        if not more then break end
      end
      local r = fp:report()
      fp:close()
      return r, r == nil and "footprint ended without a report" or nil
    end)
  else
    return fail(SCRIPT_NAME .. ".driver must be nsock or core")
  end
  if not ok then return fail(rep) end
  if not rep then return fail(err) end

  local out = stdnse.output_table()
  out.domain = rep.domain
  local providers = stdnse.output_table()
  local cats = {}
  for _, p in ipairs(rep.providers) do
    if not providers[p.category] then
      providers[p.category] = {}
      cats[#cats + 1] = p.category
    end
    table.insert(providers[p.category], p.name)
  end
  if #cats == 0 then
    setmetatable(providers, {__tostring = function() return "none found" end})
  end
  out.providers = providers
  local findings = {}
  for _, f in ipairs(rep.findings) do
    local row = stdnse.output_table()
    row.id = f.id
    row.severity = f.severity
    row.message = f.message
    if #f.evidence > 0 then row.evidence = f.evidence end
    findings[#findings + 1] = row
  end
  out.findings = findings
  out.queries = rep.queries
  return out
end

action = function(host)
  local domain = arg("domain") or guess_domain(host)
  nmap.registry.dnsglean_footprint = nmap.registry.dnsglean_footprint or {}
  if nmap.registry.dnsglean_footprint[domain] then return nil end
  nmap.registry.dnsglean_footprint[domain] = true
  return run(domain)
end
