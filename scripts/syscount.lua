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
-- but not timed.
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
local proc = require "wt.proc"

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
  group_of = function(sc) return proc.comm(sc.tid) end
else
  group_of = function() return "" end
end

-- The comm of each pid or tid group: read when the group is first seen
-- and again after an exec, as the process may be gone at the end.
local labels = {}

local function entry(sc, name)
  local g = group_of(sc)
  local stats = groups[g]
  if not stats then
    stats = {}
    groups[g] = stats
    order[#order + 1] = g
    labels[g] = proc.comm(sc.tid)
  end
  local e = stats[name]
  if not e then
    e = { calls = 0, errors = 0, ns = 0, timed = 0 }
    stats[name] = e
  end
  return e
end

-- Calls are counted at entry (exit_group never returns); the engine
-- times each call (sc.duration) for its return.
function on_enter(sc)
  local e = entry(sc, sc.name)
  e.calls = e.calls + 1
end

function on_return(sc)
  local e = entry(sc, sc.name)
  e.ns = e.ns + sc.duration
  e.timed = e.timed + 1
  if sc.errno then e.errors = e.errors + 1 end
end

function on_exec(p)
  proc.forget(p.pid)
  proc.forget(p.old_tid)
  if groups[p.pid] then labels[p.pid] = proc.comm(p.pid) end
end

function on_exit(p)
  proc.forget(p.tid)
end

local sorters = {
  time = function(a, b) return a.ns > b.ns end,
  calls = function(a, b) return a.calls > b.calls end,
  errors = function(a, b) return a.errors > b.errors end,
}

local function rows_of(stats, group)
  local rows, total = {}, { syscall = "total", calls = 0, errors = 0, ns = 0, timed = 0 }
  for name, e in pairs(stats) do
    rows[#rows + 1] = { syscall = name, calls = e.calls, errors = e.errors, ns = e.ns,
                        timed = e.timed }
    total.calls = total.calls + e.calls
    total.errors = total.errors + e.errors
    total.ns = total.ns + e.ns
    total.timed = total.timed + e.timed
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
  for i, g in ipairs(order) do
    if opts.per and not out.json then
      if i > 1 then print() end
      if opts.per == "comm" then
        print(("%s:"):format(g))
      else
        print(("%s %d (%s):"):format(opts.per, g, labels[g]))
      end
    end
    local rows, total = rows_of(groups[g], g)
    out.table(columns, rows, { footer = total })
  end
end
