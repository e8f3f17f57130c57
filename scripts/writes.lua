-- writes: files the command may have written (the default script)
-- Usage: wtlua -s writes [--json] [--] COMMAND [ARG...]
--
-- Every file that COMMAND, or any process or thread it started, may have
-- written through an open: opened with success (open, openat, openat2,
-- creat, open_by_handle_at) with O_WRONLY, O_RDWR, O_CREAT or O_TRUNC,
-- or an O_TMPFILE file given a name by linkat, or opened so through
-- io_uring (IORING_OP_OPENAT, OPENAT2); listed once each, as
-- absolute paths (the kernel's name of the file opened), in the order
-- first opened, when the command has ended.  This is what wtlua runs when
-- no script is given.  No arguments.  When listed files were renamed
-- afterwards, a closing line on standard error says so.
--
-- With --json, one {"path": "..."} object per file.

-- The default script is the implementation (--json included); this file
-- only names it.
require "default"
