-- trace: every syscall with its arguments decoded, as strace -f shows them
-- Usage: wtlua -s trace [-o FILE] [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- Writes what `strace -f -qq -e signal=none -o FILE COMMAND` writes, in
-- strace's format, one line per syscall of COMMAND and of every process
-- and thread it starts:
--
--   4242  openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3
--   4242  read(3, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\0\0\0\0\0\0\0\0"..., 832) = 832
--   4242  openat(AT_FDCWD, "/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory)
--
-- Each line is written whole when the call returns (strace splits a call
-- that another thread interrupts into "<unfinished ...>" and "<...
-- resumed>" lines); a call that never returns (exit_group, a thread
-- killed in a syscall) ends in "= ?" when its thread is gone.  Strings
-- and buffers are cut at 32 bytes, as strace's default.
--
-- Options:
--   -a trace=SET   only these syscalls, in strace's -e trace= syntax: names
--                  and classes (%file, %desc, %process, %network, %signal,
--                  %ipc, %memory, %creds, %clock, %stat, %%stat...), comma-
--                  separated; a leading ! for all but those.  The others do
--                  not stop the command.
--   -a s=N         show N bytes of strings and buffers (strace -s)
--   -a y           descriptors with what they refer to: 3</etc/passwd>
--   -a v           structs whole, execve's environment (strace -v)
--   -a T           each call's duration: <0.000123>
--   -a t, tt, ttt  the time of each call: 12:34:56, 12:34:56.123456, or
--                  seconds since the epoch 1700000000.123456
--   -a k           the call stack of each call, taken at its entry, in
--                  lines after the call's as strace -k prints them
--                  (" > /lib/libc.so.6(__open+0x51) [0x7f...]", then the
--                  source file and line where debug information has them)
--
-- With --json, one object per syscall: pid, time (of the entry, in
-- seconds since the trace started), name, args (each argument by its
-- kernel name, decoded: structs as objects, arrays as lists, flags as
-- their text, pointers as "0x..."), ret, error (the errno's name), aux
-- (strace's text after the result), duration (seconds), and with -a k
-- stack (the frames of sc:stack(): pc, module, name, offset, file, line)
-- or stack_error (why there is none).
local fail = require("wt.opts").fail
local opts = require("wt.opts").parse {
  trace = { "string" },
  s = { "integer", default = 32 },
  y = { "flag" },
  v = { "flag" },
  T = { "flag" },
  t = { "flag" },
  tt = { "flag" },
  ttt = { "flag" },
  k = { "flag" },
}
local out = require "wt.out"
local syscallset = require "wt.syscallset"

-- ---- the selection ----

-- strace's -e trace=SET as a list of names.
local function selection(spec)
  local list, bad = syscallset.parse(spec)
  if not list then fail("trace: -a trace=%s: unknown syscall or class '%s'", spec, bad) end
  return list
end

if opts.trace then
  local list = selection(opts.trace)
  if #list == 0 then fail("trace: -a trace=%s selects no syscall", opts.trace) end
  wt.trace(list)
end

wt.decode_options { string_limit = opts.s, fd_paths = opts.y, verbose = opts.v }

-- ---- lines ----

local format, rep = string.format, string.rep
local realtime0 = wt.realtime() - wt.now()  -- the wall clock at monotonic 0

-- "12:34:56 " and the like, for the call that started at ns (monotonic).
local stamp
if opts.ttt then
  stamp = function(ns)
    local t = realtime0 + ns
    return format("%d.%06d ", t // 1000000000, t % 1000000000 // 1000)
  end
elseif opts.tt then
  stamp = function(ns)
    local t = realtime0 + ns
    return os.date("%H:%M:%S", t // 1000000000) .. format(".%06d ", t % 1000000000 // 1000)
  end
elseif opts.t then
  stamp = function(ns)
    return os.date("%H:%M:%S ", (realtime0 + ns) // 1000000000)
  end
end

-- strace's line starts with the pid left-aligned in 5 columns: "PID   ".
local prefixes = setmetatable({}, { __index = function(t, tid)
  local p = format("%-5d ", tid)
  t[tid] = p
  return p
end })

if out.json then
  local ORDER = { "pid", "time", "name", "args", "ret", "error", "aux", "duration", "stack",
                  "stack_error" }
  local start = wt.now()

  local function emit(tid, entry, duration)
    entry.pid = tid
    entry.time = (entry.time - start) / 1e9
    if duration then entry.duration = duration / 1e9 end
    print(out.encode(entry, ORDER))
  end

  function on_enter(sc)
    local entry = sc:decode()
    entry.time = sc.time
    if opts.k then entry.stack, entry.stack_error = sc:stack() end
    return entry
  end

  function on_return(sc, entry)
    local time = entry and entry.time or sc.time
    entry = sc:decode(entry)
    entry.time = time
    emit(sc.tid, entry, sc.duration)
  end

  -- A call its thread died in (the engine hands on_exit its entry).
  function on_exit(p, entry)
    if entry then emit(p.tid, entry) end
  end
else
  local T = opts.T

  if stamp then
    function on_enter(sc)
      return { sc:format(), sc.time }
    end

    function on_return(sc, entry)
      print(sc:format(entry and entry[1], prefixes[sc.tid] .. stamp(sc.time), T))
    end
  else
    function on_enter(sc)
      return sc:format()
    end

    function on_return(sc, entry)
      print(sc:format(entry, prefixes[sc.tid], T))
    end
  end

  -- A call its thread died in: what the entry showed, and strace's
  -- "<unfinished ...>" where the exit would have shown more.
  function on_exit(p, entry)
    local tid = p.tid
    if entry then
      local began = stamp and entry[2]
      if stamp then entry = entry[1] end
      local text, more = entry:match("^([^\0]*)\0?(%+?)")
      if more == "+" then
        text = text .. (text:sub(-1) == "(" and "" or ", ") .. "<unfinished ...>"
      end
      local head = prefixes[tid] .. (began and stamp(began) or "") .. text .. ") "
      print(head .. rep(" ", 40 - #head) .. "= ?")
    end
    prefixes[tid] = nil
  end
end

-- -a k: each call's stack, taken at its entry, printed after its line.
if opts.k and not out.json then
  local stack = require "wt.stack"
  local enter, leave, gone = on_enter, on_return, on_exit
  function on_enter(sc)
    return { enter(sc), stack.format(sc:stack()) }
  end
  function on_return(sc, entry)
    leave(sc, entry and entry[1])
    if entry then print(entry[2]) end
  end
  function on_exit(p, entry)
    gone(p, entry and entry[1])
    if entry then print(entry[2]) end
  end
end
