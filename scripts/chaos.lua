-- chaos: seeded random syscall failures, repeatable, for testing error paths in CI
-- Usage: wtlua -s chaos [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- Makes a random share of COMMAND's syscalls fail (in every process and
-- thread it starts), and prints the seed and each fault it injected:
--
--   chaos: seed 1234567 rate 0.01
--   PID     TID     TASK       SYSCALL          N      ERRNO
--   4242    4242    1          write            17     ENOSPC
--   4250    4250    1.2        openat           5      EACCES
--
-- TASK names the thread by its place in the process tree, the same from
-- one run to the next: "1" is COMMAND, "1.2" its second child process,
-- "1.2#3" that process's third thread.  N counts that task's calls of
-- that syscall.  Whether call N fails, and with which errno, is a hash
-- of the seed, TASK, the syscall and N: no clock and no shared counter,
-- so the same seed on a command that makes the same calls in each
-- thread injects the same faults, whatever the scheduling.
--
-- Options:
--   -a syscalls=LIST  the syscalls that may fail (default openat,read,
--                     write,connect,fsync); the others do not stop
--   -a rate=P         the chance that one call fails, 0..1 (default 0.01)
--   -a seed=N         the seed (default: from the clock; printed first)
--   -a errors=LIST    the errnos to choose from (names, comma-separated);
--                     default: those each syscall can really return, below
--   -a replay=FILE    inject exactly the faults a previous report (text or
--                     --json) lists, and no other; seed and rate unused
--
-- Default errnos: openat, open, creat: EACCES, ENOENT, EMFILE; read,
-- pread64, readv: EIO, EINTR; write, pwrite64, writev: ENOSPC, EIO,
-- EINTR, EDQUOT; close: EIO, EINTR; connect: ECONNREFUSED, ETIMEDOUT,
-- ENETUNREACH, EINTR; accept, accept4: EMFILE, ECONNABORTED, EINTR;
-- sendto, sendmsg: ECONNRESET, ENOBUFS, EINTR; recvfrom, recvmsg:
-- ECONNRESET, EINTR; fsync, fdatasync: EIO, ENOSPC; mkdir, mkdirat,
-- unlink, unlinkat, rename, renameat, renameat2, rmdir: EACCES, EIO;
-- mmap: ENOMEM; clone, fork, vfork: EAGAIN, ENOMEM.  Other syscalls by
-- their class: %file EACCES, ENOENT; %network ENOBUFS; %desc EIO;
-- %memory ENOMEM; %process EAGAIN; else EPERM.
--
-- With --json: first {"seed":N,"rate":P}, then one object per fault:
-- pid, tid, task, syscall, n, errno.
local fail = require("wt.opts").fail
local opts = require("wt.opts").parse {
  syscalls = { "syscalls", default = "openat,read,write,connect,fsync" },
  rate = { "number", default = 0.01 },
  seed = { "integer" },
  errors = { "list" },
  replay = { "string" },
}
local out = require "wt.out"

if opts.rate < 0 or opts.rate > 1 then fail("chaos: -a rate=%s: expected 0..1", opts.rate) end
for _, name in ipairs(opts.errors or {}) do
  if not wt.errno[name] then fail("chaos: -a errors=...: unknown errno '%s'", name) end
end

-- ---- the errnos ----

local BY_CALL = {}
local function errnos(list, names)
  for _, name in ipairs(names) do BY_CALL[name] = list end
end
errnos({ "EACCES", "ENOENT", "EMFILE" }, { "openat", "open", "creat" })
errnos({ "EIO", "EINTR" }, { "read", "pread64", "readv" })
errnos({ "ENOSPC", "EIO", "EINTR", "EDQUOT" }, { "write", "pwrite64", "writev" })
errnos({ "EIO", "EINTR" }, { "close" })
errnos({ "ECONNREFUSED", "ETIMEDOUT", "ENETUNREACH", "EINTR" }, { "connect" })
errnos({ "EMFILE", "ECONNABORTED", "EINTR" }, { "accept", "accept4" })
errnos({ "ECONNRESET", "ENOBUFS", "EINTR" }, { "sendto", "sendmsg" })
errnos({ "ECONNRESET", "EINTR" }, { "recvfrom", "recvmsg" })
errnos({ "EIO", "ENOSPC" }, { "fsync", "fdatasync" })
errnos({ "EACCES", "EIO" }, { "mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat",
                              "renameat2", "rmdir" })
errnos({ "ENOMEM" }, { "mmap" })
errnos({ "EAGAIN", "ENOMEM" }, { "clone", "fork", "vfork" })

local BY_CLASS = { { "%file", { "EACCES", "ENOENT" } }, { "%network", { "ENOBUFS" } },
                   { "%desc", { "EIO" } }, { "%memory", { "ENOMEM" } },
                   { "%process", { "EAGAIN" } } }

