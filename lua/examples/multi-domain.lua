-- A custom event loop: brute-force several domains at once over one UDP
-- socket, with our own pacing and progress, by driving the engines'
-- sans-I/O interface (next_query / feed / tick / next_result). The engines
-- only decide what to send and what answers mean; this loop moves the bytes.
--
--   lua5.4 multi-domain.lua WORDLIST RESOLVER DOMAIN [DOMAIN...]
local dg = require "dnsglean"

local words, resolver = arg[1], arg[2]
local domains = {table.unpack(arg, 3)}
if #domains == 0 then
  io.stderr:write("usage: multi-domain.lua WORDLIST RESOLVER DOMAIN [DOMAIN...]\n")
  os.exit(2)
end

local sock = dg.udp()
local engines = {}
for _, d in ipairs(domains) do
  local e, err = dg.engine{domain = d, words = words, resolvers = {resolver},
                           concurrency = 64}
  if not e then
    io.stderr:write("multi-domain: ", err, "\n")
    os.exit(1)
  end
  engines[#engines + 1] = {domain = d, e = e, found = 0}
end

local function all_done()
  for _, x in ipairs(engines) do
    if not x.e:done() then return false end
  end
  return true
end

local sent, last_report = 0, dg.now()
while not all_done() do
  local wait = 50
  for _, x in ipairs(engines) do
    -- send what each engine has due
    while true do
      local to, bytes = x.e:next_query()
      if not to then break end
      assert(sock:sendto(to, bytes))
      sent = sent + 1
    end
    wait = math.min(wait, x.e:next_timeout() or 50)
  end
  -- one socket for every engine: offer each answer to each engine; the one
  -- that asked (same resolver, same ID and question) takes it
  local data, from = sock:recv(wait)
  while data do
    for _, x in ipairs(engines) do
      if x.e:feed(from, data) then break end
    end
    data, from = sock:recv(0)
  end
  for _, x in ipairs(engines) do
    x.e:tick()
    while true do
      local r = x.e:next_result()
      if not r then break end
      if r.status == "found" or r.status == "nodata" then
        x.found = x.found + 1
        print(string.format("%-12s %-40s %s", x.domain, r.name, table.concat(r.data or {}, " ")))
      end
    end
  end
  if dg.now() - last_report >= 1000 then
    io.stderr:write(string.format("progress: %d queries sent\n", sent))
    last_report = dg.now()
  end
end
for _, x in ipairs(engines) do
  local st = x.e:stats()
  print(string.format("# %s: %d found, %d wildcard, %d failed", x.domain, x.found,
                      st.wildcard, st.failed))
end
