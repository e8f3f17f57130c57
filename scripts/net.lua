-- net: connect, bind, accept and sendto with decoded addresses (IPv4, IPv6, unix)
-- Usage: wtlua -s net [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- One line per connect, bind, accept, accept4 and sendto (to an explicit
-- address) of COMMAND and everything it starts, when the call returns:
--
--   TIME(s)   PID     COMM             SYSCALL  FD  PROTO ADDRESS          RESULT
--   0.001021  4242    server           bind     3   tcp   127.0.0.1:8080   0
--   0.002203  4243    client           connect  3   tcp6  [::1]:8080       ECONNREFUSED
--   0.002517  4242    server           accept4  3   unix  /tmp/s.sock      4
--   0.003010  4244    dig              sendto   5   udp   10.0.0.1:53      40
--
-- ADDRESS is the address the call passes: where connect and sendto go,
-- what bind binds to; for accept, the peer's address.  Unix addresses
-- are the path, "@name" for abstract ones, "(unnamed)" for an unbound
-- peer.  PROTO is known for sockets made while traced (socket(2)):
-- tcp, udp, tcp6, udp6, unix (stream), unix-dgram, unix-seqpacket,
-- raw...; "-" otherwise.  RESULT is the return value (0, a new fd, bytes
-- sent) or the errno's name (EINPROGRESS for a non-blocking connect).
-- i386 tracees are followed through socketcall(2) too.
--
-- Options:
--   -a failed       only the calls that failed
--   -a family=F     only addresses of family F: inet (IPv4), inet6, unix
--
-- With --json, one object per call: time, pid, tid, comm, syscall, fd,
-- proto, addr (the text above), result, then new_fd (accept) or errno,
-- and family, ip and port (IP), path and abstract (unix).
local flags = require "wt.flags"
local names = require "wt.names"
local opts = require("wt.opts").parse {
  failed = { "flag" },
  family = { "choice", values = { "inet", "inet6", "unix" } },
}
local out = require "wt.out"
local proc = require "wt.proc"
local sockaddr = require "wt.sockaddr"
local time = require "wt.time"

wt.trace {
  "socket", "connect", "bind", "accept", "accept4", "socketcall",
  sendto = { addr = wt.ne(0) },  -- only datagrams with an address
}

local want_family = opts.family and ("AF_" .. opts.family:upper())

local log = out.stream {
  { "time", "TIME(s)", 9, fmt = "%.6f" },
  { "pid", "PID", 7 },
  { "tid", json_only = true },
  { "comm", "COMM", 16 },
  { "syscall", "SYSCALL", 8 },
  { "fd", "FD", 3 },
  { "proto", "PROTO", 10 },
  { "addr", "ADDRESS", 16 },
  { "result", "RESULT" },
  { "new_fd", json_only = true },
  { "errno", json_only = true },
  { "family", json_only = true },
  { "ip", json_only = true },
  { "port", json_only = true },
  { "path", json_only = true },
  { "abstract", json_only = true },
}

-- What each socket is, by process and descriptor, from socket(2).
local sockets = {}

local protos = {
  AF_INET = { [1] = "tcp", [2] = "udp", [3] = "raw" },
  AF_INET6 = { [1] = "tcp6", [2] = "udp6", [3] = "raw6" },
  AF_UNIX = { [1] = "unix", [2] = "unix-dgram", [5] = "unix-seqpacket" },
}

local function proto_of(family, stype)
  local by_type = protos[flags.family(family)]
  local base = stype & 0xf
  return by_type and by_type[base] or flags.family(family):gsub("^AF_", ""):lower()
end

local function socket_table(pid)
  local t = sockets[pid]
  if not t then
    t = {}
    sockets[pid] = t
  end
  return t
end

-- i386 socketcall(call, args): the call numbers of linux/net.h and how
-- many words its argument block holds.
local socketcalls = { [1] = { "socket", 3 }, [2] = { "bind", 3 }, [3] = { "connect", 3 },
                      [5] = { "accept", 3 }, [11] = { "sendto", 6 }, [18] = { "accept4", 4 } }

-- The call in progress per thread: name and arguments as seen at entry.
local pending = {}

local function unpack_socketcall(sc)
  local which = socketcalls[sc.args[1]]
  if not which then return nil end
  local raw = wt.read_bytes(sc.tid, sc.args[2], which[2] * 4)
  if not raw or #raw < which[2] * 4 then return nil end
  return which[1], { string.unpack(("<" .. ("I4"):rep(which[2])), raw) }
end

function on_enter(sc)
  local name, args = sc.name, sc.args
  if name == "socketcall" then
    name, args = unpack_socketcall(sc)
    if not name then return end
    args[#args] = nil -- string.unpack's next position
  end
  local call = { syscall = name, args = { table.unpack(args) }, time = time.since() }
  -- Addresses passed in are read now, before the call can change them.
  if name == "connect" or name == "bind" then
    call.sa = sockaddr.read(sc.tid, args[2], args[3] & 0xffffffff)
  elseif name == "sendto" then
    if args[5] == 0 then return end
    call.sa = sockaddr.read(sc.tid, args[5], args[6] & 0xffffffff)
  end
  pending[sc.tid] = call
end

-- accept(fd, addr, &len): the peer's address as written back.
local function accepted_address(sc, call)
  local addr, lenp = call.args[2], call.args[3]
  if addr == 0 or lenp == 0 then return nil end
  local raw = wt.read_bytes(sc.tid, lenp, 4)
  if not raw or #raw < 4 then return nil end
  return sockaddr.read(sc.tid, addr, string.unpack("<I4", raw))
end

function on_return(sc)
  local call = pending[sc.tid]
  if not call then return end
  pending[sc.tid] = nil
  local name, args, e = call.syscall, call.args, sc.errno
  local fd = args[1] & 0xffffffff
  if name == "socket" then
    if not e then
      socket_table(sc.pid)[sc.ret] = proto_of(args[1], args[2])
    end
    return
  end
  local known = socket_table(sc.pid)
  local proto = known[fd]
  local sa = call.sa
  if name == "accept" or name == "accept4" then
    if not e then
      known[sc.ret] = proto
      sa = accepted_address(sc, call)
    end
  end
  if opts.failed and not e then return end
  if want_family and not (sa and sa.family == want_family) then return end
  local row = {
    time = call.time, pid = sc.pid, tid = sc.tid, comm = proc.comm(sc.tid), syscall = name,
    fd = fd, proto = proto, result = names.result(sc),
    errno = e and names.errno(e) or nil,
  }
  if sa then
    row.addr = out.json and sa.text or wt.escape(sa.text)
    row.family = sa.family
    row.ip, row.port = sa.address, sa.port
    row.path, row.abstract = sa.path, sa.abstract
  end
  if (name == "accept" or name == "accept4") and not e then row.new_fd = sc.ret end
  log:row(row)
end

function on_spawn(p)
  -- a child process starts with copies of its parent's descriptors
  if not p.thread and p.ppid and sockets[p.ppid] then
    local copy = {}
    for fd, proto in pairs(sockets[p.ppid]) do copy[fd] = proto end
    sockets[p.pid] = copy
  end
end

function on_exec(p)
  proc.forget(p.pid)
  proc.forget(p.old_tid)
end

function on_exit(p)
  pending[p.tid] = nil
  proc.forget(p.tid)
  if p.tid == p.pid then sockets[p.pid] = nil end
end
