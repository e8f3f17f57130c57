-- wt.agg: aggregations to fill in hooks and print at the end, the way
-- bpftrace prints its maps.
--
--   local agg = require "wt.agg"
--   local calls = agg.count("calls")     -- @calls[key]: n
--   local lat = agg.hist("usecs")        -- power-of-two histogram
--   function on_return(sc) calls:add(sc.name); lat:add(12, sc.name) end
--   function on_end() calls:print{ top = 10 }; lat:print() end
--
-- prints
--   @calls[write]: 3
--   @calls[read]: 12
--
--   @usecs[read]:
--   [8, 16)               12 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
--
-- Keys are strings or numbers.  With --json, :print writes one JSON
-- object per key instead: {"map":"calls","key":"read","value":12}, and
-- for histograms {"map":"usecs","key":"read","count":12,"buckets":
-- [{"min":8,"max":15,"count":12}]} ("max" is inclusive).
local out = require "wt.out"

local agg = {}

-- ---- helpers ----

-- A bar of `width` columns for value out of max: "@@@@@@    ".
function agg.bar(value, max, width, char)
  width = width or 52
  local n = max > 0 and math.floor(value * width / max + 0.5) or 0
  if value > 0 and n == 0 then n = 1 end
  return (char or "@"):rep(n) .. (" "):rep(width - n)
end

