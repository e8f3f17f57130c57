-- wt.proc: a process's argv (from /proc, or as an execve passes it),
-- argv as text for people, and the tree of processes the command made.
-- A task's name is the engine's: sc.comm in a hook, wt.comm(tid)
-- elsewhere (read once, forgotten at exec and exit).
--
--   local proc = require "wt.proc"
--   proc.cmdline(pid)                 --> { "make", "-j4" }
--
--   local tree = proc.tree()          -- feed it the process hooks:
--   on_spawn, on_exec, on_exit = tree:hooks()
--   function on_end() tree:print() end
local names = require "wt.names"

local proc = {}

-- The NUL-separated arguments of /proc/PID/cmdline as an array.
function proc.cmdline(pid)
  local f = io.open("/proc/" .. pid .. "/cmdline", "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local argv = {}
  for arg in text:gmatch("([^%z]*)%z") do argv[#argv + 1] = arg end
  return argv
end

-- The strings of a NULL-terminated array of string pointers at addr in
-- the tracee (an execve argv or envp), at most max of them (default
-- 4096); arch is sc.arch, for the pointer size.  The second result is
-- true when the list was cut short.
function proc.read_argv(pid, addr, arch, max)
  max = max or 4096
  local size = arch == "i386" and 4 or 8
  local fmt = size == 4 and "<I4" or "<I8"
  local argv = {}
  if addr == 0 then return argv end
  local batch = 32
  while #argv < max do
    local raw = wt.read_bytes(pid, addr, batch * size)
    if not raw then break end
    for i = 0, #raw // size - 1 do
      local ptr = string.unpack(fmt, raw, i * size + 1)
      if ptr == 0 then return argv end
      argv[#argv + 1] = wt.read_string(pid, ptr) or "?"
      if #argv >= max then return argv, true end
    end
    addr = addr + batch * size
  end
  return argv, #argv >= max
end

-- One argument as a shell would need it: as is when it only holds
-- letters, digits and %+,./:=@_-; in single quotes otherwise; in bash's
-- $'...' with C escapes when it holds control characters.
function proc.quote(arg)
  if arg:find("%c") then
    return "$'" .. wt.escape(arg):gsub("'", "\\'") .. "'"
  end
  if arg == "" or arg:find("[^%w%%+,./:=@_-]") then
    return "'" .. arg:gsub("'", "'\\''") .. "'"
  end
  return arg
end

-- A command line for people: the arguments quoted (proc.quote) and
-- joined by spaces.
function proc.argv_text(argv)
  local parts = {}
  for i, arg in ipairs(argv or {}) do parts[i] = proc.quote(arg) end
  return table.concat(parts, " ")
end

-- ---- the process tree ----

local Tree = {}
Tree.__index = Tree

-- proc.tree(): a record of processes (not threads), filled from the
-- process hooks.  tree.procs[pid] = { pid, ppid, argv (the last exec's,
-- or the parent's at fork), execs (how many), exe, status (on_exit's
-- event), children = { pid... }, start, stop (wt.now() times) };
-- tree.order lists pids as first seen.
function proc.tree()
  return setmetatable({ procs = {}, order = {} }, Tree)
end

function Tree:get(pid)
  local p = self.procs[pid]
  if not p then
    p = { pid = pid, execs = 0, children = {}, start = wt.now() }
    self.procs[pid] = p
    self.order[#self.order + 1] = pid
  end
  return p
end

-- on_spawn: a new process (threads are ignored) under its parent.
function Tree:spawn(e)
  if e.thread then return end
  local p = self:get(e.pid)
  p.attached = e.attached
  local parent = e.ppid and self.procs[e.ppid]
  p.ppid = e.ppid
  if parent then
    parent.children[#parent.children + 1] = e.pid
    p.argv = parent.argv
    p.exe = parent.exe
  end
  if not p.argv then p.argv = proc.cmdline(e.pid) end
end

-- on_exec: the process's new program.
function Tree:exec(e)
  local p = self:get(e.pid)
  p.execs = p.execs + 1
  p.argv = e.argv
  p.exe = e.exe
end

-- on_exit: the process's end (the exits of threads are ignored).
function Tree:exit(e)
  if e.tid ~= e.pid then return end
  local p = self:get(e.pid)
  p.status = e
  p.stop = wt.now()
end

-- The three hooks, for `on_spawn, on_exec, on_exit = tree:hooks()`.
function Tree:hooks()
  return function(e) self:spawn(e) end, function(e) self:exec(e) end,
    function(e) self:exit(e) end
end

-- The processes without a known parent, in order of appearance.
function Tree:roots()
  local roots = {}
  for _, pid in ipairs(self.order) do
    local p = self.procs[pid]
    if not (p.ppid and self.procs[p.ppid]) then roots[#roots + 1] = pid end
  end
  return roots
end

-- Calls fn(p, depth, prefix) for each process depth first, children in
-- order of creation; prefix is the tree drawing ("├─ ", "│  └─ ").
function Tree:walk(fn)
  local function visit(pid, depth, lead, last)
    local p = self.procs[pid]
    local branch = depth == 0 and "" or (last and "└─ " or "├─ ")
    fn(p, depth, lead .. branch)
    local next_lead = depth == 0 and "" or lead .. (last and "   " or "│  ")
    for i, child in ipairs(p.children) do
      visit(child, depth + 1, next_lead, i == #p.children)
    end
  end
  for _, pid in ipairs(self:roots()) do visit(pid, 0, "", true) end
end

-- A process's end as text: "exit 0", "killed by SIGTERM", or "running"
-- when it had not ended.
function Tree.status_text(p)
  return p.status and names.status(p.status) or "running"
end

-- Prints the tree, one process a line: "PID ARGV [STATUS]".
function Tree:print()
  self:walk(function(p, _, prefix)
    print(("%s%d %s [%s]"):format(prefix, p.pid, proc.argv_text(p.argv), Tree.status_text(p)))
  end)
end

return proc
