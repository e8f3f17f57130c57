#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/NAME/)
in their input formats, so that fuzzing starts from meaningful inputs:
the options of wtlua(1), and trace declarations like the bundled scripts'.
Rerun it after changing a target's input format; the files are committed.
The reproducers in tests/fuzz/regress/ are not written by this script."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_cli: byte 0 picks the error buffer size (>= 0x80: 256), then
# the arguments, NUL-separated.
CLI = {
    "default": ["make", "install"],
    "script": ["s.lua", "-p", "42", "--", "ls"],
    "execute": ["-e", "print(1)", "-a", "k=v", "-a", "flag", "-o", "out", "ls"],
    "bundled": ["-s", "files", "--json", "--output=x", "make"],
    "pids": ["-p", "1,2,3", "--pid=4"],
    "help": ["--help"],
    "script-help": ["-s", "execs", "--help"],
    "version": ["--version"],
    "list": ["-l"],
    "bad-long": ["--help=x"],
    "bad-short": ["-q"],
    "missing-arg": ["-e"],
    "cluster": ["-lhe", "code", "cmd"],
    "conflict": ["-e", "x", "-s", "y", "cmd"],
    "bad-pid": ["-p", "1,,2"],
    "abbrev": ["--ver", "--js", "--exe=x", "cmd"],
    "empty-arg": ["-a", "", "cmd"],
}
for name, args in CLI.items():
    write("fuzz_cli", name, b"\xff" + b"\0".join(a.encode() for a in args))
write("fuzz_cli", "tiny-err", b"\x03" + b"\0".join([b"--nope", b"x"]))

# ---- fuzz_filter
src = open(os.path.join(HERE, "fuzz_filter.c")).read()
table = re.search(r"names\[\] = \{(.*?)\};", src, re.S).group(1)
NAMES = re.findall(r'"([^"]*)"', table)
EQ, NE, LT, LE, GT, GE, MASKED, ANY = range(8)
SPECIALS = {0: 0, 1: 1, 2: 2, 0x40: 3, 0x241: 4, 0x200000: 5, 0x7fffffff: 6,
            0x80000000: 7, 0xffffffff: 8, 1 << 32: 9, -1: 10, -100: 11}


def val(v):
    if v in SPECIALS:
        return bytes([SPECIALS[v]])
    if v > 0 and v & (v - 1) == 0:
        return bytes([0x80 + v.bit_length() - 1])
    return b"\xff" + (v & (2**64 - 1)).to_bytes(8, "big")


def rule(name, conds=(), exit=False):
    out = bytes([NAMES.index(name)]) + bytes([len(conds) << 1 | exit])
    for arg, op, value, mask in conds:
        out += bytes([arg - 1, op]) + val(value) + val(mask)
    return out


def filt(rules, everything=False, want_exit=False, seed=b""):
    head = len(rules) << 2 | want_exit << 1 | everything
    return bytes([head]) + b"".join(rules) + seed


O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_PATH = 1, 2, 0x40, 0x200, 0x200000
writes = (O_WRONLY | O_RDWR)
FILTER = {
    "everything": filt([], everything=True, want_exit=True),
    "default-script": filt([
        rule("openat", [(3, ANY, 0, writes)], exit=True),
        rule("open", [(2, ANY, 0, writes)], exit=True),
        rule("creat", exit=True),
        rule("openat2", exit=True)]),
    "execs": filt([rule("execve", exit=True), rule("execveat", exit=True)]),
    "at-fdcwd": filt([rule("openat", [(1, EQ, -100, 0)]),
                      rule("unlinkat", [(1, NE, -100, 0)])]),
    "negative-lt": filt([rule("openat", [(1, LT, -100, 0), (3, ANY, 0, writes)])]),
    "masks-one-arg": filt([rule("openat", [(3, ANY, 0, writes), (3, MASKED, 0, O_PATH),
                                           (3, MASKED, O_CREAT, O_CREAT | O_TRUNC)])]),
    "wide-values": filt([rule("mmap", [(2, GT, 1 << 32, 0)]),
                         rule("read", [(3, LE, 0xffffffff, 0)]),
                         rule("write", [(1, GE, 0x80000000, 0)])]),
    "high-mask-bits": filt([rule("ioctl", [(2, ANY, 0, 0xff00000000000001)])]),
    "one-abi-only": filt([rule("socketcall"), rule("newfstatat"), rule("_llseek"),
                          rule("waitpid")]),
    "socket": filt([rule("socket"), rule("connect", [(1, EQ, 3, 0)])]),
    "ipc": filt([rule("shmget"), rule("semop", [(1, EQ, 0, 0)])]),
    "unknown": filt([rule("no_such_syscall"), rule(""), rule("open")]),
    "contradiction": filt([rule("openat", [(3, ANY, 0, O_WRONLY), (3, MASKED, 0, O_WRONLY)])]),
    "same-name-twice": filt([rule("write", [(1, EQ, 1, 0)]), rule("write", [(1, EQ, 2, 0)]),
                             rule("write")]),
    "many-alternatives": filt([rule("openat", [(3, ANY, 0, 0xff), (4, ANY, 0, 0xff00)])]),
}
for name, data in FILTER.items():
    write("fuzz_filter", name, data)
