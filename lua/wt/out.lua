-- wt.out: a script's results as plain text, or as JSON lines with --json.
--
--   local out = require "wt.out"
--   local log = out.stream {                -- one row per event
--     { "time", "TIME(s)", 10, fmt = "%.6f" },
--     { "pid", "PID", 7 },
--     { "path", "PATH" },
--   }
--   log:row { time = 0.25, pid = 42, path = "/tmp/x", tid = 43 }
--
-- prints "TIME(s)    PID     PATH" once, then "0.250000   42      /tmp/x";
-- with --json the same call prints {"time":0.25,"pid":42,"path":"/tmp/x",
-- "tid":43}: the columns' keys in order, then any other keys sorted.
-- JSON comes from lua-cjson; strings that are not valid UTF-8 have their
-- bad bytes replaced by U+FFFD (as jq would), and "/" is not escaped.
local out = {}

-- True when wtlua runs with --json.
out.json = wt.json and true or false

-- lua-cjson, loaded when JSON is first needed: text reports work without.
local cjson
local NEEDS = "JSON needs the lua-cjson module (Debian package lua-cjson)"
local function json_lib()
  if not cjson then
    local ok, lib = pcall(require, "cjson")
    if not ok then error("wt.out: " .. NEEDS, 0) end
    cjson = lib
  end
  return cjson
end

if out.json and not pcall(json_lib) then
  -- before the command starts: a plain message, as for a bad option
  wt.error("--json: " .. NEEDS, 0)
end

