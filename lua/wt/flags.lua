-- wt.flags: syscall flag words and modes as text.
--
--   local flags = require "wt.flags"
--   flags.open(sc.args[3])     --> "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"
--   flags.mode(sc.args[4])     --> "0644"
--   flags.of_open(sc)          --> flags, mode of an open, openat, openat2, creat
--   flags.at(0x100)            --> "AT_SYMLINK_NOFOLLOW"
--   flags.rename(1)            --> "RENAME_NOREPLACE"
--   flags.family(10)           --> "AF_INET6"
--   flags.socket_type(0x80801) --> "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC"
--   flags.msg(0x4040)          --> "MSG_DONTWAIT|MSG_NOSIGNAL"
--   flags.file_type(0x41ed)    --> "dir"
--
-- Unknown bits are kept as a hex number ("O_WRONLY|0x40000000"), a zero
-- word without a zero name is "0".  Values are the kernel's, the same for
-- x86_64 and i386 tracees.  flags.decoder(list) makes a decoder of your
-- own from { {"NAME", value}, ... } (multi-bit names first).
local flags = {}

-- A decoder for the bit names in list: each {name, mask} matches when
-- all of mask's bits are set, and takes them.  zero: the text for 0.
function flags.decoder(list, zero)
  return function(value)
    local parts, rest = {}, value
    for _, entry in ipairs(list) do
      local name, mask = entry[1], entry[2]
      if mask ~= 0 and rest & mask == mask then
        parts[#parts + 1] = name
        rest = rest & ~mask
      end
    end
    if rest ~= 0 then parts[#parts + 1] = ("0x%x"):format(rest) end
    if #parts == 0 then return zero or "0" end
    return table.concat(parts, "|")
  end
end

-- ---- open(2) ----

local open_bits = flags.decoder {
  { "O_TMPFILE", wt.O_TMPFILE },   -- includes O_DIRECTORY's bit
  { "O_SYNC", wt.O_SYNC },         -- includes O_DSYNC's bit
  { "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL }, { "O_NOCTTY", O_NOCTTY },
  { "O_TRUNC", O_TRUNC }, { "O_APPEND", O_APPEND }, { "O_NONBLOCK", O_NONBLOCK },
  { "O_DSYNC", O_DSYNC }, { "O_ASYNC", O_ASYNC }, { "O_DIRECT", O_DIRECT },
  { "O_LARGEFILE", O_LARGEFILE }, { "O_DIRECTORY", O_DIRECTORY },
  { "O_NOFOLLOW", O_NOFOLLOW }, { "O_NOATIME", O_NOATIME }, { "O_CLOEXEC", O_CLOEXEC },
  { "O_PATH", O_PATH },
}

local access_modes = { [0] = "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" }

-- open/openat/openat2 flags: the access mode, then the other bits.
function flags.open(value)
  local mode = access_modes[value & O_ACCMODE]
  local rest = value & ~O_ACCMODE
  if rest == 0 then return mode end
  return mode .. "|" .. open_bits(rest)
end

-- True when the flags let the file be written (O_WRONLY or O_RDWR).
function flags.writes(value)
  local acc = value & O_ACCMODE
  return acc == O_WRONLY or acc == O_RDWR
end

-- The open flags that can change a file: a write access mode, O_CREAT
-- (a read-only open can make the file) and O_TRUNC (and empty it).
flags.MAY_WRITE = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC

-- True when an open with these flags may write its file (not O_PATH,
-- which opens nothing).
function flags.may_write(value)
  return value & flags.MAY_WRITE ~= 0 and value & O_PATH == 0
end

-- The flags and the mode an open-like call (open, openat, openat2, creat,
-- open_by_handle_at) was made with: openat2 keeps them in its struct
-- open_how; creat has no flags (they are O_WRONLY|O_CREAT|O_TRUNC) and
-- open_by_handle_at no mode.  nil when openat2's struct cannot be read.
function flags.of_open(sc)
  local name = sc.name
  if name == "creat" then return O_WRONLY | O_CREAT | O_TRUNC, sc:arg("mode") end
  if name == "openat2" then
    local how = sc:bytes("how", 16)
    if not how or #how < 16 then return nil end
    return string.unpack("<I8I8", how)
  end
  return sc:arg("flags"), name ~= "open_by_handle_at" and sc:arg("mode") or nil
end

-- ---- *at(2) and rename ----

flags.at = flags.decoder({
  { "AT_SYMLINK_NOFOLLOW", 0x100 }, { "AT_REMOVEDIR", 0x200 }, { "AT_SYMLINK_FOLLOW", 0x400 },
  { "AT_NO_AUTOMOUNT", 0x800 }, { "AT_EMPTY_PATH", 0x1000 }, { "AT_STATX_FORCE_SYNC", 0x2000 },
  { "AT_STATX_DONT_SYNC", 0x4000 }, { "AT_RECURSIVE", 0x8000 },
}, "0")

flags.RENAME_NOREPLACE, flags.RENAME_EXCHANGE, flags.RENAME_WHITEOUT = 1, 2, 4
flags.rename = flags.decoder({
  { "RENAME_NOREPLACE", 1 }, { "RENAME_EXCHANGE", 2 }, { "RENAME_WHITEOUT", 4 },
}, "0")

-- ---- modes ----

-- Permission bits in octal, with the set-id and sticky digit: "0644",
-- "4755".
function flags.mode(value)
  return ("%04o"):format(value & 0xfff)
end

local file_types = {
  [0x1000] = "fifo", [0x2000] = "chardev", [0x4000] = "dir", [0x6000] = "blockdev",
  [0x8000] = "file", [0xa000] = "symlink", [0xc000] = "socket",
}

-- The S_IFMT part of a mode as a word: "file", "dir", "symlink", "fifo",
-- "socket", "chardev", "blockdev"; nil when there is none.
function flags.file_type(value)
  return file_types[value & 0xf000]
end

-- ---- sockets ----

local families = {
  [0] = "AF_UNSPEC", "AF_UNIX", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK",
  "AF_NETROM", "AF_BRIDGE", "AF_ATMPVC", "AF_X25", "AF_INET6",
  [16] = "AF_NETLINK", [17] = "AF_PACKET", [38] = "AF_ALG", [40] = "AF_VSOCK",
  [44] = "AF_XDP",
}
flags.AF_UNIX, flags.AF_INET, flags.AF_INET6, flags.AF_NETLINK = 1, 2, 10, 16

-- "AF_INET6" for 10; "AF_42" for one without a name here.
function flags.family(value)
  return families[value] or ("AF_" .. tostring(value))
end

local socket_types = {
  [1] = "SOCK_STREAM", [2] = "SOCK_DGRAM", [3] = "SOCK_RAW", [4] = "SOCK_RDM",
  [5] = "SOCK_SEQPACKET", [6] = "SOCK_DCCP", [10] = "SOCK_PACKET",
}
local socket_type_bits = flags.decoder { { "SOCK_NONBLOCK", 0x800 }, { "SOCK_CLOEXEC", 0x80000 } }

-- socket(2)'s type: "SOCK_STREAM|SOCK_CLOEXEC".
function flags.socket_type(value)
  local base = socket_types[value & 0xf] or tostring(value & 0xf)
  local rest = value & ~0xf
  if rest == 0 then return base end
  return base .. "|" .. socket_type_bits(rest)
end

flags.msg = flags.decoder {
  { "MSG_OOB", 0x1 }, { "MSG_PEEK", 0x2 }, { "MSG_DONTROUTE", 0x4 }, { "MSG_CTRUNC", 0x8 },
  { "MSG_PROXY", 0x10 }, { "MSG_TRUNC", 0x20 }, { "MSG_DONTWAIT", 0x40 }, { "MSG_EOR", 0x80 },
  { "MSG_WAITALL", 0x100 }, { "MSG_FIN", 0x200 }, { "MSG_SYN", 0x400 },
  { "MSG_CONFIRM", 0x800 }, { "MSG_RST", 0x1000 }, { "MSG_ERRQUEUE", 0x2000 },
  { "MSG_NOSIGNAL", 0x4000 }, { "MSG_MORE", 0x8000 }, { "MSG_WAITFORONE", 0x10000 },
  { "MSG_FASTOPEN", 0x20000000 }, { "MSG_CMSG_CLOEXEC", 0x40000000 },
}

-- ---- memory and processes ----

flags.prot = flags.decoder({
  { "PROT_READ", 1 }, { "PROT_WRITE", 2 }, { "PROT_EXEC", 4 }, { "PROT_SEM", 8 },
  { "PROT_GROWSDOWN", 0x01000000 }, { "PROT_GROWSUP", 0x02000000 },
}, "PROT_NONE")

flags.clone = flags.decoder {
  { "CLONE_VM", 0x100 }, { "CLONE_FS", 0x200 }, { "CLONE_FILES", 0x400 },
  { "CLONE_SIGHAND", 0x800 }, { "CLONE_PIDFD", 0x1000 }, { "CLONE_PTRACE", 0x2000 },
  { "CLONE_VFORK", 0x4000 }, { "CLONE_PARENT", 0x8000 }, { "CLONE_THREAD", 0x10000 },
  { "CLONE_NEWNS", 0x20000 }, { "CLONE_SYSVSEM", 0x40000 }, { "CLONE_SETTLS", 0x80000 },
  { "CLONE_PARENT_SETTID", 0x100000 }, { "CLONE_CHILD_CLEARTID", 0x200000 },
  { "CLONE_DETACHED", 0x400000 }, { "CLONE_UNTRACED", 0x800000 },
  { "CLONE_CHILD_SETTID", 0x1000000 }, { "CLONE_NEWCGROUP", 0x2000000 },
  { "CLONE_NEWUTS", 0x4000000 }, { "CLONE_NEWIPC", 0x8000000 }, { "CLONE_NEWUSER", 0x10000000 },
  { "CLONE_NEWPID", 0x20000000 }, { "CLONE_NEWNET", 0x40000000 }, { "CLONE_IO", 0x80000000 },
}

return flags
