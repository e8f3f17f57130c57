-- wt.fs: small path helpers, and asking the file system (as the tracer
-- sees it) whether a path exists.
--
--   local fs = require "wt.fs"
--   fs.exists("/etc/passwd")        --> true (nil, reason: cannot tell without waiting)
--   fs.dirname("/a/b/c")            --> "/a/b"
--   fs.under("/a/b/c", "/a")        --> "/b/c"  (nil when not under)
local fs = {}

-- Whether something exists at path, following a final symlink as stat(2)
-- does: true or false, or nil and a reason where telling would mean
-- waiting for a process that serves the file system (FUSE: its daemon
-- may be a tracee stopped in wtlua).  wt.exists: the kernel's caches
-- first, then a walk on one file system.
function fs.exists(path)
  return wt.exists(path)
end

-- Whether path is a directory (or a symlink to one), the same way.
function fs.is_dir(path)
  if path:sub(-1) ~= "/" then path = path .. "/" end
  return wt.exists(path .. ".")
end

-- "/a/b" for "/a/b/c"; "/" for "/a".
function fs.dirname(path)
  local dir = path:match("^(.*)/[^/]*$")
  if dir == nil then return "." end
  if dir == "" then return "/" end
  return dir
end

-- "c" for "/a/b/c".
function fs.basename(path)
  return path:match("([^/]*)$")
end

-- The rest of path below dir: "" when path is dir, "/c" for dir "/a/b"
-- and path "/a/b/c", nil when path is not dir or below it.
function fs.under(path, dir)
  if path == dir then return "" end
  if dir == "/" then return path:sub(1, 1) == "/" and path or nil end
  if path:sub(1, #dir + 1) == dir .. "/" then return path:sub(#dir + 1) end
  return nil
end

-- Calls fn(dir) for each proper ancestor of an absolute path, nearest
-- first, until fn returns a true value, which is returned.
function fs.ancestors(path, fn)
  local dir = path
  while dir ~= "/" do
    dir = fs.dirname(dir)
    local v = fn(dir)
    if v then return v end
  end
  return nil
end

return fs
