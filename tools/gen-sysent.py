#!/usr/bin/env python3
"""Generate src/sysent_table.c: the signature and class of every syscall of
x86_64, i386 and x32, as wtlua's engine names them (libseccomp's names,
which are the kernel's).

Usage: tools/gen-sysent.py [--list] KERNEL_DIR STRACE_DIR > src/sysent_table.c
       (--list: the table as text, one syscall a line, to review a change)

KERNEL_DIR is an unpacked Linux source tree.  The committed table was made
from Debian's linux-source-6.12 package, version 6.12.117-1~deb12u1
(`apt-get download linux-source-6.12`, `dpkg -x`, then untar
/usr/src/linux-source-6.12.tar.xz).  From it this script reads:
  - arch/x86/entry/syscalls/syscall_64.tbl and syscall_32.tbl: number, name
    and entry point of every syscall of each ABI (for i386, the compat entry
    point, which is what a 64-bit kernel runs);
  - every SYSCALL_DEFINEn, COMPAT_SYSCALL_DEFINEn and SYSCALL32_DEFINEn in
    the *.c files a 64-bit x86 kernel is built from: the entry point's
    parameter types and names (the definitions, not include/linux/
    syscalls.h: the i386 wrappers that split 64-bit values, such as
    sys_ia32_pread64, are declared nowhere else);
  - include/uapi/linux/net.h (SYS_SOCKET...) and include/uapi/linux/ipc.h
    (SEMOP...): the call numbers of i386's socketcall(2) and ipc(2).

STRACE_DIR is strace's source tree; the committed table was made from its
release v7.2.  The classes (%file, %desc, ...) are strace's: they are read
from src/linux/{x86_64,i386,x32}/syscallent.h and the files those include,
where each syscall has its TRACE_* flags (see sysent_shorthand_defs.h).

Argument kinds are derived from the C types and parameter names by the rules
in derive() and the functions it calls; tools/sysent-overrides corrects
what neither can say (which flag set an argument holds, which buffers the
return value measures, which non-const struct pointers are inputs...).  The
script checks its result against strace's tables (argument counts; %file
calls take a path) and prints what differs to stderr.
"""

import os
import re
import sys
from collections import OrderedDict, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
OVERRIDES = os.path.join(HERE, 'sysent-overrides')

# ---------------------------------------------------------------- kernel --

# Parts of the tree an x86 kernel is not built from: other arches' and
# user-mode Linux's definitions would otherwise stand beside the real ones.
# (A name defined twice in what is left, under #ifdefs, must be settled by
# an override: see pick_definition.)
SKIP_DIRS = ('tools', 'Documentation', 'samples', 'scripts', 'arch/x86/um')

DEFINE_RE = re.compile(r'^\s*(COMPAT_|)(SYSCALL32_|SYSCALL_)DEFINE([0-6])\(', re.M)
# Macros that stand for two u32 parameters holding the halves of a u64
# (little-endian x86: low half first).
SPLIT_MACRO_RE = re.compile(r'^(?:SC_ARG64|compat_arg_u64_dual)\((\w+)\)$')


def read_definitions(kdir):
    """Entry point name -> list of (file, [(type, name)...])."""
    defs = defaultdict(list)
    for root, dirs, files in os.walk(kdir):
        rel = os.path.relpath(root, kdir)
        if rel.startswith(SKIP_DIRS) or rel.startswith('arch/') and not rel.startswith('arch/x86'):
            dirs[:] = []
            continue
        for f in sorted(files):
            path = os.path.join(rel, f)
            if not f.endswith('.c'):
                continue
            with open(os.path.join(root, f), errors='replace') as fh:
                text = fh.read()
            for m in DEFINE_RE.finditer(text):
                body = balanced(text, m.end())
                fields = [' '.join(x.split()) for x in body.split(',')]
                params = []
                rest = fields[1:]
                while rest:
                    sm = SPLIT_MACRO_RE.match(rest[0])
                    if sm:
                        params += [('u32', sm.group(1) + '_lo'), ('u32', sm.group(1) + '_hi')]
                        rest = rest[1:]
                    else:
                        params.append((rest[0], rest[1]))
                        rest = rest[2:]
                compat = m.group(1) == 'COMPAT_' or m.group(2) == 'SYSCALL32_'
                entry = ('compat_sys_' if compat else 'sys_') + fields[0]
                defs[entry].append((path, params))
    return defs


def balanced(text, start):
    depth, i = 1, start
    while depth:
        depth += {'(': 1, ')': -1}.get(text[i], 0)
        i += 1
    return text[start:i - 1]


def read_tbl(path, abis):
    """[(nr, name, entry point or None)] of the rows of the given ABIs; the
    compat entry point, where a row has one, is the one a 64-bit kernel
    runs for that ABI."""
    rows = []
    with open(path) as fh:
        for line in fh:
            f = line.split('#')[0].split()
            if not f or f[1] not in abis:
                continue
            entry = f[3] if len(f) > 3 else None
            if len(f) > 4 and f[4] != '-':
                entry = f[4]
            rows.append((int(f[0]), f[2], entry))
    return rows


