-- wt.out: JSON text both ways, streams whose columns widen.
local out = require "wt.out"

-- the helpers of these tests are next to them, in lib/
local printed = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib/printed.lua")

-- decode is cjson's, and reads what encode writes
local v = out.decode('{"a":[1,2,{"b":null}],"s":"x\\/y","t":true,"f":1.5}')
assert(v.a[1] == 1 and v.a[2] == 2 and v.s == "x/y" and v.t == true and v.f == 1.5)
assert(math.type(v.a[1]) == "float") -- cjson gives every number as a float
local text = out.encode({ path = "/tmp/a b", n = 3, list = { 1, "two" } }, { "path" })
assert(text == '{"path":"/tmp/a b","list":[1,"two"],"n":3}')
local back = out.decode(text)
assert(back.path == "/tmp/a b" and back.n == 3 and back.list[2] == "two")
assert(out.decode(out.encode("bad \255 byte")) == "bad \u{FFFD} byte")
assert(not pcall(out.decode, "{not json"))
assert(out.encode(setmetatable({}, out.array_mt)) == "[]" and out.encode({}) == "{}")

-- a stream's column widens at a longer value, for that row and the next
local log = out.stream { { "name", "NAME", 4 }, { "n", "N", 2 }, { "rest", "REST" } }
assert(printed(function()
  log:row { name = "ab", n = 1, rest = "x" }
  log:row { name = "a-long-name", n = 2, rest = "y" }
  log:row { name = "c", rest = "z" }
end) == "NAME N  REST\n" ..
        "ab   1  x\n" ..
        "a-long-name 2  y\n" ..
        "c           -  z")

print("ok")
