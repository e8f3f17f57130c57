-- execs: every exec (pid, parent, argv), then the process tree with exit statuses
-- Usage: wtlua -s execs [-a failed] [--json] [--] COMMAND [ARG...]
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
--
-- With --json: {"event":"exec", time, pid, ppid, result, argv, exe} per
-- exec, then {"event":"process", pid, ppid, argv, execs, exit or signal
-- (and core_dumped), seconds} per process in the order of the tree.
local names = require "wt.names"
local opts = require("wt.opts").parse { failed = { "flag" } }
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
}

if opts.failed then
  -- A failed exec leaves the caller's memory as it was: its path and
  -- argv can still be read when the call returns.
  wt.trace { "execve", "execveat" }
  function on_return(sc)
    local e = sc.errno
    if not e then return end
    local argv = proc.read_argv(sc.tid, sc:arg("argv"), sc.arch, 256)
    local p = tree.procs[sc.pid]
    log:row { event = "exec", time = time.since(), pid = sc.pid, ppid = p and p.ppid,
              result = names.errno(e), argv = argv,
              exe = sc:path("filename") or sc:string("filename") }
  end
else
  wt.trace {} -- no syscall stops at all: exec events come anyway
end

function on_spawn(p)
  tree:spawn(p)
end

function on_exec(p)
  tree:exec(p)
  log:row { event = "exec", time = time.since(), pid = p.pid, ppid = tree.procs[p.pid].ppid,
            result = "0", argv = p.argv, exe = p.exe }
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
