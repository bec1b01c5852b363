-- Enumerate a domain's subdomains, then decide what to ask next: for every
-- name found, look up its MX and TXT records (and, when the module has the
-- classifier, say which providers they reveal).
--
--   lua5.4 enumerate.lua DOMAIN WORDLIST RESOLVERS
--
-- RESOLVERS is a file (one addr[:port] per line) or a comma list.
local dg = require "dnsglean"

-- Prints "enumerate: " and the message on stderr and ends with status 1.
local function die(...)
  io.stderr:write("enumerate: ", ...)
  io.stderr:write("\n")
  os.exit(1)
end

local domain, words, resolvers = arg[1], arg[2], arg[3]
if not resolvers then
  io.stderr:write("usage: enumerate.lua DOMAIN WORDLIST RESOLVERS\n")
  os.exit(2)
end

-- 1. Brute force: the core's own loop does the I/O.
local e, err = dg.engine{domain = domain, words = words, resolvers = resolvers,
                         types = {"A", "AAAA"}}
if not e then
  die(err)
end
local found = {}
for r in e:results() do
  if r.status == "found" or r.status == "nodata" then
    local addrs = {}
    for _, a in ipairs(r.answers) do
      for _, d in ipairs(a.data) do addrs[#addrs + 1] = d end
    end
    print(string.format("%-40s %s", r.name, table.concat(addrs, " ")))
    found[#found + 1] = r.name
  end
end
local st = e:stats()
print(string.format("# %d names exist, %d wildcard answers, %d failed, %d queries",
                    st.found + st.nodata, st.wildcard, st.failed, st.queries))

-- 2. Follow-up questions about what was found: one lookup-mode engine.
local questions = {{domain, "MX"}, {domain, "TXT"}}
for _, name in ipairs(found) do
  questions[#questions + 1] = {name, "MX"}
  questions[#questions + 1] = {name, "TXT"}
end
local l = assert(dg.engine{domain = domain, resolvers = resolvers, lookups = questions})
for r in l:results() do
  for _, a in ipairs(r.answers) do
    for _, d in ipairs(a.data) do
      local line = string.format("%-40s %-4s %s", r.name, a.type, d)
      if dg.classify then
        local providers = dg.classify{owner = r.name, type = a.type, rdata = d}
        local names = {}
        for _, p in ipairs(providers or {}) do names[#names + 1] = p.name end
        if #names > 0 then line = line .. "  -> " .. table.concat(names, ", ") end
      end
      print(line)
    end
  end
end
