-- wt.fds: descriptor tables per process, checked against the kernel's.
-- cat opens its two files one after the other on the same descriptor
-- number: the first one's entry must not answer for the second.
-- command: /bin/cat /etc/hostname /etc/passwd
local fds = require "wt.fds"

-- The table's own rules, with processes whose descriptors cannot be read
-- (no such pids): entries are then trusted.
local NONE = 4194304 + 7 -- above the largest pid Linux gives
local t = fds.new()
t:set(NONE, 3, "three")
t:set(NONE, 4, "four", true)
assert(t:get(NONE, 3) == "three" and t:get(NONE, 4) == "four" and t:get(NONE, 5) == nil)
t:spawn { pid = NONE + 1, tid = NONE + 1, ppid = NONE }              -- a child: a copy
t:spawn { pid = NONE, tid = NONE + 2, ppid = NONE - 1, thread = true } -- a thread: shared
t:close(NONE, 3)
assert(t:get(NONE, 3) == nil and t:get(NONE + 1, 3) == "three")
t:exec { pid = NONE + 1, tid = NONE + 1, old_tid = NONE + 1 }      -- close-on-exec goes
assert(t:get(NONE + 1, 4) == nil and t:get(NONE, 4) == "four")
t:exit { pid = NONE, tid = NONE + 2 }                                -- a thread's end
assert(t:get(NONE, 4) == "four")
t:exit { pid = NONE, tid = NONE }                                    -- the process's
assert(t:get(NONE, 4) == nil and t:get(NONE + 1, 3) == "three")
t:spawn { pid = NONE + 3, tid = NONE + 3 }                           -- no parent known
assert(t:get(NONE + 3, 3) == nil)

-- fds.linkat_source, on a stand-in for sc (linkat's olddfd and flags)
local function sc_of(olddfd, flags, path)
  local args = { olddfd = olddfd, flags = flags }
  return { tid = 99, arg = function(_, name) return args[name] end,
           string = function() return path end }
end
local pid, fd = fds.linkat_source(sc_of(5, AT_EMPTY_PATH, ""))
assert(pid == 99 and fd == 5)
pid, fd = fds.linkat_source(sc_of(-100, AT_SYMLINK_FOLLOW, "/proc/self/fd/7"))
assert(pid == 99 and fd == 7)
pid, fd = fds.linkat_source(sc_of(-100, AT_SYMLINK_FOLLOW, "/proc/42/fd/8"))
assert(pid == 42 and fd == 8)
assert(fds.linkat_source(sc_of(-100, 0, "/tmp/x")) == nil)
assert(fds.linkat_source(sc_of(5, 0, "")) == nil)

-- A real process: the entry of its first file is not its second's.
wt.trace { openat = { flags = wt.none(O_WRONLY | O_RDWR) } }
local files = fds.new()
on_spawn, on_exec, on_exit = files:hooks()
local checked = 0

function on_enter(sc) return sc:path(2) end

function on_return(sc, path)
  if sc.errno or not (path == "/etc/hostname" or path == "/etc/passwd") then return end
  if path == "/etc/hostname" then
    files:set(sc.pid, sc.ret, "hostname")
    assert(files:get(sc.pid, sc.ret) == "hostname")
  else
    assert(files:get(sc.pid, sc.ret) == nil, "stale entry")
    checked = checked + 1
  end
end

function on_end()
  assert(checked == 1)
  print("ok")
end
