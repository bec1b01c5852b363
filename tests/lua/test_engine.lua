-- dg.engine against the local Knot server: the blocking driver, the
-- sans-I/O interface, word sources, types, recursion, sharding, wildcards.
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"
local dg = require "dnsglean"

local function opts(extra)
  local o = {domain = "example.test", words = H.words, resolvers = H.resolver,
             timeout = 500, retries = 2}
  return H.with(o, extra)
end

local function by_name(results)
  local t = {}
  for _, r in ipairs(results) do t[r.name] = r end
  return t
end

test("results() finds every real name of the zone, nothing else", function()
  local e = assert(dg.engine(opts()))
  local res = H.collect(e)
  T.same_set(H.existing(res), H.zone_names("example.test", 1), "names found")
  local words = #H.lines(H.words)
  T.eq(#res, words, "one result per word")
  local st = e:stats()
  T.eq(st.words_read, words, "words_read")
  T.eq(st.found + st.nodata, #H.existing(res), "found+nodata")
  T.eq(st.failed, 0, "failed")
  T.ok(st.queries >= words, "queries counted")
  T.ok(e:done(), "done")
  local r = by_name(res)["www.example.test"]
  T.eq(r.status, "found", "www status")
  T.eq(r.rcode, "NOERROR", "www rcode")
  T.eq(r.type, "A", "www type")
  T.eq(r.data[1], "192.0.2.10", "www address")
  T.eq(by_name(res)["nosuchname.example.test"], nil, "no invented names")
  T.eq(by_name(res)["admin.example.test"].status, "nxdomain", "admin is NXDOMAIN")
  T.eq(by_name(res)["txtonly.example.test"].status, "nodata", "txtonly exists without A")
end)

test("a CNAME chain is reported", function()
  local res = by_name(H.collect(assert(dg.engine(opts()))))
  local api = res["api.example.test"]
  T.eq(api.status, "found", "api status")
  T.eq(api.answers[1].cname[1], "www.example.test.", "CNAME target")
  T.eq(api.data[1], "192.0.2.10", "address behind the CNAME")
end)

test("words as array, iterator and file agree", function()
  local list = H.lines(H.words)
  local i = 0
  local iter = function() i = i + 1; return list[i] end
  local a = H.existing(H.collect(assert(dg.engine(opts({words = list})))))
  local b = H.existing(H.collect(assert(dg.engine(opts({words = iter})))))
  local c = H.existing(H.collect(assert(dg.engine(opts()))))
  T.same_set(a, c, "array vs file")
  T.same_set(b, c, "iterator vs file")
end)

test("a failing words iterator raises in the caller", function()
  local n = 0
  local e = assert(dg.engine(opts({words = function()
    n = n + 1
    if n == 3 then error("wordlist broke") end
    return "w" .. n
  end})))
  T.raises("wordlist broke", function() for _ in e:results() do end end)
  local e2 = assert(dg.engine(opts({words = function() return 42 end})))
  T.raises("expected strings, got a number", function() for _ in e2:results() do end end)
end)

test("types: the other types are asked for names that exist", function()
  local res = by_name(H.collect(assert(dg.engine(opts({types = {"A", "AAAA"}})))))
  local www = res["www.example.test"]
  local got = {}
  for _, a in ipairs(www.answers) do got[a.type] = a.data[1] end
  T.eq(got.A, "192.0.2.10", "A")
  T.eq(got.AAAA, "2001:db8::10", "AAAA")
  T.eq(res["admin.example.test"].answers[2], nil, "nothing more asked for NXDOMAIN")
end)

test("recursive finds names below found names", function()
  local res = H.existing(H.collect(assert(dg.engine(opts({recursive = 1})))))
  T.same_set(res, H.zone_names("example.test", 2), "depth 2 names")
end)

test("shards 1/2 and 2/2 split the work and cover it", function()
  local a = H.collect(assert(dg.engine(opts({shard = "1/2"}))))
  local b = H.collect(assert(dg.engine(opts({shard = "2/2"}))))
  T.eq(#a + #b, #H.lines(H.words), "every word in exactly one shard")
  local all = H.existing(a)
  for _, n in ipairs(H.existing(b)) do all[#all + 1] = n end
  T.same_set(all, H.zone_names("example.test", 1), "union of the shards")
end)

test("wildcard names are flagged, real names kept", function()
  local res = H.collect(assert(dg.engine(opts({domain = "wild.test"}))))
  T.same_set(H.existing(res), H.zone_names("wild.test", 1), "real names of wild.test")
  local wild = 0
  for _, r in ipairs(res) do
    if r.status == "wildcard" then
      wild = wild + 1
      T.eq(r.wildcard, true, "wildcard flag")
    end
  end
  T.ok(wild > 0, "some names answered only by the wildcard")
end)

test("lookup mode answers explicit questions", function()
  local e = assert(dg.engine({domain = "example.test", resolvers = {H.resolver},
    lookups = {{"example.test", "MX"}, {"_dmarc.example.test", "TXT"},
               {"nosuch.example.test", "A"}}}))
  local res = by_name(H.collect(e))
  T.eq(res["example.test"].data[1], "10 mail.example.test.", "MX")
  T.ok(res["_dmarc.example.test"].data[1]:find("v=DMARC1", 1, true), "DMARC TXT")
  T.eq(res["nosuch.example.test"].status, "nxdomain", "nxdomain")
end)

test("an unreachable resolver gives failed results, not a crash", function()
  -- Nothing listens on this port of the namespace's loopback.
  local e = assert(dg.engine(opts({words = {"www", "mail"}, resolvers = "127.0.0.1:9",
                                   timeout = 200, retries = 1, validate = false})))
  local res = H.collect(e)
  for _, r in ipairs(res) do T.eq(r.status, "failed", r.name) end
end)


test("the sans-I/O interface finds the same names", function()
  local e = assert(dg.engine(opts()))
  local sock = dg.udp()
  local res = H.drive(e, sock)
  T.same_set(H.existing(res), H.zone_names("example.test", 1), "names found")
  T.eq(#res, #H.lines(H.words), "one result per word")
  T.raises("already driven by next_query()/feed()", e.results, e)
  local st = e:stats()
  T.eq(st.phase, "done", "phase")
  T.ok(st.responses > 0, "responses counted")
end)

test("feed rejects what does not answer a query", function()
  local e = assert(dg.engine(opts({words = {"www"}})))
  local resolver, bytes = e:next_query()
  T.ok(resolver, "a query is due")
  -- the query itself is not an answer to it
  local ok, err = e:feed(resolver, bytes)
  T.eq(ok, nil, "query fed back")
  T.ok(type(err) == "string", "message")
  ok, err = e:feed(resolver, "\0\1")
  T.eq(ok, nil, "short message")
  T.eq(e:stats().malformed + e:stats().mismatched >= 2, true, "counted")
  T.raises("already driven by next_query()/feed()", e.run, e)
end)

test("checkpoint returns the resume state", function()
  local e = assert(dg.engine(opts()))
  H.collect(e)
  local st = e:checkpoint()
  T.ok(type(st) == "string" and #st > 0, "state text")
  local e2 = assert(dg.engine(opts({resume = st})))
  local again = H.collect(e2)
  T.eq(#H.existing(again), 0, "a finished run resumes with nothing left")
  local e3, err = dg.engine(opts({domain = "wild.test", resume = st}))
  T.eq(e3, nil, "state of another run refused")
  T.ok(err, "message")
end)

test("run() returns every result at once", function()
  local res = assert(assert(dg.engine(opts())):run())
  T.same_set(H.existing(res), H.zone_names("example.test", 1), "names found")
end)

test("step() runs the loop in slices that return", function()
  local e = assert(dg.engine(opts()))
  local res, steps, done = {}, 0, false
  repeat
    local t0 = dg.now()
    done = e:step(5)
    T.ok(done ~= nil, "step() result")
    -- a slice returns (5 ms, plus one pass of the loop) and never runs
    -- the whole enumeration of a pending engine at once
    T.ok(dg.now() - t0 < 1000, "slice length")
    steps = steps + 1
    for r in e.next_result, e do res[#res + 1] = r end
  until done or steps > 10000
  T.ok(done, "done after the slices")
  T.ok(steps > 1, "more than one slice")
  T.same_set(H.existing(res), H.zone_names("example.test", 1), "names found")
  T.eq(#res, #H.lines(H.words), "one result per word")
  T.eq(e:step(), true, "step() after the end")
  T.raises("slice must be", e.step, e, -1)
  local e2 = assert(dg.engine(opts()))
  e2:next_query()
  T.raises("already driven by next_query()/feed()", e2.step, e2)
end)

test("a run with no usable resolver fails as a whole", function()
  local function mk()
    return assert(dg.engine(opts({words = {"www"}, resolvers = "127.0.0.1:9",
                                  timeout = 200, retries = 1})))
  end
  local e = mk()
  T.raises("dnsglean.engine: ", function() for _ in e:results() do end end)
  local msg = e:error()
  T.ok(type(msg) == "string", "e:error() gives the message")
  local res, err = mk():run()
  T.eq(res, nil, "run() result")
  T.eq(err, "run: " .. msg, "run() message")
  local e3, serr = mk(), nil
  for _ = 1, 1000 do
    local done
    done, serr = e3:step(50)
    if done ~= false then break end
  end
  T.eq(serr, "step: " .. msg, "step() message")
end)

test("recursion rewinds a words function from its cache", function()
  local list = H.lines(H.words)
  local i = 0
  local e = assert(dg.engine(opts({recursive = 1, words = function()
    i = i + 1
    return list[i]
  end})))
  T.same_set(H.existing(H.collect(e)), H.zone_names("example.test", 2), "depth 2 names")
end)

test("log receives the engine's messages", function()
  local seen = {}
  local e = assert(dg.engine(opts({words = {"www"}, resolvers = {H.resolver, "127.0.0.1:9"},
    timeout = 200, retries = 1,
    log = function(level, msg) seen[#seen + 1] = level .. ": " .. msg end})))
  local res = H.collect(e)
  T.eq(res[1].status, "found", "the live resolver answered")
  local dead = false
  for _, m in ipairs(seen) do
    if m:find("127.0.0.1:9", 1, true) then dead = true end
  end
  T.ok(dead, "the dead resolver is reported:\n" .. table.concat(seen, "\n"))
  T.raises("option 'log' must be a function", dg.engine, opts({log = "x"}))
  local e2 = assert(dg.engine(opts({words = {"www"}, log = function() error("log broke") end})))
  T.raises("log broke", function() for _ in e2:results() do end end)
end)

test("the generic module holds no Nmap code (that is nse/nselib/dnsglean_nse.lua)", function()
  T.eq(dg.nse, nil, "dg.nse")
end)
