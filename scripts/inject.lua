-- inject: fault injection in strace's --inject syntax, with path and process conditions
-- Usage: wtlua -s inject -a inject=RULE [-a inject=RULE]... [--json] [--] COMMAND [ARG...]
--
-- Makes chosen syscalls of COMMAND (and of everything it starts) fail,
-- return a made-up result, be delayed or signal their thread, and prints
-- each injection it made, when it makes it:
--
--   PID     TID     SYSCALL          N      INJECTED                 PATH
--   4242    4242    write            3      error=ENOSPC             /tmp/out/log
--
-- N is the call's number among the calls the rule counts in that thread.
--
-- A RULE is strace's --inject=... text, with two more conditions:
--
--   SET[:error=ERRNO|:retval=VALUE][:signal=SIG][:delay_enter=DELAY]
--      [:delay_exit=DELAY][:when=EXPR][:path=GLOB][:pid=PID[,PID...]]
--
--   SET          the syscalls, as strace's -e trace=: names and classes
--                (%file, %desc, %network, %process...), comma-separated,
--                a leading ! for all but those
--   error=ERRNO  the call is not made; it fails with ERRNO (ENOSPC, or a
--                number 1..4095)
--   retval=N     the call is not made; it returns N
--   signal=SIG   the thread gets SIG (SIGUSR1, or a number) at the call
--   delay_enter=DELAY, delay_exit=DELAY
--                the thread waits DELAY before the call runs, or after it
--                returns (10ms, 1.5s, 250us; a bare number is in us, as
--                in strace); other threads run on
--   when=EXPR    which of the calls: FIRST (only that one), FIRST+ (it
--                and every one after), FIRST+STEP (every STEP-th from
--                FIRST), and FIRST..LAST, FIRST..LAST+, FIRST..LAST+STEP
--                (no call after LAST); all of them without when=
--   path=GLOB    only calls whose path argument (absolute, as wtlua
--                resolves it), or whose file descriptor's file, matches
--                GLOB: * any characters (/ included), ? one, [...] one of
--   pid=PIDS     only calls of these processes
--
-- Counting is strace's: per rule, per syscall and per thread; a call
-- counts for a rule when it is in the rule's SET and meets its path= and
-- pid= conditions.  Rules are tried in the order given; every rule that
-- covers a call counts it, and the first whose when= selects it injects.
-- At least one of error, retval, signal, delay_enter or delay_exit is
-- needed; error and retval exclude each other.  strace's syscall= and
-- poke_enter=/poke_exit= are not supported.  A rule that does not parse
-- stops wtlua before the command starts, with one line naming the bad
-- part.  Only the calls in the rules' sets stop the command.
--
-- With --json, one object per injection: pid, tid, syscall, n,
-- injected (as in the text), path, and the rule's own text.
local fail = require("wt.opts").fail
local opts = require("wt.opts").parse {
  inject = { "string", many = true },
}
local out = require "wt.out"
local syscallset = require "wt.syscallset"
local time = require "wt.time"

-- ---- the rules ----

local MAX_FIRST, MAX_LAST = 65535, 65534

-- when=EXPR: first, last (or nil) and step (0: that one call only).
local function parse_when(expr)
  local first, rest = expr:match("^(%d+)(.*)$")
  first = tonumber(first)
  if not first or first < 1 or first > MAX_FIRST then return nil end
  local last
  local l, after = rest:match("^%.%.(%d+)(.*)$")
  if l then
    last, rest = tonumber(l), after
    if last < first or last > MAX_LAST then return nil end
  end
  if rest == "" then
    -- FIRST alone is that call; FIRST..LAST every call of the range
    return { first = first, last = last or first, step = 1 }
  end
  local step = rest:match("^%+(%d*)$")
  if not step then return nil end
  step = step == "" and 1 or tonumber(step)
  if step < 1 or step > MAX_FIRST then return nil end
  return { first = first, last = last, step = step }
end

-- Whether call number n (1-based) is one when= selects.
local function selected(when, n)
  if not when then return true end
  if n < when.first or (when.last and n > when.last) then return false end
  return (n - when.first) % when.step == 0
end

