#!/usr/bin/env python3
"""Generate src/xlat_table.c: the names of the flag and value sets wtlua
decodes (O_CREAT, PROT_READ, SOCK_STREAM...) and of ioctl requests, for
x86_64 and i386 tracees.

Usage: tools/gen-xlat.py [--list] STRACE_DIR > src/xlat_table.c
       (--list: the tables as text, one set a line, to review a change)

STRACE_DIR is strace's source tree (the committed table was made from its
release v7.2: `git clone --branch v7.2 https://github.com/strace/strace`).
From it this script reads:
  - src/xlat/NAME.in: strace's lists of the names in a set, in the order
    strace prints flags, some with a fallback value, with directives
    (#val_type, #unconditional...) and preprocessor lines (#if defined
    __x86_64__...) that are kept as they are;
  - src/linux/{64,32}/ioctls_inc*.h, src/linux/{x86_64,i386}/ioctls_arch0.h
    and src/ioctls_zfs.h: every ioctl request strace names, with its
    direction, type, number and size, as strace's ioctlsort orders them.

tools/xlat-sets says which lists make up each set and how strace lays the
value out (the access mode of open(2)'s flags is a 2-bit field, not
bits...).

The names' values are not typed: for each ABI (gcc -m64 and -m32) each
list is compiled into a few static constants, whose values gcc's assembler
output gives (nothing is linked or run), from these sources in order:
  k  the Linux kernel's uapi header the list names (its #From lines; what
     the kernel reads at the syscall boundary: O_LARGEFILE is 0100000
     where glibc says 0), and the headers tools/xlat-sets adds;
  g  glibc's headers (SOCK_STREAM is in no uapi header), but not for the
     names strace's decoder defines itself (def= in tools/xlat-sets: its
     fcntl.c's F_GETLK64 is 12 where glibc's is F_GETLK);
  f  strace's fallback value, where neither header defines the name (a
     kernel newer than linux-libc-dev), from its list or from its decoder
     (def=);
  b  strace's copy of newer uapi headers (bundled/linux/include/uapi), for
     names it expects from them without a fallback.
Each entry of the output carries its letter.  A name no source gives is
left out; those strace lists unconditionally are named on stderr.  The
ioctl numbers are strace's own (its maintainers made them from a newer
kernel's headers).
"""

import concurrent.futures
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
SETS_FILE = os.path.join(HERE, 'xlat-sets')

ABIS = (('x86_64', '-m64'), ('i386', '-m32'))

# glibc's headers, for names no uapi header has (the "g" source).
GLIBC_HEADERS = """
sys/types.h sys/socket.h sys/stat.h sys/mman.h sys/wait.h sys/resource.h
sys/time.h sys/ptrace.h sys/mount.h sys/swap.h sys/epoll.h sys/inotify.h
sys/eventfd.h sys/signalfd.h sys/timerfd.h sys/file.h sys/statvfs.h
sys/xattr.h sys/ipc.h sys/msg.h sys/sem.h sys/shm.h sys/prctl.h
sys/personality.h sys/fanotify.h sys/quota.h sys/reboot.h sys/random.h
sys/uio.h sys/poll.h sys/klog.h netinet/in.h netinet/tcp.h netinet/udp.h
fcntl.h signal.h sched.h time.h dirent.h termios.h sys/ioctl.h unistd.h
""".split()

PRELUDE = """\
#define _GNU_SOURCE
#include <stdint.h>
typedef unsigned long kernel_ulong_t;
typedef long kernel_long_t;
"""
# One probe a line, so that gcc's errors (at the macro's expansion point:
# -ftrack-macro-expansion=0) name the probe that failed.  The values are
# read from the assembler code gcc writes: nothing is linked or run.
PROBE = '__attribute__((used)) static const unsigned long long v%d = (unsigned long long)(%s)(%s);'

# Directives of strace's .in format that say nothing about values here.
IGNORED_DIRECTIVES = re.compile(
    r'#(From|Generated|Prefix|Pattern|sorted|value_indexed|enum|include|'
    r'checkval|nocheckval)\b')


