---
-- Runs dnsglean engines inside Nmap: loads dnsglean's C module (the generic
-- <code>require "dnsglean"</code>) with a clear message when it cannot, and
-- drives an engine either through Nmap's own sockets (<code>drive</code>) or
-- with the core's own loop in short slices that yield to Nmap between them
-- (<code>drive_core</code>); both cooperate with Nmap's scheduler.
--
-- The <code>dnsglean-*.nse</code> scripts use it. Installed into Nmap's
-- <code>nselib</code> directory; a script run by path from a source tree
-- finds it in <code>nse/nselib/</code> beside itself.
--
-- @author dnsglean developers
-- @copyright Same as Nmap--See https://nmap.org/book/man-legal.html

local coroutine = require "coroutine"
local math = require "math"
local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"

local M = {}

---
-- Loads the dnsglean C module built for the Lua version of this Nmap.
-- @return the module table, or nil and a message saying what to do.
function M.load()
  local want = _VERSION:match("%d+%.%d+")
  local ok, mod = pcall(require, "dnsglean")
  if not ok then
    local why = tostring(mod):gsub("\n%s*", " "):gsub(":$", "")
    return nil, ("dnsglean Lua module not usable in this Nmap (%s): %s. Build it for Lua %s"
      .. " and set LUA_CPATH, e.g. LUA_CPATH='/path/to/build/lua/%s/?.so;;' nmap ...")
      :format(_VERSION, why, want, want)
  end
  if mod._LUA_ABI ~= want then
    return nil, ("dnsglean Lua module was built for Lua %s but this Nmap runs %s"):format(
      tostring(mod._LUA_ABI), _VERSION)
  end
  return mod
end

-- A TCP exchange for a truncated answer: one short connection per query.
local function tcp_exchange(run, addr, bytes)
  local r = run.info[addr]
  local s = nmap.new_socket("tcp")
  s:set_timeout(run.timeout)
  if s:connect(r.host, r.port, "tcp") and s:send(string.pack(">s2", bytes)) then
    local buf = ""
    while true do
      local st, data = s:receive()
      if not st then break end
      buf = buf .. data
      if #buf >= 2 then
        local n = string.unpack(">I2", buf)
        if #buf >= n + 2 then
          run.e:feed(addr, buf:sub(3, n + 2), 1, "tcp")
          break
        end
      end
    end
  end
  s:close()
end

-- What is due now goes into the outboxes (TCP to its own thread); results
-- go to on_result.
local function pump(run)
  local e = run.e
  while true do
    local addr, bytes, k, proto = e:next_query()
    if not addr then
      if bytes then run.failure = bytes end
      break
    end
    if proto == "tcp" then
      stdnse.new_thread(tcp_exchange, run, addr, bytes)
    else
      local box = run.outbox[addr .. "#" .. k]
      box.last = box.last + 1
      box[box.last] = bytes
    end
  end
  e:tick()
  while true do
    local r = e:next_result()
    if not r then break end
    run.on_result(r)
  end
end

-- Datagrams a worker receives between two pumps while it has nothing to
-- send: each pump asks the engine for every due query and result, so doing
-- it once per few datagrams saves engine calls without starving the sockets.
local FEEDS_PER_PUMP = 8

-- A worker owns socket s (resolver r, engine socket k): it pumps, sends its
-- outbox, waits briefly (at most 20 ms) for a datagram and feeds it.
local function work(run, r, k, s)
  local e = run.e
  local box = run.outbox[r.addr .. "#" .. k]
  local fed = FEEDS_PER_PUMP
  while not e:done() and not run.failure do
    if fed >= FEEDS_PER_PUMP then
      pump(run)
      fed = 0
    end
    while box.first <= box.last do
      local bytes = box[box.first]
      box[box.first] = nil
      box.first = box.first + 1
      local ok, err = s:send(bytes)
      if not ok then stdnse.debug1("send to %s: %s", r.addr, tostring(err)) end
    end
    s:set_timeout(math.max(1, math.min(e:next_timeout() or 20, 20)))
    local st, data = s:receive()
    if st then
      e:feed(r.addr, data, k)
      fed = fed + 1
    else
      fed = FEEDS_PER_PUMP
      if data ~= "TIMEOUT" then stdnse.debug1("receive from %s: %s", r.addr, tostring(data)) end
    end
  end
end

