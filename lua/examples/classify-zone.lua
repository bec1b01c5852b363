-- What does a zone give away? Reads resource records in zone-file
-- presentation format (one "owner [ttl] [class] type rdata" per line, as
-- `dig +noall +answer` or an AXFR prints them) and prints, per provider, the
-- records that reveal it; takeover-prone records are flagged. No network.
--
--   lua5.4 classify-zone.lua ZONEFILE [FINGERPRINTS.tsv]
local dg = require "dnsglean"

-- Prints "classify-zone: " and the message on stderr and ends with status 1.
local function die(...)
  io.stderr:write("classify-zone: ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

local file, extra = arg[1], arg[2]
if not file then
  io.stderr:write("usage: classify-zone.lua ZONEFILE [FINGERPRINTS.tsv]\n")
  os.exit(2)
end
if not dg.classify then
  die("this build of the module has no classifier")
end
if extra then
  local n, err = dg.load_fingerprints(extra)
  if not n then
    die(err)
  end
end
local f, ferr = io.open(file)
if not f then
  die(ferr)
end

local origin
local by_provider, order, records, skipped = {}, {}, 0, 0
for line in f:lines() do
  local o = line:match("^%$ORIGIN%s+(%S+)")
  if o then origin = o end
  local owner = line:match("^(%S+)")
  -- relative owners (as in a hand-written zone file) get the $ORIGIN
  if owner and not line:match("^[$;]") and origin then
    if owner == "@" then
      line = origin .. line:sub(2)
    elseif not owner:match("%.$") then
      line = owner .. "." .. origin .. line:sub(#owner + 1)
    end
  end
  if line:match("^[^$;%s]") then
    local providers, takeover, condition = dg.classify(line)
    if not providers then
      skipped = skipped + 1
    else
      records = records + 1
      for _, p in ipairs(providers) do
        if not by_provider[p.name] then
          by_provider[p.name] = {category = p.category, evidence = {}}
          order[#order + 1] = p.name
        end
        local ev = p.evidence .. "  (" .. line:match("^(%S+)") .. ")"
        if takeover then ev = ev .. "  TAKEOVER-PRONE: " .. condition end
        table.insert(by_provider[p.name].evidence, ev)
      end
    end
  end
end
f:close()

table.sort(order, function(a, b)
  local ca, cb = by_provider[a].category, by_provider[b].category
  if ca ~= cb then return ca < cb end
  return a < b
end)
for _, name in ipairs(order) do
  local p = by_provider[name]
  print(string.format("%-10s %s", p.category, name))
  for _, ev in ipairs(p.evidence) do print("           " .. ev) end
end
print(string.format("# %d records, %d providers, %d lines skipped", records, #order, skipped))
