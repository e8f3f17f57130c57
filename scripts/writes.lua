-- writes: files the command opened for writing (the default script)
-- Usage: wtlua -s writes [--json] [--] COMMAND [ARG...]
--
-- Every file that COMMAND, or any process or thread it started, opened
-- for writing with success (open, openat, openat2 or creat with O_WRONLY
-- or O_RDWR), listed once each, as absolute paths, in the order first
-- opened, when the command has ended.  This is what wtlua runs when no
-- script is given.  No arguments.
--
-- With --json, one {"path": "..."} object per file.

-- The default script is the implementation; this file only names it.
require "default"

-- For --json, run the default script's on_end with print and wt.escape
-- swapped for a JSON writer: the same list, in the same order.
if wt.json then
  local out = require "wt.out"
  local text_end = on_end
  function on_end()
    local print_text, escape = print, wt.escape
    print = function(path) print_text(out.encode({ path = path })) end
    wt.escape = function(s) return s end
    local ok, err = pcall(text_end)
    print, wt.escape = print_text, escape
    if not ok then error(err, 0) end
  end
end
