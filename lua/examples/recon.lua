-- The README's ten-line custom recon script: enumerate, then say what each
-- answer reveals.   lua5.4 recon.lua DOMAIN WORDLIST RESOLVERS
local dg = require "dnsglean"
local e = assert(dg.engine{domain = arg[1], words = arg[2],
                           resolvers = arg[3], types = {"A", "CNAME", "TXT"}})
for r in e:results() do
  for _, a in ipairs(r.answers) do
    for _, d in ipairs(a.data) do
      local providers, takeover = dg.classify{owner = r.name, type = a.type, rdata = d}
      for _, p in ipairs(providers or {}) do print(r.name, p.category, p.name, takeover) end
    end
  end
end
