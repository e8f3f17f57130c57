-- wt.names: errno and signal names, syscall results and exit statuses as
-- text.  Built on wt.errname and wt.signame, with fallbacks so a caller
-- always gets a string.
--
--   local names = require "wt.names"
--   names.errno(2)          --> "ENOENT"
--   names.signal(9)         --> "SIGKILL"
--   names.result(sc)        --> "3", or "ENOENT" when the call failed
--   names.status(p)         --> "exit 0", "killed by SIGSEGV (core dumped)"
local names = {}

-- The kernel's restart codes, which a tracer can see as a syscall's
-- return value when a signal interrupts it (user space never does).
local kernel_only = {
  [512] = "ERESTARTSYS", [513] = "ERESTARTNOINTR", [514] = "ERESTARTNOHAND",
  [515] = "ENOIOCTLCMD", [516] = "ERESTART_RESTARTBLOCK",
}

-- "ENOENT" for 2; "E1234" for a number with no name.
function names.errno(n)
  return wt.errname(n) or kernel_only[n] or ("E" .. tostring(n))
end

-- "SIGKILL" for 9; real-time signals counted from the kernel's first,
-- 32: "SIGRTMIN", "SIGRTMIN+3"; "SIG99" otherwise.
function names.signal(n)
  local name = wt.signame(n)
  if name then return name end
  if n == 32 then return "SIGRTMIN" end
  if n > 32 and n <= 64 then return ("SIGRTMIN+%d"):format(n - 32) end
  return "SIG" .. tostring(n)
end

-- A returned syscall as text: its return value, or its errno's name.
function names.result(sc)
  local e = sc.errno
  if e then return names.errno(e) end
  return tostring(sc.ret)
end

-- An on_exit event as text: "exit 3", "killed by SIGTERM",
-- "killed by SIGSEGV (core dumped)"; "?" when neither is known.
function names.status(p)
  if p.code then return "exit " .. p.code end
  if p.signal then
    return "killed by " .. names.signal(p.signal) .. (p.core_dumped and " (core dumped)" or "")
  end
  return "?"
end

-- The same as fields for JSON: { exit = 3 } or
-- { signal = "SIGSEGV", core_dumped = true }.
function names.status_fields(p)
  if p.code then return { exit = p.code } end
  if p.signal then return { signal = names.signal(p.signal), core_dumped = p.core_dumped } end
  return {}
end

return names
