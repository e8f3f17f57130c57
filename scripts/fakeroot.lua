-- fakeroot: run a command as if root, for building archives and packages
-- Usage: wtlua -s fakeroot [--] COMMAND [ARG...]
--
-- Like fakeroot(1), without LD_PRELOAD (so static binaries too) and
-- without a daemon: COMMAND, and everything it starts, is told that it
-- runs as root and that it owns what it made, so that
--
--   wtlua -s fakeroot tar cf pkg.tar stage/
--
-- run as an ordinary user writes an archive whose files belong to
-- root:root, and `wtlua -s fakeroot id -u` prints 0.  What it fakes:
--
--   - getuid, geteuid, getgid, getegid (and i386's *32 forms) return 0;
--     getresuid and getresgid give 0 three times.
--   - chown, fchown, lchown, fchownat (and *32) succeed without changing
--     anything; the owner given is remembered for the file.
--   - chmod, fchmod, fchmodat, fchmodat2 really change the mode where the
--     user may; where the kernel refuses (EPERM: a file of another user)
--     they succeed anyway.  Either way the mode is remembered.
--   - The stat family (stat, fstat, lstat, newfstatat, statx, and i386's
--     stat64, fstat64, lstat64, fstatat64) shows the remembered owner and
--     mode; a file owned by the user with no remembered owner shows as
--     root's (uid 0, and gid 0 for the user's group).
--
-- Files are remembered by device and inode number, so every name and
-- descriptor of a file shows the same; a file's last unlink or rmdir
-- forgets it.  The memory lasts for one run (fakeroot's -s/-i save
-- files are not supported).  Not faked: setuid and the other set*id
-- calls, mknod of devices, capabilities, and access checks (a file root
-- could read but the user cannot stays unreadable).  Files on a FUSE
-- file system are not faked (wtlua does not ask a file system a process
-- serves).  No options; the report is empty.
require("wt.opts").parse {}

-- ---- who the user is ----

-- The real uid and gid wtlua (and so the command) runs with.
local function own_ids()
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("a")
  f:close()
  return tonumber(text:match("\nUid:%s+(%d+)")), tonumber(text:match("\nGid:%s+(%d+)"))
end
local my_uid, my_gid = own_ids()

-- ---- the remembered files ----

-- faked["major:minor:ino"] = { uid =, gid =, mode = } (each optional).
local faked = {}

local function key(major, minor, ino)
  return ("%d:%d:%d"):format(major, minor, ino)
end

-- The key of a file as wtlua stats it now, and its link count; nil when
-- there is none.
local function file_key(path, nofollow)
  local st = path and wt.stat(path, nofollow)
  if not st then return nil end
  return key(st.major, st.minor, st.ino), st.nlink, st.mode
end

local function remember(k, field, value)
  local f = faked[k]
  if not f then
    f = {}
    faked[k] = f
  end
  f[field] = value
end

-- ---- which file a call is about ----

-- The file descriptor's file, through /proc (a deleted file too).
local function fd_file(sc, fd)
  return ("/proc/%d/fd/%d"):format(sc.tid, fd & 0xffffffff)
end

-- The file a *at call names: its path, or with AT_EMPTY_PATH and "" the
-- descriptor itself.  Returns the path and whether to not follow a final
-- symlink.
local function at_file(sc, path_i, flags)
  if flags & AT_EMPTY_PATH ~= 0 and sc:string(path_i) == "" then
    return fd_file(sc, sc.args[path_i - 1]), false
  end
  return sc:path(path_i), flags & AT_SYMLINK_NOFOLLOW ~= 0
end

-- The file of a chown or chmod call, and whether not to follow a link.
local TARGET = {
  chown = function(sc) return sc:path(1), false end,
  lchown = function(sc) return sc:path(1), true end,
  fchown = function(sc) return fd_file(sc, sc.args[1]), false end,
  fchownat = function(sc) return at_file(sc, 2, sc.args[5]) end,
  chmod = function(sc) return sc:path(1), false end,
  fchmod = function(sc) return fd_file(sc, sc.args[1]), false end,
  fchmodat = function(sc) return sc:path(2), false end,
  fchmodat2 = function(sc) return at_file(sc, 2, sc.args[4]) end,
}
TARGET.chown32, TARGET.lchown32, TARGET.fchown32 = TARGET.chown, TARGET.lchown, TARGET.fchown

-- Where the ids and the mode are: the first id's argument, the mode's.
local OWNER = { chown = 2, lchown = 2, fchown = 2, chown32 = 2, lchown32 = 2, fchown32 = 2,
                fchownat = 3 }
local MODE = { chmod = 2, fchmod = 2, fchmodat = 3, fchmodat2 = 3 }