def die(msg):
    sys.exit('gen-xlat.py: ' + msg)


# ------------------------------------------------------------- .in lists --

class Entry:
    """One name of a list: NAME, or NAME FALLBACK, or 1<<NAME, or an
    expression strace prints as written (FUTEX_WAIT|FUTEX_CLOCK_REALTIME)."""

    def __init__(self, index, token, fallback, val_type, expected=False):
        self.index = index
        self.expected = expected   # strace has a value for it on every system
        self.name = token
        self.expr = '1ULL<<' + token[3:] if token.startswith('1<<') else token
        self.fallback = fallback
        self.val_type = val_type


class XlatList:
    def __init__(self, name, path):
        self.name = name
        self.lines = []      # str (kept as written) or Entry
        self.entries = []
        self.headers = []    # from #From lines
        val_type = 'unsigned'
        unconditional = False
        with open(path) as fh:
            for raw in fh:
                line = re.sub(r'\s*/\*.*?\*/\s*', ' ', raw).strip()
                if not line:
                    continue
                m = re.match(r'#From\s+(\S+)', line)
                if m:
                    header = uapi_include(m.group(1))
                    if header and header not in self.headers:
                        self.headers.append(header)
                    continue
                m = re.match(r'#val_type\s+(.+)', line)
                if m:
                    val_type = m.group(1).strip()
                    continue
                if line in ('#unconditional', '#conditional'):
                    unconditional = line == '#unconditional'
                    continue
                if IGNORED_DIRECTIVES.match(line):
                    continue
                if re.match(r'[A-Z_!]|1<<[(A-Z_]', line):
                    token, fallback = (line.split(None, 1) + [None])[:2]
                    e = Entry(len(self.entries), token, fallback, val_type, unconditional or bool(fallback))
                    self.entries.append(e)
                    self.lines.append(e)
                else:
                    self.lines.append(raw.rstrip('\n'))


def uapi_include(source_path):
    """The #include for a kernel source path a list names, or None when
    it is no uapi header (include/linux/net.h is the kernel's own)."""
    m = re.match(r'include/uapi/asm-generic/(.+)', source_path)
    if m:
        if os.path.exists('/usr/include/asm/' + m.group(1)):
            return '<asm/%s>' % m.group(1)
        return '<asm-generic/%s>' % m.group(1)
    m = re.match(r'arch/x86/include/uapi/asm/(.+)', source_path)
    if m:
        return '<asm/%s>' % m.group(1)
    m = re.match(r'include/uapi/(.+)', source_path)
    if m:
        return '<%s>' % m.group(1)
    return None


# ------------------------------------------------------------ the probes --

