local coroutine = require "coroutine"
local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"

description = [[
The floor of Nmap's socket model for tests/bench/nse-bench.sh (not
installed): a minimal loop that only sends DNS queries through NSE's UDP
sockets (<code>nmap.new_socket("udp")</code>) and receives the answers, no
dnsglean, so the time per query is what any NSE script pays for a datagram
out and one in. Each socket has its own thread with up to
<code>nse-floor.window</code> queries in flight; the names are
<code>hNNNNN.DOMAIN</code>, NNNNN from 0.
]]

---
-- @usage
-- nmap -n -Pn -sn --script tests/bench/nse-floor.nse --script-args \
--   nse-floor.server=127.0.0.2,nse-floor.names=10000,nse-floor.domain=bench.test
-- @args nse-floor.server Address of the DNS server (required; loopback).
-- @args nse-floor.port Its port (default 53).
-- @args nse-floor.domain Domain of the names (required).
-- @args nse-floor.names Queries to send (default 10000).
-- @args nse-floor.sockets Sockets, one thread each (default 1).
-- @args nse-floor.window Queries in flight per socket (default 64).
-- @output
-- Pre-scan script results:
-- |_nse-floor: 10000 queries, 10000 answers, 0.512 s, 51.2 us/query

author = "dnsglean developers"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"safe"}

local function arg(name, default)
  local v = stdnse.get_script_args(SCRIPT_NAME .. "." .. name)
  if v == nil then return default end
  return v
end

prerule = function() return arg("server") ~= nil and arg("domain") ~= nil end

-- A DNS query (RD set) for name, type A.
local function query(id, name)
  local q = {string.pack(">I2I2I2I2I2I2", id, 0x0100, 1, 0, 0, 0)}
  for label in name:gmatch("[^.]+") do q[#q + 1] = string.pack("s1", label) end
  q[#q + 1] = string.pack(">BI2I2", 0, 1, 1)
  return table.concat(q)
end

action = function()
  local server, port = arg("server"), tonumber(arg("port", 53))
  local domain = arg("domain")
  local n = tonumber(arg("names", 10000))
  local nsockets, window = tonumber(arg("sockets", 1)), tonumber(arg("window", 64))
  local st = {next = 0, answers = 0}
  local workers = {}
  local condvar = nmap.condvar(workers)
  local function worker()
    local s = nmap.new_socket("udp")
    if s:connect(server, port, "udp") then
      s:set_timeout(200)
      local inflight = 0
      repeat
        while inflight < window and st.next < n do
          s:send(query(st.next % 65536, ("h%05d.%s"):format(st.next, domain)))
          st.next, inflight = st.next + 1, inflight + 1
        end
        local ok = inflight > 0 and s:receive()
        if ok then st.answers, inflight = st.answers + 1, inflight - 1 end
      until not ok -- every answer in, or one lost: the thread ends 200 ms later
      s:close()
    end
    condvar "signal"
  end
  local t0 = nmap.clock_ms()
  for _ = 1, nsockets do workers[stdnse.new_thread(worker)] = true end
  repeat
    local alive = false
    for co in pairs(workers) do
      if coroutine.status(co) ~= "dead" then alive = true end
    end
    if alive then condvar "wait" end
  until not alive
  local s = (nmap.clock_ms() - t0) / 1000
  return ("%d queries, %d answers, %.3f s, %.1f us/query"):format(st.next, st.answers, s,
    s * 1e6 / math.max(st.next, 1))
end