def read_defines(path, pattern):
    out = OrderedDict()
    with open(path) as fh:
        for m in re.finditer(r'^#define\s+(%s)\s+(\d+)' % pattern, fh.read(), re.M):
            out[m.group(1)] = int(m.group(2))
    return out

# ---------------------------------------------------------------- strace --

STRACE_CLASS = {
    'TD': 'desc', 'TF': 'file', 'TI': 'ipc', 'TN': 'network', 'TP': 'process',
    'TS': 'signal', 'TM': 'memory', 'TST': 'stat', 'TLST': 'lstat', 'TFST': 'fstat',
    'TSTA': 'stat_like', 'TSF': 'statfs', 'TFSF': 'fstatfs', 'TSFA': 'statfs_like',
    'PU': 'pure', 'TC': 'creds', 'TCL': 'clock',
}
STRACE_ENTRY_RE = re.compile(r'^\[[^\]]*\]\s*=\s*\{\s*(\d+),\s*([^,]*),\s*SEN\(\w+\),\s*"([^"]+)"')


def read_strace(path, generic, out=None):
    """name -> (nargs, set of classes), following #include as strace's
    build does (the including file's directory, then src/linux/generic)."""
    out = {} if out is None else out
    with open(path) as fh:
        for line in fh:
            inc = re.match(r'#\s*include\s+"([^"]+)"', line)
            if inc:
                near = os.path.join(os.path.dirname(path), inc.group(1))
                read_strace(near if os.path.exists(near) else os.path.join(generic, inc.group(1)),
                            generic, out)
                continue
            m = STRACE_ENTRY_RE.match(line)
            if m and '#' not in m.group(3):
                flags = set(t.strip() for t in m.group(2).split('|'))
                classes = set(STRACE_CLASS[t] for t in flags if t in STRACE_CLASS)
                # a subcall's entry does not replace the direct syscall's
                out.setdefault(m.group(3), (int(m.group(1)), classes))
    return out

# ------------------------------------------------------------- overrides --


def base_name(call):
    """i386's clock_gettime64, futex_time64...: the call they are a 64-bit
    time variant of, whose flag sets they share."""
    return re.sub(r'(_time64|(?<=time)64)$', '', call)


class Overrides:
    """tools/sysent-overrides, parsed.  Each line:
         [ABI[,ABI]:]SYSCALL[,SYSCALL...] ARG[,ARG...] KEY=VALUE...   # why
       ARG '-' addresses the syscall itself (params=NAME,... picks one of
       several definitions);
       'ipc SUBCALL SLOT=ARG...' lays out an ipc(2) sub-call."""

    def __init__(self, path):
        self.args = defaultdict(dict)    # (abi or '*', syscall, arg) -> {key: value}
        self.calls = defaultdict(dict)   # (abi or '*', syscall) -> {key: value}
        self.ipc = OrderedDict()         # subcall -> {slot: arg}
        self.used = set()
        self.lines = 0
        with open(path) as fh:
            for n, line in enumerate(fh, 1):
                line = line.strip()
                if not line or line.startswith('#'):
                    continue
                if '#' not in line:
                    sys.exit('%s:%d: an override needs a "# why" comment' % (path, n))
                self.lines += 1
                f = line.split('#')[0].split()
                kv = dict(x.split('=', 1) for x in f[2:])
                if f[0] == 'ipc':
                    self.ipc[f[1]] = kv
                    continue
                abis, _, names = f[0].rpartition(':')
                for abi in (abis or '*').split(','):
                    for name in names.split(','):
                        for arg in f[1].split(','):
                            if arg == '-':
                                self.calls[(abi, name)].update(kv)
                            else:
                                self.args[(abi, name, arg)].update(kv)

    def for_call(self, abi, call):
        """{arg: {key: value}} for call on abi."""
        out = defaultdict(dict)
        for key, kv in self.args.items():
            if key[0] in ('*', abi) and key[1] == call:
                self.used.add(('arg',) + key)
                out[key[2]].update(kv)
        return out

    def call(self, abi, call):
        out = {}
        for key in (('*', call), (abi, call)):
            if key in self.calls:
                self.used.add(('call',) + key)
                out.update(self.calls[key])
        return out

    def unused(self):
        left = [('arg',) + k for k in self.args] + [('call',) + k for k in self.calls]
        return [k for k in left if k not in self.used]

# ----------------------------------------------------------------- kinds --

# The kinds (enum sysent_kind in src/sysent.h).
KINDS = ['int', 'uint', 'size', 'offset', 'ptr', 'fd', 'dirfd', 'path', 'string', 'buffer',
         'flags', 'enum', 'mode', 'pid', 'uid', 'gid', 'signal', 'struct', 'array', 'high32']

FD_NAMES = {'fd', 'ufd', 'epfd', 'oldfd', 'newfd', 'fd_in', 'fd_out', 'in_fd', 'out_fd', 'fdin',
            'fdout', 'pidfd', 'fildes', 'group_fd', 'kernel_fd', 'initrd_fd', 'ruleset_fd',
            'fs_fd', 'fanotify_fd', 'mountdirfd', 'mqdes'}
