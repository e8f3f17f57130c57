-- The Lua half of the engine, loaded before every script: the friendly
-- form of wt.trace, argument conditions, and small helpers.  The C half
-- (src/luabind.c) provides the readers, names and constants in `wt`.
local wt = wt

-- O_* and AT_* are globals too, so declarations read like C.
for name, value in pairs(wt) do
  if type(value) == "number" and (name:match("^O_") or name:match("^AT_")) then
    _G[name] = value
  end
end

-- wt.argnames.openat == { "dfd", "filename", "flags", "mode" }: the
-- kernel's names of each syscall's arguments (on the native ABI), from the
-- syscall table (wt.signature), looked up when first asked for.
wt.argnames = setmetatable({}, { __index = function(t, name)
  local sig = type(name) == "string" and wt.signature(name)
  if not sig then return nil end
  local names = {}
  for i, arg in ipairs(sig.args) do names[i] = arg.name end
  t[name] = names
  return names
end })

-- ---- argument conditions (compiled into the seccomp filter) ----

local Cond = {}
Cond.__index = Cond
Cond.__name = "wt.condition"

-- The constructors below return (cond(...)), not a tail call, so that an
-- error points at the script's line.  Mistakes in declarations are the
-- user's, not the script's bugs: wt.error reports them as one line.
local function cond(op, value, mask)
  if math.type(value) ~= "integer" or math.type(mask) ~= "integer" then
    wt.error("wt." .. op .. ": integer expected", 3)
  end
  return setmetatable({ op = op, value = value, mask = mask }, Cond)
end

function wt.eq(v) return (cond("eq", v, 0)) end
function wt.ne(v) return (cond("ne", v, 0)) end
function wt.lt(v) return (cond("lt", v, 0)) end
function wt.le(v) return (cond("le", v, 0)) end
function wt.gt(v) return (cond("gt", v, 0)) end
function wt.ge(v) return (cond("ge", v, 0)) end
-- some bit of mask is set
function wt.any(mask) return (cond("any", 0, mask)) end
-- every bit of mask is set
function wt.all(mask) return (cond("masked", mask, mask)) end
-- no bit of mask is set
function wt.none(mask) return (cond("masked", 0, mask)) end
-- (arg & mask) == value
function wt.masked(mask, value) return (cond("masked", value, mask)) end

-- An argument by index (1..6) or by name; names are looked up per ABI
-- when the declarations are read (an argument may sit elsewhere on i386).
local function arg_ref(name, key)
  if math.type(key) == "integer" then
    if key < 1 or key > 6 then
      wt.error(("wt.trace: %s: argument %d out of range 1..6"):format(name, key), 6)
    end
    return "arg", key
  end
  if type(key) ~= "string" then
    wt.error(("wt.trace: %s: an argument is an index or a name, not %s"):format(name, type(key)), 6)
  end
  return "argname", key
end

local function as_cond(name, c)
  if math.type(c) == "integer" then return wt.eq(c) end
  if getmetatable(c) == Cond then return c end
  wt.error(("wt.trace: %s: a condition must be an integer or wt.eq/any/all/...(), not %s")
    :format(name, type(c)), 6)
end

