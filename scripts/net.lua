-- net: connect, bind, accept and sendto with decoded addresses (IPv4, IPv6, unix)
-- Usage: wtlua -s net [-a OPTION]... [--json] [--] COMMAND [ARG...]
--
-- One line per connect, bind, accept, accept4 and sendto (to an explicit
-- address) of COMMAND and everything it starts, when the call returns:
--
--   TIME(s)   PID     COMM             SYSCALL    FD  PROTO      RESULT       ADDRESS
--   0.001021  4242    server           bind       3   tcp        0            127.0.0.1:8080
--   0.002203  4243    client           connect    3   tcp6       ECONNREFUSED [::1]:8080
--   0.002517  4242    server           accept4    3   unix       4            /tmp/s.sock
--   0.003010  4244    dig              sendto     5   udp        40           10.0.0.1:53
--   0.003122  4245    curl             connect    4   tcp        EINPROGRESS  10.0.0.2:443
--   0.004310  4245    curl             getsockopt 4   tcp        connected    10.0.0.2:443
--
-- TIME is when the call was made.  ADDRESS is the address the call
-- passes: where connect and sendto go, what bind binds to; for accept,
-- the peer's address.  Unix addresses are the path, "@name" for abstract
-- ones, "(unnamed)" for an unbound peer.  PROTO is known for sockets made
-- while traced (socket(2), accept): tcp, udp, tcp6, udp6, unix (stream),
-- unix-dgram, unix-seqpacket, raw...; "-" otherwise.  RESULT is the
-- return value (0, a new fd, bytes sent) or the errno's name.  Columns
-- widen to fit a long value (a unix socket's path), from that line on.
--
-- A non-blocking connect returns EINPROGRESS; its outcome gets a line of
-- its own when the program asks for it with getsockopt(SO_ERROR), as
-- programs do once poll or epoll says the socket is writable: RESULT is
-- "connected", or the error the connection failed with (ECONNREFUSED,
-- ETIMEDOUT...).  A program that learns it otherwise (by writing at once)
-- gets no such line.  i386 tracees are followed through socketcall(2)
-- too.
--
-- Options:
--   -a failed       only the calls that failed (and connections that did)
--   -a family=F     only addresses of family F: inet (IPv4), inet6, unix
--
-- With --json, one object per call: time, pid, tid, comm, syscall, fd,
-- proto, result (the text above), addr, then new_fd (accept) or errno,
-- connected (true or false, on a connect's outcome), and family, ip and
-- port (IP), path and abstract (unix).
local fds = require "wt.fds"
local flags = require "wt.flags"
local names = require "wt.names"
local opts = require("wt.opts").parse {
  failed = { "flag" },
  family = { "choice", values = { "inet", "inet6", "unix" } },
}
local out = require "wt.out"
local sockaddr = require "wt.sockaddr"
local time = require "wt.time"

local SOL_SOCKET, SO_ERROR = 1, 4

wt.trace {
  "socket", "connect", "bind", "accept", "accept4", "socketcall",
  sendto = { addr = wt.ne(0) },                   -- only datagrams with an address
  getsockopt = { [2] = SOL_SOCKET, [3] = SO_ERROR },  -- a connect's outcome
}

local want_family = opts.family and ("AF_" .. opts.family:upper())

local log = out.stream {
  { "time", "TIME(s)", 9, fmt = "%.6f" },
  { "pid", "PID", 7 },
  { "tid", json_only = true },
  { "comm", "COMM", 16 },
  { "syscall", "SYSCALL", 10 },
  { "fd", "FD", 3 },
  { "proto", "PROTO", 10 },
  { "result", "RESULT", 12 },
  { "addr", "ADDRESS" },
  { "new_fd", json_only = true },
  { "errno", json_only = true },
  { "connected", json_only = true },
  { "family", json_only = true },
  { "ip", json_only = true },
  { "port", json_only = true },
  { "path", json_only = true },
  { "abstract", json_only = true },
}

-- What each socket is, per process and descriptor: { proto, connecting
-- (the address of a connect still in progress) }.
local sockets = fds.new()
on_spawn, on_exec, on_exit = sockets:hooks()

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

-- i386 socketcall(call, args): the call numbers of linux/net.h and how
-- many words its argument block holds.
local socketcalls = { [1] = { "socket", 3 }, [2] = { "bind", 3 }, [3] = { "connect", 3 },
                      [5] = { "accept", 3 }, [11] = { "sendto", 6 }, [15] = { "getsockopt", 5 },
                      [18] = { "accept4", 4 } }

-- The name and arguments of the call, unpacked from socketcall's block.
local function unpack_socketcall(sc)
  local which = socketcalls[sc.args[1]]
  if not which then return nil end
  local raw = wt.read_bytes(sc.tid, sc.args[2], which[2] * 4)
  if not raw or #raw < which[2] * 4 then return nil end
  local args = { string.unpack(("<" .. ("I4"):rep(which[2])), raw) }
  args[#args] = nil -- string.unpack's next position
  return which[1], args
end

-- At entry: the call (its name, arguments, and what must be read before
-- it runs), for on_return.
function on_enter(sc)
  local name, args = sc.name, sc.args
  if name == "socketcall" then
    name, args = unpack_socketcall(sc)
    if not name then return nil end
  else
    args = table.move(args, 1, 6, 1, {})
  end
  if name == "getsockopt" and not (args[2] == SOL_SOCKET and args[3] == SO_ERROR) then
    return nil -- socketcall's: the filter cannot look into its block
  end
  if name == "sendto" and args[5] == 0 then return nil end
  -- sockaddr reads the arguments of anything with tid and args
  local call = { syscall = name, tid = sc.tid, args = args, time = time.since(sc.time) }
  -- Addresses passed in are read now, before the call can change them.
  if name == "connect" or name == "bind" then
    call.sa = sockaddr.from_arg(call, 2, 3)
  elseif name == "sendto" then
    call.sa = sockaddr.from_arg(call, 5, 6)
  elseif (name == "accept" or name == "accept4") and args[3] ~= 0 then
    -- how much room the caller gave the peer's address
    local room = wt.read_bytes(sc.tid, args[3], 4)
    call.room = room and #room == 4 and string.unpack("<I4", room) or nil
  end
  return call
end

-- The row of a call that returned, as the log prints it.
local function row_of(sc, call, sa)
  local e = sc.errno
  local row = {
    time = call.time, pid = sc.pid, tid = sc.tid, comm = sc.comm, syscall = call.syscall,
    fd = call.args[1] & 0xffffffff, result = names.result(sc),
    errno = e and names.errno(e) or nil,
  }
  if sa then
    row.addr = out.json and sa.text or wt.escape(sa.text)
    row.family = sa.family
    row.ip, row.port = sa.address, sa.port
    row.path, row.abstract = sa.path, sa.abstract
  end
  return row
end

local function wanted(failed, sa)
  if opts.failed and not failed then return false end
  return not want_family or (sa and sa.family == want_family)
end

-- getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len): for a socket whose
-- connect was in progress, err is how it ended.
local function outcome(sc, call, sock)
  local pending = sock and sock.connecting
  if sc.errno or not pending then return end
  local raw = wt.read_bytes(sc.tid, call.args[4], 4)
  if not raw or #raw < 4 then return end
  sock.connecting = nil
  local err = string.unpack("<i4", raw)
  if not wanted(err ~= 0, pending.sa) then return end
  local row = row_of(sc, call, pending.sa)
  row.proto, row.connected = sock.proto, err == 0
  row.result = err == 0 and "connected" or names.errno(err)
  row.errno = err ~= 0 and names.errno(err) or nil
  log:row(row)
end

function on_return(sc, call)
  if not call then return end
  local name, args, e = call.syscall, call.args, sc.errno
  local fd = args[1] & 0xffffffff
  if name == "socket" then
    if not e then
      -- SOCK_CLOEXEC is O_CLOEXEC's bit
      sockets:set(sc.pid, sc.ret, { proto = proto_of(args[1], args[2]) },
                  args[2] & O_CLOEXEC ~= 0)
    end
    return
  end
  local sock = sockets:get(sc.pid, fd)
  if name == "getsockopt" then return outcome(sc, call, sock) end
  local sa = call.sa
  if name == "accept" or name == "accept4" then
    if e then
      sa = nil
    else
      sockets:set(sc.pid, sc.ret, { proto = sock and sock.proto },
                  name == "accept4" and args[4] & O_CLOEXEC ~= 0)
      sa = sockaddr.from_result(call, 2, 3, call.room)
    end
  elseif name == "connect" then
    if e == wt.errno.EINPROGRESS then
      if not sock then -- a socket made before we looked
        sock = {}
        sockets:set(sc.pid, fd, sock)
      end
      sock.connecting = { sa = sa }
    elseif sock and e ~= wt.errno.EALREADY then
      sock.connecting = nil -- over: connected (EISCONN) or failed
    end
  end
  if not wanted(e, sa) then return end
  local row = row_of(sc, call, sa)
  row.proto = sock and sock.proto
  if (name == "accept" or name == "accept4") and not e then row.new_fd = sc.ret end
  log:row(row)
end