DIRFD_NAMES = {'dfd', 'olddfd', 'newdfd', 'from_dfd', 'to_dfd'}
PATH_NAMES = {'filename', 'pathname', 'path', 'oldname', 'newname', 'specialfile', 'library',
              'dev_name', 'dir_name', 'new_root', 'put_old', 'special', 'from_pathname',
              'to_pathname'}
SIZE_NAMES = {'len', 'count', 'size', 'bufsiz', 'bufsize', 'addrlen', 'addr_len', 'optlen',
              'msgsz', 'msg_len', 'nbytes', 'sz', 'usize', 'old_len', 'new_len', 'len_in',
              'bytecount', 'cmdline_len', 'rseq_len', 'plen', 'argsz', 'sigsetsize', 'sizemask'}
OFFSET_NAMES = {'offset', 'pos', 'off', 'pgoff', 'length'}
# Integers, and untyped pointers, that hold addresses.
PTR_NAMES = {'addr', 'start', 'new_addr', 'brk', 'shmaddr', 'ptr', 'tls', 'tls_val', 'newsp',
             'arg', 'arg2', 'arg3', 'arg4', 'arg5', 'data', 'dataptr', 'entry', 'handler',
             'uaddr', 'uaddr2', 'tidptr', 'ctx_id'}
FLAG_NAMES = {'flags', 'flag', 'prot', 'options', 'msgflg', 'shmflg', 'semflg', 'oflag', 'mask',
              'clone_flags', 'unshare_flags', 'swap_flags', 'event_f_flags', 'attr_flags'}
ENUM_NAMES = {'cmd', 'op', 'opcode', 'option', 'which', 'how', 'whence', 'resource', 'advice',
              'behavior', 'policy', 'call', 'request', 'level', 'optname', 'family', 'type',
              'func', 'rule_type'}
CLOCK_NAMES = {'clockid', 'which_clock'}
COUNT_NAMES = {'vlen', 'liovcnt', 'riovcnt', 'nr_segs', 'nfds', 'maxevents', 'nr', 'nsops',
               'nr_futexes', 'nr_segments', 'gidsetsize', 'nr_pages', 'nr_mnt_ids'}
# Integer types by what they hold; anything else signed is 'int'.
SCALAR_TYPES = {
    'size_t': 'size', 'compat_size_t': 'size', 'ssize_t': 'size', 'compat_ssize_t': 'size',
    'loff_t': 'offset', 'off_t': 'offset', 'compat_off_t': 'offset', 'compat_loff_t': 'offset',
    'pid_t': 'pid', 'compat_pid_t': 'pid',
    'uid_t': 'uid', 'old_uid_t': 'uid', 'gid_t': 'gid', 'old_gid_t': 'gid',
    'umode_t': 'mode', 'compat_mode_t': 'mode', 'mqd_t': 'fd',
    'clockid_t': 'enum', 'rwf_t': 'flags', 'aio_context_t': 'ptr', 'compat_aio_context_t': 'ptr',
    'compat_uptr_t': 'ptr', '__sighandler_t': 'ptr',
}
SET_OF_TYPE = {'clockid_t': 'clockid', 'rwf_t': 'rwf'}
UNSIGNED_RE = re.compile(r'^(unsigned|u8|u16|u32|u64|__u32|__u64|compat_uint_t|compat_ulong_t|'
                         r'qid_t|old_sigset_t)\b')
# Typedefs that are pointers to a struct.
POINTER_TYPEDEFS = {'cap_user_header_t': '__user_cap_header_struct',
                    'cap_user_data_t': '__user_cap_data_struct'}
# Element types of the arrays a count argument measures.
ARRAY_TYPES = {'iovec', 'compat_iovec', 'pollfd', 'epoll_event', 'mmsghdr', 'compat_mmsghdr',
               'io_event', 'iocb *', 'compat_uptr_t', 'sembuf', 'futex_waitv', 'kexec_segment',
               'compat_kexec_segment', 'gid_t', 'old_gid_t', 'void *', 'int', 'u64'}


def clean_type(t):
    t = re.sub(r'\b(const|__user|volatile)\b', ' ', t)
    return ' '.join(t.replace('*', ' * ').split()).replace('* *', '**')


class Arg:
    def __init__(self, ctype, name):
        self.ctype, self.name = ctype, name
        self.kind, self.type, self.dir = 'int', None, None
        self.dirfd = self.len = self.hi = None   # arg names, or 'ret'
        self.size, self.signed = 8, False        # what the kernel reads (c_width)


