-- wt.fs: path text helpers, and existence as the tracer sees it.
local fs = require "wt.fs"

local function ancestors(path)
  local seen = {}
  local found = fs.ancestors(path, function(dir) seen[#seen + 1] = dir end)
  return table.concat(seen, " "), found
end

assert(ancestors("/a/b/c") == "/a/b /a /")
assert(ancestors("/a") == "/")
assert(ancestors("/") == "")
-- stops at the first true value, and returns it
local visited = {}
local found = fs.ancestors("/usr/lib/x/y", function(dir)
  visited[#visited + 1] = dir
  return dir == "/usr/lib" and "stop" or nil
end)
assert(found == "stop" and table.concat(visited, " ") == "/usr/lib/x /usr/lib")
assert(select(2, ancestors("/a/b")) == nil)

assert(fs.dirname("/a/b/c") == "/a/b" and fs.dirname("/a") == "/" and fs.dirname("a") == ".")
assert(fs.basename("/a/b/c") == "c" and fs.basename("/") == "")
assert(fs.under("/a/b/c", "/a") == "/b/c")
assert(fs.under("/a", "/a") == "")
assert(fs.under("/ab", "/a") == nil)
assert(fs.under("/x", "/") == "/x")

assert(fs.exists("/") and fs.exists("/etc/passwd") and fs.exists("/dev/null"))
assert(fs.exists("/no/such/path") == false and fs.exists("/etc/no/such") == false)
assert(fs.exists("/etc/passwd/x") == false) -- below a file: nothing
assert(fs.is_dir("/etc") and fs.is_dir("/") and fs.is_dir("/etc/passwd") == false)
assert(fs.is_dir("/nope") == false)

print("ok")
