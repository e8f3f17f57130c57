-- syscount: calls, errors, total and average time per syscall (like strace -c)
-- Usage: wtlua -s syscount [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- Counts every syscall of COMMAND and everything it starts, and when the
-- command has ended prints one line per syscall, most time first:
--
--   % TIME SECONDS  USECS/CALL CALLS ERRORS SYSCALL
--    61.20 0.004113        514     8      0 wait4
--    12.03 0.000808         23    35      6 openat
--   ...
--   ------ -------- ---------- ----- ------ -------
--   100.00 0.006721          9   731     12 total
--
-- Time is wall-clock time from the syscall's entry to its return as the
-- tracer sees them (strace -c -w), so a call that blocks (wait4, read of
-- a pipe) counts all the time it waited, and every call carries some
-- tracing overhead.  A call that never returns (exit_group) is counted
-- but not timed.  With -a per, a call counts under the process, thread
-- or name its caller has when it returns: a successful execve is the
-- new program's.
--
-- Options:
--   -a per=pid         one table per process (also: tid, comm)
--   -a sort=KEY        time (default), calls, errors or name
--   -a top=N           only the first N lines of each table
--   -a syscalls=a,b,c  count only these syscalls (the others do not stop
--                      the command)
--
-- With --json, one object per line: (with -a per: pid, tid or comm, and
-- the comm of a pid or tid), percent, seconds, usecs_per_call, calls,
-- errors, syscall; the total line has "total": true.
local opts = require("wt.opts").parse {
  per = { "choice", values = { "pid", "tid", "comm" } },
  sort = { "choice", values = { "time", "calls", "errors", "name" }, default = "time" },
  top = { "integer", default = 0 },
  syscalls = { "syscalls" },
}
local out = require "wt.out"

if opts.syscalls then wt.trace(opts.syscalls) end

-- groups[group] = { [syscall] = { calls, errors, ns, timed } }, where a
-- group is "" or a pid, tid or comm; order: groups as first seen.
local groups, order = {}, {}

local group_of
if opts.per == "pid" then
  group_of = function(sc) return sc.pid end
elseif opts.per == "tid" then
  group_of = function(sc) return sc.tid end
elseif opts.per == "comm" then
  group_of = function(sc) return sc.comm or "?" end
else
  group_of = function() return "" end
end

-- The comm of each pid or tid group: read when the group is first seen
-- and again after an exec, as the process may be gone at the end.
local labels = {}

local function entry(g, name)
  local stats = groups[g]
  if not stats then
    stats = {}
    groups[g] = stats
    order[#order + 1] = g
  end
  local e = stats[name]
  if not e then
    e = { calls = 0, errors = 0, ns = 0, timed = 0 }
    stats[name] = e
  end
  return e
end

-- A call is counted at entry (exit_group never returns), in the group
-- of the caller then, and moved at its return when the group has changed
-- meanwhile: an execve returns in the new program, under its comm (and a
-- non-leader thread's under the process id).  The engine times each call
-- (sc.duration) for its return.
function on_enter(sc)
  local g = group_of(sc)
  if labels[g] == nil then labels[g] = sc.comm or "?" end
  local e = entry(g, sc.name)
  e.calls = e.calls + 1
  return g
end

function on_return(sc, entered)
  local g, name = group_of(sc), sc.name
  local e = entry(g, name)
  if entered ~= nil and entered ~= g then
    local was = entry(entered, name)
    was.calls = was.calls - 1
    e.calls = e.calls + 1
  end
  e.ns = e.ns + sc.duration
  e.timed = e.timed + 1
  if sc.errno then e.errors = e.errors + 1 end
end

function on_exec(p)
  if labels[p.pid] then labels[p.pid] = wt.comm(p.pid) or labels[p.pid] end
end

local sorters = {
  time = function(a, b) return a.ns > b.ns end,
  calls = function(a, b) return a.calls > b.calls end,
  errors = function(a, b) return a.errors > b.errors end,
}

local function rows_of(stats, group)
  local rows, total = {}, { syscall = "total", calls = 0, errors = 0, ns = 0, timed = 0 }
  for name, e in pairs(stats) do
    if e.calls > 0 or e.timed > 0 then -- not all moved to another group
      rows[#rows + 1] = { syscall = name, calls = e.calls, errors = e.errors, ns = e.ns,
                          timed = e.timed }
      total.calls = total.calls + e.calls
      total.errors = total.errors + e.errors
      total.ns = total.ns + e.ns
      total.timed = total.timed + e.timed
    end
  end
  local better = sorters[opts.sort]
  table.sort(rows, function(a, b)
    if better and better(a, b) ~= better(b, a) then return better(a, b) end
    return a.syscall < b.syscall
  end)
  if opts.top > 0 then
    for i = #rows, opts.top + 1, -1 do rows[i] = nil end
  end
  for _, r in ipairs(rows) do
    r.seconds = r.ns / 1e9
    r.usecs_per_call = r.timed > 0 and r.ns // r.timed // 1000 or 0
    r.percent = total.ns > 0 and math.floor(10000 * r.ns / total.ns + 0.5) / 100 or 0.0
    if opts.per then r[opts.per] = group end
    if opts.per == "pid" or opts.per == "tid" then r.comm = labels[group] end
    r.ns, r.timed = nil, nil
  end
  total.seconds = total.ns / 1e9
  total.usecs_per_call = total.timed > 0 and total.ns // total.timed // 1000 or 0
  total.percent = 100.0
  if opts.per then total[opts.per] = group end
  if opts.per == "pid" or opts.per == "tid" then total.comm = labels[group] end
  total.ns, total.timed = nil, nil
  return rows, total
end

local columns = {
  { opts.per or "group", json_only = true },
  { "comm", json_only = true },
  { "percent", "% TIME", fmt = "%6.2f" },
  { "seconds", "SECONDS", fmt = "%.6f" },
  { "usecs_per_call", "USECS/CALL" },
  { "calls", "CALLS" },
  { "errors", "ERRORS" },
  { "syscall", "SYSCALL" },
}

function on_end()
  local printed = 0
  for _, g in ipairs(order) do
    local rows, total = rows_of(groups[g], g)
    if #rows > 0 then -- a group whose calls all moved is left out
      if opts.per and not out.json then
        if printed > 0 then print() end
        if opts.per == "comm" then
          print(("%s:"):format(g))
        else
          print(("%s %d (%s):"):format(opts.per, g, labels[g]))
        end
      end
      printed = printed + 1
      out.table(columns, rows, { footer = total })
    end
  end
end