-- A shell-style GLOB as an anchored Lua pattern.
local function glob_pattern(glob)
  local parts, i = { "^" }, 1
  while i <= #glob do
    local c = glob:sub(i, i)
    if c == "*" then
      parts[#parts + 1] = ".*"
    elseif c == "?" then
      parts[#parts + 1] = "."
    elseif c == "[" and glob:find("]", i + 2, true) then
      local close = glob:find("]", i + 2, true)
      local class = glob:sub(i + 1, close - 1):gsub("^!", "^"):gsub("%%", "%%%%")
      parts[#parts + 1] = "[" .. class .. "]"
      i = close
    else
      parts[#parts + 1] = c:gsub("%W", "%%%0")
    end
    i = i + 1
  end
  parts[#parts + 1] = "$"
  return table.concat(parts)
end

-- An errno name or number 1..4095.
local function errno_value(v)
  local n = math.tointeger(tonumber(v))
  if n then return n >= 1 and n <= 4095 and n or nil end
  return wt.errno[v]
end

-- A signal name (SIGUSR1, or USR1) or number.
local function signal_value(v)
  local n = math.tointeger(tonumber(v))
  if n then return wt.signame(n) and n or (n >= 32 and n <= 64 and n) or nil end
  return wt.signal[v] or wt.signal["SIG" .. v]
end

-- The delay of delay_enter= or delay_exit=, in nanoseconds.
local function delay_value(v)
  local ns = time.parse_duration(v, "us")
  return ns and ns >= 0 and ns <= 86400 * 1000000000 and ns or nil
end

-- "-a inject=TEXT" as a rule, or a one-line error naming the bad part.
local function parse_rule(text)
  local function bad(fmt, ...)
    fail("inject: -a inject=%s: " .. fmt, text, ...)
  end
  local fields = {}
  for field in (text .. ":"):gmatch("([^:]*):") do fields[#fields + 1] = field end
  local set = fields[1]
  if set == "" then bad("no syscall set before the first ':'") end
  local names, unknown = syscallset.parse(set)
  if not names then bad("unknown syscall or class '%s'", unknown) end
  if #names == 0 then bad("the set '%s' selects no syscall", set) end
  local rule = { text = text, names = names, covers = {} }
  for _, name in ipairs(names) do rule.covers[name] = true end
  for i = 2, #fields do
    local key, value = fields[i]:match("^([%w_]+)=(.*)$")
    if not key then bad("'%s' is not KEY=VALUE", fields[i]) end
    if value == "" then bad("%s= needs a value", key) end
    if key == "error" or key == "retval" then
      if rule.error or rule.retval then bad("only one error= or retval=") end
      if key == "error" then
        rule.error = errno_value(value) or bad("unknown errno '%s'", value)
      else
        rule.retval = math.tointeger(tonumber(value)) or bad("retval=%s is not an integer", value)
      end
    elseif key == "signal" then
      if rule.signal then bad("only one signal=") end
      rule.signal = signal_value(value) or bad("unknown signal '%s'", value)
    elseif key == "delay_enter" or key == "delay_exit" then
      rule[key] = delay_value(value)
        or bad("%s=%s: expected a delay like 10ms, 1.5s or 250 (us)", key, value)
    elseif key == "when" then
      rule.when = parse_when(value)
        or bad("when=%s: expected FIRST, FIRST+, FIRST+STEP or FIRST..LAST[+[STEP]] "
               .. "(FIRST and STEP 1..65535, LAST 1..65534)", value)
    elseif key == "path" then
      rule.glob, rule.path = value, glob_pattern(value)
    elseif key == "pid" then
      rule.pids = {}
      for p in value:gmatch("[^,]+") do
        local pid = math.tointeger(tonumber(p))
        if not pid or pid < 1 then bad("pid=%s: '%s' is not a process id", value, p) end
        rule.pids[pid] = true
      end
    elseif key == "syscall" or key == "poke_enter" or key == "poke_exit" then
      bad("%s= is not supported", key)
    else
      bad("unknown key '%s'", key)
    end
  end
  if not (rule.error or rule.retval or rule.signal or rule.delay_enter or rule.delay_exit) then
    bad("nothing to inject: give error=, retval=, signal=, delay_enter= or delay_exit=")
  end
  return rule
end

if #opts.inject == 0 then
  fail("inject: no rule: give -a inject=SET:error=ERRNO (see wtlua -s inject --help)")
end
local rules = {}
local stops = {}
local with_exit = false
for i, text in ipairs(opts.inject) do
  rules[i] = parse_rule(text)
  for _, name in ipairs(rules[i].names) do stops[name] = true end
  with_exit = with_exit or rules[i].delay_exit ~= nil
end
local declared = {}
for name in pairs(stops) do declared[#declared + 1] = name end
table.sort(declared)
wt.trace(declared)

-- ---- the calls ----

-- Which argument holds a call's path: { "path", i } or { "fd", i }, or
-- false; per syscall and ABI, from the syscall table.
local path_args = {}
local function path_arg(sc)
  local key = sc.arch .. "/" .. sc.name
  local found = path_args[key]
  if found == nil then
    found = false
    local sig = wt.signature(sc.name, sc.arch)
    for i, a in ipairs(sig and sig.args or {}) do
      if a.kind == "path" then found = { "path", i } break end
      if a.kind == "fd" and not found then found = { "fd", i } end
    end
    path_args[key] = found
  end
  return found
end

-- The call's path: its path argument made absolute, or its descriptor's
-- file; nil when it has neither.
local function call_path(sc)
  local where = path_arg(sc)
  if not where then return nil end
  if where[1] == "path" then return sc:path(where[2]) end
  return sc:fd_path(sc:arg(where[2]))
end

-- counts[rule][tid][syscall]: the calls the rule counted so far.
local counts = {}
for i = 1, #rules do counts[i] = {} end

local function count(i, tid, name)
  local per_thread = counts[i][tid]
  if not per_thread then
    per_thread = {}
    counts[i][tid] = per_thread
  end
  local n = (per_thread[name] or 0) + 1
  per_thread[name] = n
  return n
end

-- What a rule injects, as text: "error=ENOSPC signal=SIGUSR1".
local function injected_text(rule)
  local parts = {}
  if rule.error then parts[#parts + 1] = "error=" .. (wt.errname(rule.error) or rule.error) end
  if rule.retval then parts[#parts + 1] = "retval=" .. rule.retval end
  if rule.signal then parts[#parts + 1] = "signal=" .. (wt.signame(rule.signal) or rule.signal) end
  if rule.delay_enter then parts[#parts + 1] = "delay_enter=" .. time.duration(rule.delay_enter) end
  if rule.delay_exit then parts[#parts + 1] = "delay_exit=" .. time.duration(rule.delay_exit) end
  return table.concat(parts, " ")
end
for _, rule in ipairs(rules) do rule.injected = injected_text(rule) end

local log = out.stream {
  { "pid", "PID", 7 },
  { "tid", "TID", 7 },
  { "syscall", "SYSCALL", 16 },
  { "n", "N", 6 },
  { "injected", "INJECTED", 24 },
  { "path", "PATH" },
  { "rule", json_only = true },
}

function on_enter(sc)
  local name, tid = sc.name, sc.tid -- each field read is a call into C
  local path, path_read
  local chosen, chosen_n
  for i = 1, #rules do
    local rule = rules[i]
    if rule.covers[name] and (not rule.pids or rule.pids[sc.pid]) then
      if rule.path and not path_read then path, path_read = call_path(sc), true end
      if not rule.path or (path and path:match(rule.path)) then
        local n = count(i, tid, name)
        if not chosen and selected(rule.when, n) then chosen, chosen_n = rule, n end
      end
    end
  end
  if not chosen then return nil end
  if chosen.signal then sc:signal(chosen.signal) end
  if chosen.delay_enter then sc:delay(chosen.delay_enter / 1e9) end
  if chosen.error then
    sc:fail(chosen.error)
  elseif chosen.retval then
    sc:set_return(chosen.retval)
  end
  if not path_read then path = call_path(sc) end
  log:row { pid = sc.pid, tid = tid, syscall = name, n = chosen_n,
            injected = chosen.injected, path = path and wt.escape(path), rule = chosen.text }
  return chosen.delay_exit
end

-- Only a delay_exit= needs the stop at the return.
if with_exit then
  function on_return(sc, delay)
    if delay then sc:delay(delay / 1e9) end
  end
end