class Prober:
    """Compiles the probes, from several threads at a time."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='gen-xlat.')
        self.numbers = itertools.count()  # file names; next() is atomic
        self.usable = {}

    def usable_headers(self, abi_flag, headers, cflags=()):
        """The headers that exist here and compile alone (linux-libc-dev
        6.1 has no <linux/eventfd.h>)."""
        out = []
        for h in headers:
            if (abi_flag, h, cflags) not in self.usable:
                base = os.path.join(self.dir, 'h%d' % next(self.numbers))
                with open(base + '.c', 'w') as fh:
                    fh.write('#include %s\n' % h)
                r = subprocess.run(['gcc', abi_flag, *cflags, '-fsyntax-only', base + '.c'],
                                   capture_output=True)
                self.usable[(abi_flag, h, cflags)] = r.returncode == 0
            if self.usable[(abi_flag, h, cflags)]:
                out.append(h)
        return out

    def close(self):
        shutil.rmtree(self.dir)

    def run(self, abi_flag, headers, lines, probes, cflags=()):
        """Compiles the list's lines with headers, and a probe for each of
        probes {index: (type, expr)}; a probe that does not compile (a name
        these headers lack) is dropped and the rest tried again.  Returns
        ({index: value}, {indexes dropped}), or None when the headers
        themselves do not compile."""
        probes = dict(probes)
        dropped = set()
        while True:
            base = os.path.join(self.dir, 'p%d' % next(self.numbers))
            src, where = self.source(headers, lines, probes)
            with open(base + '.c', 'w') as fh:
                fh.write(src)
            r = subprocess.run(['gcc', abi_flag, *cflags, '-Werror=implicit-function-declaration',
                                '-fmax-errors=0', '-ftrack-macro-expansion=0', '-S', '-o', '-', base + '.c'],
                               capture_output=True, text=True)
            if r.returncode == 0:
                break
            bad = set()
            for m in re.finditer(r'^(.*?):(\d+):\d+: (?:fatal )?error:', r.stderr, re.M):
                line = int(m.group(2))
                if m.group(1) != base + '.c' or line not in where:
                    return None
                bad.add(where[line])
            if not bad:
                return None
            for index in bad:
                del probes[index]
            dropped |= bad
        return self.values(r.stdout), dropped

    @staticmethod
    def values(asm):
        """{index: value} of the v<index> objects in gcc's assembler code
        (.quad on x86_64, two .long on i386, .zero for 0)."""
        values = {}
        for m in re.finditer(r'^v(\d+):\n((?:\t\.(?:quad|long|zero)\t-?\d+\n)+)', asm, re.M):
            words = re.findall(r'\.(quad|long|zero)\t(-?\d+)', m.group(2))
            if words[0][0] == 'zero':
                value = 0
            elif words[0][0] == 'quad':
                value = int(words[0][1]) & (2**64 - 1)
            else:
                value = (int(words[0][1]) & 0xffffffff) | (int(words[1][1]) & 0xffffffff) << 32
            values[int(m.group(1))] = value
        return values

    @staticmethod
    def source(headers, lines, probes):
        text = PRELUDE.splitlines() + ['#include %s' % h for h in headers]
        where = {}
        for item in lines:
            if isinstance(item, Entry):
                if item.index in probes:
                    val_type, expr = probes[item.index]
                    text.append(PROBE % (item.index, val_type, expr))
                    where[len(text)] = item.index
            else:
                text.append(item)
        return '\n'.join(text) + '\n', where


def list_values(prober, xl, abi_flag, extra, bundled):
    """([(Entry, value, source)] of the list's names that this ABI has, in
    the list's order; [names no header or fallback gives]).  extra: the
    headers and fallbacks the sets using the list add."""
    extra_headers, extra_fallbacks = extra
    wanted = xl.headers + [h for h in extra_headers if h not in xl.headers]
    kernel = prober.usable_headers(abi_flag, wanted)
    glibc = ['<%s>' % h for h in GLIBC_HEADERS]
    bundled_flags = ('-I', bundled)
    newer = prober.usable_headers(abi_flag, wanted, bundled_flags)
    found = {}
    pending = {e.index for e in xl.entries}
    failed = set()
    # Names first, from the kernel's header then glibc's; then fallbacks;
    # then strace's copy of newer uapi headers.  An entry inside an #if for
    # another architecture neither prints nor fails: it is not this ABI's.
    stages = [('k', kernel, False, ()), ('g', glibc, False, ()),
              ('f', kernel, True, ()), ('f', glibc, True, ()),
              ('b', newer, False, bundled_flags)]
    for source, headers, use_fallback, cflags in stages:
        if not headers:
            continue
        if use_fallback:
            fallbacks = {i: xl.entries[i].fallback or extra_fallbacks.get(xl.entries[i].name)
                         for i in pending}
            probes = {i: (xl.entries[i].val_type, f) for i, f in fallbacks.items() if f}
        else:
            # strace's decoder puts its own value before glibc's (glibc's
            # F_GETLK64 is F_GETLK on x86_64; the kernel's is 12)
            probes = {i: (xl.entries[i].val_type, xl.entries[i].expr) for i in pending
                      if source != 'g' or xl.entries[i].name not in extra_fallbacks}
        if not probes:
            continue
        result = prober.run(abi_flag, headers, xl.lines, probes, cflags)
        if result is None:
            die('%s: the headers %s do not compile together' % (xl.name, ' '.join(headers)))
        values, dropped = result
        failed |= dropped
        for i, v in values.items():
            found[i] = (v, source)
            pending.discard(i)
    # strace lists a name without a fallback, unless #unconditional, for
    # the systems whose headers have it (MAP_GROWSUP is ia64's).
    missing = [xl.entries[i].name for i in sorted(pending & failed) if xl.entries[i].expected]
    return [(e, found[e.index][0], found[e.index][1]) for e in xl.entries if e.index in found], missing


def constant_values(prober, abi_flag, headers, names, cflags=()):
    """{name: value} of C constant expressions, with the given headers."""
    if not names:
        return {}
    entries = [Entry(i, name, None, 'unsigned long long') for i, name in enumerate(names)]
    result = prober.run(abi_flag, headers, entries, {e.index: (e.val_type, e.expr) for e in entries}, cflags)
    if result is None:
        die('the headers %s do not compile' % ' '.join(headers))
    return {names[i]: v for i, v in result[0].items()}


# -------------------------------------------------------------- the sets --

PART_RE = re.compile(r'^(?:(?P<mask>[^=]+?):)?(?P<kind>flags|value|known-else-raw|known|shift|number|signal)'
                     r'(?:=(?P<source>[^!/]*))?(?:(?P<bang>!)(?P<unknown>[^/]*))?(?:/(?P<fmt>[xduo])(?P<verbose>v?))?$')


class Part:
    def __init__(self, token):
        m = PART_RE.match(token)
        if not m:
            die('xlat-sets: cannot read the part %r' % token)
        self.mask_expr = m.group('mask')
        self.kind = m.group('kind')
        self.unknown = m.group('unknown') if m.group('bang') else None
        self.fmt = m.group('fmt') or ('o' if self.kind == 'number' else 'x')
        self.verbose = bool(m.group('verbose'))
        self.shift_name = None
        source = m.group('source') or ''
        if self.kind == 'shift':
            self.shift_name, _, source = source.partition('=')
        self.local_names = []
        self.lists = []
        if source.startswith('['):
            self.local_names = source.strip('[]').split(',')
        elif source:
            self.lists = source.split('+')


class Set:
    def __init__(self, lineno, name, tokens):
        self.lineno = lineno
        self.name = name
        self.bits = 32
        self.headers = []
        self.fallbacks = {}
        self.parts = []
        for t in tokens:
            if t.startswith('bits='):
                self.bits = int(t[5:])
            elif t.startswith('hdr='):
                self.headers = t[4:].split(',')
            elif t.startswith('def='):
                for d in t[4:].split(','):
                    name, _, value = d.partition('=')
                    self.fallbacks[name] = value
            else:
                self.parts.append(Part(t))
        if not self.parts:
            die('xlat-sets:%d: %s has no parts' % (lineno, name))


def read_sets(path):
    sets = []
    with open(path) as fh:
        for lineno, line in enumerate(fh, 1):
            tokens = line.partition('#')[0].split()
            if tokens:
                sets.append(Set(lineno, tokens[0], tokens[1:]))
    names = [s.name for s in sets]
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        die('xlat-sets names %s twice' % ', '.join(sorted(dups)))
    return sets


class Built:
    """A set's parts with values, for one ABI."""

    def __init__(self, s, parts, zero_is_empty):
        self.set = s
        self.parts = parts   # [(kind, mask, fmt, shift, shift_name, unknown, verbose, [(value, name, source)])]
        self.zero_is_empty = zero_is_empty

    def key(self):
        return (self.set.bits, self.zero_is_empty,
                tuple(p[:-1] + (tuple((v, n) for v, n, _ in p[-1]),) for p in self.parts))


def header_source(headers):
    """k when headers are the kernel's uapi headers, else g."""
    kernel = headers and all(re.match(r'<(linux|asm|asm-generic)/', h) for h in headers)
    return 'k' if kernel else 'g'


def build_set(s, abi, lists, consts):
    width = (1 << s.bits) - 1
    masks = []
    for p in s.parts:
        masks.append(consts[abi][(s.name, p.mask_expr)] & width if p.mask_expr else None)
    built = []
    for i, p in enumerate(s.parts):
        mask = masks[i]
        if mask is None:
            others = masks[i + 1:] if p.kind == 'flags' else masks[:i] + masks[i + 1:]
            mask = width
            for m in others:
                if m is not None:
                    mask &= ~m
        entries = []
        for ln in p.lists:
            entries += [(v, e.name, src) for e, v, src in lists[abi][ln]]
        for n in p.local_names:
            entries.append((consts[abi][(s.name, n)] & width, n, header_source(s.headers)))
        if p.kind == 'flags':
            seen = set()
            ordered = []
            for v, n, src in entries:
                if (v, n) not in seen:
                    seen.add((v, n))
                    ordered.append((v, n, src))
            entries = ordered
        else:
            by_value = OrderedDict()
            for v, n, src in entries:
                by_value.setdefault(v, (v, n, src))
            entries = sorted(by_value.values())
        for v, n, _ in entries:
            if v > width:
                print('gen-xlat.py: %s (%s): %s = %#x is wider than the set\'s %d bits'
                      % (s.name, abi, n, v, s.bits), file=sys.stderr)
        shift = 0
        if p.kind == 'shift':
            shift = (mask & -mask).bit_length() - 1
        built.append((p.kind, mask, p.fmt, shift, p.shift_name, p.unknown, p.verbose, entries))
    # strace's printflags prints nothing for 0 when its caller gives no
    # default name ("c_iflag=" in a termios).
    zero_is_empty = any(p.kind == 'flags' and p.unknown is None for p in s.parts)
    return Built(s, built, zero_is_empty)


# ---------------------------------------------------------------- ioctls --

IOC = {'_IOC_NONE': 0, '_IOC_WRITE': 1, '_IOC_READ': 2, '0': 0}
IOCTL_RE = re.compile(r'^\{\s*"([^"]+)",\s*"([^"]+)",\s*([^,]+),\s*([^,]+),\s*([^,}]+)\s*\},?\s*$')


def read_ioctls(paths):
    out = []
    for path in paths:
        with open(path) as fh:
            for line in fh:
                m = IOCTL_RE.match(line.strip())
                if not m:
                    continue
                info, name, d, type_nr, size = m.groups()
                direction = 0
                for part in d.split('|'):
                    direction |= IOC[part.strip()]
                out.append((info, name, direction, int(eval_c_int(type_nr)), int(eval_c_int(size))))
    return out


def eval_c_int(expr):
    expr = expr.strip()
    if not re.match(r'^[0-9a-fA-Fx()<|\s]+$', expr):
        die('cannot read the ioctl number %r' % expr)
    return eval(expr)


def ioctl_code(direction, type_nr, size):
    return (type_nr | (size << 16) | (direction << 30)) & 0xffffffff


def sort_ioctls(ioctls):
    """strace's ioctlsort: one entry per name (the first by name, then
    header, "asm/" before "asm-generic/"), sorted by code then name; a
    name that merely extends the previous name of the same code goes."""
    def name_info_key(e):
        info = e[0]
        return (e[1], info.replace('asm/', 'asm\0', 1) if info.startswith('asm/') else info)
    first = OrderedDict()
    for e in sorted(ioctls, key=name_info_key):
        first.setdefault(e[1], e)
    coded = sorted(((ioctl_code(e[2], e[3], e[4]), e[1]) for e in first.values()))
    out = []
    for code, name in coded:
        if out and out[-1][0] == code and name.startswith(out[-1][1]):
            continue
        out.append((code, name))
    return out


def ioctl_tables(strace):
    src = os.path.join(strace, 'src')
    x86_64 = read_ioctls([os.path.join(src, 'linux/64/ioctls_inc.h'),
                          os.path.join(src, 'linux/x86_64/ioctls_arch0.h'),
                          os.path.join(src, 'ioctls_zfs.h')])
    i386 = read_ioctls([os.path.join(src, 'linux/32/ioctls_inc_align32.h'),
                        os.path.join(src, 'linux/i386/ioctls_arch0.h'),
                        os.path.join(src, 'ioctls_zfs.h')])
    return {'x86_64': sort_ioctls(x86_64), 'i386': sort_ioctls(i386)}


# ---------------------------------------------------------------- output --

KIND_C = {'flags': 'XLAT_FLAGS', 'value': 'XLAT_VALUE', 'known': 'XLAT_KNOWN',
          'known-else-raw': 'XLAT_KNOWN_ELSE_RAW', 'shift': 'XLAT_SHIFT',
          'number': 'XLAT_NUMBER', 'signal': 'XLAT_SIGNAL'}
FMT_C = {'x': 'XLAT_HEX', 'd': 'XLAT_DEC', 'u': 'XLAT_UNSIGNED', 'o': 'XLAT_OCTAL'}


def c_str(s):
    return 'NULL' if s is None else '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def c_ident(s):
    return re.sub(r'[^A-Za-z0-9_]', '_', s)


def emit(out, sets, built, ioctls, keys, versions):
    w = out.write
    w('/* Generated by tools/gen-xlat.py: do not edit (docs/design.md, "Name\n'
      ' * tables", says how to regenerate it).  The names are strace %s\'s\n'
      ' * (its src/xlat lists and ioctl tables); the sets are tools/xlat-sets\'s.\n'
      ' * Values from the headers of linux-libc-dev %s and libc6-dev %s,\n'
      ' * compiled for each ABI.  After each entry, where its value comes from:\n'
      ' * k the kernel\'s uapi header, g glibc\'s, f strace\'s fallback value (no\n'
      ' * header here defines the name), b strace\'s copy of newer uapi headers\n'
      ' * (x86_64\'s letter where the ABIs share a table). */\n'
      % versions)
    w('#include "xlat_table.h"\n\n#include <stddef.h>\n\n')

    # Entry arrays, shared by identical content.
    arrays = OrderedDict()   # content -> identifier

    def array_for(set_name, part_index, entries):
        content = tuple((v, n) for v, n, _ in entries)
        if not content:
            return None
        if content not in arrays:
            ident = 'e_%s_%d' % (c_ident(set_name), part_index)
            while ident in arrays.values():
                ident += '_'
            arrays[content] = ident
            w('static const struct xlat_entry %s[] = {\n' % ident)
            for v, n, src in entries:
                w('    { %#x, %s }, /* %s */\n' % (v, c_str(n), src))
            w('};\n')
        return arrays[content]

    set_idents = {}  # (set name, built key) -> identifier
    index = []
    for s in sets:
        per_abi = []
        for abi, _ in ABIS:
            b = built[abi][s.name]
            k = b.key()
            if (s.name, k) not in set_idents:
                ident = 'x_%s' % c_ident(s.name)
                if any(v == ident for v in set_idents.values()):
                    ident += '_' + abi
                parts = []
                for i, (kind, mask, fmt, shift, shift_name, unknown, verbose, entries) in enumerate(b.parts):
                    arr = array_for(s.name, i, entries)
                    parts.append('    { .kind = %s, .mask = %#x, .format = %s, .verbose = %d, .shift = %d,\n'
                                 '      .shift_name = %s, .unknown = %s, .entries = %s, .count = %d },\n'
                                 % (KIND_C[kind], mask, FMT_C[fmt], verbose, shift, c_str(shift_name),
                                    c_str(unknown), arr or 'NULL', len(entries)))
                w('static const struct xlat_part %s_parts[] = {\n%s};\n' % (ident, ''.join(parts)))
                w('static const struct xlat %s = { .name = %s, .parts = %s_parts, .nparts = %d,\n'
                  '    .bits = %d, .zero_is_empty = %d };\n\n'
                  % (ident, c_str(s.name), ident, len(b.parts), s.bits, int(b.zero_is_empty)))
                set_idents[(s.name, k)] = ident
            per_abi.append(set_idents[(s.name, k)])
        index.append((s.name, per_abi))

    w('const struct xlat_index_entry xlat_index[] = {\n')
    for name, per_abi in sorted(index, key=lambda x: x[0].encode()):
        w('    { %s, { %s } },\n' % (c_str(name), ', '.join('&' + i for i in per_abi)))
    w('};\nconst size_t xlat_index_count = sizeof xlat_index / sizeof xlat_index[0];\n\n')

    w('/* SET@KEY sets by family and the key\'s value. */\n')
    w('const struct xlat_keyed_entry xlat_keyed[] = {\n')
    keyed = sorted(((name.partition('@')[0], keys[name], per_abi) for name, per_abi in index if name in keys),
                   key=lambda x: (x[0].encode(), x[1]))
    for family, key, per_abi in keyed:
        w('    { %s, %#x, { %s } },\n' % (c_str(family), key, ', '.join('&' + i for i in per_abi)))
    w('};\nconst size_t xlat_keyed_count = sizeof xlat_keyed / sizeof xlat_keyed[0];\n\n')

    # ioctls: one table for both ABIs, each entry marked with the ABIs
    # that have it; the names in one string, by offset, so that the table
    # needs no relocations.
    merged = OrderedDict()
    for bit, (abi, _) in enumerate(ABIS):
        for code, name in ioctls[abi]:
            merged[(code, name)] = merged.get((code, name), 0) | (1 << bit)
    offsets = OrderedDict()
    size = 0
    for (_, name) in merged:
        if name not in offsets:
            offsets[name] = size
            size += len(name) + 1
    w('/* strace %s\'s ioctl requests; their names, each ended by a NUL. */\n' % versions[0])
    w('const char xlat_ioctl_names_text[] =\n')
    for name in offsets:
        w('    %s "\\0"\n' % c_str(name))
    w('    ;\n\n')
    w('/* Sorted by code then name; abis: bit 0 x86_64, bit 1 i386. */\n')
    w('const struct xlat_ioctl xlat_ioctls[] = {\n')
    for (code, name), abis in sorted(merged.items()):
        w('    { %#010x, %d, %d }, /* %s */\n' % (code, offsets[name], abis, name))
    w('};\nconst size_t xlat_ioctl_count = sizeof xlat_ioctls / sizeof xlat_ioctls[0];\n')


def listing(out, sets, built, ioctls):
    for s in sets:
        for abi, _ in ABIS:
            b = built[abi][s.name]
            parts = []
            for kind, mask, fmt, shift, shift_name, unknown, verbose, entries in b.parts:
                names = ' '.join('%s=%#x%s' % (n, v, src) for v, n, src in entries)
                parts.append('%s[%#x]{%s}' % (kind, mask, names))
            out.write('%s %s: %s\n' % (s.name, abi, ' '.join(parts)))
    for abi, _ in ABIS:
        out.write('ioctls %s: %d\n' % (abi, len(ioctls[abi])))


# ------------------------------------------------------------------ main --

def package_version(pkg):
    r = subprocess.run(['dpkg-query', '-W', '-f=${Version}', pkg], capture_output=True, text=True)
    return r.stdout.strip() or 'unknown'


def strace_version(strace):
    r = subprocess.run(['git', '-C', strace, 'describe', '--tags'], capture_output=True, text=True)
    if r.returncode == 0:
        return r.stdout.strip()
    path = os.path.join(strace, '.tarball-version')
    if os.path.exists(path):
        return open(path).read().strip()
    return 'unknown'


def all_list_values(prober, xlists, extra, bundled):
    """{abi: {list: [(Entry, value, source)]}}, and {list: {names strace
    expects that no source gives}}."""
    lists = {abi: {} for abi, _ in ABIS}
    missing = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        jobs = {pool.submit(list_values, prober, xl, flag, extra[n], bundled): (abi, n)
                for abi, flag in ABIS for n, xl in xlists.items()}
        for f in concurrent.futures.as_completed(jobs):
            abi, n = jobs[f]
            lists[abi][n], miss = f.result()
            if not lists[abi][n]:
                die('%s: no name of the list has a value for %s' % (n, abi))
            if miss:
                missing.setdefault(n, set()).update(miss)
    return lists, missing


def set_constants(prober, sets, lists, bundled):
    """{abi: {(set, expr): value}} of the sets' masks and [NAME] names, and
    {abi: {('@', key): value}} of the keys of SET@KEY sets (from the
    lists' names, else glibc's headers)."""
    glibc = ['<%s>' % h for h in GLIBC_HEADERS]
    consts = {abi: {} for abi, _ in ABIS}
    for abi, flag in ABIS:
        for s in sets:
            exprs = [p.mask_expr for p in s.parts if p.mask_expr]
            exprs += [n for p in s.parts for n in p.local_names]
            if not exprs:
                continue
            headers = s.headers or glibc
            values = constant_values(prober, flag, headers, exprs)
            rest = [e for e in exprs if e not in values]
            if rest:
                values.update(constant_values(prober, flag, headers, rest, ('-I', bundled)))
            for e in exprs:
                if e not in values:
                    die('xlat-sets:%d: %s: %s is not a constant with %s'
                        % (s.lineno, s.name, e, ' '.join(headers)))
                consts[abi][(s.name, e)] = values[e]
        named = {}
        for entries in lists[abi].values():
            for e, v, _ in entries:
                named.setdefault(e.name, v)
        keys = sorted({s.name.partition('@')[2] for s in sets if '@' in s.name})
        values = constant_values(prober, flag, glibc, [k for k in keys if k not in named])
        for k in keys:
            v = named.get(k, values.get(k))
            if v is None:
                die('xlat-sets: no value for the key %s' % k)
            if abi != ABIS[0][0] and v != consts[ABIS[0][0]][('@', k)]:
                die('xlat-sets: the key %s differs between the ABIs' % k)
            consts[abi][('@', k)] = v
    return consts


def main(argv):
    args = argv[1:]
    want_list = '--list' in args
    args = [a for a in args if a != '--list']
    if len(args) != 1:
        die('usage: tools/gen-xlat.py [--list] STRACE_DIR > src/xlat_table.c')
    strace = args[0]
    xlat_dir = os.path.join(strace, 'src', 'xlat')
    bundled = os.path.join(os.path.abspath(strace), 'bundled', 'linux', 'include', 'uapi')
    if not os.path.isdir(xlat_dir):
        die('%s: no src/xlat here' % strace)

    sets = read_sets(SETS_FILE)
    extra = OrderedDict()   # list -> ([hdr=], {def=}) of the sets that use it
    for s in sets:
        for p in s.parts:
            for ln in p.lists:
                if not os.path.exists(os.path.join(xlat_dir, ln + '.in')):
                    die('xlat-sets:%d: strace has no list %s' % (s.lineno, ln))
                headers, fallbacks = extra.setdefault(ln, ([], {}))
                headers.extend(s.headers)
                fallbacks.update(s.fallbacks)
    xlists = {n: XlatList(n, os.path.join(xlat_dir, n + '.in')) for n in extra}

    prober = Prober()
    try:
        lists, missing = all_list_values(prober, xlists, extra, bundled)
        consts = set_constants(prober, sets, lists, bundled)
    finally:
        prober.close()
    for n in sorted(missing):
        print('gen-xlat.py: %s: no value for %s' % (n, ' '.join(sorted(missing[n]))), file=sys.stderr)

    built = {abi: {s.name: build_set(s, abi, lists, consts) for s in sets} for abi, _ in ABIS}
    ioctls = ioctl_tables(strace)
    if want_list:
        listing(sys.stdout, sets, built, ioctls)
        return
    versions = (strace_version(strace), package_version('linux-libc-dev'), package_version('libc6-dev'))
    keys = {s.name: consts['x86_64'][('@', s.name.partition('@')[2])] for s in sets if '@' in s.name}
    emit(sys.stdout, sets, built, ioctls, keys, versions)


if __name__ == '__main__':
    main(sys.argv)
