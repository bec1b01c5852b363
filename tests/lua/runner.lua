-- A small test runner for the dnsglean Lua module, for Lua 5.3 and 5.4.
--
--   lua5.x runner.lua test_a.lua [test_b.lua ...]
--
-- Each test file gets a global `test(name, fn)` to register a test and `T`,
-- a table of assertions. A test passes if fn returns without raising. The
-- last line printed is "N passed, N failed"; the exit status is 0 only if
-- nothing failed.

local tests = {}
function test(name, fn) tests[#tests + 1] = {name = name, fn = fn} end

T = {}
local function fmt(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end
function T.eq(a, b, what)
  if a ~= b then
    error(string.format("%s: expected %s, got %s", what or "value", fmt(b), fmt(a)), 2)
  end
end
function T.ok(v, what)
  if not v then error((what or "assertion") .. " failed", 2) end
  return v
end
-- Asserts that fn(...) raises an error whose message contains `pattern`
-- (plain text).
function T.raises(pattern, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected an error matching '" .. pattern .. "', got none", 2) end
  if not tostring(err):find(pattern, 1, true) then
    error("error '" .. tostring(err) .. "' does not contain '" .. pattern .. "'", 2)
  end
end
-- Compares two sets given as arrays of strings.
function T.same_set(got, want, what)
  local g, w = {}, {}
  for _, x in ipairs(got) do g[x] = true end
  for _, x in ipairs(want) do w[x] = true end
  local missing, extra = {}, {}
  for x in pairs(w) do if not g[x] then missing[#missing + 1] = x end end
  for x in pairs(g) do if not w[x] then extra[#extra + 1] = x end end
  table.sort(missing)
  table.sort(extra)
  if #missing > 0 or #extra > 0 then
    error(string.format("%s: missing {%s}, unexpected {%s}", what or "set",
      table.concat(missing, ", "), table.concat(extra, ", ")), 2)
  end
end

local passed, failed = 0, 0
for _, file in ipairs(arg) do
  tests = {}
  local chunk, err = loadfile(file)
  if not chunk then
    print("not ok - " .. file .. ": " .. err)
    failed = failed + 1
  else
    local ok, lerr = pcall(chunk)
    if not ok then
      print("not ok - " .. file .. ": " .. tostring(lerr))
      failed = failed + 1
    end
  end
  for _, t in ipairs(tests) do
    local ok, terr = xpcall(t.fn, debug.traceback)
    if ok then
      passed = passed + 1
      print("ok - " .. t.name)
    else
      failed = failed + 1
      print("not ok - " .. t.name .. "\n    " .. tostring(terr):gsub("\n", "\n    "))
    end
    collectgarbage()
  end
end
print(string.format("%d passed, %d failed", passed, failed))
-- A run that tested nothing is a failure too.
-- close the state on exit: every object is collected, so valgrind sees leaks
os.exit((failed == 0 and passed > 0) and 0 or 1, true)
