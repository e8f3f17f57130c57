/* End-to-end tests of the trace script: the same command under
 * `wtlua -s trace` and under `strace -f -qq -e signal=none`, and the two
 * logs compared line by line once what differs between any two runs is
 * taken out:
 *
 * - strace's "<unfinished ...>" and "<... resumed>" halves are joined into
 *   the whole line wtlua writes, and the padding before "= " is reduced to
 *   one space (the padding of wtlua's own lines is checked separately);
 * - addresses (0x...) become 0xADDR, inode numbers (:[N]) :[INODE], and
 *   every number that is a pid of the trace PID;
 * - the values that change from run to run: getrandom's bytes, sysinfo's
 *   figures, the first process's parent (strace or wtlua);
 * - lines are grouped by thread (each thread's calls keep their order) and
 *   the groups sorted, since threads and processes interleave differently.
 *
 * The calls wtlua still shows otherwise than strace are listed in
 * docs/helpers.md (the trace script); their lines are left out here, and
 * only theirs: known_differences below. */
#include "e2e.h"

#include <ctype.h>
#include <regex.h>

/* Syscalls whose lines differ from strace's for a reason given in
 * docs/helpers.md: none of the commands tested here makes them. */
static const char *const known_differences[] = { NULL };

/* ---- reading a log ---- */

struct group {
    long pid;
    char **lines;
    size_t n, cap;
};

struct log {
    struct group *groups;
    size_t n, cap;
};

static struct group *group_of(struct log *log, long pid)
{
    for (size_t i = 0; i < log->n; i++)
        if (log->groups[i].pid == pid)
            return &log->groups[i];
    if (log->n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 16;
        log->groups = realloc(log->groups, log->cap * sizeof *log->groups);
        assert_non_null(log->groups);
    }
    log->groups[log->n] = (struct group){ .pid = pid };
    return &log->groups[log->n++];
}

static void add_line(struct group *g, char *line)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->lines = realloc(g->lines, g->cap * sizeof *g->lines);
        assert_non_null(g->lines);
    }
    g->lines[g->n++] = line;
}

static bool known_difference(const char *line)
{
    for (size_t i = 0; known_differences[i]; i++) {
        size_t len = strlen(known_differences[i]);
        if (strncmp(line, known_differences[i], len) == 0 && line[len] == '(')
            return true;
    }
    return false;
}

/* Where the result starts in a whole line: after the last ")" that
 * spaces and "= " follow (no result text has that); the call ends at
 * *call_end.  NULL when there is none. */
static const char *result_of(const char *line, size_t *call_end)
{
    const char *found = NULL;
    for (const char *p = strchr(line, ')'); p; p = strchr(p + 1, ')')) {
        const char *q = p + 1;
        if (*q != ' ')
            continue;
        while (*q == ' ')
            q++;
        if (q[0] == '=' && q[1] == ' ') {
            found = q + 2;
            *call_end = (size_t)(p + 1 - line);
        }
    }
    return found;
}

/* "name(args) = result" with one space before "= ". */
static char *canonical(const char *line)
{
    size_t call;
    const char *result = result_of(line, &call);
    if (!result)
        return strdup(line);
    char *out = malloc(strlen(line) + 4);
    assert_non_null(out);
    sprintf(out, "%.*s = %s", (int)call, line, result);
    return out;
}

/* Replaces every match of re in *s with with (a fresh string). */
static void replace_all(char **s, const char *pattern, const char *with)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED) != 0)
        fail_msg("bad pattern %s", pattern);
    size_t cap = strlen(*s) * 2 + 64, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    const char *p = *s;
    regmatch_t m;
    while (*p && regexec(&re, p, 1, &m, p == *s ? 0 : REG_NOTBOL) == 0 && m.rm_eo > 0) {
        size_t need = len + (size_t)m.rm_so + strlen(with) + 1;
        if (need > cap) {
            cap = 2 * need;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + len, p, (size_t)m.rm_so);
        len += (size_t)m.rm_so;
        strcpy(out + len, with);
        len += strlen(with);
        p += m.rm_eo;
    }
    size_t rest = strlen(p);
    if (len + rest + 1 > cap) {
        out = realloc(out, len + rest + 1);
        assert_non_null(out);
    }
    strcpy(out + len, p);
    regfree(&re);
    free(*s);
    *s = out;
}

static bool is_pid(const struct log *log, long n)
{
    for (size_t i = 0; i < log->n; i++)
        if (log->groups[i].pid == n)
            return true;
    return false;
}

