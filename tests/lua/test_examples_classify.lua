-- The examples that need the classifier.
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"

local function example(name, args)
  return H.run(string.format("%s %s/%s %s", H.lua, H.examples, name, args))
end

test("classify-zone.lua names the providers of the test zone", function()
  local out, ok = example("classify-zone.lua", H.zones .. "/example.test.zone")
  T.ok(ok, "exit status\n" .. out)
  T.ok(out:find("\nmail%s+Microsoft 365\n") or out:find("^mail%s+Microsoft 365\n"),
       "Microsoft 365 (SPF include)\n" .. out)
  T.ok(out:find("hosting%s+Azure App Service"), "Azure App Service")
  T.ok(out:find("legacy.example.test.%)%s+TAKEOVER%-PRONE: nxdomain"), "takeover flag")
  T.ok(out:find("# %d+ records, 2 providers, 0 lines skipped"), "summary")
end)

test("classify-zone.lua loads extra fingerprints", function()
  local tsv = H.temp_file("txt\texists without\tOur Own Service\tcollaboration\t-\thttps://example.test/\n")
  local out, ok = example("classify-zone.lua", H.zones .. "/example.test.zone " .. tsv)
  os.remove(tsv)
  T.ok(ok, "exit status\n" .. out)
  T.ok(out:find("Our Own Service\n%s+txt:exists without[^\n]*%(txtonly.example.test.%)"),
       "the extra signature matched\n" .. out)
end)

test("enumerate.lua names providers when the classifier is built", function()
  local out, ok = example("enumerate.lua", "example.test " .. H.words .. " " .. H.resolver)
  T.ok(ok, "exit status\n" .. out)
  T.ok(out:find("example.test%s+TXT%s+\"v=spf1[^\n]*%-> Microsoft 365"), "SPF classified\n" .. out)
end)

test("recon.lua (the README's script) reports the providers of found names", function()
  local out, ok = example("recon.lua", "example.test " .. H.words .. " " .. H.resolver)
  T.ok(ok, "exit status\n" .. out)
  T.ok(out:find("legacy.example.test\thosting\tAzure App Service\ttrue"), "takeover-prone CNAME\n" .. out)
end)
