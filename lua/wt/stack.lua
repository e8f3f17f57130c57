-- wt.stack: call stacks (sc:stack(), s:stack() in on_signal) as text,
-- one line per frame as strace -k prints them, with the source line where
-- the module has debug information.
--
--   local stack = require "wt.stack"
--   function on_enter(sc) print(stack.format(sc:stack())) end
--
--    > /usr/lib/x86_64-linux-gnu/libc.so.6(__open+0x51) [0x7f1c2a0e5011]
--    > /home/me/prog(b+0x16) [0x5563a1e1b1af] prog.c:15
--    > /home/me/prog() [0x5563a1e1b1d0]                (no symbol: stripped)
local stack = {}

-- One frame's line, without its newline.
function stack.frame(f)
  local where = ""
  if f.name then
    where = ("%s+0x%x"):format(f.name, f.offset)
  end
  local line = (" > %s(%s) [0x%x]"):format(f.module or "?", where, f.pc)
  if f.file then
    line = ("%s %s:%d"):format(line, f.file, f.line)
  end
  return line
end

-- The frames' lines joined by newlines; a failed sc:stack()'s (nil, message)
-- gives " > unwinding failed: message".
function stack.format(frames, err)
  if not frames then
    return " > unwinding failed: " .. tostring(err)
  end
  local lines = {}
  for i, f in ipairs(frames) do
    lines[i] = stack.frame(f)
  end
  return table.concat(lines, "\n")
end

return stack
