-- sandbox: no network, no writes outside chosen directories (a guard against mistakes)
-- Usage: wtlua -s sandbox [-a dir=DIR]... [-a net] [--json] [--] COMMAND [ARG...]
--
-- Runs COMMAND so that it cannot reach the network and cannot change the
-- file system outside the directories given, and prints each refusal
-- its hooks made:
--
--   PID     SYSCALL      ERRNO  PATH
--   4242    openat       EROFS  /home/me/.config/tool/state
--
--   -a dir=DIR   writes are allowed in DIR and below it (repeat for more
--                directories; relative to wtlua's working directory).
--                Without dir= the whole file system is read-only.
--   -a net       allow the network
--
-- Network: the kernel's filter refuses socket(2) for every family but
-- AF_UNIX, with EACCES, so no connect, sendto or bind can follow; local
-- sockets (a display, D-Bus, a logger) keep working.  On i386 a program
-- that makes its socket calls through socketcall(2) loses them all,
-- AF_UNIX included (the filter cannot read socketcall's arguments).
--
-- Writes: a call that would change the file system fails with EROFS
-- (read-only file system): opens for writing or creating (O_WRONLY,
-- O_RDWR, O_CREAT, O_TRUNC), creat, truncate, mkdir, mknod, unlink,
-- rmdir, rename, link, symlink, chmod, chown, utimes, setxattr and
-- removexattr (with their *at and other forms).  Without dir= nothing
-- needs a path, so the kernel refuses all but the opens itself and they
-- make no stop; with dir= each is stopped and its path checked.  Opens
-- always stop, so that these stay writable: /dev/null, /dev/zero,
-- /dev/full, /dev/tty, /dev/ptmx, /dev/pts/*, and descriptors that are no
-- file (a pipe or socket reopened through /proc/self/fd).  A path wtlua
-- cannot tell (longer than PATH_MAX, unreadable) is refused.
--
-- This is a guard against mistakes (a build that writes to $HOME, a test
-- that talks to the internet), not a security boundary: the path is
-- checked when the call stops, and another thread of the program, or
-- another process, can change the string or swap a symbolic link before
-- the kernel reads it (a time-of-check to time-of-use race).  Writes
-- through descriptors opened before wtlua started are not seen, and
-- wtlua's own death leaves the kernel's denials in place but lets the
-- checked calls run.
--
-- With --json, one object per refusal: pid, tid, syscall, errno, path.
local flags = require "wt.flags"
local fs = require "wt.fs"
local opts = require("wt.opts").parse {
  dir = { "string", many = true },
  net = { "flag" },
}
local out = require "wt.out"

-- ---- network: the kernel's ----

if not opts.net then
  wt.deny { socket = { family = wt.any(0xfe) }, errno = "EACCES" } -- families 2..255
end

-- ---- writes ----

-- path with "." and ".." taken away as text (a ".." after a symbolic link
-- is taken wrongly: one of the ways round this guard).
local function lexical(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      parts[#parts] = nil
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return "/" .. table.concat(parts, "/")
end

-- The directories, absolute (relative ones from wtlua's own directory).
local self = assert(io.open("/proc/self/stat")):read("l"):match("^%d+")
local cwd = wt.resolve_path(tonumber(self), AT_FDCWD, ".")
local dirs = {}
for i, dir in ipairs(opts.dir) do
  dirs[i] = lexical(dir:sub(1, 1) == "/" and dir or cwd .. "/" .. dir)
end

-- Names whose writes are harmless: character devices and no files.
local ALWAYS = { ["/dev/null"] = true, ["/dev/zero"] = true, ["/dev/full"] = true,
                 ["/dev/tty"] = true, ["/dev/ptmx"] = true }

local function allowed(path)
  path = lexical(path)
  if ALWAYS[path] or fs.under(path, "/dev/pts") then return true end
  if path:match("^/proc/%d+/fd/%d+$") then return true end -- a pipe or socket
  for _, dir in ipairs(dirs) do
    if fs.under(path, dir) then return true end
  end
  return false
end

-- The calls that change the file system, with the arguments holding the
-- paths they change (a path argument with AT_EMPTY_PATH and "" means
-- its descriptor; a descriptor argument is given as { fd = i }).
local CHANGES = {
  truncate = { 1 }, truncate64 = { 1 }, mkdir = { 1 }, mkdirat = { 2 },
  mknod = { 1 }, mknodat = { 2 }, unlink = { 1 }, unlinkat = { 2 }, rmdir = { 1 },
  rename = { 1, 2 }, renameat = { 2, 4 }, renameat2 = { 2, 4 },
  link = { 2 }, linkat = { 4 }, symlink = { 2 }, symlinkat = { 3 },
  chmod = { 1 }, fchmodat = { 2 }, fchmodat2 = { 2 }, fchmod = { { fd = 1 } },
  chown = { 1 }, lchown = { 1 }, fchownat = { 2 }, fchown = { { fd = 1 } },
  chown32 = { 1 }, lchown32 = { 1 }, fchown32 = { { fd = 1 } },
  utime = { 1 }, utimes = { 1 }, futimesat = { 2 }, utimensat = { 2 },
  utimensat_time64 = { 2 },
  setxattr = { 1 }, lsetxattr = { 1 }, fsetxattr = { { fd = 1 } },
  removexattr = { 1 }, lremovexattr = { 1 }, fremovexattr = { { fd = 1 } },
}
local OPENS = { open = true, openat = true, openat2 = true, creat = true }

local names = {}
for name in pairs(CHANGES) do
  if wt.is_syscall(name) then names[#names + 1] = name end
end
table.sort(names)

local for_writing = { flags = { wt.any(flags.MAY_WRITE), wt.none(O_PATH) } }
if #dirs == 0 then
  -- read-only everywhere: the kernel refuses what needs no path
  names.errno = "EROFS"
  wt.deny(names)
else
  wt.trace(names)
end
-- openat2's flags are in a struct: it always stops
wt.trace { open = for_writing, openat = for_writing, "openat2", "creat" }

-- The paths a call would change, list[1..list.n], nil where one cannot be
-- told (a name longer than PATH_MAX, an unreadable argument); nil: none
-- to check.
local function targets(sc)
  local name = sc.name
  if OPENS[name] then
    local f = flags.of_open(sc)
    if name ~= "creat" and not (f and flags.may_write(f)) then return nil end
    return { sc:path(), n = 1 }
  end
  local list = { n = 0 }
  for _, i in ipairs(CHANGES[name] or {}) do
    local path
    if type(i) == "table" then
      path = sc:fd_path(sc:arg(i.fd))
    else
      path = sc:path(i)
      -- utimensat(fd, NULL, ...): the descriptor's file
      if not path and name:match("^utimensat") then path = sc:fd_path(sc:arg(1)) end
    end
    list.n = list.n + 1
    list[list.n] = path
  end
  return list
end

local log = out.stream {
  { "pid", "PID", 7 },
  { "syscall", "SYSCALL", 12 },
  { "errno", "ERRNO", 6 },
  { "path", "PATH" },
  { "tid", json_only = true },
}

-- A path that cannot be told is refused: the guard fails closed.
function on_enter(sc)
  local list = targets(sc)
  for i = 1, list and list.n or 0 do
    local path = list[i]
    if not (path and allowed(path)) then
      sc:fail("EROFS")
      log:row { pid = sc.pid, tid = sc.tid, syscall = sc.name, errno = "EROFS",
                path = path and wt.escape(path) or "(a path wtlua cannot resolve)" }
      return
    end
  end
end