/* Every number that is a pid of the log (not part of a word or of a
 * dotted version, nor octal: 0640) becomes PID. */
static void mask_pids(const struct log *log, char **s)
{
    size_t len = strlen(*s);
    char *out = malloc(len * 2 + 1), *o = out;
    assert_non_null(out);
    const char *p = *s;
    while (*p) {
        bool boundary = p == *s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.');
        if (boundary && isdigit((unsigned char)*p)) {
            const char *e = p;
            while (isdigit((unsigned char)*e))
                e++;
            bool whole = !(isalnum((unsigned char)*e) || *e == '_' || (*e == '.' && isdigit((unsigned char)e[1])));
            if (whole && *p != '0' && is_pid(log, strtol(p, NULL, 10))) {
                strcpy(o, "PID");
                o += 3;
                p = e;
                continue;
            }
            memcpy(o, p, (size_t)(e - p));
            o += e - p;
            p = e;
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    free(*s);
    *s = out;
}

/* The values that differ between two runs of the same command. */
static void mask_run_values(char **s)
{
    replace_all(s, "^getrandom\\(\"[^\"]*\"", "getrandom(\"BYTES\"");
    replace_all(s, "^sysinfo\\(\\{.*\\}\\)", "sysinfo({FIGURES})");
    replace_all(s, "^getppid\\(\\) = [0-9]+", "getppid() = PARENT");
}

/* A shell's SIGCHLD handler runs whenever its child happens to end: which
 * call it interrupts (ERESTARTSYS, then the call again) and where its
 * rt_sigreturn falls differ from run to run.  With this set (the shell's
 * tests), those lines are left out of both logs. */
static bool signal_timing;

static bool depends_on_signal_timing(const char *line)
{
    size_t call;
    const char *result = result_of(line, &call);
    return strncmp(line, "rt_sigreturn(", 13) == 0 ||
           (result && strncmp(result, "? ERESTART", 10) == 0);
}

/* Reads a log of strace -f -o or of the trace script, joining strace's
 * halves of a call, into groups of canonical, masked lines. */
static struct log read_log(const char *path)
{
    char *text = e2e_read(path);
    if (!text)
        fail_msg("cannot read %s", path);
    struct log log = { 0 };
    struct pending {
        long pid;
        char *head;
    } pend[256];
    size_t npend = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *rest;
        long pid = strtol(l, &rest, 10);
        if (rest == l)
            fail_msg("%s: a line without a pid: %s", path, l);
        while (*rest == ' ')
            rest++;
        size_t len = strlen(rest);
        static const char unfinished[] = " <unfinished ...>";
        if (len >= sizeof unfinished - 1 && strcmp(rest + len - (sizeof unfinished - 1), unfinished) == 0) {
            if (npend == sizeof pend / sizeof pend[0])
                fail_msg("too many unfinished calls");
            pend[npend].pid = pid;
            pend[npend++].head = strndup(rest, len - (sizeof unfinished - 1));
            continue;
        }
        char *whole;
        if (strncmp(rest, "<... ", 5) == 0) {
            char *tail = strstr(rest, " resumed>");
            assert_non_null(tail);
            tail += 9;
            char *head = NULL;
            for (size_t i = 0; i < npend; i++)
                if (pend[i].pid == pid) {
                    head = pend[i].head;
                    pend[i] = pend[--npend];
                    break;
                }
            assert_non_null(head);
            /* strace's " <unfinished ...>" after an argument's ", " */
            if (strncmp(tail, unfinished, sizeof unfinished - 1) == 0)
                tail++;
            whole = malloc(strlen(head) + strlen(tail) + 1);
            assert_non_null(whole);
            sprintf(whole, "%s%s", head, tail);
            free(head);
        } else {
            whole = strdup(rest);
        }
        char *line = canonical(whole);
        free(whole);
        if (known_difference(line) || (signal_timing && depends_on_signal_timing(line))) {
            free(line);
            continue;
        }
        add_line(group_of(&log, pid), line);
    }
    free(text);
    for (size_t g = 0; g < log.n; g++)
        for (size_t i = 0; i < log.groups[g].n; i++) {
            char **s = &log.groups[g].lines[i];
            replace_all(s, "0x[0-9a-f]+", "0xADDR");
            replace_all(s, ":\\[[0-9]+\\]", ":[INODE]");
            mask_run_values(s);
            mask_pids(&log, s);
        }
    return log;
}

static void free_log(struct log *log)
{
    for (size_t g = 0; g < log->n; g++) {
        for (size_t i = 0; i < log->groups[g].n; i++)
            free(log->groups[g].lines[i]);
        free(log->groups[g].lines);
    }
    free(log->groups);
}

static int compare_groups(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    for (size_t i = 0; i < x->n && i < y->n; i++) {
        int c = strcmp(x->lines[i], y->lines[i]);
        if (c)
            return c;
    }
    return (x->n > y->n) - (x->n < y->n);
}

/* The two logs must hold the same threads' lines, in each thread the
 * same lines in the same order. */
static void assert_same_calls(const char *strace_log, const char *wtlua_log)
{
    struct log want = read_log(strace_log), got = read_log(wtlua_log);
    qsort(want.groups, want.n, sizeof *want.groups, compare_groups);
    qsort(got.groups, got.n, sizeof *got.groups, compare_groups);
    if (want.n != got.n)
        fail_msg("strace saw %zu threads, wtlua %zu", want.n, got.n);
    for (size_t g = 0; g < want.n; g++) {
        const struct group *w = &want.groups[g], *o = &got.groups[g];
        for (size_t i = 0; i < w->n || i < o->n; i++) {
            const char *a = i < w->n ? w->lines[i] : "(no more lines)";
            const char *b = i < o->n ? o->lines[i] : "(no more lines)";
            if (strcmp(a, b) != 0)
                fail_msg("thread group %zu, line %zu differs:\n strace: %s\n  wtlua: %s\n"
                         "(strace's log: %s, wtlua's: %s)", g, i + 1, a, b, strace_log,
                         wtlua_log);
        }
    }
    assert_true(want.n > 0);
    free_log(&want);
    free_log(&got);
}

/* Every line of wtlua's log has the result at strace's column: "PID   "
 * and the call take 40 columns at least, then "= ". */
static void assert_padded(const char *path)
{
    char *text = e2e_read(path);
    assert_non_null(text);
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        size_t call;
        const char *result = result_of(l, &call);
        if (!result)
            fail_msg("no result in: %s", l);
        size_t at = (size_t)(result - 2 - l); /* the "=" */
        if (call + 1 < 40 ? at != 40 : at != call + 1)
            fail_msg("the result is at column %zu in: %s", at, l);
    }
    free(text);
}