-- The n largest entries of a map-like table { key = number } (or
-- { key = table } with by naming the field to sort on), as an array of
-- { key = k, value = v }, largest first; ties in key order.  n nil: all.
function agg.top(t, n, by)
  local list = {}
  for k, v in pairs(t) do list[#list + 1] = { key = k, value = v } end
  local function weight(e) return by and e.value[by] or e.value end
  table.sort(list, function(a, b)
    local wa, wb = weight(a), weight(b)
    if wa ~= wb then return wa > wb end
    return tostring(a.key) < tostring(b.key)
  end)
  if n and n > 0 then
    for i = #list, n + 1, -1 do list[i] = nil end
  end
  return list
end

-- ---- count: @name[key] = sum of added values ----

local Count = {}
Count.__index = Count

-- agg.count(name): a map of key -> number.
function agg.count(name)
  return setmetatable({ name = name, data = {} }, Count)
end

function Count:add(key, n)
  local data = self.data
  data[key] = (data[key] or 0) + (n or 1)
end

function Count:get(key) return self.data[key] or 0 end

-- Entries largest first ({ key =, value = }), at most n.
function Count:top(n) return agg.top(self.data, n) end

-- Prints "@name[key]: value" lines in ascending order, as bpftrace does,
-- so the largest ends up last, next to the prompt.  opts.top: only the
-- n largest.  With --json: one object per entry, largest first.
function Count:print(opts)
  local list = self:top(opts and opts.top)
  if out.json then
    for _, e in ipairs(list) do
      out.emit({ map = self.name, key = e.key, value = e.value }, { "map", "key", "value" })
    end
    return
  end
  for i = #list, 1, -1 do
    print(("@%s[%s]: %s"):format(self.name, tostring(list[i].key), tostring(list[i].value)))
  end
end

-- ---- stats: count, sum, min, max and average per key ----

local Stats = {}
Stats.__index = Stats

-- agg.stats(name): a map of key -> { count, sum, min, max }.
function agg.stats(name)
  return setmetatable({ name = name, data = {} }, Stats)
end

function Stats:add(key, value)
  local s = self.data[key]
  if not s then
    self.data[key] = { count = 1, sum = value, min = value, max = value }
    return
  end
  s.count = s.count + 1
  s.sum = s.sum + value
  if value < s.min then s.min = value end
  if value > s.max then s.max = value end
end

-- { count, sum, min, max, avg } of key, or nil.
function Stats:get(key)
  local s = self.data[key]
  if not s then return nil end
  return { count = s.count, sum = s.sum, min = s.min, max = s.max, avg = s.sum / s.count }
end

-- Entries with the largest `by` ("sum" unless given) first.
function Stats:top(n, by) return agg.top(self.data, n, by or "sum") end

-- "@name[key]: count 3, average 12, total 36" in ascending order of sum
-- (opts.top: only the n largest).  With --json: one object per key,
-- largest first, with count, sum, min, max and avg.
function Stats:print(opts)
  local list = self:top(opts and opts.top)
  if out.json then
    for _, e in ipairs(list) do
      local s = e.value
      out.emit({ map = self.name, key = e.key, count = s.count, sum = s.sum, min = s.min,
                 max = s.max, avg = s.sum / s.count },
               { "map", "key", "count", "sum", "min", "max", "avg" })
    end
    return
  end
  for i = #list, 1, -1 do
    local s = list[i].value
    print(("@%s[%s]: count %d, average %s, total %s"):format(self.name, tostring(list[i].key),
      s.count, tostring(s.sum // s.count), tostring(s.sum)))
  end
end

-- ---- hist: power-of-two histograms ----

-- The bucket of a value: 0 for negatives, 1 for 0, 2 for 1, then k+2 for
-- [2^k, 2^(k+1)).
local function bucket(v)
  if v < 0 then return 0 end
  v = math.floor(v)
  if v == 0 then return 1 end
  local b = 2
  while v >= 2 do v = v >> 1; b = b + 1 end
  return b
end

local function bucket_range(b)
  if b == 0 then return nil, -1 end
  if b == 1 then return 0, 0 end
  local lo = 1 << (b - 2)
  return lo, lo * 2 - 1
end

local suffixes = { "", "K", "M", "G", "T", "P", "E" }
local function short(n)
  local i = 1
  while n >= 1024 and n % 1024 == 0 and i < #suffixes do n = n // 1024; i = i + 1 end
  return tostring(n) .. suffixes[i]
end

local function bucket_label(b)
  if b == 0 then return "(..., 0)" end
  if b == 1 then return "[0]" end
  if b == 2 then return "[1]" end
  local lo = 1 << (b - 2)
  return ("[%s, %s)"):format(short(lo), short(lo * 2))
end

local Hist = {}
Hist.__index = Hist

-- agg.hist(name): power-of-two histograms, one per key (or one, keyless).
function agg.hist(name)
  return setmetatable({ name = name, data = {}, totals = {} }, Hist)
end

-- Adds one value (or n of them) to key's histogram.
function Hist:add(value, key, n)
  key = key == nil and "" or key
  n = n or 1
  local h = self.data[key]
  if not h then h = {}; self.data[key] = h end
  local b = bucket(value)
  h[b] = (h[b] or 0) + n
  self.totals[key] = (self.totals[key] or 0) + n
end

-- The keys, those with most values first.
function Hist:keys()
  local keys = {}
  for _, e in ipairs(agg.top(self.totals)) do keys[#keys + 1] = e.key end
  return keys
end

-- The lines of key's histogram, bpftrace's layout, empty buckets between
-- the lowest and highest used ones included.
function Hist:lines(key)
  local h = self.data[key == nil and "" or key]
  if not h then return {} end
  local lo, hi, max = math.huge, -1, 0
  for b, c in pairs(h) do
    if b < lo then lo = b end
    if b > hi then hi = b end
    if c > max then max = c end
  end
  local lines = {}
  for b = lo, hi do
    local c = h[b] or 0
    lines[#lines + 1] = ("%-20s %8d |%s|"):format(bucket_label(b), c, agg.bar(c, max))
  end
  return lines
end

-- Prints every key's histogram (opts.keys: only these, in this order),
-- each under "@name[key]:" and followed by an empty line.
function Hist:print(opts)
  local keys = opts and opts.keys or self:keys()
  for _, key in ipairs(keys) do
    local h = self.data[key]
    if h then
      if out.json then
        local buckets = {}
        for b = 0, 66 do
          if h[b] then
            local min, max = bucket_range(b)
            buckets[#buckets + 1] = out.ordered({ min = min, max = max, count = h[b] },
                                                { "min", "max", "count" })
          end
        end
        out.emit({ map = self.name, key = key ~= "" and key or nil, count = self.totals[key],
                   buckets = buckets }, { "map", "key", "count", "buckets" })
      else
        print(key == "" and ("@%s:"):format(self.name) or ("@%s[%s]:"):format(self.name, key))
        for _, line in ipairs(self:lines(key)) do print(line) end
        print()
      end
    end
  end
end

return agg
