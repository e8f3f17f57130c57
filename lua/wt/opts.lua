-- wt.opts: a script's -a KEY=VALUE arguments, checked and typed.
--
--   local opts = require("wt.opts").parse {
--     threshold = { "duration", default = "10ms" },
--     per = { "choice", values = { "pid", "tid", "comm" } },
--     top = { "integer", default = 20 },
--     syscalls = { "syscalls" },
--     failed = { "flag" },
--   }
--
-- `wtlua -s NAME -a threshold=250us -a failed CMD` then gives
-- opts.threshold == 250000 (nanoseconds) and opts.failed == true.  A key
-- the spec does not know, or a value of the wrong kind, stops the script
-- before the command starts, with a one-line message and exit status 125.
--
-- Kinds: "string"; "integer"; "number"; "flag" (-a KEY alone, or
-- KEY=yes/no/true/false/1/0/on/off); "duration" ("10ms", "1.5s", "250us",
-- "100ns"; a bare number is in `unit`, default "ms"; the result is integer
-- nanoseconds); "choice" (one of `values`); "list" (comma-separated, an
-- array); "syscalls" (a list of syscall names, each checked).
--
-- With `many = true` the key may be repeated (-a inject=A -a inject=B):
-- its value is the array of every value given, each converted, in order
-- ({} when none is).
local time = require "wt.time"

local opts = {}

-- opts.fail(fmt, ...): stops wtlua with "wtlua: MESSAGE" on standard
-- error and exit status 125, as for a bad command line: a wt.error, which
-- is shown as one line, without a stack traceback (no help to the user).
function opts.fail(fmt, ...)
  wt.error(fmt:format(...), 0)
end

-- The running script's name, from its file name ("slow" for slow.lua),
-- and where its usage is: wtlua -s NAME --help for a bundled script.
local function script_name(level)
  local info = debug.getinfo(level, "S")
  local source = info and info.source or ""
  local name = source:match("([^/]+)%.lua$") or "script"
  if source:match("/scripts/[^/]+%.lua$") then
    return name, "wtlua -s " .. name .. " --help"
  end
  -- the default script is bundled as writes, the name its help has
  if source:match("/lua/default%.lua$") then return "writes", "wtlua -s writes --help" end
  if source:sub(1, 1) == "@" then return name, "the comments at the top of " .. source:sub(2) end
  return name, "the script's code"
end

local truth = { ["true"] = true, yes = true, on = true, ["1"] = true,
                ["false"] = false, no = false, off = false, ["0"] = false }


local convert = {}

function convert.string(v) return v end

function convert.integer(v)
  return math.tointeger(tonumber(v)), "an integer"
end

function convert.number(v)
  return tonumber(v), "a number"
end

function convert.flag(v)
  if type(v) == "boolean" then return v end
  return truth[v:lower()], "yes or no"
end

function convert.duration(v, spec)
  return time.parse_duration(v, spec.unit or "ms"), "a duration like 10ms, 250us or 1.5s"
end

function convert.choice(v, spec)
  for _, allowed in ipairs(spec.values) do
    if v == allowed then return v end
  end
  return nil, "one of " .. table.concat(spec.values, ", ")
end

function convert.list(v)
  local list = {}
  for item in v:gmatch("[^,%s]+") do list[#list + 1] = item end
  return list
end

function convert.syscalls(v)
  local list = convert.list(v)
  for _, name in ipairs(list) do
    if not wt.is_syscall(name) then return nil, "syscall names ('" .. name .. "' is not one)" end
  end
  if #list == 0 then return nil, "a comma-separated list of syscall names" end
  return list
end

-- opts.parse(spec [, args [, all]]): the table of typed values: each key
-- of spec from args (default wt.args), or its default converted the same
-- way; a `many` key from all (default wt.args_all: every value of a key).
function opts.parse(spec, args, all)
  local name, usage = script_name(3)
  if not args then args, all = wt.args or {}, wt.args_all end
  all = all or {}
  local values = {}
  local function convert_value(key, raw, s, kind, conv)
    if raw == true and kind ~= "flag" then
      opts.fail("%s: argument '%s' needs a value: -a %s=VALUE", name, key, key)
    end
    local v, wanted = conv(raw, s)
    if v == nil then
      opts.fail("%s: argument %s=%s: expected %s", name, key, tostring(raw), wanted)
    end
    return v
  end
  for key, value in pairs(args) do
    if not spec[key] then
      opts.fail("%s: unknown argument '%s' (see %s)", name, key, usage)
    end
  end
  for key, s in pairs(spec) do
    local kind = s.kind or s[1] or "string"
    local conv = convert[kind]
    if not conv then error("wt.opts: unknown kind '" .. tostring(kind) .. "'", 2) end
    local raw = args[key]
    if raw == nil then raw = s.default end
    if s.many then
      local list = {}
      for i, each in ipairs(all[key] or { raw }) do
        list[i] = convert_value(key, each, s, kind, conv)
      end
      values[key] = list
    elseif raw ~= nil then
      values[key] = convert_value(key, raw, s, kind, conv)
    elseif kind == "flag" then
      values[key] = false
    end
  end
  return values
end

return opts