/* ---- running both tracers ---- */

static const char *strace_path(void)
{
    static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/local/bin", NULL };
    for (size_t i = 0; dirs[i]; i++) {
        const char *p = e2e_str("%s/strace", dirs[i]);
        if (access(p, X_OK) == 0)
            return p;
    }
    return NULL;
}

/* The command under strace (its options, then the command) and under
 * wtlua -s trace (its -a options), each log in DIR; their paths. */
static void run_both(struct e2e *t, const char *const strace_opts[], const char *const trace_opts[],
                     const char *const cmd[], const char **strace_log, const char **wtlua_log)
{
    const char *strace = strace_path();
    if (!strace)
        skip();
    *strace_log = e2e_path(t, "strace.log");
    *wtlua_log = t->report;
    const char *argv[64];
    size_t n = 0;
    argv[n++] = strace;
    const char *const base[] = { "-f", "-qq", "-e", "signal=none", "-o", *strace_log, NULL };
    for (size_t i = 0; base[i]; i++)
        argv[n++] = base[i];
    for (size_t i = 0; strace_opts && strace_opts[i]; i++)
        argv[n++] = strace_opts[i];
    argv[n++] = "--";
    for (size_t i = 0; cmd[i]; i++)
        argv[n++] = cmd[i];
    argv[n] = NULL;
    if (e2e_exec(t, argv) != 0)
        fail_msg("strace exited %d: %s", t->status, t->err);
    n = 0;
    argv[n++] = "-s";
    argv[n++] = "trace";
    for (size_t i = 0; trace_opts && trace_opts[i]; i++) {
        argv[n++] = "-a";
        argv[n++] = trace_opts[i];
    }
    argv[n++] = "--";
    for (size_t i = 0; cmd[i]; i++)
        argv[n++] = cmd[i];
    argv[n] = NULL;
    e2e_wtlua_v(t, argv);
    e2e_assert_status(t, 0);
}

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void compare(struct e2e *t, const char *const strace_opts[], const char *const trace_opts[],
                    const char *const cmd[])
{
    const char *strace_log, *wtlua_log;
    run_both(t, strace_opts, trace_opts, cmd, &strace_log, &wtlua_log);
    assert_padded(wtlua_log);
    assert_same_calls(strace_log, wtlua_log);
}

