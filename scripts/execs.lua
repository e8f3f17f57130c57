-- execs: every exec (pid, parent, argv), then the process tree with exit statuses
-- Usage: wtlua -s execs [-a failed] [-a k] [--json] [--] COMMAND [ARG...]
--
-- One line per successful execve or execveat of COMMAND and everything
-- it starts, at the moment of the exec (like execsnoop):
--
--   TIME(s)   PID     PPID    RESULT ARGV
--   0.000000  4242    4241    0      sh -c 'cat /etc/hostname; exit 3'
--   0.002310  4243    4242    0      cat /etc/hostname
--
-- and once the command has ended, every process it made, as a tree, with
-- its last argv (or "(fork) " and the parent's, for a process that never
-- exec'd) and how it ended:
--
--   4242 sh -c 'cat /etc/hostname; exit 3' [exit 3]
--   └─ 4243 cat /etc/hostname [exit 0]
--
-- Options:
--   -a failed   also list the execs that failed: RESULT is the errno's
--               name, and the file tried follows the argv in parentheses
--               (as when execvp searches PATH); this makes every execve
--               stop twice, where without it none do
--   -a k        the call stack of each exec (taken at the call, in the
--               program that made it), in lines after the exec's as
--               strace -k prints them; this makes every execve stop once
--
-- With --json: {"event":"exec", time, pid, ppid, result, argv, exe, and
-- with -a k stack or stack_error} per exec, then {"event":"process", pid, ppid, argv, execs, exit or signal
-- (and core_dumped), seconds} per process in the order of the tree.
local names = require "wt.names"
local opts = require("wt.opts").parse { failed = { "flag" }, k = { "flag" } }
local out = require "wt.out"
local proc = require "wt.proc"
local time = require "wt.time"

local tree = proc.tree()

local log = out.stream {
  { "event", json_only = true },
  { "time", "TIME(s)", 9, fmt = "%.6f" },
  { "pid", "PID", 7 },
  { "ppid", "PPID", 7 },
  { "result", "RESULT", 6 },
  { "argv", "ARGV", fmt = function(argv, row)
    -- a failed exec also says which file it tried
    local text = proc.argv_text(argv)
    if row.result ~= "0" and row.exe then text = text .. " (" .. wt.escape(row.exe) .. ")" end
    return text
  end },
  { "exe", json_only = true },
  { "stack", json_only = true },
  { "stack_error", json_only = true },
}

-- -a k: each exec's stack, taken at its entry: what on_enter returns
-- reaches on_exec and, for a failed exec, on_return.
local stack = opts.k and require "wt.stack"

local function exec_row(row, taken)
  if taken then row.stack, row.stack_error = taken[1], taken[2] end
  log:row(row)
  if taken and not out.json then print(stack.format(taken[1], taken[2])) end
end

if opts.failed or stack then
  wt.trace { "execve", "execveat" }
else
  wt.trace {} -- no syscall stops at all: exec events come anyway
end

if stack then
  function on_enter(sc)
    return table.pack(sc:stack())
  end
end

-- A failed exec leaves the caller's memory as it was: its path and argv
-- can still be read when the call returns.
if opts.failed or stack then
  function on_return(sc, taken)
    local e = sc.errno
    if not (e and opts.failed) then return end
    local argv = proc.read_argv(sc.tid, sc:arg("argv"), sc.arch, 256)
    local p = tree.procs[sc.pid]
    exec_row({ event = "exec", time = time.since(), pid = sc.pid, ppid = p and p.ppid,
               result = names.errno(e), argv = argv,
               exe = sc:path("filename") or sc:string("filename") }, taken)
  end
end

function on_spawn(p)
  tree:spawn(p)
end

function on_exec(p, taken)
  tree:exec(p)
  exec_row({ event = "exec", time = time.since(), pid = p.pid, ppid = tree.procs[p.pid].ppid,
             result = "0", argv = p.argv, exe = p.exe }, taken)
end

function on_exit(p)
  tree:exit(p)
end

local function argv_of(p)
  local text = proc.argv_text(p.argv)
  if p.execs == 0 and p.ppid and tree.procs[p.ppid] then return "(fork) " .. text end
  return text
end

function on_end()
  if not out.json then print() end
  tree:walk(function(p, _, prefix)
    if out.json then
      local rec = { event = "process", pid = p.pid, ppid = p.ppid, argv = p.argv or {},
                    execs = p.execs,
                    seconds = p.stop and (p.stop - p.start) / 1e9 or nil }
      for k, v in pairs(p.status and names.status_fields(p.status) or {}) do rec[k] = v end
      out.emit(rec, { "event", "pid", "ppid", "argv", "execs" })
    else
      print(("%s%d %s [%s]"):format(prefix, p.pid, argv_of(p), tree.status_text(p)))
    end
  end)
end
