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

-- The default script is the implementation (--json included); this file
-- only names it.
require "default"
