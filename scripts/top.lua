-- top: every second, the processes busiest in syscalls, and what each is in now
-- Usage: wtlua -s top [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- Every interval (a second by default) while COMMAND runs, one table of
-- the processes that made the most syscalls in that interval, with the
-- time they spent in them and the syscall each is in right now (a read
-- that blocks shows as read until it returns; a process blocked all the
-- interval shows with 0 calls):
--
--   --- 2.00 s
--   PID   COMM   CALLS TIME(ms) NOW
--   4242  cc1     5213    12.30 read
--   4240  make     310     9.81 wait4
--
-- Counting needs a stop at each syscall's entry and return, so top slows
-- a busy command down as strace -c does; -a syscalls= narrows it (the
-- others then do not stop at all).
--
-- Options:
--   -a interval=T      how often (default 1s; a duration: 500ms, 2s)
--   -a top=N           at most N processes a table (default 10)
--   -a sort=KEY        calls (default) or time
--   -a syscalls=a,b,c  count only these syscalls
--
-- With --json, one object per process and interval: t (seconds since
-- start), pid, comm, calls, ms, now (absent when it is in no syscall).
local opts = require("wt.opts").parse {
  interval = { "duration", default = "1s", unit = "s" },
  top = { "integer", default = 10 },
  sort = { "choice", values = { "calls", "time" }, default = "calls" },
  syscalls = { "syscalls" },
}
local out = require "wt.out"
local time = require "wt.time"

if opts.syscalls then wt.trace(opts.syscalls) end

local stats = {}    -- pid -> { calls, ns } in this interval
local current = {}  -- tid -> { pid =, name = } of the syscall it is in
local comm = {}     -- pid -> its name when last seen in a syscall

local function of(pid)
  local s = stats[pid]
  if not s then
    s = { calls = 0, ns = 0 }
    stats[pid] = s
  end
  return s
end

function on_enter(sc)
  current[sc.tid] = { pid = sc.pid, name = sc.name }
  comm[sc.pid] = sc.comm
  local s = of(sc.pid)
  s.calls = s.calls + 1
end

function on_return(sc)
  current[sc.tid] = nil
  local s = of(sc.pid)
  s.ns = s.ns + sc.duration
end

function on_exec(p)
  comm[p.pid] = nil -- named again at its next syscall
end

function on_exit(p)
  current[p.tid] = nil
end

-- What some thread of each process is in now: pid -> syscall name.
local function now_in()
  local now = {}
  for _, c in pairs(current) do now[c.pid] = now[c.pid] or c.name end
  return now
end

local COLUMNS = {
  { "pid", "PID" },
  { "comm", "COMM" },
  { "calls", "CALLS" },
  { "ms", "TIME(ms)", fmt = "%.2f" },
  { "now", "NOW" },
}

local function report()
  local now = now_in()
  for pid in pairs(now) do of(pid) end -- blocked all along: listed with 0 calls
  local rows = {}
  for pid, s in pairs(stats) do
    rows[#rows + 1] = { pid = pid, comm = comm[pid], calls = s.calls, ms = s.ns / 1e6 }
  end
  stats = {}
  if #rows == 0 then return end
  local key = opts.sort == "time" and "ms" or "calls"
  table.sort(rows, function(a, b)
    if a[key] ~= b[key] then return a[key] > b[key] end
    return a.pid < b.pid
  end)
  for i = opts.top + 1, #rows do rows[i] = nil end
  for _, row in ipairs(rows) do row.now = now[row.pid] end
  local t = time.since()
  if out.json then
    for _, row in ipairs(rows) do
      row.t = tonumber(("%.2f"):format(t))
      out.emit(row, { "t", "pid", "comm", "calls", "ms", "now" })
    end
  else
    print(("--- %.2f s"):format(t))
    out.table(COLUMNS, rows)
  end
end

wt.every(opts.interval / 1e9, report)
