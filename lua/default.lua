-- The default script: every file the command (and everything it started)
-- may have written through an open, each once, as an absolute path, in
-- the order first opened, printed when the command has ended (JSON lines
-- with --json).
--
-- "May have written": opened with a write access mode, or with O_CREAT
-- or O_TRUNC (a read-only open can create or empty a file), opened by
-- handle for writing (open_by_handle_at), or an O_TMPFILE file given its
-- name by linkat.  The name is the kernel's: what the new descriptor
-- refers to (/proc/PID/fd/N, as strace -y shows it), whatever path,
-- symlinks, chroot or racing thread led there; the name as the program
-- gave it only where the kernel has none (a FIFO, a terminal through
-- /dev/stdout).
require("wt.opts").parse {} -- no arguments: refuse any
local fds = require "wt.fds"

local flags = require "wt.flags"

-- Opens that change nothing are turned away by the kernel's filter and
-- never stop the tracee.
local may_write = { flags = { wt.any(flags.MAY_WRITE), wt.none(O_PATH) } }

wt.trace {
  "creat",
  open = may_write,
  openat = may_write,
  openat2 = true,   -- its flags sit in struct open_how: checked at return
  open_by_handle_at = { flags = wt.any(O_WRONLY | O_RDWR | O_TRUNC) },
  -- an O_TMPFILE file named: linkat(fd, "", ..., AT_EMPTY_PATH) or
  -- linkat(AT_FDCWD, "/proc/self/fd/N", ..., AT_SYMLINK_FOLLOW)
  linkat = { { flags = wt.all(AT_EMPTY_PATH) }, { flags = wt.all(AT_SYMLINK_FOLLOW) } },
  -- only for the closing hint: listed files renamed afterwards
  "rename", "renameat", "renameat2",
}

local seen, order = {}, {}
local renamed = 0

local function list(path)
  if not seen[path] then
    seen[path] = true
    order[#order + 1] = path
  end
end

local function opened(sc, name)
  local f = flags.of_open(sc)
  if not f or not flags.may_write(f) then return end
  if f & O_TMPFILE == O_TMPFILE then return end -- nameless until linkat
  local path = sc:fd_path(sc.ret)
  if not (path and path:sub(1, 1) == "/") and name ~= "open_by_handle_at" then
    path = sc:path() -- the name as given, where the kernel has none
  end
  if path then list(path) end
end

-- linkat of a file that has no name (an O_TMPFILE, or one unlinked while
-- open): the new name is a file the command wrote.
local function linked(sc)
  local pid, fd = fds.linkat_source(sc)
  if not pid then return end
  local _, deleted = wt.fd_path(pid, fd)
  if deleted then list(sc:path("newname")) end
end

function on_return(sc)
  if sc.ret < 0 then return end
  local name = sc.name
  if name == "linkat" then
    linked(sc)
  elseif name:match("^rename") then
    local from = sc:path(name == "rename" and 1 or 2)
    if seen[from] then renamed = renamed + 1 end
  else
    opened(sc, name)
  end
end

-- One path per line, escaped so that a line is always one path; with
-- --json one {"path": ...} object per line.
local format = wt.escape
if wt.json then
  local out = require "wt.out"
  format = function(path) return out.encode({ path = path }) end
end

function on_end()
  for _, path in ipairs(order) do
    print(format(path))
  end
  if renamed > 0 then
    io.stderr:write(("wtlua: %d of these files %s renamed afterwards (as installers do with "
      .. "*.new files); `wtlua -s files` shows the final names\n")
      :format(renamed, renamed == 1 and "was" or "were"))
  end
end
