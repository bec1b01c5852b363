-- dg.detector over DNS messages built here and answered by the local server.
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"
local dg = require "dnsglean"

local function query(id, name, qtype, qclass)
  local q = string.pack(">I2I2I2I2I2I2", id, 0x0100, 1, 0, 0, 0)
  for label in name:gmatch("[^.]+") do q = q .. string.pack("s1", label) end
  return q .. "\0" .. string.pack(">I2I2", qtype, qclass or 1)
end

test("an AXFR query is tagged axfr, a CH TXT query chaos", function()
  local d = dg.detector()
  local tags = assert(d:observe(1.0, "192.0.2.7", "192.0.2.53", query(1, "example.test", 252)))
  T.same_set(tags, {"axfr"}, "AXFR tags")
  local tags2, info = d:observe(1.5, "192.0.2.7", "192.0.2.53", query(2, "version.bind", 16, 3))
  T.same_set(tags2, {"chaos"}, "CHAOS tags")
  T.eq(info.response, false, "a query")
  T.eq(info.source, "192.0.2.7", "source")
end)

test("a brute force seen on the wire is tagged brute", function()
  local d = dg.detector{brute_names = 10}
  local s = dg.udp()
  local last
  for i, w in ipairs(H.lines(H.words)) do
    local q = query(i, w .. ".example.test", 1)
    d:observe(i * 0.01, "192.0.2.7", "192.0.2.53", q)
    assert(s:sendto(H.resolver, q))
    local a = assert(s:recv(2000))
    last = d:observe(i * 0.01 + 0.001, "192.0.2.53", "192.0.2.7", a)
  end
  s:close()
  local src = d:sources()
  T.eq(#src, 1, "one source")
  T.eq(src[1].address, "192.0.2.7", "the querier")
  T.ok((src[1].tags.brute or 0) > 0, "brute counted")
  T.ok(src[1].score > 0, "score")
  local n = d:messages()
  T.eq(n, 2 * #H.lines(H.words), "messages observed")
  T.ok(last, "responses observed")
end)

local function has(tags, word)
  for _, t in ipairs(tags or {}) do
    if t == word then return true end
  end
  return false
end

test("tld_parents: one label under that many TLDs is a tld-sweep", function()
  local tlds = {"com", "net", "org", "io", "de", "fr", "nl", "se", "jp", "br"}
  local function sweep(d)
    local first
    for i, tld in ipairs(tlds) do
      local tags = assert(d:observe(i * 0.1, "192.0.2.9", "192.0.2.53", query(i, "acme." .. tld, 1)))
      if has(tags, "tld-sweep") and not first then first = i end
    end
    return first
  end
  T.eq(sweep(dg.detector()), nil, "10 parents: below the default 20")
  T.eq(sweep(dg.detector{tld_parents = 6}), 6, "tagged from the 6th parent")
  T.raises("out of range", dg.detector, {tld_parents = 100001})
  local none = dg.detector{tld_parents = 0}
  T.eq(none, nil, "tld_parents 0 refused")
end)

-- A question with EDNS and the DO bit (RFC 3225), so that the signed zone's
-- denials carry their NSEC3 records.
local function query_do(id, name, qtype)
  local q = query(id, name, qtype):sub(13)
  return string.pack(">I2I2I2I2I2I2", id, 0, 1, 0, 0, 1) .. q .. "\0" ..
    string.pack(">I2I2I4I2", 41, 1232, 0x8000, 0)
end

test("nsec3_names: NSEC3-denied walker questions into one zone", function()
  local s = dg.udp()
  local function walk(d, n)
    local first
    for i = 1, n do
      local q = query_do(100 + i, "w" .. i .. "x.example.test", 50) -- type NSEC3
      d:observe(i * 0.1, "192.0.2.9", "192.0.2.53", q)
      assert(s:sendto(H.nsec3_server, q))
      local a = assert(s:recv(2000))
      T.eq(a:byte(4) & 0x0f, 3, "NXDOMAIN from the NSEC3-signed zone")
      local tags = assert(d:observe(i * 0.1 + 0.01, "192.0.2.53", "192.0.2.9", a))
      if has(tags, "nsec3-walk") and not first then first = i end
    end
    return first
  end
  T.eq(walk(dg.detector(), 4), nil, "4 names: below the default 5")
  T.eq(walk(dg.detector{nsec3_names = 3}, 4), 3, "tagged from the 3rd denied name")
  s:close()
  T.raises("out of range", dg.detector, {nsec3_names = 100001})
end)

test("detector misuse and bad input", function()
  T.raises("unknown option 'windw'", dg.detector, {windw = 3})
  local none, err = dg.detector{window = 0}
  T.eq(none, nil, "window 0 refused")
  T.ok(err, "message")
  local d = dg.detector()
  T.raises("not an IPv4 or IPv6 address", d.observe, d, 1, "nope", nil, "x")
  local r, e2 = d:observe(1, nil, nil, "\1\2")
  T.eq(r, nil, "short message")
  T.ok(e2, "message")
  d:close()
  T.raises("detector is closed", d.sources, d)
end)