local function utf8_clean(s)
  if utf8.len(s) then return s end
  local parts, i = {}, 1
  while i <= #s do
    local ok, bad = utf8.len(s, i)
    if ok then
      parts[#parts + 1] = s:sub(i)
      break
    end
    parts[#parts + 1] = s:sub(i, bad - 1)
    parts[#parts + 1] = "\u{FFFD}"
    i = bad + 1
  end
  return table.concat(parts)
end

local function encode_string(s)
  -- cjson writes "/" as "\/": valid, but noisy in paths.  A "\/" in its
  -- output is always that escape (a backslash itself comes out as "\\").
  return (json_lib().encode(utf8_clean(s)):gsub("\\/", "/"))
end

local encode

-- Keys in `order` first (those present), then the rest sorted.
local function encode_object(t, order)
  local parts, done = {}, {}
  for _, k in ipairs(order or {}) do
    done[k] = true
    if t[k] ~= nil then
      parts[#parts + 1] = encode_string(tostring(k)) .. ":" .. encode(t[k])
    end
  end
  local rest = {}
  for k in pairs(t) do
    if not done[k] then rest[#rest + 1] = k end
  end
  table.sort(rest, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(rest) do
    parts[#parts + 1] = encode_string(tostring(k)) .. ":" .. encode(t[k])
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function is_array(t)
  local n = #t
  if n == 0 then
    -- also the lists sc:decode makes, whose metatable has the same name
    local mt = getmetatable(t)
    return mt ~= nil and (mt == out.array_mt or mt.__name == out.array_mt.__name)
  end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

-- setmetatable({}, out.array_mt) encodes as [] rather than {}.
out.array_mt = { __name = "wt.out.array" }

-- The JSON text of a Lua value: tables with only 1..n keys are arrays,
-- other tables objects with sorted keys; NaN and infinities are null.
function encode(v, order)
  local kind = type(v)
  if kind == "string" then
    return encode_string(v)
  elseif kind == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return json_lib().encode(v)
  elseif kind == "boolean" then
    return v and "true" or "false"
  elseif kind == "table" then
    local mt = getmetatable(v)
    order = order or (mt and mt.__order)
    if order or not is_array(v) then return encode_object(v, order) end
    local parts = {}
    for i = 1, #v do parts[i] = encode(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  elseif v == nil or (cjson and v == cjson.null) then
    return "null"
  end
  error("wt.out: cannot encode a " .. kind, 2)
end

-- out.encode(value [, order]): JSON text; order lists an object's first keys.
out.encode = encode

-- out.ordered(table, order): the table, marked so that it encodes with
-- the keys in order first, also when nested in another value.
function out.ordered(t, order)
  return setmetatable(t, { __order = order })
end

-- out.decode(text): the Lua value of a JSON text (cjson.decode).
function out.decode(text)
  return json_lib().decode(text)
end

-- out.emit(table [, order]): one JSON line on the report stream.
function out.emit(t, order)
  print(encode(t, order))
end

-- out.text(fmt, ...): a formatted line, in text mode only.
function out.text(fmt, ...)
  if not out.json then print(fmt:format(...)) end
end

-- out.say(table, order, fmt, ...): a line that exists in both modes: the
-- formatted text, or the table as JSON.
function out.say(t, order, fmt, ...)
  if out.json then out.emit(t, order) else print(fmt:format(...)) end
end

-- ---- columns ----

-- A column: { key, title, width, align = "left"|"right", fmt = "%.3f" or
-- function(value, row) return text end, json_only = true }.  Missing
-- values print as "-".  A json_only column only sets the place of its
-- key in JSON objects.
local function column_list(spec)
  local cols, keys = {}, {}
  for i, c in ipairs(spec) do
    local col = {
      key = c.key or c[1],
      title = c.title or c[2] or (c.key or c[1]):upper(),
      width = c.width or c[3] or 0,
      align = c.align,
      fmt = c.fmt,
    }
    if not c.json_only then cols[#cols + 1] = col end
    keys[i] = col.key
  end
  return cols, keys
end

local function cell(col, row)
  local v = row[col.key]
  if v == nil then return "-" end
  local fmt = col.fmt
  if type(fmt) == "function" then return fmt(v, row) end
  if fmt then return fmt:format(v) end
  return tostring(v)
end

local function pad(text, width, right)
  local fill = width - (utf8.len(text) or #text)
  if fill <= 0 then return text end
  if right then return (" "):rep(fill) .. text end
  return text .. (" "):rep(fill)
end

local function line(cols, texts, widths)
  local parts = {}
  for i, col in ipairs(cols) do
    local last = i == #cols
    local right = col.align == "right"
    parts[i] = (last and not right) and texts[i] or pad(texts[i], widths[i], right)
  end
  return table.concat(parts, " ")
end

local Stream = {}
Stream.__index = Stream

-- Prints a row now: text under a header printed before the first row,
-- or a JSON object with the columns' keys first and any other keys of
-- the row after them.
function Stream:row(row)
  if out.json then
    out.emit(row, self.keys)
    return
  end
  if not self.started then
    self.started = true
    local titles = {}
    for i, col in ipairs(self.cols) do titles[i] = col.title end
    print(line(self.cols, titles, self.widths))
  end
  local texts, widths = {}, self.widths
  for i, col in ipairs(self.cols) do
    local text = cell(col, row)
    texts[i] = text
    widths[i] = math.max(widths[i], utf8.len(text) or #text)
  end
  print(line(self.cols, texts, widths))
end

-- out.stream(columns): an object whose :row(t) prints one row at once.
-- A column starts as wide as its width or title; a longer value widens
-- it from that row on, so later rows line up with it again.
function out.stream(spec)
  local cols, keys = column_list(spec)
  local widths = {}
  for i, col in ipairs(cols) do widths[i] = math.max(col.width, #col.title) end
  return setmetatable({ cols = cols, keys = keys, widths = widths }, Stream)
end

-- out.table(columns, rows [, opts]): prints rows (an array of tables)
-- under a header with each column as wide as its widest cell; numbers
-- right-aligned unless the column says otherwise.  opts.footer: a last
-- row, printed after a rule line in text and as {"total": true, ...}
-- in JSON.  With --json: one object per row, nothing else.
function out.table(spec, rows, opts)
  opts = opts or {}
  local cols, keys = column_list(spec)
  if out.json then
    for _, row in ipairs(rows) do out.emit(row, keys) end
    if opts.footer then
      local footer = { total = true }
      for k, v in pairs(opts.footer) do footer[k] = v end
      out.emit(footer, keys)
    end
    return
  end
  local all = { rows = {} }
  for _, row in ipairs(rows) do all.rows[#all.rows + 1] = row end
  if opts.footer then all.rows[#all.rows + 1] = opts.footer end
  local texts, widths = {}, {}
  for i, col in ipairs(cols) do
    widths[i] = #col.title
    if col.align == nil then
      local sample = all.rows[1] and all.rows[1][col.key]
      col.align = type(sample) == "number" and "right" or "left"
    end
  end
  for r, row in ipairs(all.rows) do
    texts[r] = {}
    for i, col in ipairs(cols) do
      local t = cell(col, row)
      texts[r][i] = t
      widths[i] = math.max(widths[i], utf8.len(t) or #t)
    end
  end
  local titles = {}
  for i, col in ipairs(cols) do titles[i] = col.title end
  print(line(cols, titles, widths))
  for r = 1, #rows do print(line(cols, texts[r], widths)) end
  if opts.footer then
    local rules = {}
    for i = 1, #cols do rules[i] = ("-"):rep(widths[i]) end
    print(table.concat(rules, " "))
    print(line(cols, texts[#texts], widths))
  end
end

return out
