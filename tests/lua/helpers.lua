-- Shared by the test files: the environment the shell driver sets up.
local H = {}
H.resolver = assert(os.getenv("DG_RESOLVER"), "DG_RESOLVER not set (run through run-tests.sh)")
H.words = assert(os.getenv("DG_WORDS"), "DG_WORDS not set")
H.zones = assert(os.getenv("DG_ZONES"), "DG_ZONES not set")
H.nsec3_server = assert(os.getenv("DG_NSEC3_SERVER"), "DG_NSEC3_SERVER not set")
H.examples = os.getenv("DG_EXAMPLES")
H.lua = os.getenv("DG_LUA")

function H.lines(path)
  local t = {}
  for l in io.lines(path) do t[#t + 1] = l end
  return t
end

-- Names of `zone` (file DG_ZONES/<zone>.zone) whose leftmost label is a word
-- of the list and that sit `depth` labels below the apex: what a brute force
-- with that list must find. Read from the zone file, not written twice.
function H.zone_names(zone, depth)
  local words = {}
  for _, w in ipairs(H.lines(H.words)) do words[w] = true end
  local set, out = {}, {}
  for l in io.lines(H.zones .. "/" .. zone .. ".zone") do
    local owner = l:match("^([%w%-%._*]+)%s")
    if owner and owner ~= "@" and owner:sub(1, 1) ~= "$" and owner:sub(1, 1) ~= "*" then
      local labels = {}
      for lab in owner:gmatch("[^.]+") do labels[#labels + 1] = lab end
      local ok = #labels <= (depth or 1)
      for _, lab in ipairs(labels) do ok = ok and words[lab] end
      local fq = owner .. "." .. zone
      if ok and not set[fq] then
        set[fq] = true
        out[#out + 1] = fq
      end
    end
  end
  return out
end

-- A copy of table `base` with the keys of `extra` (may be nil) set over it:
-- test options with per-test changes.
function H.with(base, extra)
  local o = {}
  for k, v in pairs(base) do o[k] = v end
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

-- Writes `text` to a new temporary file; returns its path (the caller
-- removes it).
function H.temp_file(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

-- Every result of an engine's blocking iterator, in order.
function H.collect(e)
  local t = {}
  for r in assert(e:results()) do t[#t + 1] = r end
  return t
end

-- Names of results that exist (found or nodata), as the CLI prints them.
function H.existing(results)
  local t = {}
  for _, r in ipairs(results) do
    if r.status == "found" or r.status == "nodata" then t[#t + 1] = r.name end
  end
  return t
end

-- Runs a command, returns its output and exit success.
function H.run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

-- Drives an engine's sans-I/O interface with a loop written here over one
-- dg.udp() socket (UDP only, socket 1); returns the results.
function H.drive(e, sock)
  local res = {}
  local dg = require "dnsglean"
  local deadline = dg.now() + 20000
  while not e:done() do
    assert(dg.now() < deadline, "sans-I/O loop did not finish")
    while true do
      local resolver, bytes, k, proto = e:next_query()
      if not resolver then break end
      assert(proto == "udp", "proto " .. tostring(proto))
      assert(k == 1, "socket number " .. tostring(k))
      assert(sock:sendto(resolver, bytes))
    end
    local wait = e:next_timeout() or 10
    local data, from = sock:recv(math.min(wait, 50))
    while data do
      e:feed(from, data)
      data, from = sock:recv(0)
    end
    e:tick()
    while true do
      local r = e:next_result()
      if not r then break end
      res[#res + 1] = r
    end
  end
  return res
end

return H