# The C integer types of syscall parameters: (bytes on a 64-bit ABI, on
# i386's, signed).  The kernel reads a parameter as its C type, so an int's
# register holds garbage above bit 31 (glibc passes AT_FDCWD zero- or
# sign-extended): decoders and sc:arg read these widths.
INT_TYPES = {
    'int': (4, 4, True), 'unsigned int': (4, 4, False), 'unsigned': (4, 4, False),
    'long': (8, 4, True), 'unsigned long': (8, 4, False), 'long long': (8, 8, True),
    'unsigned long long': (8, 8, False), 'short': (2, 2, True), 'unsigned short': (2, 2, False),
    'char': (1, 1, True), 'unsigned char': (1, 1, False),
    's32': (4, 4, True), 'u32': (4, 4, False), '__s32': (4, 4, True), '__u32': (4, 4, False),
    's64': (8, 8, True), 'u64': (8, 8, False), '__s64': (8, 8, True), '__u64': (8, 8, False),
    'size_t': (8, 4, False), 'ssize_t': (8, 4, True), 'loff_t': (8, 8, True),
    'off_t': (8, 4, True), 'pid_t': (4, 4, True), 'uid_t': (4, 4, False),
    'gid_t': (4, 4, False), 'old_uid_t': (4, 2, False), 'old_gid_t': (4, 2, False),
    'umode_t': (2, 2, False), 'clockid_t': (4, 4, True), 'key_t': (4, 4, True),
    'mqd_t': (4, 4, True), 'timer_t': (4, 4, True), 'rwf_t': (4, 4, True),
    'qid_t': (4, 4, False), 'aio_context_t': (8, 4, False), 'key_serial_t': (4, 4, True),
    'compat_size_t': (4, 4, False), 'compat_ssize_t': (4, 4, True), 'compat_off_t': (4, 4, True),
    'compat_loff_t': (8, 8, True), 'compat_pid_t': (4, 4, True), 'compat_mode_t': (2, 2, False),
    'compat_uptr_t': (4, 4, False), 'compat_ulong_t': (4, 4, False), 'compat_long_t': (4, 4, True),
    'compat_uint_t': (4, 4, False), 'compat_int_t': (4, 4, True), 'compat_timer_t': (4, 4, True),
    'compat_aio_context_t': (4, 4, False), 'compat_arg_u64': (8, 8, False),
    '__sighandler_t': (8, 4, False), 'cap_user_header_t': (8, 4, False),
    'cap_user_data_t': (8, 4, False),
    'old_sigset_t': (8, 4, False),
}


def c_width(ctype, wide):
    """(bytes, signed) of a parameter's C type on a 64-bit ABI (wide) or i386."""
    t = clean_type(ctype)
    if '*' in t:
        return (8 if wide else 4), False
    t = re.sub(r'\b(signed|int)\b(?=.*\b(long|short|char)\b)', '', t).strip()
    t = re.sub(r'^signed\b', '', t).strip() or 'int'
    for prefix in ('struct ', 'union ', 'enum '):
        if t.startswith(prefix):
            return 4, False
    if t not in INT_TYPES:
        sys.exit('c_width: unknown C type %r: add it to INT_TYPES' % ctype)
    size64, size32, signed = INT_TYPES[t]
    return (size64 if wide else size32), signed


def integer_kind(call, a, t):
    """The kind (and set) of an integer parameter."""
    if a.name in DIRFD_NAMES:
        return 'dirfd', None
    if a.name in FD_NAMES or a.name.endswith('_fd') and a.name != 'max_fd':
        return 'fd', None
    if a.name == 'sig':
        return 'signal', None
    if a.name in CLOCK_NAMES or t == 'clockid_t':
        return 'enum', 'clockid'
    if t in SCALAR_TYPES:
        return SCALAR_TYPES[t], SET_OF_TYPE.get(t)
    if a.name == 'pid':
        return 'pid', None
    if a.name in FLAG_NAMES or a.name == 'mode':   # an int mode is not umode_t's bits
        return 'flags', '%s_%s' % (base_name(call), a.name)
    if a.name in ENUM_NAMES:
        return 'enum', '%s_%s' % (base_name(call), a.name)
    if a.name in SIZE_NAMES:
        return 'size', None
    if a.name in OFFSET_NAMES:
        return 'offset', None
    if a.name in PTR_NAMES:
        return 'ptr', None
    return ('uint' if UNSIGNED_RE.match(t) else 'int'), None


def pointer_kind(a, t, const, sized):
    """Kind, type and direction of a pointer parameter; sized: a byte count
    follows it."""
    if t in POINTER_TYPEDEFS:
        return 'struct', POINTER_TYPEDEFS[t], 'in' if const else 'out'
    base = t[:t.rindex('*')].strip()
    if base in ('char', 'void', 'unsigned char'):
        if base == 'char' and a.name in PATH_NAMES:
            return 'path', None, None
        if sized:
            return 'buffer', None, 'in' if const else 'out'
        if base == 'char' and const:
            return 'string', None, None
        if a.name in PTR_NAMES or base == 'void':
            return 'ptr', None, None
        return 'buffer', None, 'out'
    if base in ('char *', 'char **') or base == 'compat_uptr_t' and a.name in ('argv', 'envp'):
        return 'array', 'string', 'in'
    if a.name in PTR_NAMES and not re.match(r'(struct|union) ', base):
        return 'ptr', None, None
    obj = re.sub(r'\b(struct|union) ', '', base)
    return 'struct', obj, 'in' if const else 'out'


