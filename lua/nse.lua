-- dnsglean.nse (dg.nse): drives dnsglean engines from Nmap scripts.
--
-- Embedded into the C module at build time (lua/embed.cmake) so that the
-- three nse/dnsglean-*.nse scripts share one copy and the module stays one
-- file. Loading it needs nothing; calling M.drive needs Nmap (it requires
-- "nmap" and "stdnse" then), M.drive_core only the engine.
local M = {}

-- Moves an engine's datagrams through Nmap's sockets until it is done,
-- calling on_result(r) for every result. Returns true or nil, message.
--
-- An NSE socket serves one thread at a time, so each of the engine's sockets
-- (per resolver) gets a worker thread that owns it: the worker asks the
-- engine for what is due (datagrams for other sockets go to their
-- outboxes), sends its outbox, waits briefly (at most 20 ms) for a
-- datagram and feeds it. The engine is shared; NSE threads are coroutines,
-- so its calls never interleave. nsockets is the engine's sockets option.
function M.drive(e, nsockets, timeout_ms, on_result)
  local nmap = require "nmap"
  local stdnse = require "stdnse"
  local workers, outbox, info = {}, {}, {}
  local failure
  local condvar = nmap.condvar(workers)

  -- TCP for truncated answers: one short exchange per query, own socket.
  local function tcp_exchange(addr, bytes)
    local r = info[addr]
    local s = nmap.new_socket("tcp")
    s:set_timeout(timeout_ms)
    if s:connect(r.host, r.port, "tcp") and s:send(string.pack(">s2", bytes)) then
      local buf = ""
      while true do
        local st, data = s:receive()
        if not st then break end
        buf = buf .. data
        if #buf >= 2 then
          local n = string.unpack(">I2", buf)
          if #buf >= n + 2 then
            e:feed(addr, buf:sub(3, n + 2), 1, "tcp")
            break
          end
        end
      end
    end
    s:close()
  end

  -- What is due now, into the outboxes; results to on_result.
  local function pump()
    while true do
      local addr, bytes, k, proto = e:next_query()
      if not addr then
        if bytes then failure = bytes end
        break
      end
      if proto == "tcp" then
        stdnse.new_thread(tcp_exchange, addr, bytes)
      else
        table.insert(outbox[addr .. "#" .. k], bytes)
      end
    end
    e:tick()
    while true do
      local r = e:next_result()
      if not r then break end
      on_result(r)
    end
  end

  local function work(r, k, s)
    local box = outbox[r.addr .. "#" .. k]
    while not e:done() and not failure do
      pump()
      while #box > 0 do
        local bytes = table.remove(box, 1)
        local ok, err = s:send(bytes)
        if not ok then stdnse.debug1("send to %s: %s", r.addr, tostring(err)) end
      end
      local wait = e:next_timeout()
      s:set_timeout(math.max(1, math.min(wait or 20, 20)))
      local st, data = s:receive()
      if st then
        e:feed(r.addr, data, k)
      elseif data ~= "TIMEOUT" then
        stdnse.debug1("receive from %s: %s", r.addr, tostring(data))
      end
    end
  end

  local function worker(r, k, s)
    local ok, err = pcall(work, r, k, s)
    if not ok then failure = failure or tostring(err) end
    s:close()
    condvar("signal")
  end

  local pending = {}
  for _, r in ipairs(e:resolvers()) do
    info[r.addr] = r
    for k = 1, nsockets do
      local s = nmap.new_socket("udp")
      local ok, err = s:connect(r.host, r.port, "udp")
      if not ok then
        for _, p in ipairs(pending) do p.s:close() end
        return nil, ("cannot open a socket to %s: %s"):format(r.addr, err)
      end
      outbox[r.addr .. "#" .. k] = {}
      pending[#pending + 1] = {r = r, k = k, s = s}
    end
  end
  for _, p in ipairs(pending) do
    workers[stdnse.new_thread(worker, p.r, p.k, p.s)] = true
  end
  repeat
    local alive = false
    for co in pairs(workers) do
      if coroutine.status(co) ~= "dead" then alive = true end
    end
    if alive then condvar("wait") end
  until not alive
  if failure then return nil, failure end
  return true
end

-- The core's own epoll loop (e:results()): faster, but it blocks Nmap's
-- scheduler until the enumeration ends and uses its own sockets.
function M.drive_core(e, _, _, on_result)
  local it, err = e:results()
  if not it then return nil, err end
  local ok, ierr = pcall(function()
    for r in it do on_result(r) end
  end)
  if not ok then return nil, tostring(ierr) end
  return true
end

return M