-- The errnos a syscall may fail with here.
local function errnos_of(name)
  if opts.errors then return opts.errors end
  if BY_CALL[name] then return BY_CALL[name] end
  for _, arch in ipairs(wt.arches) do
    local sig = wt.signature(name, arch)
    for _, class in ipairs(BY_CLASS) do
      for _, c in ipairs(sig and sig.classes or {}) do
        if c == class[1] then return class[2] end
      end
    end
  end
  return { "EPERM" }
end

-- ---- tasks, named by their place in the tree ----

local task_of = {}   -- tid -> "1.2#3"
local calls = {}     -- calls[tid][syscall]: the calls counted so far
local process_of = {} -- pid -> { name =, children = n, threads = n }
local roots = 0

function on_spawn(p)
  if p.thread then
    local proc = process_of[p.pid]
    if not proc then return end
    proc.threads = proc.threads + 1
    task_of[p.tid] = proc.name .. "#" .. proc.threads
    return
  end
  local parent = p.ppid and process_of[p.ppid]
  local name
  if parent then
    parent.children = parent.children + 1
    name = parent.name .. "." .. parent.children
  else -- the command, or each process -p attached to
    roots = roots + 1
    name = tostring(roots)
  end
  process_of[p.pid] = { name = name, children = 0, threads = 1 }
  task_of[p.tid] = name
end

function on_exit(p)
  task_of[p.tid], calls[p.tid] = nil, nil
  if p.pid == p.tid then process_of[p.pid] = nil end
end

-- ---- the decision: a hash, not a clock ----

-- splitmix64's finalizer: 64 well-mixed bits.
local function mix(h)
  h = (h ~ (h >> 30)) * -4658895280553007687 -- 0xbf58476d1ce4e5b9
  h = (h ~ (h >> 27)) * -7723592293110705685 -- 0x94d049bb133111eb
  return h ~ (h >> 31)
end

-- FNV-1a of text, started from the seed, then mixed.
local function hash(seed, text)
  local h = -3750763034362895579 ~ seed -- 0xcbf29ce484222325
  for i = 1, #text do h = (h ~ text:byte(i)) * 1099511628211 end
  return mix(h)
end

-- ---- the faults ----

local seed = opts.seed or (wt.realtime() // 1000) % 1000000000
local replay -- replay["TASK/SYSCALL/N"] = errno name

local function fault_key(task, syscall, n)
  return task .. "/" .. syscall .. "/" .. n
end

-- The faults a report lists: its rows, text or JSON.
local function read_report(path)
  local f, err = io.open(path)
  if not f then fail("chaos: -a replay=%s: %s", path, err) end
  local faults, names, count = {}, {}, 0
  for line in f:lines() do
    local task, syscall, n, errno
    if line:sub(1, 1) == "{" then
      local ok, row = pcall(out.decode, line)
      if ok and type(row) == "table" and row.task then
        task, syscall, n, errno = row.task, row.syscall, row.n, row.errno
      end
    else
      task, syscall, n, errno =
        line:match("^%s*%d+%s+%d+%s+(%S+)%s+(%S+)%s+(%d+)%s+(E[%u%d]+)%s*$")
    end
    if task then
      if not wt.is_syscall(syscall) or not wt.errno[errno] then
        fail("chaos: -a replay=%s: bad line: %s", path, line)
      end
      faults[fault_key(task, syscall, math.tointeger(tonumber(n)))] = errno
      if not names[syscall] then names[syscall], names[#names + 1] = true, syscall end
      count = count + 1
    end
  end
  f:close()
  return faults, names, count
end

local traced = opts.syscalls
if opts.replay then
  local count
  replay, traced, count = read_report(opts.replay)
  out.say({ replay = opts.replay, faults = count }, { "replay", "faults" },
          "chaos: replay %s (%d faults)", opts.replay, count)
else
  out.say({ seed = seed, rate = opts.rate }, { "seed", "rate" },
          "chaos: seed %d rate %s", seed, opts.rate)
end
if #traced > 0 then wt.trace(traced) end

local log = out.stream {
  { "pid", "PID", 7 },
  { "tid", "TID", 7 },
  { "task", "TASK", 10 },
  { "syscall", "SYSCALL", 16 },
  { "n", "N", 6 },
  { "errno", "ERRNO" },
}

-- The errno call n of syscall by task fails with, or nil.
local function chosen(task, syscall, n)
  if replay then return replay[fault_key(task, syscall, n)] end
  local h = hash(seed, fault_key(task, syscall, n))
  if (h >> 11) / 9007199254740992.0 >= opts.rate then return nil end
  local list = errnos_of(syscall)
  return list[mix(h ~ seed) % #list + 1]
end

function on_enter(sc)
  local task = task_of[sc.tid]
  if not task then return end -- a task not seen starting (-p): no stable name
  local per_task = calls[sc.tid]
  if not per_task then
    per_task = {}
    calls[sc.tid] = per_task
  end
  local n = (per_task[sc.name] or 0) + 1
  per_task[sc.name] = n
  local errno = chosen(task, sc.name, n)
  if errno then
    sc:fail(errno)
    log:row { pid = sc.pid, tid = sc.tid, task = task, syscall = sc.name, n = n, errno = errno }
  end
end
