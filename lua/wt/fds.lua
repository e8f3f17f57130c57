-- wt.fds: what a script knows about descriptors, per process, kept the
-- way the kernel keeps descriptor tables: a child process starts with a
-- copy of its parent's (threads share their process's), close-on-exec
-- ones go at exec, all go when the process ends.
--
--   local fds = require "wt.fds"
--   local sockets = fds.new()
--   on_spawn, on_exec, on_exit = sockets:hooks()
--   function on_return(sc)              -- socket(AF_INET, SOCK_STREAM...)
--     if sc.name == "socket" and sc.ret >= 0 then
--       local cloexec = sc.args[2] & O_CLOEXEC ~= 0   -- SOCK_CLOEXEC
--       sockets:set(sc.pid, sc.ret, "tcp", cloexec)
--     end
--   end
--   sockets:get(pid, 3)              --> "tcp", or nil
--
-- An entry holds the kernel's name of the descriptor when it was set
-- (/proc/PID/fd/N: "socket:[4242]", a path), and get returns it only
-- while the descriptor still has that name: a close and a reuse of the
-- number the script never saw (it need not trace close or dup2) cannot
-- give a stale answer.  Where the name cannot be read (the process is
-- gone), the entry is trusted.
local fds = {}

local Table = {}
Table.__index = Table

-- fds.new(): an empty table of descriptors.
function fds.new()
  return setmetatable({ procs = {} }, Table)
end

local function proc_of(self, pid)
  local t = self.procs[pid]
  if not t then
    t = {}
    self.procs[pid] = t
  end
  return t
end

-- Records value for descriptor fd of process pid; cloexec: dropped at
-- the process's next exec.
function Table:set(pid, fd, value, cloexec)
  proc_of(self, pid)[fd] = { value = value, name = wt.fd_path(pid, fd), cloexec = cloexec }
end

-- The value recorded for fd in process pid, or nil (never recorded,
-- closed, or now another file).
function Table:get(pid, fd)
  local t = self.procs[pid]
  local e = t and t[fd]
  if not e then return nil end
  local name = wt.fd_path(pid, fd)
  if name and e.name and name ~= e.name then
    t[fd] = nil
    return nil
  end
  return e.value
end

-- Forgets fd of process pid (a close the script saw).
function Table:close(pid, fd)
  local t = self.procs[pid]
  if t then t[fd] = nil end
end

-- on_spawn: a new process gets a copy of its parent's descriptors; a new
-- thread shares its process's.
function Table:spawn(p)
  if p.thread or not p.ppid then return end
  local parent = self.procs[p.ppid]
  if not parent then return end
  local copy = {}
  for fd, e in pairs(parent) do copy[fd] = e end
  self.procs[p.pid] = copy
end

-- on_exec: the close-on-exec descriptors are gone.
function Table:exec(p)
  local t = self.procs[p.pid]
  if not t then return end
  for fd, e in pairs(t) do
    if e.cloexec then t[fd] = nil end
  end
end

-- on_exit: a process's end (its first thread's) takes its table along.
function Table:exit(p)
  if p.tid == p.pid then self.procs[p.pid] = nil end
end

-- The three hooks, for `on_spawn, on_exec, on_exit = t:hooks()`.
function Table:hooks()
  return function(p) self:spawn(p) end, function(p) self:exec(p) end,
    function(p) self:exit(p) end
end

-- The descriptor a linkat(olddirfd, oldpath, newdirfd, newpath, flags)
-- links, when it names one rather than a path: linkat(fd, "", ...,
-- AT_EMPTY_PATH), or linkat(AT_FDCWD, "/proc/PID/fd/N", ...,
-- AT_SYMLINK_FOLLOW), the two ways an O_TMPFILE file gets a name.
-- Returns the process to look it up in (a pid, or sc.tid for "self")
-- and the fd; nil for a plain path.
function fds.linkat_source(sc)
  local path = sc:string("oldname") or ""
  if path == "" and sc:arg("flags") & AT_EMPTY_PATH ~= 0 then
    return sc.tid, sc:arg("olddfd")
  end
  local owner, fd = path:match("^/proc/([^/]+)/fd/(%d+)$")
  if not owner then return nil end
  return math.tointeger(tonumber(owner)) or sc.tid, tonumber(fd)
end

return fds
