-- The default script: every file the command (and everything it started)
-- successfully opened for writing, each once, as an absolute path, in the
-- order first opened, printed when the command has ended (JSON lines with
-- --json).

local WRITE = O_WRONLY | O_RDWR
-- Read-only and O_PATH opens are turned away by the kernel's filter and
-- never stop the tracee.
local for_writing = { flags = { wt.any(WRITE), wt.none(O_PATH) } }

wt.trace {
  "creat",
  open = for_writing,
  openat = for_writing,
  openat2 = true,   -- its flags sit in struct open_how: checked below
}

local seen, order = {}, {}
-- The path as the kernel resolves it at entry, per thread, until the call
-- returns: by then another thread may have rewritten the buffer or
-- changed the working directory (an open of a FIFO can block for long).
local pending = {}

local function openat2_for_writing(sc)
  local how = sc:bytes(3, 8)
  if not how or #how < 8 then return false end
  local flags = string.unpack("=I8", how)
  return flags & WRITE ~= 0 and flags & O_PATH == 0
end

function on_enter(sc)
  local name = sc.name
  if name == "openat2" and not openat2_for_writing(sc) then
    pending[sc.tid] = false
    return
  end
  pending[sc.tid] = sc:path((name == "open" or name == "creat") and 1 or 2) or false
end

function on_return(sc)
  local path = pending[sc.tid]
  pending[sc.tid] = nil
  if path and sc.ret >= 0 and not seen[path] then
    seen[path] = true
    order[#order + 1] = path
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
end
