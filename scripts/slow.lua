-- slow: syscalls slower than a threshold, and a latency histogram per syscall
-- Usage: wtlua -s slow [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- Times every syscall of COMMAND and everything it starts, from entry to
-- return, and prints each one that took at least the threshold when it
-- returns:
--
--   TIME(s)   PID     COMM             SYSCALL          DURATION RESULT
--   0.004113  4242    sleep            clock_nanosleep  200ms    0
--
-- then, when the command has ended, a power-of-two histogram of the
-- latencies in microseconds of each syscall that had a slow call:
--
--   @usecs[clock_nanosleep]:
--   [128K, 256K)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
--
-- Times are wall-clock and include the tracer's own overhead (some
-- microseconds per call).
--
-- Options:
--   -a threshold=T     the threshold, with a unit: ns, us, ms or s
--                      (default 10ms; a bare number is milliseconds)
--   -a hist=WHICH      histograms for the syscalls that had a slow call
--                      (slow, the default), for every syscall (all), or
--                      none
--   -a syscalls=a,b,c  time only these syscalls (the others do not stop
--                      the command)
--
-- With --json: per slow call {"event":"slow", time, pid, tid, comm,
-- syscall, ns, duration, result, args}; then per histogram {"map":"usecs",
-- key (the syscall), count, buckets: [{min, max, count}...]}.
local agg = require "wt.agg"
local names = require "wt.names"
local opts = require("wt.opts").parse {
  threshold = { "duration", default = "10ms", unit = "ms" },
  hist = { "choice", values = { "slow", "all", "none" }, default = "slow" },
  syscalls = { "syscalls" },
}
local out = require "wt.out"
local proc = require "wt.proc"
local time = require "wt.time"

if opts.syscalls then wt.trace(opts.syscalls) end

local threshold = opts.threshold
local usecs = agg.hist("usecs")
local slow_ones, slow_order = {}, {}

local log = out.stream {
  { "event", json_only = true },
  { "time", "TIME(s)", 9, fmt = "%.6f" },
  { "pid", "PID", 7 },
  { "tid", json_only = true },
  { "comm", "COMM", 16 },
  { "syscall", "SYSCALL", 16 },
  { "ns", json_only = true },
  { "duration", "DURATION", 8 },
  { "result", "RESULT" },
}

-- The engine times each call: sc.time is its entry, sc.duration how long
-- it took, so nothing needs to run at entry.
function on_return(sc)
  local name, ns, tid = sc.name, sc.duration, sc.tid
  if opts.hist ~= "none" then usecs:add(ns // 1000, name) end
  if ns < threshold then return end
  if not slow_ones[name] then
    slow_ones[name] = true
    slow_order[#slow_order + 1] = name
  end
  log:row {
    event = "slow",
    time = time.since(sc.time),
    pid = sc.pid,
    tid = tid,
    comm = proc.comm(tid),
    syscall = name,
    ns = ns,
    duration = time.duration(ns),
    result = names.result(sc),
    args = { table.unpack(sc.args) },
  }
end

function on_exec(p)
  proc.forget(p.pid)
  proc.forget(p.old_tid)
end

function on_exit(p)
  proc.forget(p.tid)
end

function on_end()
  if opts.hist == "none" then return end
  local keys = opts.hist == "all" and usecs:keys() or slow_order
  if #keys > 0 and #slow_order > 0 and not out.json then print() end
  usecs:print { keys = keys }
end
