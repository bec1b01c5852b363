local nmap = require "nmap"
local stdnse = require "stdnse"

description = [[
A test script of tests/nse/run-nse-tests.sh (not installed): a pre-scan
thread that ticks every 5 ms while dnsglean-brute runs in the same scan,
from its last tick before that script starts (it marks
<code>nmap.registry.dnsglean_brute</code>) until it has finished
(<code>nmap.registry.dnsglean_found</code>), and reports how many ticks it
made in that time and the longest gap between two. A driver that does not
yield to Nmap shows as a gap as long as the enumeration.
]]

---
-- @usage
-- nmap -sn -Pn --script dnsglean-brute,tests/nse/ticker.nse --script-args ...
-- @args ticker.max Seconds after which it stops waiting (default 60).
-- @args ticker.hold Milliseconds another thread of it sleeps from the start
--       (default none): a long timer pending in Nmap's scheduler, as any
--       script waiting on a socket or a timer makes, so that each turn of
--       NSE's scheduler lasts up to 50 ms.
-- @output
-- Pre-scan script results:
-- | ticker:
-- |   ticks: 120
-- |   maxgap_ms: 12
-- |_  window_ms: 640

author = "dnsglean developers"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"safe"}

prerule = function() return true end

action = function()
  local max = tonumber(stdnse.get_script_args("ticker.max")) or 60
  local hold = tonumber(stdnse.get_script_args("ticker.hold"))
  if hold then stdnse.new_thread(stdnse.sleep, hold / 1000) end
  local t0 = nmap.clock_ms()
  local prev, started, last, ticks, maxgap = t0, nil, nil, 0, 0
  while nmap.clock_ms() - t0 < max * 1000 do
    stdnse.sleep(0.005)
    local now = nmap.clock_ms()
    if nmap.registry.dnsglean_brute then
      -- the gap ending at the first tick that sees the script started
      -- counts: a driver that never yields shows there
      started = started or prev
      ticks = ticks + 1
      maxgap = math.max(maxgap, now - prev)
      last = now
      if nmap.registry.dnsglean_found then break end
    end
    prev = now
  end
  if not started or not nmap.registry.dnsglean_found then
    return "ERROR: dnsglean-brute did not run to its end within " .. max .. " s"
  end
  local out = stdnse.output_table()
  out.ticks = ticks
  out.maxgap_ms = maxgap
  out.window_ms = last - started
  return out
end