def measured(a, size):
    """Whether the byte count size, right after pointer a, is a's length:
    a buffer's, a struct's that says its own size (sockaddr, clone_args,
    open_how...); sigsetsize only measures a sigset."""
    if a.kind == 'buffer':
        return True
    if size.name == 'sigsetsize':
        return 'sigset' in (a.type or '')
    return a.kind == 'struct' and re.match(r'\s*(const\s+)?(struct|union) ', a.ctype) is not None


def derive(call, params):
    """The Args of one signature: kinds from types and names, relations
    between arguments from their neighbours."""
    args = [Arg(t, n) for t, n in params]
    for i, a in enumerate(args):
        t = clean_type(a.ctype)
        if '*' in t or t in POINTER_TYPEDEFS:
            nxt = args[i + 1] if i + 1 < len(args) else None
            sized = nxt is not None and '*' not in nxt.ctype and \
                integer_kind(call, nxt, clean_type(nxt.ctype))[0] == 'size'
            const = re.match(r'^\s*const\b', a.ctype) is not None
            a.kind, a.type, a.dir = pointer_kind(a, t, const, sized)
            if sized and measured(a, nxt):
                a.len = nxt.name
        else:
            a.kind, a.type = integer_kind(call, a, t)
    names = [a.name for a in args]
    for i, a in enumerate(args):
        # a string right after a dirfd is a path relative to it
        if a.kind == 'string' and i and args[i - 1].kind == 'dirfd':
            a.kind = 'path'
        if a.kind == 'path':
            dirfds = [b for b in args[:i] if b.kind == 'dirfd']
            a.dirfd = dirfds[-1].name if dirfds else None
        if a.kind == 'struct' and a.type in ARRAY_TYPES:
            # the count right after the array, else the nearest before it
            counts = [n for n in names[i + 1:i + 2] + names[:i][::-1] if n in COUNT_NAMES]
            if counts:
                a.kind, a.len = 'array', counts[0]
    return args


def pair_halves(call, args, wide_registers):
    """The two u32 halves of a 64-bit value (name_lo/name_hi, poslo/poshi,
    offset_low/offset_high...).  With 64-bit registers the low argument
    holds the whole value and the kernel ignores the high one."""
    for a in args:
        m = re.match(r'^(\w*?)_?(lo|low|l)$', a.name)
        if not m:
            continue
        stem = m.group(1)
        for b in args:
            if b is not a and re.match(r'^%s_?(hi|high|h)$' % re.escape(stem), b.name):
                b.kind, b.type = 'high32', None
                a.kind = {'pos': 'offset', 'offset': 'offset', 'off': 'offset',
                          'len': 'size', 'n': 'size', 'nbytes': 'size',
                          'mask': 'flags'}.get(stem, 'uint')
                a.type = '%s_%s' % (base_name(call), stem) if a.kind == 'flags' else None
                a.hi = None if wide_registers else b.name


def measured_by_return(args, overridden):
    """A buffer or array the kernel fills holds as much as the syscall
    returns (read, recvfrom, getxattr, epoll_wait...); the argument that
    gave its size only bounds it.  Overrides name the exceptions."""
    for a in args:
        if a.dir == 'out' and a.kind in ('buffer', 'array') and a.len and a.len != 'ret' \
                and (a.name, 'len') not in overridden:
            a.len = 'ret'


ARG_KEYS = ('kind', 'type', 'dir', 'dirfd', 'len', 'hi', 'name')


def rename(args, a, name):
    """Gives a another name, and the references to it (dirfd, len, hi) too."""
    for b in args:
        for key in ('dirfd', 'len', 'hi'):
            if getattr(b, key) == a.name:
                setattr(b, key, name)
    a.name = name


def apply_overrides(abi, call, args, ov):
    """Applies the overrides of call; returns the (arg, key) pairs set."""
    by_name = {a.name: a for a in args}
    done, renames = set(), []
    for argname, kv in ov.for_call(abi, call).items():
        a = by_name.get(argname)
        if a is None:
            sys.exit('override %s %s: %s %s has no such argument' % (call, argname, abi, call))
        for key, value in kv.items():
            value = None if value == '-' else value
            if key not in ARG_KEYS:
                sys.exit('override %s %s: unknown key %s' % (call, argname, key))
            if key == 'kind' and value not in KINDS:
                sys.exit('override %s %s: unknown kind %s' % (call, argname, value))
            if key in ('dirfd', 'len', 'hi') and value not in (None, 'ret', *by_name):
                sys.exit('override %s %s: %s=%s names no argument' % (call, argname, key, value))
            if key == 'name':
                renames.append((a, value))   # last: other lines name it by its old name
            else:
                setattr(a, key, value)
            done.add((argname, key))
        if a.kind not in ('buffer', 'struct', 'array'):
            a.dir = a.len = None   # only pointed-to data has them
    for a, name in renames:
        rename(args, a, name)
    return done


# ----------------------------------------------------------------- build --

