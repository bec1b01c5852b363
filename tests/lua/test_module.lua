-- The module itself: loading, version, misuse raises, runtime failure
-- returns nil + message, object lifetime.
package.path = (os.getenv("DG_TESTDIR") or ".") .. "/?.lua;" .. package.path
local H = require "helpers"
local dg = require "dnsglean"

test("module loads for the running Lua", function()
  T.eq(dg._LUA_ABI, _VERSION:match("%d+%.%d+"), "ABI")
  T.ok(type(dg.version) == "string" and dg.version:match("^%d+%.%d+"), "version string")
  T.eq(type(dg.engine), "function", "dg.engine")
  T.eq(type(dg.now()), "number", "dg.now()")
  T.ok(math.type(dg.now()) == "integer", "dg.now() is an integer")
end)

test("rrtype converts both ways", function()
  T.eq(dg.rrtype("AAAA"), 28, "AAAA")
  T.eq(dg.rrtype(15), "MX", "15")
  local v, err = dg.rrtype("NOPE")
  T.eq(v, nil, "unknown type")
  T.ok(err and err:find("unknown"), "message")
end)

local function base(extra)
  local o = {domain = "example.test", words = {"www"}, resolvers = H.resolver}
  return H.with(o, extra)
end

test("misuse raises clear errors", function()
  T.raises("bad argument #1", dg.engine)
  T.raises("unknown option 'retry'", dg.engine, base({retry = 3}))
  T.raises("option 'domain' is required", dg.engine, {words = {"a"}, resolvers = H.resolver})
  T.raises("option 'resolvers' is required", dg.engine, {domain = "example.test", words = {"a"}})
  T.raises("option 'retries' must be an integer", dg.engine, base({retries = "x"}))
  T.raises("option 'retries' out of range", dg.engine, base({retries = -1}))
  T.raises("option 'validate' must be a boolean", dg.engine, base({validate = 1}))
  T.raises("unknown RR type 'BOGUS'", dg.engine, base({types = "A,BOGUS"}))
  T.raises("option 'shard' must be", dg.engine, base({shard = "3/2"}))
  T.raises("option 'words' must be", dg.engine, base({words = 42}))
  T.raises("exclude each other", dg.engine, base({lookups = {{"www.example.test", "A"}}}))
  T.raises("option names must be strings", dg.engine, {"positional"})
  local e = assert(dg.engine(base()))
  T.raises("bad argument #2", e.feed, e, {}, "x")
  T.raises("not one of this engine's resolvers", e.feed, e, "127.9.9.9:53", "x")
  T.raises("invalid option 'sctp'", e.feed, e, H.resolver, "x", 1, "sctp")
  T.raises("no such socket", e.feed, e, H.resolver, "x", 9)
  e:close()
end)

test("runtime failures return nil and a message", function()
  local e, err = dg.engine(base({words = "/nonexistent/words.txt"}))
  T.eq(e, nil, "engine with a missing wordlist")
  T.ok(err:find("/nonexistent/words.txt", 1, true), "message names the file: " .. err)
  e, err = dg.engine(base({resolvers = {"not-an-address"}}))
  T.eq(e, nil, "engine with a bad resolver")
  T.ok(err:find("not-an-address", 1, true), "message names the resolver: " .. err)
  e, err = dg.engine(base({domain = "bad..name"}))
  T.eq(e, nil, "engine with a bad domain")
  T.ok(type(err) == "string", "message")
end)

test("close is idempotent and closed objects refuse use", function()
  local e = assert(dg.engine(base()))
  e:close()
  e:close()
  T.raises("engine is closed", e.done, e)
  T.ok(tostring(e):find("closed"), "tostring")
  local s = dg.udp()
  s:close()
  s:close()
  T.raises("socket is closed", s.sendto, s, H.resolver, "x")
end)

if _VERSION >= "Lua 5.4" then
  test("to-be-closed variables release the engine (5.4)", function()
    local chunk = assert(load([[
      local dg, opts = ...
      local keep
      do
        local e <close> = assert(dg.engine(opts))
        keep = e
      end
      return keep
    ]]))
    local e = chunk(dg, base())
    T.raises("engine is closed", e.done, e)
  end)
else
  test("no __close metamethod on 5.3", function()
    local e = assert(dg.engine(base()))
    T.eq(getmetatable(e).__close, nil, "__close")
    e:close()
  end)
end

test("dg.udp exchanges a datagram with the local server", function()
  -- A hand-built query for example.test SOA (RFC 1035 4.1), id 0x1234.
  local q = string.pack(">I2I2I2I2I2I2", 0x1234, 0x0100, 1, 0, 0, 0)
    .. "\7example\4test\0" .. string.pack(">I2I2", 6, 1)
  local s = dg.udp()
  assert(s:sendto(H.resolver, q))
  local data, from = s:recv(2000)
  T.ok(data, "an answer: " .. tostring(from))
  T.eq(from, H.resolver, "answer comes from the server")
  local id, flags = string.unpack(">I2I2", data)
  T.eq(id, 0x1234, "id")
  T.eq(flags & 0x8000, 0x8000, "QR bit")
  T.eq(flags & 0xf, 0, "rcode NOERROR")
  local none, why = s:recv(50)
  T.eq(none, nil, "nothing more")
  T.eq(why, "timeout", "timeout")
  s:close()
end)
