-- wt.time: timestamps and durations.  Times are integer nanoseconds of
-- the monotonic clock (wt.now()); `time.start` is when this module was
-- first loaded, which for a script that requires it at the top is just
-- before the command starts.
--
--   local time = require "wt.time"
--   local t0 = wt.now()
--   ...
--   time.stamp(t0)                  --> "0.001234" (seconds since start)
--   time.duration(wt.now() - t0)    --> "12.5us"
--   time.parse_duration("10ms")     --> 10000000
local time = {}

time.start = wt.now()

local NS = { ns = 1, us = 1000, ["µs"] = 1000, ms = 1000000, s = 1000000000 }
time.units = NS

-- Seconds (a float) from time.start to ns (default: now).
function time.since(ns)
  return ((ns or wt.now()) - time.start) / 1e9
end

-- time.since as text with microsecond digits, "12.345678".
function time.stamp(ns)
  return ("%.6f"):format(time.since(ns))
end

-- Microseconds (a float) in ns nanoseconds.
function time.us(ns)
  return ns / 1000
end

-- A duration for people: "850ns", "12.5us", "3.25ms", "1.5s" (three
-- significant digits at most).
function time.duration(ns)
  local unit, div
  if ns < 1000 then return ("%dns"):format(ns)
  elseif ns < 1000000 then unit, div = "us", 1e3
  elseif ns < 1000000000 then unit, div = "ms", 1e6
  else unit, div = "s", 1e9 end
  local v = ns / div
  local text = v >= 100 and ("%.0f"):format(v) or v >= 10 and ("%.1f"):format(v)
    or ("%.2f"):format(v)
  if text:find(".", 1, true) then
    text = text:gsub("0+$", ""):gsub("%.$", "")
  end
  return text .. unit
end

-- "10ms" -> 10000000.  Units ns, us (or µs), ms, s; a bare number is in
-- default_unit (nil: a unit is required).  A number passes through as
-- nanoseconds.  Returns nil, message for anything else.
function time.parse_duration(text, default_unit)
  if math.type(text) == "integer" then return text end
  -- %a is ASCII only: the set adds the two bytes of UTF-8 "µ".
  local number, unit = tostring(text):match("^%s*([%d.]+)%s*([%aµ]*)%s*$")
  if not number or not tonumber(number) then
    return nil, ("bad duration '%s'"):format(tostring(text))
  end
  if unit == "" then unit = default_unit end
  local scale = NS[unit or ""]
  if not scale then return nil, ("bad duration '%s': units are ns, us, ms, s"):format(text) end
  return math.floor(tonumber(number) * scale + 0.5)
end

-- The wall clock now, "HH:MM:SS" (os.date has whole seconds only).
function time.clock()
  return os.date("%H:%M:%S")
end

return time
