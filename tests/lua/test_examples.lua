-- The scripts of lua/examples/, run as a user would, against the local server.
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"

local function example(name, args)
  return H.run(string.format("%s %s/%s %s", H.lua, H.examples, name, args))
end

local function first_column(out)
  local t = {}
  for l in out:gmatch("[^\n]+") do
    if not l:match("^#") then t[#t + 1] = l:match("^(%S+)") end
  end
  return t
end

test("enumerate.lua lists the zone's names and follows up", function()
  local out, ok = example("enumerate.lua", "example.test " .. H.words .. " " .. H.resolver)
  T.ok(ok, "exit status\n" .. out)
  local names, mx = {}, false
  for l in out:gmatch("[^\n]+") do
    local n, rest = l:match("^(%S+)%s+(.*)$")
    if n and not rest:match("^MX") and not rest:match("^TXT") and n ~= "#" then
      names[#names + 1] = n
    end
    if l:match("^example%.test%s+MX%s+10 mail%.example%.test%.") then mx = true end
  end
  T.same_set(names, H.zone_names("example.test", 1), "names printed")
  T.ok(mx, "the apex MX was looked up\n" .. out)
  T.ok(out:find("# %d+ names exist"), "summary line")
end)

test("enumerate.lua fails cleanly on a missing wordlist", function()
  local out, ok = example("enumerate.lua", "example.test /nonexistent " .. H.resolver)
  T.ok(not ok, "non-zero exit")
  T.ok(out:find("/nonexistent", 1, true), "message: " .. out)
  T.ok(not out:find("traceback"), "no traceback")
end)

test("multi-domain.lua drives two engines through one socket", function()
  local out, ok = example("multi-domain.lua", H.words .. " " .. H.resolver .. " example.test wild.test")
  T.ok(ok, "exit status\n" .. out)
  local per = {["example.test"] = {}, ["wild.test"] = {}}
  for l in out:gmatch("[^\n]+") do
    local d, n = l:match("^(%S+)%s+(%S+)")
    if per[d] then table.insert(per[d], n) end
  end
  T.same_set(per["example.test"], H.zone_names("example.test", 1), "example.test")
  T.same_set(per["wild.test"], H.zone_names("wild.test", 1), "wild.test")
end)

test("resolve-list.lua answers each name and type", function()
  local list = H.temp_file("www.example.test\n# a comment\nnosuch.example.test\nv6only.example.test\n")
  local out, ok = example("resolve-list.lua", list .. " " .. H.resolver .. " A,AAAA")
  os.remove(list)
  T.ok(ok, "exit status\n" .. out)
  T.ok(out:find("www.example.test%s+A%s+192.0.2.10"), "www A\n" .. out)
  T.ok(out:find("www.example.test%s+AAAA%s+2001:db8::10"), "www AAAA")
  T.ok(out:find("v6only.example.test%s+AAAA%s+2001:db8::66"), "v6only AAAA")
  T.ok(out:find("nosuch.example.test%s+%S+%s+NXDOMAIN"), "nosuch NXDOMAIN")
end)
