-- The classifier bindings: dg.classify, dg.parse_spf, dg.parse_dmarc,
-- dg.fingerprints, dg.load_fingerprints, dg.footprint (local server).
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"
local dg = require "dnsglean"

local function names(providers)
  local t = {}
  for _, p in ipairs(providers) do t[#t + 1] = p.name end
  return t
end

test("classify a record table and a zone-file line", function()
  local p, takeover = dg.classify{owner = "example.com", type = "MX",
                                  rdata = "10 example-com.mail.protection.outlook.com."}
  T.same_set(names(p), {"Microsoft 365"}, "MX providers")
  T.eq(p[1].category, "mail", "category")
  T.ok(p[1].evidence:find("outlook.com", 1, true), "evidence: " .. p[1].evidence)
  T.eq(takeover, false, "no takeover")
  local p2, t2, cond = dg.classify("legacy.example.com. 300 IN CNAME gone.azurewebsites.net.")
  T.same_set(names(p2), {"Azure App Service"}, "CNAME provider")
  T.eq(t2, true, "takeover-prone")
  T.eq(cond, "nxdomain", "takeover condition")
  T.eq(p2[1].strength, "host", "evidence strength")
  T.eq(p2[1].takeover_status, "vulnerable", "takeover status of the signature")
  local p5, t5, _, st5 = dg.classify("pages.example.com. 300 IN CNAME corp.gitlab.io.")
  T.same_set(names(p5), {"GitLab Pages"}, "GitLab Pages")
  T.eq(t5, false, "GitLab Pages verifies ownership: no takeover")
  T.eq(st5, "not-vulnerable", "takeover status")
  local p6 = dg.classify('example.com. 300 IN TXT "v=spf1 ip4:40.92.0.0/15 -all"')
  T.eq(p6[1].strength, "range", "an SPF ip4: range is weak evidence")
  local p3 = dg.classify{owner = "www.example.com", type = 1, rdata = "192.0.2.1"}
  T.eq(#p3, 0, "a plain address reveals nothing")
  -- suffixes match on label boundaries only
  local p4 = dg.classify{owner = "x.test", type = "CNAME", rdata = "a.notazurewebsites.net."}
  T.eq(#p4, 0, "no match inside a label")
end)

test("classify: misuse raises, bad input returns nil, message", function()
  T.raises("table or string expected", dg.classify, 42)
  T.raises("unknown option 'name'", dg.classify, {name = "x", type = "A", rdata = "1.2.3.4"})
  T.raises("fields 'owner' and 'rdata' are required", dg.classify, {type = "A"})
  T.raises("field 'type' is not an RR type", dg.classify, {owner = "a", type = "NOPE", rdata = "x"})
  local p, err = dg.classify("this is not a record")
  T.eq(p, nil, "unparsable line")
  T.ok(type(err) == "string" and err:find("^classify: "), "message: " .. tostring(err))
  p, err = dg.classify{owner = "example.com", type = "MX", rdata = "not-a-number host."}
  T.eq(p, nil, "malformed MX rdata")
end)

test("parse_spf returns terms, includes and the all qualifier", function()
  local s = assert(dg.parse_spf("v=spf1 include:_spf.google.com ip4:192.0.2.0/24 mx -all"))
  T.eq(s.all, "-", "all qualifier")
  T.eq(s.includes[1], "_spf.google.com", "include")
  T.eq(s.dns_terms, 2, "DNS-querying terms (include, mx)")
  T.eq(s.terms[2].kind, "ip4", "second term")
  T.eq(s.terms[2].cidr4, 24, "prefix")
  T.eq(s.error, nil, "valid")
  local bad = assert(dg.parse_spf("v=spf1 foo:bar -all"))
  T.ok(bad.error, "syntax problem reported in .error")
  local none, err = dg.parse_spf("hello world")
  T.eq(none, nil, "not SPF")
  T.ok(err:find("not an SPF record"), err)
  T.raises("bad argument #1", dg.parse_spf, {})
end)

test("parse_dmarc returns policy, reporting URIs and tags", function()
  local d = assert(dg.parse_dmarc("v=DMARC1; p=quarantine; pct=50; rua=mailto:agg@reports.example.net!10m"))
  T.eq(d.p, "quarantine", "p")
  T.eq(d.pct, 50, "pct")
  T.eq(d.rua[1].domain, "reports.example.net", "rua domain")
  T.eq(d.rua[1].limit, "10m", "size limit")
  T.eq(d.tags.pct, "50", "tags as written")
  T.eq(d.adkim, "r", "default adkim")
  local none, err = dg.parse_dmarc("v=spf1 -all")
  T.eq(none, nil, "not DMARC")
  T.ok(err:find("not a DMARC record"), err)
end)

test("fingerprints lists signatures; load_fingerprints adds a file", function()
  local before = dg.fingerprints()
  T.ok(#before > 10, "built-in signatures")
  local s = before[1]
  T.ok(s.kind and s.pattern and s.provider and s.category and s.source, "signature fields")
  local path = H.temp_file("mx\tmx.example-saas.test\tExampleSaaS\tmail\t-\thttps://example.test/doc\n")
  local n = assert(dg.load_fingerprints(path))
  T.eq(n, #before + 1, "one more signature")
  local p = dg.classify{owner = "example.com", type = "MX", rdata = "5 in.mx.example-saas.test."}
  T.same_set(names(p), {"ExampleSaaS"}, "the loaded signature matches")
  f = assert(io.open(path, "w"))
  f:write("mx\tonly-two-fields\n")
  f:close()
  local none, err = dg.load_fingerprints(path)
  T.eq(none, nil, "bad file refused")
  T.ok(err:find(path, 1, true), "message names the file: " .. err)
  T.eq(#dg.fingerprints(), #before + 1, "nothing added from a bad file")
  os.remove(path)
  none, err = dg.load_fingerprints("/nonexistent/fp.tsv")
  T.eq(none, nil, "missing file")
end)

test("footprint of the test zone against the local server", function()
  -- lame_check off: it would ask ns1.example.test's address, which is off loopback
  local r = assert(dg.footprint{domain = "example.test", resolvers = H.resolver, timeout = 500,
                                lame_check = false})
  T.eq(r.domain, "example.test", "domain")
  T.ok(#r.records > 0, "records gathered")
  local provs = {}
  for _, p in ipairs(r.providers) do provs[p.name] = p end
  T.ok(provs["Microsoft 365"], "Microsoft 365 from the SPF include")
  local ids = {}
  for _, f in ipairs(r.findings) do ids[f.id] = f end
  T.ok(ids["dmarc-p-none"], "DMARC p=none finding")
  T.raises("option 'resolvers' is required", dg.footprint, {domain = "example.test"})
  T.raises("unknown option 'resolver'", dg.footprint, {domain = "example.test", resolver = "x"})
end)

-- Drives an engine's sans-I/O interface with dg.udp() until it is done.
local function drive(e)
  local sock = dg.udp()
  local deadline = dg.now() + 20000
  while not e:done() do
    assert(dg.now() < deadline, "loop did not finish")
    while true do
      local to, bytes = e:next_query()
      if not to then break end
      assert(sock:sendto(to, bytes))
    end
    local data, from = sock:recv(math.min(e:next_timeout() or 10, 50))
    while data do
      e:feed(from, data)
      data, from = sock:recv(0)
    end
    e:tick()
    assert(e:next_result() == nil, "results go to the footprint")
  end
  sock:close()
end

test("footprinter: the same report through the sans-I/O interface", function()
  local opts = {domain = "example.test", resolvers = H.resolver, timeout = 500,
                lame_check = false}
  local want = assert(dg.footprint(opts))
  local fp = assert(dg.footprinter(opts))
  T.eq(fp:report(), nil, "no report before the phases ran")
  local phases, old = 0, nil
  while true do
    local e = fp:engine()
    if not e then break end
    phases = phases + 1
    drive(e)
    old = e
    if not fp:next_phase() then break end
    T.raises("engine is closed", old.done, old)
  end
  local got = assert(fp:report())
  T.eq(got.phases, want.phases, "phases")
  T.ok(phases >= 1, "phases driven")
  local function ids(r)
    local t = {}
    for _, f in ipairs(r.findings) do t[#t + 1] = f.id end
    return t
  end
  local function provs(r)
    local t = {}
    for _, p in ipairs(r.providers) do t[#t + 1] = p.name end
    return t
  end
  T.same_set(ids(got), ids(want), "findings")
  T.same_set(provs(got), provs(want), "providers")
  fp:close()
  fp:close()
  T.raises("footprint is closed", fp.report, fp)
end)