-- One rule: { [arg] = condition or { condition, ... }, exit = bool }.
-- where: the script's position, for errors found when the filter is built.
local function compile_rule(name, rule, where)
  local entry = { name = name, exit = true, conds = {}, where = where }
  for key, value in pairs(rule) do
    if key == "exit" then
      entry.exit = value and true or false
    else
      local field, arg = arg_ref(name, key)
      local list = getmetatable(value) == nil and type(value) == "table" and value or { value }
      for _, c in ipairs(list) do
        c = as_cond(name, c)
        entry.conds[#entry.conds + 1] = { [field] = arg, op = c.op, value = c.value, mask = c.mask }
      end
    end
  end
  return entry
end

-- Whether name is a syscall on some arch this build traces.
function wt.is_syscall(name)
  for _, arch in ipairs(wt.arches) do
    if wt.syscall_nr(name, arch) then return true end
  end
  return false
end

-- Levenshtein distance, for "did you mean".
local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- The syscall names closest to a misspelt one, for its error message.
local function suggestion(name)
  local best, best_d = {}, math.max(2, #name // 3)
  for _, arch in ipairs(wt.arches) do
    for nr = 0, 1023 do
      local known = wt.syscall_name(nr, arch)
      if not known:match("^syscall_") then
        local d = distance(name, known)
        if d < best_d then
          best, best_d = { known }, d
        elseif d == best_d and not best[known] then
          best[#best + 1] = known
        end
        best[known] = true
      end
    end
  end
  if #best == 0 then return "" end
  table.sort(best)
  return " (did you mean '" .. table.concat(best, "' or '") .. "'?)"
end

-- Adds the rules for syscall name to list (wt._declared or wt._denied).
local function declare(list, name, spec, where, deny)
  if type(name) ~= "string" or not wt.is_syscall(name) then
    local hint = type(name) == "string" and suggestion(name) or ""
    wt.error(("%s: unknown syscall '%s'%s"):format(deny and "wt.deny" or "wt.trace",
      tostring(name), hint), 4)
  end
  local rules
  if spec == true then
    rules = { {} }
  elseif type(spec) == "table" and getmetatable(spec) == nil then
    -- a list of rules is a list of alternatives: any one of them matches
    rules = type(spec[1]) == "table" and getmetatable(spec[1]) == nil and spec or { spec }
  else
    wt.error(("%s: %s: expected true or a table of conditions")
      :format(deny and "wt.deny" or "wt.trace", name), 4)
  end
  for _, rule in ipairs(rules) do
    local entry = compile_rule(name, rule, where)
    entry.deny = deny
    list[#list + 1] = entry
  end
end

-- "%file", "%network"...: every syscall of that class, as strace's -e
-- trace= selects them.
local function declare_class(list, class, where, deny)
  local names = wt.syscalls_in(class)
  if not names then
    wt.error(("unknown syscall class '%s' (%%file, %%desc, %%network, %%process, "
      .. "%%signal, %%ipc, %%memory, %%creds, %%clock, %%stat, %%lstat, %%fstat, %%%%stat, "
      .. "%%statfs, %%fstatfs, %%%%statfs, %%pure)"):format(class), 4)
  end
  for _, name in ipairs(names) do declare(list, name, true, where, deny) end
end

-- The position of the script's call to wt.trace or wt.deny (this, then
-- declare_all, then wt.trace, then the script).
local function caller_position()
  local info = debug.getinfo(4, "Sl")
  return info and info.currentline > 0 and (info.short_src .. ":" .. info.currentline)
end

-- The entries of a wt.trace or wt.deny table (deny: the errno) into list.
local function declare_all(list, spec, deny)
  local where = caller_position()
  for key, value in pairs(spec) do
    if key == "errno" and deny then
      -- read by wt.deny
    elseif math.type(key) == "integer" and type(value) == "string" and value:sub(1, 1) == "%" then
      declare_class(list, value, where, deny)
    elseif math.type(key) == "integer" then
      declare(list, value, true, where, deny)
    else
      declare(list, key, value, where, deny)
    end
  end
end

local function check_open(what)
  if wt._sealed then
    wt.error(what .. ": declarations are read once, after the main chunk: call " .. what
             .. " there, not in a hook", 3)
  end
end

-- wt.trace{ "creat", openat = { flags = wt.any(O_WRONLY | O_RDWR) } }
-- Declares the syscalls to stop at; may be called more than once.  A
-- script that never calls it sees every syscall.
function wt.trace(spec)
  check_open("wt.trace")
  if type(spec) ~= "table" then
    wt.error("wt.trace: expected a table of syscall names", 2)
  end
  wt._declared = wt._declared or {}
  declare_all(wt._declared, spec)
end

-- wt.deny{ "connect", openat = { flags = wt.any(O_WRONLY) }, errno = EROFS }
-- The calls that match fail with errno (EPERM by default), decided by the
-- kernel's filter: they never stop, no hook sees them, and the filter
-- stays with the command when wtlua goes.
function wt.deny(spec)
  check_open("wt.deny")
  if type(spec) ~= "table" then
    wt.error("wt.deny: expected a table of syscall names", 2)
  end
  local e = spec.errno or wt.errno.EPERM
  if type(e) == "string" then e = wt.errno[e] or e end
  if math.type(e) ~= "integer" or e < 1 or e > 4095 then
    wt.error(("wt.deny: errno must be an errno number or name, not %s"):format(tostring(spec.errno)), 2)
  end
  wt._denied = wt._denied or {}
  declare_all(wt._denied, spec, e)
end

-- wt.every(interval, fn): calls fn every interval while the command runs
-- (interval in seconds, or a duration such as "100ms").  Like the hooks, the
-- functions are read once, after the main chunk.
function wt.every(interval, fn)
  check_open("wt.every")
  local ns
  if type(interval) == "string" then
    ns = require("wt.time").parse_duration(interval, "s")
  elseif type(interval) == "number" then
    ns = math.floor(interval * 1e9 + 0.5)
  end
  if not ns or ns < 1000000 then
    wt.error(("wt.every: interval must be a duration of 1ms or more (0.5, \"100ms\"), not %s")
      :format(tostring(interval)), 2)
  end
  if type(fn) ~= "function" then
    wt.error("wt.every: expected a function to call", 2)
  end
  wt._every = wt._every or {}
  wt._every[#wt._every + 1] = { period = ns, fn = fn }
end

-- ---- helpers ----

-- printf to the report stream.
function wt.printf(fmt, ...)
  print(fmt:format(...))
end
