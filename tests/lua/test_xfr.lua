-- dg.axfr and dg.walk against Knot servers on loopback (transfers allowed on
-- DG_XFR_SERVER, NSEC-signed zone there too; refused on DG_RESOLVER).
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"
local dg = require "dnsglean"
local xfr = assert(os.getenv("DG_XFR_SERVER"), "DG_XFR_SERVER not set")

test("axfr transfers the zone where it is allowed", function()
  local r = assert(dg.axfr{domain = "example.test", server = xfr})
  local owners = {}
  for _, rr in ipairs(r.records) do owners[rr.owner:lower()] = true end
  for _, n in ipairs(H.zone_names("example.test", 2)) do
    T.ok(owners[n .. "."], n .. " transferred")
  end
  T.eq(r.records[1].type, "SOA", "opening SOA first")
  T.ok(r.serial > 0, "serial")
end)

test("axfr refused returns nil, message", function()
  local r, err = dg.axfr{domain = "example.test", server = H.resolver, timeout = 3000}
  T.eq(r, nil, "refused")
  T.ok(type(err) == "string" and err:find("example.test", 1, true), "message: " .. tostring(err))
  T.raises("option 'server' is required", dg.axfr, {domain = "example.test"})
  local r2, err2 = dg.axfr{domain = "example.test", server = "not-an-address"}
  T.eq(r2, nil, "bad server address")
  T.ok(err2:find("bad address"), err2)
end)

test("walk follows the NSEC chain of a signed zone", function()
  local r = assert(dg.walk{domain = "example.test", server = xfr})
  T.eq(r.kind, "nsec", "kind")
  T.eq(r.status, "complete", "status: " .. tostring(r.message))
  local got = {}
  for _, n in ipairs(r.names) do got[n.name] = true end
  for _, n in ipairs(H.zone_names("example.test", 2)) do
    T.ok(got[n .. "."], n .. " walked")
  end
end)
