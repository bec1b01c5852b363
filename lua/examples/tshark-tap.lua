-- A tshark (Wireshark) Lua tap that classifies the DNS answers it sees with
-- the dnsglean module: every A, AAAA, NS, CNAME, MX, TXT and PTR record of a
-- DNS response (answer, authority and additional sections) goes through
-- dg.classify; a record that reveals a provider gives one tab-separated line
--   FRAME  OWNER  TYPE  PROVIDER  CATEGORY  [takeover: CONDITION]
-- and the end of the capture a "# ..." summary per provider.
--
--   tshark -r capture.pcap -q -X lua_script:tshark-tap.lua
--   tshark -i eth0 -f "udp port 53" -q -X lua_script:tshark-tap.lua
--
-- Wireshark's Lua must be one the module was built for: Wireshark 4.4
-- (Debian 13) embeds Lua 5.4; Wireshark 4.0 (Debian 12) embeds Lua 5.2, which
-- the module does not support. Without an installed package, point LUA_CPATH
-- at the build (LUA_CPATH="build/lua/5.4/?.so;;").
local dg = require "dnsglean"

-- the fields of one resource record, found by their offsets (see rr_at)
local f_name = Field.new("dns.resp.name")
local f_type = Field.new("dns.resp.type")
local f_ttl = Field.new("dns.resp.ttl")
local f_len = Field.new("dns.resp.len")

-- rdata fields per record type; each presentation() turns the values found
-- inside one record's rdata into its presentation-format rdata
local function fqdn(v)
  local s = tostring(v)
  return s:sub(-1) == "." and s or s .. "."
end
local function quoted(v) return '"' .. tostring(v):gsub('[\\"]', "\\%0") .. '"' end
local RDATA = {
  [1] = {"A", {Field.new("dns.a")}, function(v) return tostring(v[1][1]) end},
  [2] = {"NS", {Field.new("dns.ns")}, function(v) return fqdn(v[1][1]) end},
  [5] = {"CNAME", {Field.new("dns.cname")}, function(v) return fqdn(v[1][1]) end},
  [12] = {"PTR", {Field.new("dns.ptr.domain_name")}, function(v) return fqdn(v[1][1]) end},
  [15] = {"MX", {Field.new("dns.mx.preference"), Field.new("dns.mx.mail_exchange")},
    function(v) return tostring(v[1][1]) .. " " .. fqdn(v[2][1]) end},
  [16] = {"TXT", {Field.new("dns.txt")}, function(v)
    local parts = {}
    for i, s in ipairs(v[1]) do parts[i] = quoted(s) end
    return table.concat(parts, " ")
  end},
  [28] = {"AAAA", {Field.new("dns.aaaa")}, function(v) return tostring(v[1][1]) end},
}

-- FieldInfos of one field in this packet, keyed by "source@offset"
local function by_offset(field)
  local t = {}
  for _, fi in ipairs({field()}) do
    t[tostring(fi.source) .. "@" .. fi.offset] = fi
  end
  return t
end

-- The values of FIELD that lie inside [first, last) of SOURCE, in order.
local function values_in(field, source, first, last)
  local out = {}
  for _, fi in ipairs({field()}) do
    if tostring(fi.source) == source and fi.offset >= first and fi.offset < last then
      out[#out + 1] = fi.value
    end
  end
  return out
end

-- The record whose owner name is NAME (a FieldInfo): after the name come
-- type (2 bytes), class (2), TTL (4), rdata length (2) and the rdata. Returns
-- a presentation-format line and the type's mnemonic, or nil for a type this
-- tap does not read.
local function rr_at(name, types, ttls, lens)
  local source = tostring(name.source)
  local base = name.offset + name.len
  local ty, len = types[source .. "@" .. base], lens[source .. "@" .. (base + 8)]
  local spec = ty and RDATA[ty.value]
  if not spec or not len then return nil end
  local ttl = ttls[source .. "@" .. (base + 4)]
  local first = base + 10
  local vals = {}
  for i, f in ipairs(spec[2]) do
    vals[i] = values_in(f, source, first, first + len.value)
    if #vals[i] == 0 then return nil end
  end
  return string.format("%s %d IN %s %s", fqdn(name.value), ttl and ttl.value or 0, spec[1],
    spec[3](vals)), spec[1]
end

local seen = {responses = 0, records = 0, classified = 0}
local providers, order = {}, {}

local function note(frame, owner, ty, list, takeover, condition)
  seen.classified = seen.classified + 1
  for _, p in ipairs(list) do
    local line = string.format("%d\t%s\t%s\t%s\t%s", frame, owner, ty, p.name, p.category)
    if takeover then line = line .. "\ttakeover: " .. condition end
    print(line)
    if not providers[p.name] then
      providers[p.name] = {category = p.category, n = 0}
      order[#order + 1] = p.name
    end
    providers[p.name].n = providers[p.name].n + 1
  end
end

local tap = Listener.new("dns", "dns.flags.response == 1")

function tap.packet(pinfo)
  seen.responses = seen.responses + 1
  local types, ttls, lens = by_offset(f_type), by_offset(f_ttl), by_offset(f_len)
  for _, name in ipairs({f_name()}) do
    local line, ty = rr_at(name, types, ttls, lens)
    if line then
      seen.records = seen.records + 1
      local list, takeover, condition = dg.classify(line)
      if list and #list > 0 then
        note(pinfo.number, line:match("^%S+"), ty, list, takeover, condition)
      end
    end
  end
end

function tap.draw()
  table.sort(order)
  for _, name in ipairs(order) do
    print(string.format("# %s (%s): %d record(s)", name, providers[name].category, providers[name].n))
  end
  print(string.format("# dnsglean tap: %d responses, %d records read, %d revealing a provider",
    seen.responses, seen.records, seen.classified))
end

function tap.reset()
  seen = {responses = 0, records = 0, classified = 0}
  providers, order = {}, {}
end