X32_SYSCALL_BIT = 0x40000000
ABIS = [
    # name, tbl file, its ABI column values, AUDIT_ARCH_*, (number mask,
    # bits under it), strace's directory.  x32 shares x86_64's audit arch;
    # its numbers have X32_SYSCALL_BIT set.
    ('x86_64', 'syscall_64.tbl', ('common', '64'), 'AUDIT_ARCH_X86_64', (X32_SYSCALL_BIT, 0),
     'x86_64'),
    ('x32', 'syscall_64.tbl', ('common', 'x32'), 'AUDIT_ARCH_X86_64',
     (X32_SYSCALL_BIT, X32_SYSCALL_BIT), 'x32'),
    ('i386', 'syscall_32.tbl', ('i386',), 'AUDIT_ARCH_I386', (0, 0), 'i386'),
]


class Entry:
    def __init__(self, name, args, classes, flags):
        self.name, self.args, self.classes, self.flags = name, args, classes, flags

    def key(self):
        return (self.name, tuple(sorted(self.classes)), tuple(self.flags),
                tuple((a.name, a.kind, a.type, a.dir, a.dirfd, a.len, a.hi, a.size, a.signed)
                      for a in self.args))


def pick_definition(defs, entry, abi, call, ov):
    cands = defs.get(entry, [])
    want = ov.call(abi, call).get('params')
    if want and len({tuple(p) for _, p in cands}) > 1:
        cands = [c for c in cands if ','.join(n for _, n in c[1]) == want]
        if not cands:
            sys.exit('override %s params=%s matches no definition' % (call, want))
    distinct = {tuple((clean_type(t), n) for t, n in p) for _, p in cands}
    if len(distinct) > 1:
        sys.exit('%s (%s): %d definitions differ; choose one with params=NAME,... in %s:\n  %s'
                 % (call, entry, len(distinct), OVERRIDES, '\n  '.join(
                     '%s %s' % (f, p) for f, p in cands)))
    return cands[0][1] if cands else None


def build_entry(abi, call, entry, defs, classes_of, ov, report, subcall=False):
    flags = ['subcall'] if subcall else []
    params = None
    if entry and entry != 'sys_ni_syscall':
        params = pick_definition(defs, entry, abi, call, ov)
        if params is None:
            sys.exit('%s %s: no definition of %s' % (abi, call, entry))
    else:
        # Not implemented by this kernel for this ABI (ENOSYS); where some
        # other configuration implements it, what the caller passes is
        # described by that definition.
        flags.append('nosys')
        params = pick_definition(defs, 'sys_' + call, abi, call, ov)
        if params is None:
            flags.append('nosig')
            params = []
    args = derive(call, params)
    for a in args:
        a.size, a.signed = c_width(a.ctype, abi != 'i386')
    pair_halves(call, args, abi != 'i386')
    measured_by_return(args, apply_overrides(abi, call, args, ov))
    strace = classes_of.get(call)
    if strace is None:
        classes = set()
        if any(a.kind == 'path' for a in args):
            classes.add('file')
        if any(a.kind in ('fd', 'dirfd') for a in args):
            classes.add('desc')
        report.append('%s %s: not in strace\'s table; classes derived: %s'
                      % (abi, call, ' '.join(sorted(classes)) or '-'))
    else:
        classes = set(strace[1])
        if not flags and strace[0] != len(args):
            report.append('%s %s: %d args, strace says %d' % (abi, call, len(args), strace[0]))
    if 'nosig' not in flags:
        check_classes(abi, call, args, classes, report)
    return Entry(call, args, classes, flags)


def check_classes(abi, call, args, classes, report):
    kinds = {a.kind for a in args}
    if 'file' in classes and 'path' not in kinds:
        report.append('%s %s: strace says %%file, no path argument' % (abi, call))
    if 'path' in kinds and 'file' not in classes:
        report.append('%s %s: a path argument, strace does not say %%file' % (abi, call))


def subcall_entry(name, i386, defs, classes_of, ov, report):
    """The i386 entry of a socket or ipc call: its direct syscall, or, for
    the few that only exist as sub-calls, the kernel's definition of the
    compat function the multiplexer runs."""
    for e in i386.values():
        if e.name == name:
            return e
    for entry in ('compat_sys_%s_time32' % name, 'sys_%s_time32' % name, 'compat_sys_' + name,
                  'sys_' + name):
        if entry in defs:
            return build_entry('i386', name, entry, defs, classes_of, ov, report, subcall=True)
    sys.exit('i386 sub-call %s: no definition' % name)


