-- wt.agg: counts, stats and histograms, as text (print captured).
local agg = require "wt.agg"

-- the helpers of these tests are next to them, in lib/
local printed = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "lib/printed.lua")

-- stats: count, sum, min, max, average per key
local bytes = agg.stats("bytes")
for _, v in ipairs { 10, 30, 20 } do bytes:add("read", v) end
bytes:add("write", 7)
local r = bytes:get("read")
assert(r.count == 3 and r.sum == 60 and r.min == 10 and r.max == 30 and r.avg == 20)
assert(bytes:get("nothing") == nil)
local top = bytes:top()
assert(#top == 2 and top[1].key == "read" and top[2].key == "write")
local by_max = bytes:top(1, "max")
assert(#by_max == 1 and by_max[1].key == "read")
assert(bytes:top(1, "min")[1].key == "read") -- 10 > 7
assert(printed(function() bytes:print() end) ==
       "@bytes[write]: count 1, average 7, total 7\n" ..
       "@bytes[read]: count 3, average 20, total 60")
assert(printed(function() bytes:print { top = 1 } end) ==
       "@bytes[read]: count 3, average 20, total 60")

-- count and hist, for comparison
local calls = agg.count("calls")
calls:add("read", 2)
calls:add("write")
assert(calls:get("read") == 2 and calls:get("x") == 0)
assert(printed(function() calls:print() end) == "@calls[write]: 1\n@calls[read]: 2")
local h = agg.hist("usecs")
h:add(0); h:add(1); h:add(5); h:add(5); h:add(1024)
local lines = h:lines()
assert(lines[1]:match("^%[0%] +1 |@+ +|$"))
assert(lines[3]:match("^%[2, 4%) +0 | +|$"))
assert(lines[4]:match("^%[4, 8%) +2 |@+|$"))
assert(lines[#lines]:match("^%[1K, 2K%) +1 |"))
assert(agg.bar(1, 2, 4) == "@@  " and agg.bar(0, 2, 4) == "    ")

print("ok")
