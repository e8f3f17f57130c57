-- opens: every open with time, pid, comm, flags, result and path (like opensnoop)
-- Usage: wtlua -s opens [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- One line per open, openat, openat2 and creat call of COMMAND and of
-- every process and thread it starts, printed when the call returns:
--
--   TIME(s)   PID     COMM             RESULT FLAGS                    PATH
--   0.000812  4242    cat              3      O_RDONLY|O_CLOEXEC       /etc/ld.so.cache
--   0.001170  4242    cat              ENOENT O_RDONLY                 /tmp/nonexistent
--
-- TIME is when the call was made, in seconds since the trace started;
-- RESULT the new file descriptor, or the name of the errno when the call
-- failed; PATH absolute, resolved against the caller's working directory
-- or dirfd at the time of the call.
--
-- Options:
--   -a failed       only the calls that failed
--   -a write        only opens that can change a file (O_WRONLY, O_RDWR,
--                   O_CREAT or O_TRUNC); the others do not stop the command
--   -a path=TEXT    only paths that contain TEXT
--   -a pid=PID      only the calls of process PID
--   -a k            the call stack of each open, in lines after its own as
--                   strace -k prints them (see wtlua -s trace --help)
--
-- With --json, one object per call: time, pid, tid, comm, syscall,
-- result (as in the text), fd or errno, flags, mode (when the call can
-- create a file), path, and with -a k stack (the frames of sc:stack()) or stack_error.
local flags = require "wt.flags"
local names = require "wt.names"
local opts = require("wt.opts").parse {
  failed = { "flag" },
  write = { "flag" },
  path = { "string" },
  pid = { "integer" },
  k = { "flag" },
}
local out = require "wt.out"
local time = require "wt.time"

-- Stop only at the opens we report: with -a write, read-only opens are
-- turned away by the kernel's filter and cost nothing.
if opts.write then
  local for_writing = { flags = { wt.any(flags.MAY_WRITE), wt.none(O_PATH) } }
  wt.trace { "creat", open = for_writing, openat = for_writing, openat2 = true }
else
  wt.trace { "open", "openat", "openat2", "creat" }
end

local log = out.stream {
  { "time", "TIME(s)", 9, fmt = "%.6f" },
  { "pid", "PID", 7 },
  { "tid", json_only = true },
  { "comm", "COMM", 16 },
  { "syscall", json_only = true },
  { "result", "RESULT", 6 },
  { "fd", json_only = true },
  { "errno", json_only = true },
  { "flags", "FLAGS", 24 },
  { "mode", json_only = true },
  { "path", "PATH" },
  { "stack", json_only = true },
  { "stack_error", json_only = true },
}
local stack = opts.k and require "wt.stack"

-- The call as seen at entry, handed to on_return by the engine: by the
-- return the path buffer may have been reused and the working directory
-- changed.
function on_enter(sc)
  if opts.pid and sc.pid ~= opts.pid then return end
  local name = sc.name
  local f, mode = flags.of_open(sc)
  if not f or (opts.write and name == "openat2" and not flags.may_write(f)) then
    return
  end
  local frames, why
  if stack then frames, why = sc:stack() end
  local path = sc:path() or sc:string(name == "creat" and "pathname" or "filename") or "?"
  if opts.path and not path:find(opts.path, 1, true) then return end
  return {
    time = time.since(sc.time),
    pid = sc.pid,
    tid = sc.tid,
    comm = sc.comm,
    syscall = name,
    flags = flags.open(f),
    mode = (f & O_CREAT ~= 0 or f & wt.O_TMPFILE == wt.O_TMPFILE) and flags.mode(mode) or nil,
    path = path,
    stack = frames,
    stack_error = why,
  }
end

function on_return(sc, call)
  if not call then return end
  local e = sc.errno
  if opts.failed and not e then return end
  if e then call.errno = names.errno(e) else call.fd = sc.ret end
  call.result = call.errno or tostring(call.fd)
  call.path = out.json and call.path or wt.escape(call.path)
  log:row(call)
  if stack and not out.json then print(stack.format(call.stack, call.stack_error)) end
end
