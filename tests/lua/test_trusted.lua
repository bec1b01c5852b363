-- dg.engine's trusted= and trusted_qps= options: the pool is a resolver
-- that invents names (DG_LIAR, an NXDOMAIN hijacker run-tests.sh starts in
-- front of the Knot server), the Knot server is the trusted resolver that
-- rechecks every name the pool finds.
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"
local dg = require "dnsglean"
local liar = assert(os.getenv("DG_LIAR"), "DG_LIAR not set (run through run-tests.sh)")
local INVENTED = "192.0.2.66"

-- Validation and wildcard detection would catch a liar that lies from its
-- first answer: off here, so that only the rechecks stand between the
-- liar and the results.
local function opts(extra)
  local o = {domain = "example.test", words = H.words, resolvers = liar, validate = false,
             wildcard = false, timeout = 500, retries = 2}
  return H.with(o, extra)
end

local function invented(results)
  local n = 0
  for _, r in ipairs(results) do
    for _, a in ipairs(r.data or {}) do
      if a == INVENTED then n = n + 1 end
    end
  end
  return n
end

-- What a run with trusted resolvers must give: the real names only, the
-- invented ones NXDOMAIN and counted as rejected.
local function check_trusted_run(e, res, what)
  T.same_set(H.existing(res), H.zone_names("example.test", 1), what .. ": names")
  T.eq(invented(res), 0, what .. ": invented addresses")
  T.eq(#res, #H.lines(H.words), what .. ": one result per word")
  local st = e:stats()
  T.eq(st.trusted, 1, what .. ": trusted")
  T.eq(st.trusted_live, 1, what .. ": trusted_live")
  T.eq(st.failed, 0, what .. ": failed")
  T.ok(st.rejected_by_trusted > 0, what .. ": rejected_by_trusted > 0")
  -- the liar turns every NXDOMAIN into an address: each nxdomain is a rejection
  T.eq(st.rejected_by_trusted, st.nxdomain, what .. ": rejected = nxdomain")
  for _, r in ipairs(res) do
    if r.status == "nxdomain" then T.eq(r.rcode, "NXDOMAIN", r.name .. " rcode") end
  end
end

test("without trusted, the liar's names are taken for real", function()
  local e = assert(dg.engine(opts()))
  local res = H.collect(e)
  T.eq(#H.existing(res), #H.lines(H.words), "every word 'exists'")
  T.ok(invented(res) > 0, "invented addresses reported")
  T.eq(e:stats().rejected_by_trusted, 0, "rejected_by_trusted")
  T.eq(e:stats().trusted, 0, "trusted")
end)

test("trusted = \"addr\" (a comma list): every real name, nothing invented", function()
  local e = assert(dg.engine(opts({trusted = H.resolver .. ","})))
  check_trusted_run(e, H.collect(e), "comma list")
  local rs = e:resolvers()
  T.eq(#rs, 2, "e:resolvers() lists the pool and the trusted one")
  T.eq(rs[1].addr, liar, "pool first")
  T.eq(rs[1].trusted, nil, "the pool resolver is not trusted")
  T.eq(rs[2].addr, H.resolver, "trusted last")
  T.eq(rs[2].trusted, true, "trusted flag")
end)

test("trusted = {array} and a file, driven sans-I/O, trusted_qps = 0 (no limit)", function()
  local e = assert(dg.engine(opts({trusted = {H.resolver}, trusted_qps = 0})))
  check_trusted_run(e, H.drive(e, dg.udp()), "array, sans-I/O")
  local path = H.temp_file(H.resolver .. "\n")
  local e2 = assert(dg.engine(opts({trusted = path})))
  check_trusted_run(e2, H.collect(e2), "file")
  os.remove(path)
end)

test("trusted_qps limits the rechecks", function()
  local qps = 10
  local e = assert(dg.engine(opts({trusted = H.resolver, trusted_qps = qps})))
  local t0 = dg.now()
  local res = H.collect(e)
  local secs = (dg.now() - t0) / 1000
  check_trusted_run(e, res, "trusted_qps")
  -- every word was found by the liar, so every word is rechecked; the
  -- limiter's burst is one query at this rate
  local rechecks = #H.lines(H.words)
  T.ok(secs >= (rechecks - 2) / qps,
    ("%d rechecks at %d q/s took only %.2f s"):format(rechecks, qps, secs))
end)

test("a trusted resolver that never answers fails the run", function()
  local e = assert(dg.engine({domain = "example.test", words = {"www", "mail"},
    resolvers = H.resolver, trusted = "127.0.0.1:9", timeout = 200, retries = 1}))
  local res, err = e:run()
  T.eq(res, nil, "no results")
  T.ok(tostring(err):find("no trusted resolver passed validation", 1, true), "error: " .. tostring(err))
end)

test("trusted= and trusted_qps= misuse raises, a bad address returns nil, message", function()
  T.raises("option 'trusted_qps' needs option 'trusted'", dg.engine, opts({trusted_qps = 5}))
  T.raises("option 'trusted_qps' must be a non-negative number", dg.engine,
    opts({trusted = H.resolver, trusted_qps = -1}))
  T.raises("option 'trusted_qps' must be a non-negative number", dg.engine,
    opts({trusted = H.resolver, trusted_qps = "5"}))
  T.raises("option 'trusted' must be a string or an array", dg.engine, opts({trusted = 5}))
  T.raises("option 'trusted': entry 1 is a number", dg.engine, opts({trusted = {5}}))
  local e, err = dg.engine(opts({trusted = {"not an address"}}))
  T.eq(e, nil, "bad address: no engine")
  T.ok(err:find("trusted: bad address 'not an address'", 1, true), "message: " .. err)
  e, err = dg.engine(opts({trusted = {}}))
  T.eq(e, nil, "empty list: no engine")
  T.ok(err:find("trusted: empty list", 1, true), "message: " .. err)
  e, err = dg.engine(opts({trusted = "not-an-address"}))
  T.eq(e, nil, "bad string: no engine")
  T.ok(err:find("trusted", 1, true), "message names the option: " .. err)
end)