def ipc_layout(name, direct, ipc_sig, ov):
    """An ipc(2) sub-call as ipc's arguments after `call` (first, second,
    third, ptr, fifth): the kernel's ipc/syscall.c passes them on in an
    order of their own, which the overrides spell out."""
    lay = ov.ipc.get(name)
    if lay is None:
        sys.exit('ipc sub-call %s: no "ipc %s" line in %s' % (name, name, OVERRIDES))
    slots = ipc_sig[1:]
    args = []
    for slot_type, slot in slots:
        if slot in lay:
            # *NAME: the slot points to the value of argument NAME
            src = [a for a in direct.args if a.name == lay[slot].lstrip('*')]
            if not src:
                sys.exit('ipc %s: %s has no argument %s' % (name, name, lay[slot]))
            a = src[0]
            if lay[slot].startswith('*'):
                a = Arg(a.ctype + ' *', a.name)
                a.kind, a.type, a.dir = 'struct', clean_type(src[0].ctype), 'in'
            args.append(a)
        else:
            args.append(derive('ipc', [(slot_type, slot)])[0])
    named = {v.lstrip('*') for v in lay.values()}
    while args and args[-1].name not in named:
        args.pop()
    for a in args:
        for key in ('dirfd', 'len', 'hi'):
            ref = getattr(a, key)
            if ref not in (None, 'ret') and ref not in named:
                sys.exit('ipc %s: %s=%s of %s is not among its slots' % (name, key, ref, a.name))
    return Entry(name, args, direct.classes, sorted(set(direct.flags) | {'subcall'}))


def main():
    argv = sys.argv[1:]
    listing = argv[:1] == ['--list']
    if listing:
        argv = argv[1:]
    if len(argv) != 2:
        sys.exit(__doc__)
    kdir, sdir = argv
    defs = read_definitions(kdir)
    ov = Overrides(OVERRIDES)
    generic = os.path.join(sdir, 'src/linux/generic')
    report = []
    tables = OrderedDict()   # abi -> {nr: Entry}
    strace = {}              # abi -> {name: (nargs, classes)}
    for abi, tbl, cols, _, _, sabi in ABIS:
        strace[abi] = read_strace(os.path.join(sdir, 'src/linux', sabi, 'syscallent.h'), generic)
        rows = read_tbl(os.path.join(kdir, 'arch/x86/entry/syscalls', tbl), cols)
        tables[abi] = OrderedDict(
            (nr, build_entry(abi, name, entry, defs, strace[abi], ov, report))
            for nr, name, entry in rows)
    # i386's multiplexers.  A socketcall(2) sub-call runs the same compat
    # code as the direct syscall, with the arguments in the same order.
    i386 = tables['i386']
    classes_of = strace['i386']
    socket_calls = read_defines(os.path.join(kdir, 'include/uapi/linux/net.h'), r'SYS_[A-Z0-9]+')
    ipc_calls = read_defines(os.path.join(kdir, 'include/uapi/linux/ipc.h'),
                             r'SEM[A-Z]+|MSG[A-Z]+|SHM[A-Z]+')
    ipc_sig = pick_definition(defs, 'compat_sys_ipc', 'i386', 'ipc', ov)
    muxes = OrderedDict()
    muxes['socketcall'] = OrderedDict(
        (call, subcall_entry(sym[4:].lower(), i386, defs, classes_of, ov, report))
        for sym, call in socket_calls.items())
    muxes['ipc'] = OrderedDict()
    for sym, call in ipc_calls.items():
        direct = subcall_entry(sym.lower(), i386, defs, classes_of, ov, report)
        muxes['ipc'][call] = ipc_layout(sym.lower(), direct, ipc_sig, ov)
    if ov.unused():
        sys.exit('overrides of syscalls no ABI has: %s' % ov.unused())
    if listing:
        sys.stdout.write(describe(tables, muxes))
    else:
        sys.stdout.write(emit(tables, muxes, ov, kdir, sdir))
    for line in report:
        print(line, file=sys.stderr)


# ------------------------------------------------------------------ emit --


def describe(tables, muxes):
    """The table as text, one syscall a line, to review changes."""
    def arg(a):
        extra = [x for x in (a.type, a.dir) if x]
        extra += ['%s=%s' % (k, getattr(a, k)) for k in ('dirfd', 'len', 'hi') if getattr(a, k)]
        return '%s:%s%s' % (a.name, a.kind, '[%s]' % ','.join(extra) if extra else '')

    def line(prefix, e):
        return '%s %s(%s) %s%s\n' % (prefix, e.name, ', '.join(arg(a) for a in e.args),
                                      ' '.join('%' + c for c in CLASS_ORDER if c in e.classes),
                                      ''.join(' !' + f for f in e.flags))
    out = []
    for abi, table in tables.items():
        out += [line('%s %d' % (abi, nr), e) for nr, e in table.items()]
    for mux, calls in muxes.items():
        out += [line('i386 %s.%d' % (mux, c), e) for c, e in calls.items()]
    return ''.join(out)


def c_str(s):
    return 'NULL' if s is None else '"%s"' % s


def c_kind(kind):
    return 'SYSENT_' + kind.upper()


def c_arg(a, index):
    def ref(name):
        if name is None:
            return None
        return 'SYSENT_LEN_RET' if name == 'ret' else str(index[name])
    fields = ['.name = %s' % c_str(a.name), '.kind = %s' % c_kind(a.kind),
              '.size = %d' % a.size]
    if a.signed:
        fields.append('.is_signed = 1')
    if a.type:
        fields.append('.type = %s' % c_str(a.type))
    if a.dir:
        fields.append('.dir = SYSENT_%s' % a.dir.upper())
    for key in ('dirfd', 'len', 'hi'):
        if getattr(a, key):
            fields.append('.%s = %s' % (key, ref(getattr(a, key))))
    return '{ %s }' % ', '.join(fields)


