-- wt.syscallset: strace's syscall sets (-e trace=SET, --inject=SET:...)
-- as lists of names.
--
--   local syscallset = require "wt.syscallset"
--   syscallset.parse("%file,!open")      -- not valid: ! only in front
--   syscallset.parse("write,%net")       --> { "accept", ..., "write" }
--   syscallset.parse("!%desc")           --> every syscall not in %desc
--   syscallset.parse("nosuch")           --> nil, "nosuch"
--
-- Items, comma-separated: syscall names; classes (%file, %desc,
-- %process, %network, %signal, %ipc, %memory, %creds, %clock, %stat,
-- %%stat..., and the seven oldest without their %); all; none; ?NAME (a
-- name that may not exist on this system).  A leading ! takes every
-- syscall but those.  Names cover the ABIs wtlua traces.
local syscallset = {}

-- Every syscall name of the ABIs wtlua traces.
function syscallset.all()
  local set = {}
  for _, arch in ipairs(wt.arches) do
    for nr = 0, 1023 do
      local name = wt.syscall_name(nr, arch)
      if not name:match("^syscall_") then set[name] = true end
    end
  end
  return set
end

-- syscallset.parse(spec): the sorted list of names spec selects, or nil
-- and the item that is neither a syscall nor a class.
function syscallset.parse(spec)
  local negate = spec:sub(1, 1) == "!"
  local set = {}
  for item in spec:sub(negate and 2 or 1):gmatch("[^,]+") do
    if item == "all" then
      for name in pairs(syscallset.all()) do set[name] = true end
    elseif item == "none" then
      -- nothing
    elseif item:sub(1, 1) == "%" or item:match("^%a+$") and not wt.is_syscall(item) then
      local names = wt.syscalls_in(item)
      if not names then return nil, item end
      for _, name in ipairs(names) do set[name] = true end
    elseif item:sub(1, 1) == "?" then
      if wt.is_syscall(item:sub(2)) then set[item:sub(2)] = true end
    elseif wt.is_syscall(item) then
      set[item] = true
    else
      return nil, item
    end
  end
  if negate then
    local all = syscallset.all()
    for name in pairs(set) do all[name] = nil end
    set = all
  end
  local list = {}
  for name in pairs(set) do list[#list + 1] = name end
  table.sort(list)
  return list
end

return syscallset