-- The ids of a chown: nil for -1 (16 bits wide in i386's old chown).
local function owner_ids(sc, i)
  local name = sc.name
  local none = (name == "chown" or name == "lchown" or name == "fchown")
    and sc.arch == "i386" and 0xffff or 0xffffffff
  local uid, gid = sc.args[i] & none, sc.args[i + 1] & none
  return uid ~= none and uid or nil, gid ~= none and gid or nil
end

-- ---- the stat family's structs ----

-- Where the fields are, by struct type and ABI: offsets and string.pack
-- formats, and how many leading bytes hold uid, gid and mode (what is
-- written back).
local LAYOUT = {
  ["stat/x86_64"] = { dev = { 0, "<I8" }, ino = { 8, "<I8" }, mode = { 24, "<I4" },
                      uid = { 28, "<I4" }, gid = { 32, "<I4" }, size = 36 },
  ["compat_stat/i386"] = { dev = { 0, "<I4" }, ino = { 4, "<I4" }, mode = { 8, "<I2" },
                    uid = { 12, "<I2" }, gid = { 14, "<I2" }, size = 16 },
  ["stat64/i386"] = { dev = { 0, "<I8" }, ino = { 88, "<I8" }, mode = { 16, "<I4" },
                      uid = { 24, "<I4" }, gid = { 28, "<I4" }, read = 96, size = 32 },
  statx = { major = { 136, "<I4" }, minor = { 140, "<I4" }, ino = { 32, "<I8" },
            mode = { 28, "<I2" }, uid = { 20, "<I4" }, gid = { 24, "<I4" }, read = 144,
            size = 30 },
}

-- The struct argument of a stat call: its index and layout, per ABI.
local stat_args = {}
local function stat_arg(sc)
  local k = sc.arch .. "/" .. sc.name
  local found = stat_args[k]
  if found == nil then
    found = false
    for i, a in ipairs(wt.signature(sc.name, sc.arch).args) do
      local layout = LAYOUT[a.type] or LAYOUT[(a.type or "") .. "/" .. sc.arch]
      if a.kind == "struct" and layout then found = { i, layout } end
    end
    stat_args[k] = found
  end
  return found
end

local function field(bytes, f)
  return (string.unpack(f[2], bytes, f[1] + 1))
end

local function put(bytes, f, value)
  local text = string.pack(f[2], value)
  return bytes:sub(1, f[1]) .. text .. bytes:sub(f[1] + #text + 1)
end

-- The kernel's st_dev: major and minor as glibc's major() and minor().
local function dev_numbers(dev)
  return ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff), (dev & 0xff) | ((dev >> 12) & ~0xff)
end

-- After a stat call: the struct shows the faked owner and mode.
local function fake_stat(sc)
  local where = stat_arg(sc)
  if not where or sc.ret ~= 0 then return end
  local i, layout = where[1], where[2]
  local bytes = sc:bytes(i, layout.read or layout.size)
  if not bytes then return end
  local major, minor
  if layout.dev then
    major, minor = dev_numbers(field(bytes, layout.dev))
  else
    major, minor = field(bytes, layout.major), field(bytes, layout.minor)
  end
  local f = faked[key(major, minor, field(bytes, layout.ino))] or {}
  local uid, gid = field(bytes, layout.uid), field(bytes, layout.gid)
  uid = f.uid or (uid == my_uid and 0 or uid)
  gid = f.gid or (gid == my_gid and 0 or gid)
  bytes = put(put(bytes, layout.uid, uid), layout.gid, gid)
  if f.mode then
    local mode = field(bytes, layout.mode)
    bytes = put(bytes, layout.mode, (mode & 0xf000) | f.mode)
  end
  sc:write(i, bytes:sub(1, layout.size))
end

-- ---- the hooks ----

local ZERO = { getuid = true, geteuid = true, getgid = true, getegid = true,
               getuid32 = true, geteuid32 = true, getgid32 = true, getegid32 = true }
local RES = { getresuid = true, getresgid = true, getresuid32 = true, getresgid32 = true }
local STAT = { stat = true, fstat = true, lstat = true, newfstatat = true, statx = true,
               stat64 = true, fstat64 = true, lstat64 = true, fstatat64 = true }
local UNLINK = { unlink = true, unlinkat = true, rmdir = true }

local declared = {}
for _, set in ipairs { ZERO, RES, STAT, UNLINK, TARGET } do
  for name in pairs(set) do
    if wt.is_syscall(name) then declared[#declared + 1] = name end
  end
end
table.sort(declared)
wt.trace(declared)

function on_enter(sc)
  local name = sc.name
  if ZERO[name] then
    sc:set_return(0)
  elseif OWNER[name] then
    local k = file_key(TARGET[name](sc))
    if not k then return end -- no such file: the kernel says why
    local uid, gid = owner_ids(sc, OWNER[name])
    if uid then remember(k, "uid", uid) end
    if gid then remember(k, "gid", gid) end
    sc:set_return(0)
  elseif MODE[name] then
    return { key = file_key(TARGET[name](sc)), mode = sc.args[MODE[name]] & 0xfff }
  elseif UNLINK[name] then
    local path = sc:path()
    local dir = name == "rmdir" or name == "unlinkat" and sc.args[3] & AT_REMOVEDIR ~= 0
    local k, nlink = file_key(path, true)
    -- the last name of a file (a directory's own . counts as one more)
    if k and nlink <= (dir and 2 or 1) then return { forget = k } end
  end
end

function on_return(sc, call)
  local name = sc.name
  if STAT[name] then
    fake_stat(sc)
  elseif RES[name] then
    if sc.ret == 0 then
      for i = 1, 3 do sc:write(i, "\0\0\0\0") end
    end
  elseif call and call.mode and call.key then
    local refused = sc.errno == wt.errno.EPERM
    if sc.ret == 0 or refused then remember(call.key, "mode", call.mode) end
    if refused then sc:set_return(0) end
  elseif call and call.forget and sc.ret == 0 then
    faked[call.forget] = nil
  end
end