/* ---- the fixture that makes every decoded call ---- */

static void test_as_strace_fixture(void **state)
{
    compare(*state, NULL, NULL, LIST(e2e_fixture("syscalls")));
}

static void test_as_strace_fixture_i386(void **state)
{
    compare(*state, NULL, NULL, LIST(e2e_fixture("syscalls-32")));
}

/* a thread killed in its read: "read(3, <unfinished ...>) = ?" */
static void test_as_strace_call_a_thread_dies_in(void **state)
{
    struct e2e *t = *state;
    compare(t, NULL, NULL, LIST(e2e_fixture("syscalls"), "thread"));
    char *log = e2e_read(t->report);
    assert_non_null(strstr(log, "read(3, <unfinished ...>)         = ?\n"));
    free(log);
}

static void test_as_strace_fd_paths(void **state)
{
    compare(*state, LIST("-y"), LIST("y"), LIST(e2e_fixture("syscalls"), "files", "descriptors",
                                                 "sockets"));
}

static void test_as_strace_string_limit(void **state)
{
    compare(*state, LIST("-s", "8"), LIST("s=8"), LIST(e2e_fixture("syscalls"), "files",
                                                        "processes"));
}

static void test_as_strace_selection_by_class(void **state)
{
    compare(*state, LIST("-e", "trace=%file,%network,execve"), LIST("trace=%file,%network,execve"),
            LIST(e2e_fixture("syscalls")));
}

static void test_as_strace_selection_negated(void **state)
{
    compare(*state, LIST("-e", "trace=!%memory,%signal,read"), LIST("trace=!%memory,%signal,read"),
            LIST(e2e_fixture("syscalls"), "files", "signals", "memory"));
}

/* ---- everyday commands ---- */

static const char *which(const char *name)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        const char *p = e2e_str("%s/%s", d, name);
        if (access(p, X_OK) == 0)
            return p;
    }
    return NULL;
}

/* The logs go to DIR: the commands work in DIR/d. */
static const char *work_dir(struct e2e *t)
{
    const char *d = e2e_path(t, "d");
    if (mkdir(d, 0755) < 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", d, strerror(errno));
    return d;
}

static void test_as_strace_ls(void **state)
{
    struct e2e *t = *state;
    const char *d = work_dir(t);
    e2e_write(e2e_str("%s/a", d), "a\n", 0644);
    e2e_write(e2e_str("%s/b", d), "bb\n", 0755);
    compare(t, NULL, NULL, LIST(which("ls"), d));
}

static void test_as_strace_ls_long(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "a"), "a\n", 0644);
    symlink("a", e2e_path(t, "link"));
    compare(t, NULL, NULL, LIST(which("ls"), "-l", e2e_path(t, "a"), e2e_path(t, "link")));
}

static void test_as_strace_cp(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "src"), "some text to copy\n", 0644);
    /* the same work in both runs: each removes its copy */
    compare(t, NULL, NULL, LIST(which("sh"), "-c", e2e_str("%s %s %s && rm %s", which("cp"),
                                                          e2e_path(t, "src"), e2e_path(t, "dst"),
                                                          e2e_path(t, "dst"))));
}

static void test_as_strace_sh_pipeline(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "in"), "b\na\nc\n", 0644);
    signal_timing = true;
    compare(t, NULL, NULL,
            LIST(which("sh"), "-c", e2e_str("cat %s | sort | wc -l > %s", e2e_path(t, "in"),
                                            e2e_path(t, "out"))));
    signal_timing = false;
}

static void test_as_strace_python(void **state)
{
    const char *python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : NULL;
    if (!python)
        skip();
    compare(*state, NULL, NULL, LIST(python, "-c", "pass"));
}

static void test_as_strace_git_status(void **state)
{
    struct e2e *t = *state;
    const char *git = which("git");
    if (!git)
        skip();
    const char *sh = which("sh");
    /* an old file: git then trusts its index entry and never reads it
     * again (a file changed in the index's second is read every time) */
    const char *setup = e2e_str("cd %s && %s init -q repo && cd repo && echo x > f && "
                                "touch -d 2000-01-01 f && %s add f && "
                                "%s -c user.name=t -c user.email=t@t commit -qm m && "
                                "%s status > /dev/null", t->dir, git, git, git, git);
    if (e2e_exec(t, LIST(sh, "-c", setup)) != 0)
        skip(); /* no usable git here */
    compare(t, NULL, NULL, LIST(git, "-C", e2e_path(t, "repo"), "status", "--porcelain"));
}

/* ---- the other output forms ---- */

