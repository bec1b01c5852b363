-- Resolve a list of names (one per line) for one or more record types, as
-- fast as the core's loop allows, and print one line per answer: a building
-- block for checking names gathered elsewhere (certificates, crawls, old
-- reports) against today's DNS.
--
--   lua5.4 resolve-list.lua NAMES-FILE RESOLVERS [TYPES]     (TYPES: "A,AAAA")
local dg = require "dnsglean"

-- Prints "resolve-list: " and the message on stderr and ends with status 1.
local function die(...)
  io.stderr:write("resolve-list: ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

local file, resolvers, types = arg[1], arg[2], arg[3] or "A"
if not resolvers then
  io.stderr:write("usage: resolve-list.lua NAMES-FILE RESOLVERS [TYPES]\n")
  os.exit(2)
end
local f, ferr = io.open(file)
if not f then
  die(ferr)
end
local questions = {}
for line in f:lines() do
  local name = line:match("^%s*([^%s#]+)")
  if name then
    for t in types:gmatch("[^,]+") do questions[#questions + 1] = {name, t} end
  end
end
f:close()
if #questions == 0 then
  die("no names in ", file)
end

-- Lookup mode: the domain only names the run (names may lie anywhere).
local e, err = dg.engine{domain = questions[1][1], resolvers = resolvers, lookups = questions}
if not e then
  die(err)
end
for r in e:results() do
  if #r.answers == 0 then
    print(string.format("%-40s %-6s %s", r.name, "-", r.rcode or r.status))
  end
  for _, a in ipairs(r.answers) do
    if #a.data == 0 then
      print(string.format("%-40s %-6s %s", r.name, a.type, a.rcode))
    end
    for _, d in ipairs(a.data) do
      print(string.format("%-40s %-6s %s", r.name, a.type, d))
    end
  end
end