CLASS_ORDER = ['file', 'desc', 'network', 'process', 'signal', 'ipc', 'memory', 'creds', 'clock',
               'stat', 'lstat', 'fstat', 'stat_like', 'statfs', 'fstatfs', 'statfs_like', 'pure']


def c_entry(e):
    index = {a.name: i + 1 for i, a in enumerate(e.args)}
    classes = ' | '.join('SYSENT_CLASS_' + c.upper() for c in CLASS_ORDER if c in e.classes)
    flags = ' | '.join('SYSENT_F_' + f.upper() for f in e.flags)
    out = ['    { .name = "%s", .nargs = %d' % (e.name, len(e.args))]
    if classes:
        out.append(', .classes = %s' % classes)
    if flags:
        out.append(', .flags = %s' % flags)
    if e.args:
        out.append(', .args = {\n')
        out.append(''.join('          %s,\n' % c_arg(a, index) for a in e.args))
        out.append('      }')
    out.append(' },\n')
    return ''.join(out)


def kernel_version(kdir):
    with open(os.path.join(kdir, 'Makefile')) as fh:
        head = dict(re.findall(r'^(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)', fh.read(), re.M))
    return '%(VERSION)s.%(PATCHLEVEL)s.%(SUBLEVEL)s' % head


def strace_version(sdir):
    with open(os.path.join(sdir, 'NEWS')) as fh:
        return re.search(r'release (\S+)', fh.readline()).group(1)


def emit(tables, muxes, ov, kdir, sdir):
    entries, ids = [], {}

    def intern(e):
        k = e.key()
        if k not in ids:
            ids[k] = len(entries)
            entries.append(e)
        return ids[k]

    for table in tables.values():
        for e in table.values():
            intern(e)
    for calls in muxes.values():
        for e in calls.values():
            intern(e)
    out = ['/* Generated by tools/gen-sysent.py: do not edit (docs/design.md, "The\n'
           ' * syscall table", says how to regenerate it).  From Linux %s\'s\n'
           ' * syscall tables and SYSCALL_DEFINEs, strace %s\'s syscallent.h\n'
           ' * classes, and tools/sysent-overrides (%d lines). */\n'
           % (kernel_version(kdir), strace_version(sdir), ov.lines),
           '#include "sysent_table.h"\n\n#include <linux/audit.h>\n\n',
           'const struct sysent sysent_entries[] = {\n']
    out += [c_entry(e) for e in entries]
    out.append('};\n')
    for abi, table in tables.items():
        count = max(table) + 1
        out.append('\nstatic const uint16_t %s_by_nr[%d] = {\n' % (abi, count))
        out += ['    [%d] = %d,\n' % (nr, intern(e) + 1) for nr, e in table.items()]
        out.append('};\n')
        # by name: the syscall, or on i386 the sub-call of a socket or ipc
        # call that has none
        named = OrderedDict()
        for e in table.values():
            named.setdefault(e.name, intern(e))
        if abi == 'i386':
            for calls in muxes.values():
                for e in calls.values():
                    named.setdefault(e.name, intern(e))
        order = sorted(named, key=lambda n: n.encode())
        out.append('static const uint16_t %s_by_name[%d] = {\n' % (abi, len(order)))
        out += ['    %d, /* %s */\n' % (named[n], n) for n in order]
        out.append('};\n')
    out.append('\nconst struct sysent_abi sysent_abis[] = {\n')
    for abi, _, _, audit, (mask, bits), _ in ABIS:
        out.append('    { %s, 0x%x, 0x%x, %s_by_nr, sizeof %s_by_nr / sizeof %s_by_nr[0],\n'
                   '      %s_by_name, sizeof %s_by_name / sizeof %s_by_name[0] },\n'
                   % (audit, mask, bits, abi, abi, abi, abi, abi, abi))
    out.append('};\nconst unsigned sysent_abi_count = '
               'sizeof sysent_abis / sizeof sysent_abis[0];\n')
    for mux, calls in muxes.items():
        count = max(calls) + 1
        out.append('\nstatic const uint16_t %s_calls[%d] = {\n' % (mux, count))
        out += ['    [%d] = %d, /* %s */\n' % (c, intern(e) + 1, e.name) for c, e in calls.items()]
        out.append('};\n')
    i386 = tables['i386']
    out.append('\nconst struct sysent_mux sysent_muxes[] = {\n')
    for mux in muxes:
        nr = [n for n, e in i386.items() if e.name == mux][0]
        out.append('    { %d, %s_calls, sizeof %s_calls / sizeof %s_calls[0] },\n'
                   % (intern(i386[nr]), mux, mux, mux))
    out.append('};\nconst unsigned sysent_mux_count = '
               'sizeof sysent_muxes / sizeof sysent_muxes[0];\n')
    return ''.join(out)


if __name__ == '__main__':
    main()