static void test_durations_and_timestamps(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-s", "trace", "-a", "T", "-a", "ttt", "--", e2e_fixture("syscalls"), "memory");
    e2e_assert_status(t, 0);
    regex_t re;
    assert_int_equal(regcomp(&re, "^[0-9]+ +[0-9]{10}\\.[0-9]{6} [a-z_0-9]+\\(.*\\) += "
                                  "(.*) <[0-9]+\\.[0-9]{6}>$|^[0-9]+ +[0-9]{10}\\.[0-9]{6} exit_group\\(0\\) += \\?$",
                             REG_EXTENDED | REG_NOSUB), 0);
    char *log = e2e_read(t->report), *save = NULL;
    size_t n = 0;
    for (char *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++)
        if (regexec(&re, l, 0, NULL, 0) != 0)
            fail_msg("not a line with a time and a duration: %s", l);
    assert_true(n > 20);
    free(log);
    regfree(&re);

    e2e_wtlua(t, "-s", "trace", "-a", "tt", "--", e2e_fixture("syscalls"), "memory");
    e2e_assert_status(t, 0);
    assert_int_equal(regcomp(&re, "^[0-9]+ +[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6} [a-z_0-9]+\\(",
                             REG_EXTENDED | REG_NOSUB), 0);
    log = e2e_read(t->report);
    save = NULL;
    for (char *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (regexec(&re, l, 0, NULL, 0) != 0)
            fail_msg("not a line with a time of day: %s", l);
    free(log);
    regfree(&re);
}

/* --json: an object per call, every argument by its name */
static void test_json(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "--json", "-s", "trace", "--", e2e_fixture("syscalls"), "files");
    e2e_assert_status(t, 0);
    char *log = e2e_read(t->report);
    char *line = strstr(log, "\"name\":\"openat\",\"args\":{\"dfd\":\"AT_FDCWD\",\"filename\":\"data\"");
    assert_non_null(line);
    char *end = strchr(line, '\n');
    assert_non_null(end);
    *end = '\0';
    char *copy = strdup(line);
    replace_all(&copy, "\"duration\":[0-9.e-]+", "\"duration\":D");
    assert_string_equal(copy, "\"name\":\"openat\",\"args\":{\"dfd\":\"AT_FDCWD\",\"filename\":\"data\","
                              "\"flags\":\"O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC\",\"mode\":\"0640\"},"
                              "\"ret\":3,\"duration\":D}");
    free(copy);
    *end = '\n';
    line = strstr(log, "\"name\":\"newfstatat\",\"args\":{\"dfd\":\"AT_FDCWD\",\"filename\":\"data\"");
    assert_non_null(line);
    assert_non_null(strstr(line, "\"statbuf\":{\"st_mode\":\"S_IFREG|0640\",\"st_size\":"));
    line = strstr(log, "\"name\":\"openat\",\"args\":{\"dfd\":\"AT_FDCWD\",\"filename\":\"missing\"");
    assert_non_null(line);
    assert_true(strncmp(strstr(line, "},") + 2, "\"ret\":-1,\"error\":\"ENOENT\",", 26) == 0);
    /* one object per line, each with pid, time and name first */
    char *save = NULL;
    size_t n = 0;
    for (char *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++)
        if (strncmp(l, "{\"pid\":", 7) != 0 || !strstr(l, ",\"time\":") || l[strlen(l) - 1] != '}')
            fail_msg("not a call's object: %s", l);
    assert_true(n > 40);
    free(log);
}

static void test_unknown_selection(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-s", "trace", "-a", "trace=%file,nosuchcall", "--", e2e_fixture("syscalls"));
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: trace: -a trace=%file,nosuchcall: unknown syscall or "
                                "class 'nosuchcall'\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_as_strace_fixture),
        e2e_test(test_as_strace_fixture_i386),
        e2e_test(test_as_strace_call_a_thread_dies_in),
        e2e_test(test_as_strace_fd_paths),
        e2e_test(test_as_strace_string_limit),
        e2e_test(test_as_strace_selection_by_class),
        e2e_test(test_as_strace_selection_negated),
        e2e_test(test_as_strace_ls),
        e2e_test(test_as_strace_ls_long),
        e2e_test(test_as_strace_cp),
        e2e_test(test_as_strace_sh_pipeline),
        e2e_test(test_as_strace_python),
        e2e_test(test_as_strace_git_status),
        e2e_test(test_durations_and_timestamps),
        e2e_test(test_json),
        e2e_test(test_unknown_selection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