-- One UDP socket per engine socket of every resolver (the trusted ones
-- included): a list of {r, k, s}, or nil, message.
local function open_sockets(run, nsockets)
  local opened = {}
  for _, r in ipairs(run.e:resolvers()) do
    run.info[r.addr] = r
    for k = 1, nsockets do
      local s = nmap.new_socket("udp")
      local ok, err = s:connect(r.host, r.port, "udp")
      if not ok then
        for _, p in ipairs(opened) do p.s:close() end
        return nil, ("cannot open a socket to %s: %s"):format(r.addr, err)
      end
      run.outbox[r.addr .. "#" .. k] = {first = 1, last = 0}
      opened[#opened + 1] = {r = r, k = k, s = s}
    end
  end
  return opened
end

---
-- Moves an engine's datagrams through Nmap's sockets until it is done.
--
-- An NSE socket serves one thread at a time, so each of the engine's sockets
-- gets a worker thread that owns it; the engine is shared (NSE threads are
-- coroutines, so its calls never interleave).
-- @param e an engine (<code>dg.engine{...}</code>) not driven yet.
-- @param nsockets the engine's <code>sockets</code> option.
-- @param timeout_ms timeout of a TCP exchange.
-- @param on_result function called with every result table.
-- @return true, or nil and a message.
function M.drive(e, nsockets, timeout_ms, on_result)
  local run = {e = e, timeout = timeout_ms, on_result = on_result, outbox = {}, info = {}}
  local opened, err = open_sockets(run, nsockets)
  if not opened then return nil, err end
  local workers = {}
  local condvar = nmap.condvar(workers)
  local function worker(p)
    local ok, werr = pcall(work, run, p.r, p.k, p.s)
    if not ok then run.failure = run.failure or tostring(werr) end
    p.s:close()
    condvar("signal")
  end
  for _, p in ipairs(opened) do
    workers[stdnse.new_thread(worker, p)] = true
  end
  repeat
    local alive = false
    for co in pairs(workers) do
      if coroutine.status(co) ~= "dead" then alive = true end
    end
    if alive then condvar("wait") end
  until not alive
  if run.failure then return nil, run.failure end
  return true
end

---
-- Milliseconds of each slice of the core's loop in <code>drive_core</code>
-- (about 1,000 queries on loopback): short enough that Nmap's other threads
-- wait little, long enough that the trips through Nmap's scheduler between
-- slices cost under 1% of the run.
M.SLICE_MS = 10

-- Gives every result the engine holds to on_result.
local function drain(e, on_result)
  while true do
    local r = e:next_result()
    if not r then return end
    on_result(r)
  end
end

-- The core's loop in slices (e:step), yielding to Nmap between them. While
-- another thread waits on a socket or a timer, each turn of NSE's scheduler
-- lasts up to 50 ms, and answers wait in the core's sockets meanwhile (its
-- pacing then sees them late): a slice then lasts as long as the pause
-- before it (at most 5 times slice_ms), so the core runs at least half the
-- time and Nmap's other threads still get every other turn.
local function step_slices(e, on_result, slice_ms)
  local pause = 0
  while true do
    local done, err = e:step(math.min(math.max(slice_ms, pause), 5 * slice_ms))
    if done == nil then return nil, err end
    drain(e, on_result)
    if done then return true end
    -- resumed in NSE's next turn, once Nmap has run its other threads and
    -- Nsock's due events
    local t = nmap.clock_ms()
    stdnse.sleep(0)
    pause = math.floor(nmap.clock_ms() - t)
  end
end

---
-- Runs the core's own loop instead (its own UDP/TCP sockets, sendmmsg and
-- recvmmsg; they do not follow Nmap's <code>-S</code>, <code>-e</code> or
-- <code>--script-trace</code>): in slices of <code>slice_ms</code>
-- milliseconds, yielding to Nmap between them, so other scripts and the
-- scan go on meanwhile. <code>slice_ms</code> 0 runs the whole enumeration
-- at once (Nmap waits for it).
-- @param e an engine (<code>dg.engine{...}</code>) not driven yet.
-- @param _ unused (the engine's <code>sockets</code> option applies).
-- @param _ unused (the engine's own TCP timeout applies).
-- @param on_result function called with every result table.
-- @param slice_ms milliseconds of each slice (default <code>M.SLICE_MS</code>).
-- @return true, or nil and a message.
function M.drive_core(e, _, _, on_result, slice_ms)
  slice_ms = slice_ms or M.SLICE_MS
  local ok, res, err = pcall(function()
    if slice_ms > 0 then return step_slices(e, on_result, slice_ms) end
    local it, ierr = e:results()
    if not it then return nil, ierr end
    for r in it do on_result(r) end
    return true
  end)
  if not ok then return nil, tostring(res) end
  return res, err
end

return M
