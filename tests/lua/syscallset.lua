-- wt.syscallset: strace's syscall sets as sorted lists of names.
local syscallset = require "wt.syscallset"

local function has(list, name)
  for _, n in ipairs(list) do if n == name then return true end end
  return false
end

local list = syscallset.parse("write,read")
assert(#list == 2 and list[1] == "read" and list[2] == "write")
list = syscallset.parse("%network")
assert(has(list, "connect") and has(list, "socket") and not has(list, "write"))
list = syscallset.parse("file") -- an old class without its %
assert(has(list, "openat") and not has(list, "read"))
list = syscallset.parse("!write")
assert(not has(list, "write") and has(list, "read") and has(list, "socketcall"))
assert(#syscallset.parse("none") == 0)
assert(#syscallset.parse("?nosuchcall,read") == 1)
local bad, item = syscallset.parse("read,wirte")
assert(bad == nil and item == "wirte")
bad, item = syscallset.parse("%nosuchclass")
assert(bad == nil and item == "%nosuchclass")
assert(syscallset.all().stat64 and syscallset.all().openat) -- both ABIs

print("ok")
