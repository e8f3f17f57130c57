-- wt.sockaddr: addresses decoded from bytes, and read from a real
-- tracee: what connect passes (from_arg) and what accept4 writes back
-- (from_result), checked against the ports net_peer writes.
-- command: $FIXTURES/net_peer $DIR
local sockaddr = require "wt.sockaddr"

-- decode, from bytes as the kernel lays them out
local a = sockaddr.decode(string.pack("<I2>I2BBBB", 2, 8080, 127, 0, 0, 1) .. ("\0"):rep(8))
assert(a.family == "AF_INET" and a.text == "127.0.0.1:8080" and a.port == 8080)
local six = string.pack("<I2>I2>I4", 10, 22, 0) .. ("\0"):rep(15) .. "\1" .. string.pack("<I4", 2)
a = sockaddr.decode(six)
assert(a.family == "AF_INET6" and a.text == "[::1%2]:22" and a.scope_id == 2)
a = sockaddr.decode(string.pack("<I2", 1) .. "\0abs\0x")
assert(a.abstract and a.path == "abs\0x" and a.text == "@abs\0x")
assert(sockaddr.decode(string.pack("<I2", 1)).text == "(unnamed)")
assert(sockaddr.decode(string.pack("<I2", 1) .. "/run/x.sock\0junk").path == "/run/x.sock")
assert(select(2, sockaddr.decode(string.pack("<I2", 2) .. "\0\80")) == "short sockaddr_in")
assert(select(2, sockaddr.decode("")) == "no address")
assert(sockaddr.ipv6(("\0"):rep(10) .. "\255\255\10\0\0\1") == "::ffff:10.0.0.1")
assert(sockaddr.ipv6("\32\1\13\184" .. ("\0"):rep(11) .. "\1") == "2001:db8::1")

wt.trace { "connect", "accept4" }

local connects, accepts = {}, {}

function on_enter(sc)
  if sc.name == "connect" then
    local addr = sockaddr.from_arg(sc, 2, 3)
    if addr and addr.family == "AF_INET" then connects[#connects + 1] = addr.port end
  end
end

function on_return(sc)
  if sc.name ~= "accept4" or sc.errno then return end
  local peer = sockaddr.from_result(sc, 2, 3)
  if peer.family ~= "AF_INET" then return end
  accepts[#accepts + 1] = peer.port
  -- a table with tid and args does as well as sc (net's socketcall)
  local copy = { tid = sc.tid, args = table.move(sc.args, 1, 6, 1, {}) }
  assert(sockaddr.from_result(copy, 2, 3).text == peer.text)
  -- capacity: the smaller of it and the length written back is read
  local short, err = sockaddr.from_result(sc, 2, 3, 4)
  assert(short == nil and err == "short sockaddr_in", tostring(err))
  assert(select(2, sockaddr.from_result({ tid = sc.tid, args = { 0, 0, sc.args[3] } }, 2, 3))
         == "no address")
end

function on_end()
  local f = assert(io.open(os.getenv("DIR") .. "/ports"))
  local ports = f:read("a")
  f:close()
  local server, client, refused = ports:match("^tcp4 (%d+) (%d+) (%d+)")
  local nb_server, nb_refused = ports:match("\nnonblocking (%d+) (%d+)")
  assert(#accepts == 1 and accepts[1] == tonumber(client))
  assert(table.concat(connects, " ") == table.concat({ server, refused, nb_server, nb_refused }, " "))
  print("ok")
end
