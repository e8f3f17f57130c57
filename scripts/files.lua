-- files: what the command changed in the file system (a manifest, like checkinstall)
-- Usage: wtlua -s files [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- What COMMAND and everything it started did to the file system, as the
-- difference between before and after, one line per change, sorted by
-- path, printed when the command has ended:
--
--   create  /stage/usr/bin/hello
--   chmod   /stage/usr/bin/hello 0755
--   modify  /etc/hello.conf
--   delete  /var/lib/hello/old.db
--   rename  /srv/a -> /srv/b
--   mkdir   /stage/usr/share/doc/hello
--   rmdir   /tmp/build-dir
--   symlink /stage/usr/bin/hi -> hello
--   link    /stage/usr/bin/hey -> /stage/usr/bin/hello
--   chown   /stage/usr/bin/hello 0:0
--   mknod   /srv/fifo
--
-- create: a file that did not exist before; modify: a file that existed
-- and was opened for writing, truncated or replaced; delete and rmdir:
-- a file or directory that existed and is gone; rename: a file or
-- directory that existed, now under another name (what was inside a
-- renamed directory is not listed again); mkdir, symlink (with its
-- target as given), link (a hard link, with the file it links to),
-- mknod: made during the run; chmod and chown: the last mode or owner
-- set ("-1" for an id left alone).
--
-- What only existed during the run (temporary files, a build dir made and
-- removed) is not listed.  A file written under a temporary name and
-- renamed into place is listed under its final name, as create or
-- modify: what matters is whether that name existed before.  Files linked
-- into place from an O_TMPFILE are listed too.
--
-- How "existed before" is known: from the calls' own results where they
-- tell (an O_EXCL create, mkdir, symlink and link succeed only on a new
-- name; unlink, chmod or an open without O_CREAT only on an existing
-- one); otherwise (an open with O_CREAT but no O_EXCL, the target of a
-- rename) wtlua checks the path itself when the call is made, unless an
-- earlier call already told.
--
-- Watched: open, openat, openat2, creat (for writing, creating or
-- truncating), rename, renameat, renameat2, unlink, unlinkat, rmdir,
-- mkdir, mkdirat, mknod, mknodat, symlink, symlinkat, link, linkat,
-- chmod, fchmod, fchmodat, fchmodat2, chown, lchown, fchown, fchownat
-- (and i386's 32-bit variants), truncate.  Writes through descriptors
-- opened elsewhere (inherited, or opened before -p attached) are not
-- seen; fchmod and fchown are only seen on descriptors opened for writing
-- while traced.
--
-- Options:
--   -a under=DIR    only paths under DIR (e.g. a DESTDIR)
--   -a all          also paths under /dev, /proc and /sys (left out
--                   by default: "> /dev/null" opens /dev/null to write)
--
-- With --json, one object per line: action, path, kind (file, dir,
-- symlink, link, node, or absent when unknown) and by action: from
-- (rename), target (symlink, link), mode (chmod), uid and gid (chown).
local flags = require "wt.flags"
local fs = require "wt.fs"
local opts = require("wt.opts").parse {
  under = { "string" },
  all = { "flag" },
}
local out = require "wt.out"

local CHANGES = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC
local for_changes = { flags = { wt.any(CHANGES), wt.none(O_PATH) } }

-- exit = true everywhere: every change is applied only once the call has
-- succeeded.
wt.trace {
  "creat", "openat2", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir",
  "mkdir", "mkdirat", "mknod", "mknodat", "symlink", "symlinkat", "link", "linkat",
  "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "lchown", "fchown", "fchownat",
  "chown32", "lchown32", "fchown32", "truncate", "truncate64",
  open = for_changes,
  openat = for_changes,
}

-- ---- the model ----
--
-- An object is a file system entry: { kind, created (made during the
-- run), origin (for an entry that existed before: its path then), at (its
-- path now, nil once deleted), written, mode, uid, gid, target }.
-- before[path]: whether path existed before the run (nil: not known
-- yet); now[path]: the object there now, or false for nothing.
local before, now = {}, {}
local preexisting = {}   -- objects that existed before, in order seen
local kids = {}          -- kids[dir][path] = true for each object in dir

local function set(path, obj)
  now[path] = obj
  local dir = fs.dirname(path)
  local k = kids[dir]
  if obj then
    if not k then
      k = {}
      kids[dir] = k
    end
    k[path] = true
  elseif k then
    k[path] = nil
  end
end

-- path below dir, for a path where fs.under(path, dir) is rest.
local function join(dir, rest)
  if dir == "/" then return rest end
  return dir .. rest
end

-- The path that an untracked entry now at path had before the run,
-- going by the nearest tracked directory above it: moved there by a
-- rename (the entry moved with it), or nil when that directory was made
-- during the run (so nothing inside it existed before).
local function origin_of(path)
  local dir = path
  while dir ~= "/" do
    dir = fs.dirname(dir)
    local obj = now[dir]
    if obj then
      if obj.created then return nil end
      return join(obj.origin, fs.under(path, dir))
    end
  end
  return path
end

-- The same for any path: its own object's origin when it is tracked.
local function origin_at(path)
  local obj = now[path]
  if obj then return not obj.created and obj.origin or nil end
  return origin_of(path)
end

-- First sight of path, with whether something is there at this moment.
local function observe(path, exists)
  if before[path] ~= nil then return end
  local origin = origin_of(path)
  -- in a moved or new directory, the name itself did not exist before
  before[path] = exists and origin == path
  if not exists then
    set(path, false)
  elseif origin == nil then -- made in a way not watched (bind of a socket...)
    set(path, { created = true, at = path })
  else
    local obj = { origin = origin, at = path }
    preexisting[#preexisting + 1] = obj
    set(path, obj)
  end
end

-- The object at path, which a successful call has just shown to exist.
local function existing(path)
  observe(path, true)
  local obj = now[path]
  if not obj then -- made in a way not watched
    obj = { created = true, at = path }
    set(path, obj)
  end
  return obj
end

-- Whether path exists, as the model knows it or, failing that, as the
-- file system says now: called at entry, before the call can change it.
local function exists_now(path)
  local obj = now[path]
  if obj ~= nil then return obj ~= false end
  if origin_of(path) == nil then return false end -- in a new directory
  return fs.exists(path)
end

-- The tracked paths at and below path (what is inside a directory).
local function subtree(path)
  local list = {}
  local function walk(p)
    if now[p] then list[#list + 1] = p end
    for child in pairs(kids[p] or {}) do walk(child) end
  end
  walk(path)
  return list
end

local function remove(path, kind)
  local obj = now[path]
  if obj and kind then obj.kind = obj.kind or kind end
  for _, p in ipairs(subtree(path)) do
    now[p].at = nil
    set(p, false)
  end
end

local function create(path, obj)
  observe(path, false)
  if now[path] then remove(path) end -- replaced
  obj.created, obj.at = true, path
  set(path, obj)
  return obj
end

-- rename(from, to): the entry and everything below it move.
local function move(from, to)
  local list = subtree(from)
  local objs = {}
  for i, p in ipairs(list) do
    objs[i] = now[p]
    set(p, false)
  end
  if now[to] then remove(to) end
  for i, p in ipairs(list) do
    local dest = to .. fs.under(p, from)
    if before[dest] == nil then before[dest] = false end
    set(dest, objs[i])
    objs[i].at = dest
  end
end

-- renameat2(RENAME_EXCHANGE): the two entries swap places.
local function exchange(a, b)
  local oa, ob = now[a], now[b]
  set(a, ob)
  set(b, oa)
  if oa then oa.at = b end
  if ob then ob.at = a end
end

-- Descriptors opened for writing, per process: for fchmod and fchown.
local fds = {}

local function fd_path(pid, fd)
  local t = fds[pid]
  return t and t[fd]
end

-- ---- the calls ----

-- Which arguments hold what, per syscall.
local PATH = { open = 1, creat = 1, openat = 2, openat2 = 2, unlink = 1, unlinkat = 2,
               rmdir = 1, mkdir = 1, mkdirat = 2, mknod = 1, mknodat = 2, chmod = 1,
               fchmodat = 2, fchmodat2 = 2, chown = 1, lchown = 1, chown32 = 1,
               lchown32 = 1, fchownat = 2, truncate = 1, truncate64 = 1 }
local TWO_PATHS = { rename = { 1, 2 }, renameat = { 2, 4 }, renameat2 = { 2, 4 },
                    link = { 1, 2 }, linkat = { 2, 4 } }
local MODE = { chmod = 2, fchmod = 2, fchmodat = 3, fchmodat2 = 3 }
local OWNER = { chown = 2, lchown = 2, fchown = 2, chown32 = 2, lchown32 = 2, fchown32 = 2,
                fchownat = 3 }

local function open_flags(sc, name)
  if name == "creat" then return O_WRONLY | O_CREAT | O_TRUNC end
  if name == "openat2" then
    local how = sc:bytes(3, 8)
    return how and #how == 8 and string.unpack("<I8", how) or 0
  end
  return sc.args[name == "open" and 2 or 3] & 0xffffffff
end

-- The ids of a chown: nil for -1 (16 bits wide in i386's old chown).
local function owner_ids(sc, name, i)
  local none = (name == "chown" or name == "lchown" or name == "fchown")
    and sc.arch == "i386" and 0xffff or 0xffffffff
  local uid, gid = sc.args[i] & none, sc.args[i + 1] & none
  return uid ~= none and uid or nil, gid ~= none and gid or nil
end

-- At entry: what the call is about (its paths, read now), or nil.
local function describe(sc)
  local name = sc.name
  local call = { name = name }
  local two = TWO_PATHS[name]
  if two then
    call.from, call.to = sc:path(two[1]), sc:path(two[2])
    if not (call.from or name == "linkat") or not call.to then return nil end
    if name == "renameat2" then call.flags = sc.args[5] end
    if name == "linkat" then
      -- linking an O_TMPFILE (or any descriptor) into place
      call.lflags = sc.args[5]
      if call.lflags & AT_EMPTY_PATH ~= 0 and (sc:string(2) or "") == "" then
        call.from = nil
      elseif (sc:string(2) or ""):match("^/proc/[^/]+/fd/%d+$") then
        call.from = nil
      end
    end
    if name:match("^rename") then
      local f = call.flags or 0
      call.to_existed = f & flags.RENAME_NOREPLACE == 0 and (f & flags.RENAME_EXCHANGE ~= 0
                                                             or exists_now(call.to))
    end
    return call
  end
  if name == "symlink" or name == "symlinkat" then
    call.target = sc:string(1)
    call.path = sc:path(name == "symlink" and 2 or 3)
    return call.path and call
  end
  local i = PATH[name]
  if i then
    call.path = sc:path(i)
    if not call.path then
      -- fchownat(fd, "", ..., AT_EMPTY_PATH), fchmodat2 too: the
      -- descriptor itself
      local at_flags = name == "fchownat" and sc.args[5] or name == "fchmodat2" and sc.args[4]
      if at_flags and at_flags & AT_EMPTY_PATH ~= 0 then
        call.path = fd_path(sc.pid, sc.args[1] & 0xffffffff)
      end
      if not call.path then return nil end
    end
  elseif name == "fchmod" or name == "fchown" or name == "fchown32" then
    call.path = fd_path(sc.pid, sc.args[1] & 0xffffffff)
    if not call.path then return nil end
  end
  if name == "open" or name == "openat" or name == "openat2" or name == "creat" then
    local f = open_flags(sc, name)
    if f & CHANGES == 0 or f & O_PATH ~= 0 then return nil end
    call.open_flags = f
    if f & wt.O_TMPFILE == wt.O_TMPFILE then
      call.tmpfile = true
    elseif f & O_CREAT == 0 then
      call.existed = true
    elseif f & O_EXCL ~= 0 then
      call.existed = false
    else
      call.existed = exists_now(call.path)
    end
  elseif MODE[name] then
    call.mode = sc.args[MODE[name]] & 0xfff
  elseif OWNER[name] then
    call.uid, call.gid = owner_ids(sc, name, OWNER[name])
  elseif name == "unlinkat" then
    call.rmdir = sc.args[3] & AT_REMOVEDIR ~= 0
  elseif name == "mknod" or name == "mknodat" then
    call.kind = flags.file_type(sc.args[name == "mknod" and 2 or 3]) or "file"
  end
  return call
end

-- After a successful return: the change, into the model.
local function apply(call, sc)
  local name, path = call.name, call.path
  if call.open_flags then
    if call.tmpfile then
      fds[sc.pid] = fds[sc.pid] or {}
      fds[sc.pid][sc.ret] = nil
      return
    end
    local obj
    if call.existed then
      obj = existing(path)
    else
      obj = create(path, { kind = "file" })
    end
    obj.written = true
    fds[sc.pid] = fds[sc.pid] or {}
    fds[sc.pid][sc.ret] = path
  elseif name:match("^rename") then
    observe(call.from, true)
    observe(call.to, call.to_existed)
    if (call.flags or 0) & flags.RENAME_EXCHANGE ~= 0 then
      exchange(call.from, call.to)
    elseif call.from ~= call.to then
      move(call.from, call.to)
    end
  elseif name == "link" or name == "linkat" then
    if call.from then
      create(call.to, { kind = "link", target = call.from })
    else
      create(call.to, { kind = "file", written = true })
    end
  elseif name == "symlink" or name == "symlinkat" then
    create(path, { kind = "symlink", target = call.target or "?" })
  elseif name == "mkdir" or name == "mkdirat" then
    create(path, { kind = "dir" })
  elseif name == "mknod" or name == "mknodat" then
    create(path, { kind = call.kind == "file" and "file" or "node" })
  elseif name == "rmdir" or (name == "unlinkat" and call.rmdir) then
    existing(path)
    remove(path, "dir")
  elseif name == "unlink" or name == "unlinkat" then
    existing(path)
    remove(path, "file")
  elseif call.mode then
    existing(path).mode = call.mode
  elseif OWNER[name] then
    local obj = existing(path)
    obj.uid = call.uid or obj.uid
    obj.gid = call.gid or obj.gid
  elseif name == "truncate" or name == "truncate64" then
    existing(path).written = true
  end
end

local pending = {}

function on_enter(sc)
  pending[sc.tid] = describe(sc) or false
end

function on_return(sc)
  local call = pending[sc.tid]
  pending[sc.tid] = nil
  if call and not sc.errno then apply(call, sc) end
end

function on_spawn(p)
  -- a new process starts with a copy of its parent's descriptors
  if not p.thread and p.ppid and fds[p.ppid] then
    local copy = {}
    for fd, path in pairs(fds[p.ppid]) do copy[fd] = path end
    fds[p.pid] = copy
  end
end

function on_exit(p)
  pending[p.tid] = nil
  if p.tid == p.pid then fds[p.pid] = nil end
end

-- ---- the report ----

local ORDER = { rename = 1, create = 2, modify = 2, mkdir = 2, symlink = 2, link = 2,
                mknod = 2, delete = 2, rmdir = 2, chmod = 3, chown = 4 }

local function wanted(path)
  if opts.under and not fs.under(path, opts.under) then return false end
  if not opts.all then
    for _, dir in ipairs { "/dev", "/proc", "/sys" } do
      if fs.under(path, dir) then return false end
    end
  end
  return true
end

local function changes()
  local list = {}
  local function add(change)
    if wanted(change.path) then list[#list + 1] = change end
  end
  for path, obj in pairs(now) do
    if obj then
      local kind = obj.kind
      if obj.created then
        if kind == "dir" then
          add { action = "mkdir", path = path, kind = kind }
        elseif kind == "symlink" or kind == "link" then
          add { action = kind, path = path, kind = kind, target = obj.target }
        elseif kind == "node" then
          add { action = "mknod", path = path, kind = kind }
        else
          add { action = before[path] and "modify" or "create", path = path, kind = kind }
        end
      else
        local origin = obj.origin
        -- a rename of its own, not one implied by its directory's
        local parent = origin_at(fs.dirname(path))
        if origin ~= path and (not parent or join(parent, "/" .. fs.basename(path)) ~= origin) then
          add { action = "rename", path = path, from = origin, kind = kind }
        end
        if obj.written then add { action = "modify", path = path, kind = kind } end
      end
      if obj.mode then
        add { action = "chmod", path = path, kind = kind, mode = flags.mode(obj.mode) }
      end
      if obj.uid or obj.gid then
        add { action = "chown", path = path, kind = kind, uid = obj.uid or -1,
              gid = obj.gid or -1 }
      end
    end
  end
  for _, obj in ipairs(preexisting) do
    if not obj.at and not now[obj.origin] then
      add { action = obj.kind == "dir" and "rmdir" or "delete", path = obj.origin,
            kind = obj.kind }
    end
  end
  table.sort(list, function(a, b)
    if a.path ~= b.path then return a.path < b.path end
    return ORDER[a.action] < ORDER[b.action]
  end)
  return list
end

local function text(c)
  local line = ("%-7s %s"):format(c.action, wt.escape(c.path))
  if c.action == "rename" then
    line = ("%-7s %s -> %s"):format(c.action, wt.escape(c.from), wt.escape(c.path))
  elseif c.target then
    line = line .. " -> " .. wt.escape(c.target)
  elseif c.mode then
    line = line .. " " .. c.mode
  elseif c.action == "chown" then
    line = line .. (" %d:%d"):format(c.uid, c.gid)
  end
  return line
end

function on_end()
  for _, c in ipairs(changes()) do
    if out.json then
      out.emit(c, { "action", "path", "kind", "from", "target", "mode", "uid", "gid" })
    else
      print(text(c))
    end
  end
end
