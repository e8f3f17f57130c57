-- wt.sockaddr: socket addresses (struct sockaddr_*) decoded from the raw
-- bytes a tracee passed to connect, bind, sendto, accept...
--
--   local sockaddr = require "wt.sockaddr"
--   function on_enter(sc)             -- connect(fd, addr, addrlen)
--     local a = sockaddr.from_arg(sc, 2, 3)
--     print(a.family, a.text)         --> AF_INET6   [::1]:8080
--   end
--
-- A decoded address is a table: family ("AF_INET", "AF_INET6", "AF_UNIX",
-- "AF_NETLINK", ...), text (one readable word: "127.0.0.1:80",
-- "[::1]:80", "[fe80::1%2]:22", "/run/x.sock", "@abstract", "(unnamed)"),
-- and by family: address and port (IP); flowinfo and scope_id (IPv6);
-- path, abstract = true (abstract unix names), unnamed = true (unix);
-- nl_pid and groups (netlink).
local flags = require "wt.flags"

local sockaddr = {}

-- "127.0.0.1" from 4 bytes.
function sockaddr.ipv4(bytes)
  return ("%d.%d.%d.%d"):format(bytes:byte(1, 4))
end

-- RFC 5952 text from 16 bytes: lower case, the longest run of two or
-- more zero groups as "::", IPv4-mapped addresses as "::ffff:1.2.3.4".
function sockaddr.ipv6(bytes)
  local g = { string.unpack(">I2I2I2I2I2I2I2I2", bytes) }
  g[9] = nil
  if g[1] == 0 and g[2] == 0 and g[3] == 0 and g[4] == 0 and g[5] == 0 and g[6] == 0xffff then
    return "::ffff:" .. sockaddr.ipv4(bytes:sub(13, 16))
  end
  local best_at, best_len, at, len = 0, 0, 0, 0
  for i = 1, 8 do
    if g[i] == 0 then
      if len == 0 then at = i end
      len = len + 1
      if len > best_len then best_at, best_len = at, len end
    else
      len = 0
    end
  end
  local function hex(from, to)
    local parts = {}
    for i = from, to do parts[#parts + 1] = ("%x"):format(g[i]) end
    return table.concat(parts, ":")
  end
  if best_len < 2 then return hex(1, 8) end
  return hex(1, best_at - 1) .. "::" .. hex(best_at + best_len, 8)
end

local decoders = {}

decoders[flags.AF_INET] = function(a, bytes)
  if #bytes < 8 then return nil, "short sockaddr_in" end
  a.port = string.unpack(">I2", bytes, 3)
  a.address = sockaddr.ipv4(bytes:sub(5, 8))
  a.text = a.address .. ":" .. a.port
  return a
end

decoders[flags.AF_INET6] = function(a, bytes)
  if #bytes < 24 then return nil, "short sockaddr_in6" end
  a.port = string.unpack(">I2", bytes, 3)
  a.flowinfo = string.unpack(">I4", bytes, 5)
  a.address = sockaddr.ipv6(bytes:sub(9, 24))
  a.scope_id = #bytes >= 28 and string.unpack("<I4", bytes, 25) or 0
  local scope = a.scope_id ~= 0 and ("%" .. a.scope_id) or ""
  a.text = "[" .. a.address .. scope .. "]:" .. a.port
  return a
end

decoders[flags.AF_UNIX] = function(a, bytes)
  local path = bytes:sub(3)
  if #path == 0 then
    a.unnamed = true
    a.text = "(unnamed)"
  elseif path:byte(1) == 0 then
    -- abstract: every byte of the given length counts, NULs included
    a.abstract = true
    a.path = path:sub(2)
    a.text = "@" .. a.path
  else
    a.path = path:match("^[^%z]*")
    a.text = a.path
  end
  return a
end

decoders[flags.AF_NETLINK] = function(a, bytes)
  if #bytes < 12 then return nil, "short sockaddr_nl" end
  a.nl_pid, a.groups = string.unpack("<I4I4", bytes, 5)
  a.text = ("pid %d groups 0x%x"):format(a.nl_pid, a.groups)
  return a
end

-- The address in bytes (as many as the tracee said it passed), or
-- nil, message.  The family field is in the tracee's byte order
-- (little-endian on x86); ports and IP addresses are in network order.
function sockaddr.decode(bytes)
  if not bytes or #bytes < 2 then return nil, "no address" end
  local family = string.unpack("<I2", bytes)
  local a = { family = flags.family(family) }
  local decode = decoders[family]
  if decode then return decode(a, bytes) end
  if family == 0 then
    a.text = "AF_UNSPEC"
  else
    a.text = a.family
  end
  return a
end

-- Reads len bytes at addr in the tracee pid and decodes them.
function sockaddr.read(pid, addr, len)
  if addr == 0 then return nil, "no address" end
  if len <= 0 then return nil, "empty address" end
  local bytes, err = wt.read_bytes(pid, addr, math.min(len, 128))
  if not bytes then return nil, err end
  return sockaddr.decode(bytes)
end

-- The address a syscall passes in (addr_arg, with its length by value in
-- len_arg), as for connect(fd, addr, len), bind and sendto.
function sockaddr.from_arg(sc, addr_arg, len_arg)
  local len = sc.args[len_arg] & 0xffffffff
  return sockaddr.read(sc.tid, sc.args[addr_arg], len)
end

-- The address a syscall wrote back (addr_arg, with a pointer to its
-- length in len_arg), as for accept(fd, addr, &len) and recvfrom, read
-- in on_return.  The kernel stores the full length even when it had to
-- cut the address to fit: the smaller of the two is read.
function sockaddr.from_result(sc, addr_arg, len_arg, capacity)
  local lenp = sc.args[len_arg]
  if sc.args[addr_arg] == 0 or lenp == 0 then return nil, "no address" end
  local raw, err = wt.read_bytes(sc.tid, lenp, 4)
  if not raw or #raw < 4 then return nil, err or "unreadable length" end
  local len = string.unpack("<I4", raw)
  if capacity then len = math.min(len, capacity) end
  return sockaddr.read(sc.tid, sc.args[addr_arg], len)
end

return sockaddr
