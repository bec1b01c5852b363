-- Shared by the test files: the environment the shell driver sets up.
local H = {}
H.resolver = assert(os.getenv("DG_RESOLVER"), "DG_RESOLVER not set (run through run-tests.sh)")
H.words = assert(os.getenv("DG_WORDS"), "DG_WORDS not set")
H.zones = assert(os.getenv("DG_ZONES"), "DG_ZONES not set")
H.examples = os.getenv("DG_EXAMPLES")
H.lua = os.getenv("DG_LUA")

function H.lines(path)
  local t = {}
  for l in io.lines(path) do t[#t + 1] = l end
  return t
end

-- Names of `zone` (file DG_ZONES/<zone>.zone) whose leftmost label is a word
-- of the list and that sit `depth` labels below the apex: what a brute force
-- with that list must find. Read from the zone file, not written twice.
function H.zone_names(zone, depth)
  local words = {}
  for _, w in ipairs(H.lines(H.words)) do words[w] = true end
  local set, out = {}, {}
  for l in io.lines(H.zones .. "/" .. zone .. ".zone") do
    local owner = l:match("^([%w%-%._*]+)%s")
    if owner and owner ~= "@" and owner:sub(1, 1) ~= "$" and owner:sub(1, 1) ~= "*" then
      local labels = {}
      for lab in owner:gmatch("[^.]+") do labels[#labels + 1] = lab end
      local ok = #labels <= (depth or 1)
      for _, lab in ipairs(labels) do ok = ok and words[lab] end
      local fq = owner .. "." .. zone
      if ok and not set[fq] then
        set[fq] = true
        out[#out + 1] = fq
      end
    end
  end
  return out
end

-- Names of results that exist (found or nodata), as the CLI prints them.
function H.existing(results)
  local t = {}
  for _, r in ipairs(results) do
    if r.status == "found" or r.status == "nodata" then t[#t + 1] = r.name end
  end
  return t
end

-- Runs a command, returns its output and exit success.
function H.run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

return H
