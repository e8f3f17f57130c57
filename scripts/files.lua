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
-- target as given), link (a second name of a file, with the file's
-- name), mknod: made during the run; chmod and chown: the last mode or
-- owner set ("-1" for an id left alone).
--
-- What only existed during the run (temporary files, a build dir made and
-- removed) is not listed.  A file written under a temporary name and
-- renamed into place, or linked into place and its temporary name
-- removed (as git and mkstemp users do), is listed under its final name,
-- as create or modify: what matters is whether that name existed before.
-- Files linked into place from an O_TMPFILE are listed too.
--
-- Names: a file opened is named as the kernel names the new descriptor
-- (/proc/PID/fd/N, as strace -y shows it), so a symlinked directory, a
-- /proc/self/fd/N/name path or a thread rewriting the path cannot name
-- another file; other calls' paths are as given, made absolute, with the
-- directories that opens showed to be symlinks (/var/run for /run)
-- replaced by what they lead to.
--
-- How "existed before" is known: from the calls' own results where they
-- tell (an O_EXCL create, mkdir, symlink and link succeed only on a new
-- name; unlink, chmod or an open without O_CREAT only on an existing
-- one); otherwise (an open with O_CREAT but no O_EXCL, the target of a
-- rename) wtlua checks the path itself when the call is made, unless an
-- earlier call already told.
--
-- Watched: open, openat, openat2, creat (for writing, creating or
-- truncating), open_by_handle_at (for writing), rename, renameat,
-- renameat2, unlink, unlinkat, rmdir, mkdir, mkdirat, mknod, mknodat,
-- symlink, symlinkat, link, linkat, chmod, fchmod, fchmodat, fchmodat2,
-- chown, lchown, fchown, fchownat (and i386's 32-bit variants),
-- truncate; and the same operations submitted through io_uring
-- (IORING_OP_OPENAT, OPENAT2, RENAMEAT, UNLINKAT, MKDIRAT, SYMLINKAT,
-- LINKAT).  Writes through descriptors opened elsewhere (inherited, or
-- opened before -p attached) are not seen.
--
-- Options:
--   -a under=DIR    only paths under DIR (e.g. a DESTDIR)
--   -a all          also paths under /dev, /proc and /sys (left out
--                   by default: "> /dev/null" opens /dev/null to write)
--   -a who          which process made each change: its pid, its name
--                   (comm) and its argv, after the change
--                   ("by 4242 (rm) rm -f old.db")
--   -a k            the call stack of the call that made each change, in
--                   lines after it as strace -k prints them (none for a
--                   change made through io_uring, which has no caller
--                   stopped in it)
--
-- With --json, one object per line: action, path, kind (file, dir,
-- symlink, link, node, or absent when unknown) and by action: from
-- (rename), target (symlink, link), mode (chmod), uid and gid (chown);
-- with -a who also pid, comm and argv; with -a k stack (the frames of
-- sc:stack()) or stack_error.
local flags = require "wt.flags"
local fds = require "wt.fds"
local fs = require "wt.fs"
local opts = require("wt.opts").parse {
  under = { "string" },
  all = { "flag" },
  who = { "flag" },
  k = { "flag" },
}
local out = require "wt.out"
local proc = require "wt.proc"

local for_changes = { flags = { wt.any(flags.MAY_WRITE), wt.none(O_PATH) } }

-- exit = true everywhere: every change is applied only once the call has
-- succeeded.
wt.trace {
  "creat", "openat2", "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir",
  "mkdir", "mkdirat", "mknod", "mknodat", "symlink", "symlinkat", "link", "linkat",
  "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "lchown", "fchown", "fchownat",
  "chown32", "lchown32", "fchown32", "truncate", "truncate64",
  open = for_changes,
  openat = for_changes,
  open_by_handle_at = { flags = { wt.any(O_WRONLY | O_RDWR | O_TRUNC), wt.none(O_PATH) } },
}

-- ---- the model ----
--
-- An object is a file system entry: { kind, created (made during the
-- run), origin (for an entry that existed before: its path then), at (its
-- path now, nil once deleted), written, mode, uid, gid, target (a
-- symlink's), by (with -a who: the process of each kind of change) }.
-- A hard link made during the run is an object of kind "link" whose
-- `file` is the object it is another name of; that object lists it in
-- `links`.  before[path]: whether path existed before the run (nil: not
-- known yet); now[path]: the object there now, or false for nothing.
local before, now = {}, {}
local preexisting = {}   -- objects that existed before, in order seen
local kids = {}          -- kids[dir][path] = true for each object in dir

-- With -a who: the process making the current call, for the objects it
-- changes (see stamp).
local actor

local function stamp(obj, change)
  if actor then
    obj.by = obj.by or {}
    obj.by[change] = actor
  end
end

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

-- The file behind a name: a hard link's file, or the object itself.
local function file_of(obj)
  return obj.file or obj
end

-- Whether something is at path before the call runs, as the file system
-- says: the one place this script asks it.  Where asking would mean
-- waiting for a process that serves the file system (FUSE), it counts as
-- there: such a file is listed as modified, never as created.
local function on_disk(path)
  return fs.exists(path) ~= false
end

-- Whether path exists, as the model knows it or, failing that, as the
-- file system says now: called at entry, before the call can change it.
local function exists_now(path)
  local obj = now[path]
  if obj ~= nil then return obj ~= false end
  if origin_of(path) == nil then return false end -- in a new directory
  return on_disk(path)
end

-- Whether the file an open with flags f names exists before the call:
-- without O_CREAT it must, with O_EXCL it must not; otherwise ask.
local function existed_before_open(f, path)
  if f & O_CREAT == 0 then return true end
  if f & O_EXCL ~= 0 then return false end
  return exists_now(path)
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

-- A file that lost its name lives on under a hard link made during the
-- run, if one is left: the first such name takes the file's place, so
-- that it is reported as the file (created, modified or renamed there)
-- and not as a link to a name that is gone.
local function promote(file)
  for i, link in ipairs(file.links or {}) do
    if link.at and now[link.at] == link then
      table.remove(file.links, i)
      file.at, link.at = link.at, nil
      set(file.at, file)
      stamp(file, "rename")
      return
    end
  end
end

local function remove(path, kind)
  local obj = now[path]
  if obj and kind then obj.kind = obj.kind or kind end
  local gone = {}
  for _, p in ipairs(subtree(path)) do
    local o = now[p]
    o.at = nil
    stamp(o, "delete")
    set(p, false)
    gone[#gone + 1] = o
  end
  for _, o in ipairs(gone) do promote(o) end
end

local function create(path, obj)
  observe(path, false)
  if now[path] then remove(path) end -- replaced
  obj.created, obj.at = true, path
  stamp(obj, "create")
  set(path, obj)
  return obj
end

-- A hard link at path to the object file.
local function link(path, file)
  local obj = create(path, { kind = "link", file = file })
  file.links = file.links or {}
  file.links[#file.links + 1] = obj
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
    stamp(objs[i], "rename")
  end
end

-- renameat2(RENAME_EXCHANGE): the two entries swap places.
local function exchange(a, b)
  local oa, ob = now[a], now[b]
  set(a, ob)
  set(b, oa)
  if oa then
    oa.at = b
    stamp(oa, "rename")
  end
  if ob then
    ob.at = a
    stamp(ob, "rename")
  end
end

-- Directories the command named through a symbolic link, learnt from
-- opens whose kernel name differs from the given one only in the
-- directory: alias["/var/run"] = "/run".
local alias = {}

-- path with the directories known to be symbolic links replaced by what
-- they lead to, so that one file has one name in the model.
local function canonical(path)
  if not path or next(alias) == nil then return path end
  local dir = path
  while dir ~= "/" do
    dir = fs.dirname(dir)
    local real = alias[dir]
    if real then return join(real, fs.under(path, dir)) end
  end
  return path
end

-- The name of the file open on descriptor fd of thread tid, as the
-- kernel has it; nil when it has none that is a path, or the file is
-- deleted.
local function name_of_fd(tid, fd)
  local name, deleted = wt.fd_path(tid, fd & 0xffffffff)
  if not name or deleted or name:sub(1, 1) ~= "/" then return nil end
  return name
end

-- The kernel's name of a file just opened on fd (given: the path as the
-- program gave it, made canonical, used where the kernel has none),
-- learning an alias when the two differ only in the directory.
local function kernel_name(sc, fd, given)
  local name = name_of_fd(sc.tid, fd)
  if not name then return given end
  if given and name ~= given and fs.basename(name) == fs.basename(given) then
    alias[fs.dirname(given)] = fs.dirname(name)
  end
  return name
end

-- ---- the calls ----

-- Arguments are read by their names in the syscall table, where these
-- calls agree: one path, or oldname and newname; mode; user and group.
local TWO_PATHS = { rename = true, renameat = true, renameat2 = true, link = true,
                    linkat = true }
local SETS_MODE = { chmod = true, fchmod = true, fchmodat = true, fchmodat2 = true }
local SETS_OWNER = { chown = true, lchown = true, fchown = true, chown32 = true,
                     lchown32 = true, fchown32 = true, fchownat = true }
local BY_FD = { fchmod = true, fchown = true, fchown32 = true }
local OPENS = { open = true, creat = true, openat = true, openat2 = true,
                open_by_handle_at = true }

-- The ids of a chown: nil for -1 (16 bits wide in i386's old chown).
local function owner_ids(sc, name)
  local none = (name == "chown" or name == "lchown" or name == "fchown")
    and sc.arch == "i386" and 0xffff or 0xffffffff
  local uid, gid = sc:arg("user") & none, sc:arg("group") & none
  return uid ~= none and uid or nil, gid ~= none and gid or nil
end

-- A path argument (by name; the call's first one without), absolute and
-- canonical.
local function path_arg(sc, name)
  return canonical(sc:path(name))
end

-- linkat: what it links.  A descriptor (an O_TMPFILE's, or any file's
-- through /proc/PID/fd/N) whose file has no name makes a new file
-- (call.from stays nil); otherwise it is a hard link to the file's name.
local function link_source(sc, call)
  local pid, fd = fds.linkat_source(sc)
  if not pid then
    call.from = path_arg(sc, "oldname")
    return call.from ~= nil
  end
  call.from = name_of_fd(pid, fd)
  return true
end

-- At entry: what the call is about (its paths, read now), or nil.
local function describe(sc)
  local name = sc.name
  local call = { name = name }
  if TWO_PATHS[name] then
    call.to = path_arg(sc, "newname")
    if not call.to then return nil end
    if name == "linkat" then
      if not link_source(sc, call) then return nil end
    else
      call.from = path_arg(sc, "oldname")
      if not call.from then return nil end
    end
    if name == "renameat2" then call.flags = sc:arg("flags") end
    if name:match("^rename") then
      local f = call.flags or 0
      call.to_existed = f & flags.RENAME_NOREPLACE == 0 and (f & flags.RENAME_EXCHANGE ~= 0
                                                             or exists_now(call.to))
    end
    return call
  end
  if name == "symlink" or name == "symlinkat" then
    call.target = sc:string("oldname")
    call.path = path_arg(sc, "newname")
    return call.path and call
  end
  if BY_FD[name] then
    call.path = name_of_fd(sc.tid, sc:arg("fd"))
    if not call.path then return nil end
  elseif name ~= "open_by_handle_at" then
    call.path = path_arg(sc)
    if not call.path then
      -- fchownat(fd, "", ..., AT_EMPTY_PATH), fchmodat2 too: the
      -- descriptor itself
      local at_flags = name == "fchownat" and sc:arg("flag") or name == "fchmodat2" and sc:arg("flags")
      if at_flags and at_flags & AT_EMPTY_PATH ~= 0 then
        call.path = name_of_fd(sc.tid, sc:arg("dfd"))
      end
      if not call.path then return nil end
    end
  end
  if name == "open_by_handle_at" then
    call.open_flags, call.existed = flags.of_open(sc), true
  elseif OPENS[name] then
    local f = flags.of_open(sc)
    if not f or not flags.may_write(f) then return nil end
    if f & O_TMPFILE == O_TMPFILE then return nil end -- nameless until linkat
    call.open_flags = f
    call.existed = existed_before_open(f, call.path)
  elseif SETS_MODE[name] then
    call.mode = sc:arg("mode") & 0xfff
  elseif SETS_OWNER[name] then
    call.uid, call.gid = owner_ids(sc, name)
  elseif name == "unlinkat" then
    call.rmdir = sc:arg("flag") & AT_REMOVEDIR ~= 0
  elseif name == "mknod" or name == "mknodat" then
    call.kind = flags.file_type(sc:arg("mode")) or "file"
  end
  return call
end

-- After a successful return: the change, into the model.
local function apply(call, sc)
  local name = call.name
  local path = canonical(call.path)
  if call.open_flags then
    path = sc.ret and kernel_name(sc, sc.ret, path) or path
    if not path then return end
    local obj
    if call.existed then
      obj = file_of(existing(path))
      stamp(obj, "modify")
    else
      obj = create(path, { kind = "file" })
    end
    obj.written = true
  elseif name:match("^rename") then
    local from, to = canonical(call.from), canonical(call.to)
    observe(from, true)
    observe(to, call.to_existed)
    if (call.flags or 0) & flags.RENAME_EXCHANGE ~= 0 then
      exchange(from, to)
    elseif from ~= to then
      move(from, to)
    end
  elseif name == "link" or name == "linkat" then
    local to = canonical(call.to)
    if call.from then
      link(to, file_of(existing(canonical(call.from))))
    else
      create(to, { kind = "file", written = true })
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
    local file = file_of(existing(path))
    file.mode = call.mode
    stamp(file, "chmod")
  elseif SETS_OWNER[name] then
    local file = file_of(existing(path))
    file.uid = call.uid or file.uid
    file.gid = call.gid or file.gid
    stamp(file, "chown")
  elseif name == "truncate" or name == "truncate64" then
    local file = file_of(existing(path))
    file.written = true
    stamp(file, "modify")
  end
end

-- With -a who: the processes, for their argv.
local tree = opts.who and proc.tree()
if tree then on_spawn, on_exec, on_exit = tree:hooks() end
local stack = opts.k and require "wt.stack"

-- The maker of a change, as -a who and -a k show it: the call's sc, or a
-- stand-in with pid and comm for an io_uring operation.
local function who(sc, through_uring)
  local maker = {}
  if tree then
    local p = tree.procs[sc.pid]
    maker.pid, maker.comm, maker.argv = sc.pid, sc.comm, p and p.argv
  end
  if stack then
    if through_uring then
      maker.stack_error = "made through io_uring"
    else
      maker.stack, maker.stack_error = sc:stack()
    end
  end
  return maker
end

on_enter = describe

function on_return(sc, call)
  if not call or sc.errno then return end
  actor = (tree or stack) and who(sc)
  apply(call, sc)
end

-- ---- io_uring ----
--
-- The same changes submitted through io_uring: described at submission,
-- where the kernel reads the paths, and applied at a successful
-- completion.  A path's directory is the operation's dirfd (or dirfd2).

local function uring_path(op, path, dirfd)
  return path and canonical(wt.resolve_path(op.tid, dirfd, path))
end

local function describe_uring(op)
  local name = op.name
  local call = { name = name }
  if name == "openat" or name == "openat2" then
    local f = op.flags
    if not flags.may_write(f) or f & O_TMPFILE == O_TMPFILE then return nil end
    call.path, call.open_flags, call.fixed = uring_path(op, op.path, op.dirfd), f, op.file_index
    if not call.path then return nil end
    call.existed = existed_before_open(f, call.path)
  elseif name == "renameat" or name == "linkat" then
    call.from, call.to = uring_path(op, op.path, op.dirfd), uring_path(op, op.path2, op.dirfd2)
    if not (call.from and call.to) then return nil end
    if name == "renameat" then
      local f = op.flags
      call.flags = f
      call.to_existed = f & flags.RENAME_NOREPLACE == 0 and (f & flags.RENAME_EXCHANGE ~= 0
                                                             or exists_now(call.to))
    end
  elseif name == "unlinkat" or name == "mkdirat" or name == "symlinkat" then
    call.path = uring_path(op, op.path, op.dirfd)
    if not call.path then return nil end
    call.rmdir = name == "unlinkat" and op.flags & AT_REMOVEDIR ~= 0
    call.target = op.target
  else
    return nil
  end
  return call
end

function on_uring(op)
  op.call = describe_uring(op)
end

-- The new descriptor names the file opened while the program has not
-- closed it: wtlua may see the completion later, so the kernel's name is
-- taken only when it ends as the given path does.
function on_uring_complete(op)
  local call = op.call
  if not call or op.res < 0 then return end
  local ret = op.res
  if call.open_flags then
    local name = not call.fixed and name_of_fd(op.pid, ret)
    if not (name and fs.basename(name) == fs.basename(call.path)) then ret = nil end
  end
  actor = (tree or stack) and who({ pid = op.pid, comm = wt.comm(op.tid) }, true)
  apply(call, { tid = op.tid, ret = ret })
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
  -- change, made by obj.by[made] (the kind of call that made it)
  local function add(change, obj, made)
    if not wanted(change.path) then return end
    local w = obj.by and obj.by[made]
    if w then
      change.pid, change.comm, change.argv = w.pid, w.comm, w.argv
      change.stack, change.stack_error = w.stack, w.stack_error
    end
    list[#list + 1] = change
  end
  for path, obj in pairs(now) do
    if obj then
      local kind = obj.kind
      if obj.created then
        if kind == "dir" then
          add({ action = "mkdir", path = path, kind = kind }, obj, "create")
        elseif kind == "symlink" then
          add({ action = kind, path = path, kind = kind, target = obj.target }, obj, "create")
        elseif kind == "link" then
          add({ action = kind, path = path, kind = kind, target = obj.file.at }, obj, "create")
        elseif kind == "node" then
          add({ action = "mknod", path = path, kind = kind }, obj, "create")
        else
          add({ action = before[path] and "modify" or "create", path = path, kind = kind },
              obj, "create")
        end
      else
        local origin = obj.origin
        -- a rename of its own, not one implied by its directory's
        local parent = origin_at(fs.dirname(path))
        if origin ~= path and (not parent or join(parent, "/" .. fs.basename(path)) ~= origin) then
          add({ action = "rename", path = path, from = origin, kind = kind }, obj, "rename")
        end
        if obj.written then add({ action = "modify", path = path, kind = kind }, obj, "modify") end
      end
      if obj.mode then
        add({ action = "chmod", path = path, kind = kind, mode = flags.mode(obj.mode) }, obj,
            "chmod")
      end
      if obj.uid or obj.gid then
        add({ action = "chown", path = path, kind = kind, uid = obj.uid or -1,
              gid = obj.gid or -1 }, obj, "chown")
      end
    end
  end
  for _, obj in ipairs(preexisting) do
    if not obj.at and not now[obj.origin] then
      add({ action = obj.kind == "dir" and "rmdir" or "delete", path = obj.origin,
            kind = obj.kind }, obj, "delete")
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
  if c.pid then
    line = ("%s  by %d (%s) %s"):format(line, c.pid, wt.escape(c.comm or "?"),
                                        proc.argv_text(c.argv))
  end
  return line
end

function on_end()
  for _, c in ipairs(changes()) do
    if out.json then
      out.emit(c, { "action", "path", "kind", "from", "target", "mode", "uid", "gid", "pid",
                    "comm", "argv", "stack", "stack_error" })
    else
      print(text(c))
      if c.stack or c.stack_error then print(stack.format(c.stack, c.stack_error)) end
    end
  end
end
