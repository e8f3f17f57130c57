-- timeline: every syscall as a Chrome trace-event JSON file, for Perfetto
-- Usage: wtlua -s timeline [-a OPTION]... [--] COMMAND [ARG...]
--        wtlua -o trace.json -s timeline make -j4
--
-- Writes a picture of what COMMAND and everything it started did and
-- when: one track per thread, grouped by process, with a slice per
-- syscall (its name, and its result or errno in the slice's arguments)
-- and a mark per exec (with the argv).  Open the file in
-- https://ui.perfetto.dev or chrome://tracing.
--
-- The JSON goes to the report stream: give -o FILE (otherwise it shares
-- standard error with the command), or -a out=FILE.  It is written as
-- the command runs, one event a line: the Chrome "JSON Array Format",
-- which the viewers also read when a run was cut short.  Process and
-- thread names (their comm, and the last exec's program) come at the end.
-- Times are microseconds since the trace started; a syscall's slice runs
-- from its entry to its return as the tracer saw them.
--
-- Options:
--   -a out=FILE        write the trace to FILE; the report then only gets
--                      a line saying how many events went there
--   -a min=DURATION    leave out syscalls shorter than DURATION (10us,
--                      1ms; a bare number is microseconds): a much
--                      smaller file for a long build
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
local proc = require "wt.proc"
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

local function us(ns)
  return fmt("%.3f", (ns - start) / 1000)
end

-- Per thread: the syscall in progress and when it started; the names of
-- threads and processes for the metadata.
local entered_name, entered_at = {}, {}
local thread_pid, thread_names, process_names, thread_order = {}, {}, {}, {}

local function see_thread(pid, tid)
  if thread_pid[tid] then return end
  thread_pid[tid] = pid
  thread_order[#thread_order + 1] = tid
  thread_names[tid] = proc.comm(tid)
  if not process_names[pid] then process_names[pid] = proc.comm(pid) end
end

local function slice(name, pid, tid, t0, t1, result)
  local dur = t1 - t0
  if dur < min then return end
  event(fmt('{"name":"%s","cat":"syscall","ph":"X","ts":%s,"dur":%.3f,"pid":%d,"tid":%d,' ..
            '"args":{%s}}', name, us(t0), dur / 1000, pid, tid, result))
end

function on_enter(sc)
  local tid = sc.tid
  if not thread_pid[tid] then see_thread(sc.pid, tid) end
  entered_name[tid] = sc.name
  entered_at[tid] = now()
end

function on_return(sc)
  local t = now()
  local tid = sc.tid
  local name = entered_name[tid]
  if name ~= sc.name then return end -- not the return of that entry
  entered_name[tid] = nil
  local e = sc.errno
  local result = e and fmt('"errno":"%s"', names.errno(e)) or fmt('"ret":%d', sc.ret)
  slice(name, sc.pid, tid, entered_at[tid], t, result)
end

function on_exec(p)
  local t = now()
  see_thread(p.pid, p.pid)
  -- the exec'ing thread's pending execve ends here, in its old id
  if p.old_tid ~= p.pid and entered_name[p.old_tid] then
    slice(entered_name[p.old_tid], p.pid, p.old_tid, entered_at[p.old_tid], t, '"ret":0')
    entered_name[p.old_tid] = nil
  end
  proc.forget(p.pid)
  process_names[p.pid] = p.argv[1] and p.argv[1]:match("([^/]*)$") or proc.comm(p.pid)
  thread_names[p.pid] = proc.comm(p.pid)
  event(fmt('{"name":"exec","cat":"process","ph":"i","s":"t","ts":%s,"pid":%d,"tid":%d,' ..
            '"args":%s}', us(t), p.pid, p.pid,
            out.encode({ argv = p.argv, exe = p.exe }, { "argv", "exe" })))
end

function on_exit(p)
  -- a call that never returns (exit_group, a kill mid-call) ends here
  local name = entered_name[p.tid]
  if name then
    slice(name, p.pid, p.tid, entered_at[p.tid], now(), '"gone":true')
    entered_name[p.tid] = nil
  end
  proc.forget(p.tid)
end

local function metadata(kind, pid, tid, name)
  event(fmt('{"name":"%s","ph":"M","pid":%d,"tid":%d,"args":{"name":%s}}', kind, pid, tid,
            out.encode(name)))
end

function on_end()
  local done = {}
  for _, tid in ipairs(thread_order) do
    local pid = thread_pid[tid]
    if not done[pid] then
      done[pid] = true
      metadata("process_name", pid, pid, ("%s %d"):format(process_names[pid] or "?", pid))
    end
    metadata("thread_name", pid, tid, thread_names[tid] or "?")
  end
  local last = fmt('{"name":"end","cat":"wtlua","ph":"i","s":"g","ts":%s,"pid":0,"tid":0}',
                   us(now()))
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
