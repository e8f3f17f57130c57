-- slow: syscalls slower than a threshold, and a latency histogram per syscall
-- Usage: wtlua -s slow [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- Times every syscall of COMMAND and everything it starts, from entry to
-- return, and prints each one that took at least the threshold as it
-- returns, stamped with that moment, so the lines come in time order
-- while the command runs (the call began DURATION earlier):
--
--   END(s)    PID     COMM             SYSCALL          DURATION RESULT
--   0.204113  4242    sleep            clock_nanosleep  200ms    0
--
-- then, when the command has ended, a power-of-two histogram of the
-- latencies in microseconds of each syscall that had a slow call:
--
--   @usecs[clock_nanosleep]:
--   [128K, 256K)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
--
-- Times are wall-clock and include the tracer's own overhead (some
-- microseconds per call).  COMM is the caller's name at the return (an
-- execve returns in the new program).
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
-- With --json: per slow call {"event":"slow", time (the entry), end (the
-- return), pid, tid, comm, syscall, ns, duration, result, args}; then per
-- histogram {"map":"usecs", key (the syscall), count, buckets: [{min,
-- max, count}...]}.
local agg = require "wt.agg"
local names = require "wt.names"
local opts = require("wt.opts").parse {
  threshold = { "duration", default = "10ms", unit = "ms" },
  hist = { "choice", values = { "slow", "all", "none" }, default = "slow" },
  syscalls = { "syscalls" },
}
local out = require "wt.out"
local time = require "wt.time"

if opts.syscalls then wt.trace(opts.syscalls) end

local threshold = opts.threshold
local usecs = agg.hist("usecs")
local slow_ones, slow_order = {}, {}

local log = out.stream {
  { "event", json_only = true },
  { "time", json_only = true },
  { "end", "END(s)", 9, fmt = "%.6f" },
  { "pid", "PID", 7 },
  { "tid", json_only = true },
  { "comm", "COMM", 16 },
  { "syscall", "SYSCALL", 16 },
  { "ns", json_only = true },
  { "duration", "DURATION", 8 },
  { "result", "RESULT" },
}

-- The engine times each call: sc.time is its entry, sc.duration how long
-- it took, so nothing needs to run at entry.  The lines are stamped with
-- the return: stamped with the entry they would come out of order (a
-- long call returns after shorter ones that began later).
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
    ["end"] = time.since(sc.time + ns),
    pid = sc.pid,
    tid = tid,
    comm = sc.comm,
    syscall = name,
    ns = ns,
    duration = time.duration(ns),
    result = names.result(sc),
    args = { table.unpack(sc.args) },
  }
end

function on_end()
  if opts.hist == "none" then return end
  local keys = opts.hist == "all" and usecs:keys() or slow_order
  if #keys > 0 and #slow_order > 0 and not out.json then print() end
  usecs:print { keys = keys }
end
