-- timeline: every syscall as a Chrome trace-event JSON file, for Perfetto
-- Usage: wtlua -s timeline [-a OPTION]... [--] COMMAND [ARG...]
--        wtlua -o trace.json -s timeline make -j4
--
-- Writes a picture of what COMMAND and everything it started did and
-- when: one track per thread, grouped by process, with a slice per
-- process from its start to its end (named after its program, with its
-- argv and how it ended), an arrow from each process to the processes it
-- started, a slice per syscall (its name, and its result or errno in the
-- slice's arguments) and a mark per exec (with the argv).  Open the file
-- in https://ui.perfetto.dev or chrome://tracing.
--
-- The JSON goes to the report stream: give -o FILE (otherwise it shares
-- standard error with the command), or -a out=FILE.  It is written as
-- the command runs, one event a line: the Chrome "JSON Array Format",
-- which the viewers also read when a run was cut short.  Process and
-- thread names (the program, and each thread's comm) come at the end.
-- Times are microseconds since the trace started; a syscall's slice runs
-- from its entry to its return as the tracer saw them; exit and
-- exit_group, which never return, run to the thread's end.
--
-- Options:
--   -a out=FILE        write the trace to FILE; the report then only gets
--                      a line saying how many events went there
--   -a min=DURATION    leave out syscalls shorter than DURATION (10us,
--                      1ms; a bare number is microseconds): a much
--                      smaller file for a long build, which still shows
--                      every process's slice
--   -a syscalls=a,b,c  only these syscalls (the others do not stop the
--                      command)
--
-- With --json, the events are JSON lines instead (no enclosing array):
-- jq -s '{traceEvents: .}' makes a file the viewers open from them.
local names = require "wt.names"
local opts = require("wt.opts").parse {
  out = { "string" },
  min = { "duration", default = 0, unit = "us" },
  syscalls = { "syscalls" },
}
local out = require "wt.out"
local time = require "wt.time"

if opts.syscalls then wt.trace(opts.syscalls) end

local now, start, min = wt.now, time.start, opts.min
local fmt = string.format

-- Where the events go: the report stream, or the -a out file.
local write, file = print, nil
if opts.out then
  local err
  file, err = io.open(opts.out, "w")
  if not file then require("wt.opts").fail("timeline: %s", err) end
  file:setvbuf("full")
  write = function(line) file:write(line, "\n") end
end

-- Every event is a line; in the array format each but the last ends in
-- a comma, and the last is the "end" mark that on_end writes.
-- The opening bracket comes with the first event: a command that cannot
-- be started leaves an empty report, not half an array.
local sep = out.json and "" or ","
local count = 0
local opened = out.json
local function event(line)
  if not opened then
    write("[")
    opened = true
  end
  write(line .. sep)
  count = count + 1
end

-- Microseconds since the start, exactly (nanoseconds as three decimals):
-- a slice that ends with its process ends exactly where the process's does.
local function us(ns)
  ns = ns - start
  return fmt("%d.%03d", ns // 1000, ns % 1000)
end

-- The names for the metadata at the end: each thread's comm (as at its
-- first syscall, or at its start; a process's first thread: after its
-- last exec), each process's program.
local thread_pid, thread_names, process_names, thread_order = {}, {}, {}, {}
local named = {}

local function add_thread(pid, tid, name)
  if not thread_pid[tid] then thread_order[#thread_order + 1] = tid end
  thread_pid[tid], thread_names[tid] = pid, name
end

local function see_thread(sc)
  local tid = sc.tid
  if named[tid] then return end
  named[tid] = true
  add_thread(sc.pid, tid, sc.comm)
end

local function slice(name, pid, tid, t0, dur, result)
  if dur < min then return end
  event(fmt('{"name":"%s","cat":"syscall","ph":"X","ts":%s,"dur":%s,"pid":%d,"tid":%d,' ..
            '"args":{%s}}', name, us(t0), us(start + dur), pid, tid, result))
end

-- exit and exit_group never return: their slices end with the thread.
local leaving = {}

function on_enter(sc)
  local name = sc.name
  if name == "exit_group" or name == "exit" then
    see_thread(sc)
    leaving[sc.tid] = { name = name, t0 = sc.time }
  end
end

-- The engine times the call: sc.time is its entry, sc.duration how long.
function on_return(sc)
  see_thread(sc)
  local e = sc.errno
  local result = e and fmt('"errno":"%s"', names.errno(e)) or fmt('"ret":%d', sc.ret)
  slice(sc.name, sc.pid, sc.tid, sc.time, sc.duration, result)
end

-- Processes: when each started, its parent (when traced) and its argv.
local procs = {}
local flows = 0

function on_spawn(p)
  local t = now()
  add_thread(p.pid, p.tid, wt.comm(p.tid))
  if p.thread then return end
  local parent = p.ppid and procs[p.ppid]
  procs[p.pid] = { start = t, argv = parent and parent.argv }
  process_names[p.pid] = parent and process_names[p.ppid] or wt.comm(p.pid)
  if not parent then return end
  -- an arrow from the parent's track to the child's slice, which starts
  -- at t: its end a nanosecond later, inside that slice
  flows = flows + 1
  event(fmt('{"name":"spawn","cat":"process","ph":"s","id":%d,"ts":%s,"pid":%d,"tid":%d}',
            flows, us(t), p.ppid, p.ppid))
  event(fmt('{"name":"spawn","cat":"process","ph":"f","bp":"e","id":%d,"ts":%s,"pid":%d,' ..
            '"tid":%d}', flows, us(t + 1), p.pid, p.pid))
end

function on_exec(p)
  local t = now()
  local proc = procs[p.pid]
  if proc then proc.argv = p.argv end
  process_names[p.pid] = p.argv[1] and p.argv[1]:match("([^/]*)$") or wt.comm(p.pid)
  add_thread(p.pid, p.pid, wt.comm(p.pid))
  event(fmt('{"name":"exec","cat":"process","ph":"i","s":"t","ts":%s,"pid":%d,"tid":%d,' ..
            '"args":%s}', us(t), p.pid, p.pid,
            out.encode({ argv = p.argv, exe = p.exe }, { "argv", "exe" })))
end

-- A process's slice, from its start to t, with how it ended.
local function process_slice(pid, t, status)
  local proc = procs[pid]
  procs[pid] = nil
  local args = out.encode({ status = status, argv = proc.argv }, { "status", "argv" })
  event(fmt('{"name":%s,"cat":"process","ph":"X","ts":%s,"dur":%s,"pid":%d,"tid":%d,' ..
            '"args":%s}', out.encode(process_names[pid] or "?"), us(proc.start),
            us(start + t - proc.start), pid, pid, args))
end

function on_exit(p)
  local t = now()
  local call = leaving[p.tid]
  if call then
    leaving[p.tid] = nil
    slice(call.name, p.pid, p.tid, call.t0, t - call.t0, '"gone":true')
  end
  if p.tid == p.pid and procs[p.pid] then
    process_slice(p.pid, t, names.status(p))
  end
end

local function metadata(kind, pid, tid, name)
  event(fmt('{"name":"%s","ph":"M","pid":%d,"tid":%d,"args":{"name":%s}}', kind, pid, tid,
            out.encode(name)))
end

function on_end()
  local t = now()
  -- processes that did not end while traced (detached after -p)
  for pid in pairs(procs) do process_slice(pid, t, "running") end
  local done = {}
  for _, tid in ipairs(thread_order) do
    local pid = thread_pid[tid]
    if not done[pid] then
      done[pid] = true
      metadata("process_name", pid, pid, process_names[pid] or "?")
    end
    metadata("thread_name", pid, tid, thread_names[tid] or "?")
  end
  local last = fmt('{"name":"end","cat":"wtlua","ph":"i","s":"g","ts":%s,"pid":0,"tid":0}',
                   us(t))
  if not opened then write("[") end
  write(last)
  count = count + 1
  if not out.json then write("]") end
  if file then
    file:close()
    out.say({ events = count, file = opts.out }, { "events", "file" },
            "timeline: %d events written to %s", count, opts.out)
  end
end
