/* The bundled scripts (wtlua -s NAME) on real commands: their listing and
 * usage, their argument checking, and for each script its text report
 * (exact where the run decides it: paths, names, counts, flags; by shape
 * where it does not: times, pids) and its --json report, every line
 * parsed by Python's strict JSON reader. */
#include "e2e.h"

#include <regex.h>

static const char *const script_names[] = {
    "chaos", "execs", "fakeroot", "files", "inject", "net", "opens", "sandbox", "slow",
    "syscount", "timeline", "top", "trace", "writes", NULL,
};

/* ---- helpers ---- */

/* The nth line (from 1) of text, without its newline; "" past the end. */
static const char *line_of(const char *text, int n)
{
    const char *p = text;
    for (int i = 1; i < n && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return "";
    return e2e_str("%.*s", (int)strcspn(p, "\n"), p);
}

static int count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* Whether s matches the extended regex re (anchored by the caller). */
static bool matches(const char *s, const char *re)
{
    regex_t rx;
    if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
        fail_msg("bad regex: %s", re);
    bool ok = regexec(&rx, s, 0, NULL, 0) == 0;
    regfree(&rx);
    return ok;
}

/* Each line of text must match its pattern, and there must be exactly as
 * many lines as patterns. */
static void assert_lines_match_at(const char *text, const char *const patterns[],
                                  const char *file, int line)
{
    int n = 0;
    for (; patterns[n]; n++) {
        const char *got = line_of(text, n + 1);
        if (!matches(got, patterns[n])) {
            print_error("line %d: '%s'\n  does not match '%s'\nwhole text:\n%s", n + 1, got,
                        patterns[n], text);
            _fail(file, line);
        }
    }
    if (count_lines(text) != n) {
        print_error("%d lines, expected %d:\n%s", count_lines(text), n, text);
        _fail(file, line);
    }
}
#define assert_lines_match(text, ...) \
    assert_lines_match_at((text), (const char *const[]){ __VA_ARGS__, NULL }, __FILE__, __LINE__)

/* Rows of a per-event table start "TIME(s) PID " in fixed columns: the
 * header is checked, then every row up to an empty line must start with
 * a time (seconds, microsecond digits) and a pid, which are cut off and
 * the pids stored in pids[] (up to max).  Returns the report with them
 * cut (malloc'd); what follows an empty line is kept as it is. */
static char *cut_time_and_pid(const char *report, const char *header, int *pids, int max)
{
    if (strcmp(line_of(report, 1), header) != 0)
        fail_msg("header '%s', expected '%s'", line_of(report, 1), header);
    size_t size = strlen(report) + 1;
    char *out = malloc(size);
    if (!out)
        fail_msg("out of memory");
    snprintf(out, size, "%s\n", header);
    regex_t rx;
    regmatch_t m[2];
    if (regcomp(&rx, "^[0-9]+\\.[0-9]{6} +([0-9]+) +", REG_EXTENDED) != 0)
        fail_msg("regcomp");
    bool rows = true;
    for (int i = 2; i <= count_lines(report); i++) {
        const char *row = line_of(report, i);
        rows = rows && *row;
        if (!rows) {
            strcat(out, row);
            strcat(out, "\n");
            continue;
        }
        if (regexec(&rx, row, 2, m, 0) != 0)
            fail_msg("row %d has no time and pid: '%s'", i, row);
        if (i - 2 < max)
            pids[i - 2] = atoi(row + m[1].rm_so);
        strcat(out, row + m[0].rm_eo);
        strcat(out, "\n");
    }
    regfree(&rx);
    return out;
}

static const char *python3(void)
{
    static const char *const candidates[] = { "/usr/bin/python3", "/usr/local/bin/python3",
                                              "/bin/python3", NULL };
    for (int i = 0; candidates[i]; i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

/* Reads FILE as JSON lines, strictly (any bad line fails), and prints one
 * line per object: for each key asked, "key=" and its JSON text, in the
 * order asked.  After a key, '#' stands for a number whose value varies
 * ("key=#" when it is one), '~' for any string ("key=~"), '?' for a key
 * that may be absent.  With "-" for the keys the file is one JSON
 * document (timeline's array), with "*" JSON lines, and the list of
 * objects, objs, is checked by the Python code given after it. */
static const char json_checker[] =
    "import json, sys\n"
    "def strict(name): raise ValueError('not JSON: ' + name)\n"
    "path, keys = sys.argv[1], sys.argv[2].split(',')\n"
    "text = open(path, encoding='utf-8').read()\n"
    "if keys == ['-']:\n"
    "    objs = json.loads(text, parse_constant=strict)\n"
    "else:\n"
    "    objs = [json.loads(l, parse_constant=strict) for l in text.splitlines()]\n"
    "for o in objs:\n"
    "    if not isinstance(o, dict): raise SystemExit('not an object: %r' % (o,))\n"
    "    if keys in (['-'], ['*']): continue\n"
    "    parts = []\n"
    "    for k in keys:\n"
    "        name = k.rstrip('#?~')\n"
    "        if '?' in k and name not in o: continue\n"
    "        v = o.get(name)\n"
    "        if '~' in k:\n"
    "            parts.append(name + '=' + ('~' if isinstance(v, str) else repr(v)))\n"
    "        elif '#' in k:\n"
    "            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0\n"
    "            parts.append(name + '=' + ('#' if ok else repr(v)))\n"
    "        else:\n"
    "            parts.append(name + '=' + json.dumps(v, ensure_ascii=False))\n"
    "    print(' '.join(parts))\n"
    "if keys in (['-'], ['*']):\n"
    "    exec(sys.argv[3])\n";

/* Runs the checker on DIR/report; returns what it printed (a ring
 * buffer string).  Skips the test when there is no python3. */
static const char *json_fields_v(struct e2e *t, const char *keys, const char *extra)
{
    const char *python = python3();
    if (!python) {
        print_message("no python3: JSON not checked\n");
        skip();
    }
    const char *argv[] = { python, "-B", "-c", json_checker, t->report, keys, extra, NULL };
    if (e2e_exec(t, argv) != 0)
        fail_msg("JSON check of the report failed:\n%s\nreport:\n%s", t->err,
                 e2e_read(t->report));
    return e2e_str("%s", t->out);
}
#define json_fields(t, keys) json_fields_v((t), (keys), NULL)

/* wtlua -o DIR/report ARGS...: must exit with `status`. */
#define run_status(t, status, ...)                \
    do {                                          \
        e2e_wtlua((t), __VA_ARGS__);              \
        e2e_assert_status((t), (status));         \
    } while (0)

/* ---- listing, usage, arguments ---- */

static void test_list(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "-l");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    int n = 0;
    for (; script_names[n]; n++) {
        const char *line = line_of(t->out, n + 1);
        const char *prefix = e2e_str("%s: ", script_names[n]);
        if (strncmp(line, prefix, strlen(prefix)) != 0 || strlen(line) < strlen(prefix) + 20)
            fail_msg("line %d of wtlua -l: '%s', expected '%s...'", n + 1, line, prefix);
    }
    assert_int_equal(count_lines(t->out), n);
}

static void test_help(void **state)
{
    struct e2e *t = *state;
    for (int i = 0; script_names[i]; i++) {
        const char *name = script_names[i];
        e2e_run(t, "-s", name, "--help");
        e2e_assert_status(t, 0);
        assert_string_equal(t->err, "");
        assert_true(matches(line_of(t->out, 1), e2e_str("^%s: .{20,}$", name)));
        assert_true(matches(line_of(t->out, 2), e2e_str("^Usage: wtlua -s %s ", name)));
        assert_true(count_lines(t->out) >= 4);
        assert_false(matches(t->out, "(^|\n)--")); /* the comment marks are gone */
        assert_false(e2e_exists(t->report));
    }
    /* the options are in the usage */
    e2e_run(t, "-s", "slow", "--help");
    assert_non_null(strstr(t->out, "-a threshold=T"));
    e2e_run(t, "-s", "syscount", "--help");
    assert_non_null(strstr(t->out, "-a per=pid"));
    e2e_run(t, "-s", "timeline", "--help");
    assert_non_null(strstr(t->out, "-a out=FILE"));
}

static void test_unknown_script(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "-s", "nosuch", "true");
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: no bundled script named 'nosuch' (see wtlua -l)\n");
    e2e_run(t, "-s", "nosuch", "--help");
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: no bundled script named 'nosuch' (see wtlua -l)\n");
}

/* Bad -a arguments stop the script before the command runs, in one line. */
static void test_bad_arguments(void **state)
{
    struct e2e *t = *state;
    const char *marker = e2e_path(t, "ran");
    const char *cmd = e2e_str("touch %s", marker);
    e2e_wtlua(t, "-s", "slow", "-a", "bogus=1", "/bin/sh", "-c", cmd);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err,
                        "wtlua: slow: unknown argument 'bogus' (see wtlua -s slow --help)\n");
    e2e_wtlua(t, "-s", "slow", "-a", "threshold=soon", "/bin/sh", "-c", cmd);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: slow: argument threshold=soon: expected a duration "
                                "like 10ms, 250us or 1.5s\n");
    e2e_wtlua(t, "-s", "syscount", "-a", "per=user", "/bin/sh", "-c", cmd);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err,
                        "wtlua: syscount: argument per=user: expected one of pid, tid, comm\n");
    e2e_wtlua(t, "-s", "syscount", "-a", "syscalls=read,nosuchcall", "/bin/sh", "-c", cmd);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: syscount: argument syscalls=read,nosuchcall: "
                                "expected syscall names ('nosuchcall' is not one)\n");
    e2e_wtlua(t, "-s", "opens", "-a", "path", "/bin/sh", "-c", cmd);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: opens: argument 'path' needs a value: -a path=VALUE\n");
    assert_false(e2e_exists(marker));
}

/* Every bundled script checks its arguments (wt.opts): none ignores one
 * it does not know. */
static void test_unknown_argument_every_script(void **state)
{
    struct e2e *t = *state;
    const char *marker = e2e_path(t, "ran");
    for (int i = 0; script_names[i]; i++) {
        const char *name = script_names[i];
        e2e_wtlua(t, "-s", name, "-a", "bogus=1", "/bin/sh", "-c", e2e_str("touch %s", marker));
        e2e_assert_status(t, 125);
        assert_string_equal(t->err, e2e_str("wtlua: %s: unknown argument 'bogus' (see wtlua -s "
                                            "%s --help)\n", name, name));
        assert_false(e2e_exists(marker));
    }
}

/* ---- writes ---- */

static void test_writes(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "writes", "/bin/sh", "-c", "echo 1 > a; echo 2 > b; echo 3 >> a");
    e2e_assert_report(t, e2e_paths(t, "a", "b"));
    run_status(t, 0, "--json", "-s", "writes", "/bin/sh", "-c", "echo 1 > a; echo 2 > 'b\"c'");
    e2e_assert_report(t, e2e_str("{\"path\":\"%s/a\"}\n{\"path\":\"%s/b\\\"c\"}\n", t->dir, t->dir));
    assert_string_equal(json_fields(t, "path"),
                        e2e_str("path=\"%s/a\"\npath=\"%s/b\\\"c\"\n", t->dir, t->dir));
}

/* ---- opens ---- */

static const char opens_header[] =
    "TIME(s)   PID     COMM             RESULT FLAGS                    PATH";

static void test_opens(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "in"), "hello\n", 0644);
    const char *cmd = "cat in > out; cat missing 2>/dev/null; exit 0";
    run_status(t, 0, "-s", "opens", "-a", e2e_str("path=%s", t->dir), "/bin/sh", "-c", cmd);
    int pids[3];
    char *rest = cut_time_and_pid(e2e_read(t->report), opens_header, pids, 3);
    assert_string_equal(rest, e2e_str("%s\n"
                                      "sh               3      O_WRONLY|O_CREAT|O_TRUNC %s/out\n"
                                      "cat              3      O_RDONLY                 %s/in\n"
                                      "cat              ENOENT O_RDONLY                 %s/missing\n",
                                      opens_header, t->dir, t->dir, t->dir));
    free(rest);
    assert_int_not_equal(pids[0], pids[1]);
    assert_int_not_equal(pids[1], pids[2]);

    /* -a write: only the redirect; -a failed: only the missing file */
    run_status(t, 0, "-s", "opens", "-a", "write", "-a", e2e_str("path=%s", t->dir), "/bin/sh",
               "-c", cmd);
    rest = cut_time_and_pid(e2e_read(t->report), opens_header, pids, 1);
    assert_string_equal(rest, e2e_str("%s\nsh               3      O_WRONLY|O_CREAT|O_TRUNC %s/out\n",
                                      opens_header, t->dir));
    free(rest);
    run_status(t, 0, "-s", "opens", "-a", "failed", "-a", e2e_str("path=%s", t->dir), "/bin/sh",
               "-c", cmd);
    rest = cut_time_and_pid(e2e_read(t->report), opens_header, pids, 1);
    assert_string_equal(rest, e2e_str("%s\ncat              ENOENT O_RDONLY                 %s/missing\n",
                                      opens_header, t->dir));
    free(rest);
}

/* A process that execs is named after its program from then on: sh
 * opens the redirect, then the same process, now cat, opens its file. */
static void test_opens_comm_after_exec(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "in"), "hello\n", 0644);
    run_status(t, 0, "-s", "opens", "-a", e2e_str("path=%s", t->dir), "/bin/sh", "-c",
               "exec cat in > out");
    int pids[2];
    char *rest = cut_time_and_pid(e2e_read(t->report), opens_header, pids, 2);
    assert_string_equal(rest, e2e_str("%s\n"
                                      "sh               3      O_WRONLY|O_CREAT|O_TRUNC %s/out\n"
                                      "cat              3      O_RDONLY                 %s/in\n",
                                      opens_header, t->dir, t->dir));
    free(rest);
    assert_int_equal(pids[0], pids[1]);
}

static void test_opens_json(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "in"), "hello\n", 0644);
    run_status(t, 0, "--json", "-s", "opens", "-a", e2e_str("path=%s", t->dir), "/bin/sh", "-c",
               "cat in > out; cat missing 2>/dev/null; exit 0");
    assert_string_equal(
        json_fields(t, "time#,pid#,tid#,comm,syscall,result,fd?,errno?,flags,mode?,path"),
        e2e_str("time=# pid=# tid=# comm=\"sh\" syscall=\"openat\" result=\"3\" fd=3 "
                "flags=\"O_WRONLY|O_CREAT|O_TRUNC\" mode=\"0666\" path=\"%s/out\"\n"
                "time=# pid=# tid=# comm=\"cat\" syscall=\"openat\" result=\"3\" fd=3 "
                "flags=\"O_RDONLY\" path=\"%s/in\"\n"
                "time=# pid=# tid=# comm=\"cat\" syscall=\"openat\" result=\"ENOENT\" "
                "errno=\"ENOENT\" flags=\"O_RDONLY\" path=\"%s/missing\"\n",
                t->dir, t->dir, t->dir));
}

/* ---- execs ---- */

static void test_execs(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "in"), "hello\n", 0644);
    const char *cmd = "cat in >/dev/null; (exit 3); sh -c 'kill -TERM $$'; exit 5";
    run_status(t, 5, "-s", "execs", "/bin/sh", "-c", cmd);
    char *report = e2e_read(t->report);
    const char *time = "[0-9]+\\.[0-9]{6}";
    assert_lines_match(report, "^TIME\\(s\\)   PID     PPID    RESULT ARGV$",
                       e2e_str("^%s +[0-9]+ +%d +0 +/bin/sh -c 'cat in >/dev/null; \\(exit 3\\); "
                               "sh -c '\\\\''kill -TERM \\$\\$'\\\\''; exit 5'$", time, t->pid),
                       e2e_str("^%s +[0-9]+ +[0-9]+ +0 +cat in$", time),
                       e2e_str("^%s +[0-9]+ +[0-9]+ +0 +sh -c 'kill -TERM \\$\\$'$", time),
                       "^$", "^[0-9]+ /bin/sh -c .* \\[exit 5\\]$",
                       "^├─ [0-9]+ cat in \\[exit 0\\]$",
                       "^├─ [0-9]+ \\(fork\\) /bin/sh -c .* \\[exit 3\\]$",
                       "^└─ [0-9]+ sh -c 'kill -TERM \\$\\$' \\[killed by SIGTERM\\]$");
    /* the pids agree: exec lines and tree, parents */
    int root, cat, cat_parent, sh, sh_parent, tree_root, tree_cat, fork, tree_sh;
    assert_int_equal(sscanf(line_of(report, 2), "%*s %d", &root), 1);
    assert_int_equal(sscanf(line_of(report, 3), "%*s %d %d", &cat, &cat_parent), 2);
    assert_int_equal(sscanf(line_of(report, 4), "%*s %d %d", &sh, &sh_parent), 2);
    assert_int_equal(sscanf(line_of(report, 6), "%d", &tree_root), 1);
    assert_int_equal(sscanf(line_of(report, 7), "├─ %d", &tree_cat), 1);
    assert_int_equal(sscanf(line_of(report, 8), "├─ %d", &fork), 1);
    assert_int_equal(sscanf(line_of(report, 9), "└─ %d", &tree_sh), 1);
    assert_int_equal(cat_parent, root);
    assert_int_equal(sh_parent, root);
    assert_int_equal(tree_root, root);
    assert_int_equal(tree_cat, cat);
    assert_int_equal(tree_sh, sh);
    assert_true(fork != root && fork != cat && fork != sh);
    free(report);
}

/* -a failed: also the execs that failed, with the file tried. */
static void test_execs_failed(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "execs", "-a", "failed", "/bin/sh", "-c", "./nosuch 2>/dev/null; exit 0");
    int pids[2];
    char *rest = cut_time_and_pid(e2e_read(t->report), "TIME(s)   PID     PPID    RESULT ARGV",
                                  pids, 2);
    assert_string_equal(rest, e2e_str("TIME(s)   PID     PPID    RESULT ARGV\n"
                                      "%-7d 0      /bin/sh -c './nosuch 2>/dev/null; exit 0'\n"
                                      "%-7d ENOENT ./nosuch (%s/nosuch)\n"
                                      "\n"
                                      "%d /bin/sh -c './nosuch 2>/dev/null; exit 0' [exit 0]\n"
                                      "└─ %d (fork) /bin/sh -c './nosuch 2>/dev/null; exit 0' "
                                      "[exit 127]\n",
                                      (int)t->pid, pids[0], t->dir, pids[0], pids[1]));
    free(rest);
}

static void test_execs_json(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "in"), "hello\n", 0644);
    char shell[PATH_MAX];
    assert_non_null(realpath("/bin/sh", shell));
    run_status(t, 137, "--json", "-s", "execs", "/bin/sh", "-c",
               "cat in >/dev/null; (exit 3); kill -KILL $$");
    const char *got = json_fields(t, "event,time?#,pid#,ppid#,result?,argv,execs?,exe?~,"
                                     "exit?,signal?,core_dumped?,seconds?#");
    char *report = e2e_read(t->report);
    assert_non_null(strstr(report, e2e_str("\"exe\":\"%s\"", shell)));
    free(report);
    assert_string_equal(got,
                        "event=\"exec\" time=# pid=# ppid=# result=\"0\" "
                        "argv=[\"/bin/sh\", \"-c\", \"cat in >/dev/null; (exit 3); kill -KILL $$\"] "
                        "exe=~\n"
                        "event=\"exec\" time=# pid=# ppid=# result=\"0\" argv=[\"cat\", \"in\"] "
                        "exe=~\n"
                        "event=\"process\" pid=# ppid=# "
                        "argv=[\"/bin/sh\", \"-c\", \"cat in >/dev/null; (exit 3); kill -KILL $$\"] "
                        "execs=1 signal=\"SIGKILL\" core_dumped=false seconds=#\n"
                        "event=\"process\" pid=# ppid=# argv=[\"cat\", \"in\"] execs=1 exit=0 "
                        "seconds=#\n"
                        "event=\"process\" pid=# ppid=# "
                        "argv=[\"/bin/sh\", \"-c\", \"cat in >/dev/null; (exit 3); kill -KILL $$\"] "
                        "execs=0 exit=3 seconds=#\n");
}

/* ---- syscount ---- */

static const char mkdirs[] = "mkdir d1 d2 d3; rmdir d1 d2 d3; rmdir nosuch 2>/dev/null; true";

static void test_syscount(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "syscount", "-a", "sort=calls", "-a", "syscalls=mkdir,rmdir",
               "/bin/sh", "-c", mkdirs);
    char *report = e2e_read(t->report);
    const char *cols = "^ *[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{6} +[0-9]+ +";
    assert_lines_match(report, "^% TIME +SECONDS USECS/CALL CALLS ERRORS SYSCALL$",
                       e2e_str("%s4 +1 rmdir$", cols), e2e_str("%s3 +0 mkdir$", cols),
                       "^------ -+ -+ -+ -+ -+$", "^100\\.00 [0-9]+\\.[0-9]{6} +[0-9]+ +7 +1 total$");
    free(report);

    /* without a list: every syscall, the same counts among them */
    run_status(t, 0, "-s", "syscount", "/bin/sh", "-c", mkdirs);
    report = e2e_read(t->report);
    assert_true(matches(report, "\n *[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{6} +[0-9]+ +4 +1 rmdir\n"));
    assert_true(matches(report, "\n *[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{6} +[0-9]+ +3 +0 mkdir\n"));
    assert_true(matches(report, "\n *[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{6} +[0-9]+ +[0-9]+ +0 "
                                "exit_group\n"));
    assert_true(matches(report, "\n100\\.00 [0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+ total\n$"));
    free(report);
}

/* -a per=pid: a table per process, headed by its pid and comm. */
static void test_syscount_per_pid(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "syscount", "-a", "per=pid", "-a", "syscalls=mkdir,rmdir", "/bin/sh",
               "-c", "mkdir d1; rmdir d1");
    char *report = e2e_read(t->report);
    const char *cols = "^ *[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{6} +[0-9]+ +";
    assert_lines_match(report, "^pid [0-9]+ \\(mkdir\\):$",
                       "^% TIME +SECONDS USECS/CALL CALLS ERRORS SYSCALL$",
                       e2e_str("%s1 +0 mkdir$", cols), "^------ -+ -+ -+ -+ -+$",
                       "^100\\.00 [0-9]+\\.[0-9]{6} +[0-9]+ +1 +0 total$", "^$",
                       "^pid [0-9]+ \\(rmdir\\):$",
                       "^% TIME +SECONDS USECS/CALL CALLS ERRORS SYSCALL$",
                       e2e_str("%s1 +0 rmdir$", cols), "^------ -+ -+ -+ -+ -+$",
                       "^100\\.00 [0-9]+\\.[0-9]{6} +[0-9]+ +1 +0 total$");
    free(report);
}

/* -a per=comm: a call counts under the name its caller has when it
 * returns, so an execve is the new program's (never "wtlua", which makes
 * the command's first). */
static void test_syscount_per_comm(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "syscount", "-a", "per=comm", "-a", "sort=name", "-a",
               "syscalls=execve,mkdir,rmdir", "/bin/sh", "-c", "mkdir d1; rmdir d1");
    char *report = e2e_read(t->report);
    const char *cols = "^ *[0-9]+\\.[0-9]{2} [0-9]+\\.[0-9]{6} +[0-9]+ +";
    const char *header = "^% TIME +SECONDS USECS/CALL CALLS ERRORS SYSCALL$";
    const char *rule = "^------ -+ -+ -+ -+ -+$";
    const char *total = "^100\\.00 [0-9]+\\.[0-9]{6} +[0-9]+ +";
    assert_lines_match(report, "^sh:$", header, e2e_str("%s1 +0 execve$", cols), rule,
                       e2e_str("%s1 +0 total$", total), "^$",
                       "^mkdir:$", header, e2e_str("%s1 +0 execve$", cols),
                       e2e_str("%s1 +0 mkdir$", cols), rule, e2e_str("%s2 +0 total$", total),
                       "^$",
                       "^rmdir:$", header, e2e_str("%s1 +0 execve$", cols),
                       e2e_str("%s1 +0 rmdir$", cols), rule, e2e_str("%s2 +0 total$", total));
    free(report);
}

static void test_syscount_json(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "--json", "-s", "syscount", "-a", "sort=calls", "-a",
               "syscalls=mkdir,rmdir", "/bin/sh", "-c", mkdirs);
    assert_string_equal(json_fields(t, "syscall,calls,errors,seconds#,usecs_per_call#,percent#,"
                                       "total?"),
                        "syscall=\"rmdir\" calls=4 errors=1 seconds=# usecs_per_call=# percent=#\n"
                        "syscall=\"mkdir\" calls=3 errors=0 seconds=# usecs_per_call=# percent=#\n"
                        "syscall=\"total\" calls=7 errors=1 seconds=# usecs_per_call=# percent=# "
                        "total=true\n");
}

/* ---- files ---- */

/* wtlua -s files -a under=DIR ARGS...: must exit 0. */
#define run_files(t, ...) \
    run_status((t), 0, "-s", "files", "-a", e2e_str("under=%s", (t)->dir), __VA_ARGS__)

static const char files_script[] =
    "set -e\n"
    "echo new > created\n"
    "echo more >> existing\n"
    "rm todelete\n"
    "mv tomove moved\n"
    "echo tmp > .final.tmp && mv .final.tmp final\n"
    "echo tmp > .target.tmp && mv .target.tmp target\n"
    "mkdir -p newdir/deep\n"
    "echo a > newdir/deep/file\n"
    "rmdir olddir\n"
    "ln -s created symlink\n"
    "ln created hardlink\n"
    "chmod 755 created\n"
    "chmod 600 keep\n"
    "chown \"$(id -u):$(id -g)\" keep\n"
    "mv pre post\n"
    "echo w > post/sub/inner\n"
    "touch scratch && rm scratch\n"
    "mkdir tmpd && echo q > tmpd/q && rm -r tmpd\n"
    "cp created replaced\n"
    "install -m 644 created stage/installed\n"
    "mkfifo fifo\n"
    "ln -sf created oldlink\n"
    "truncate -s 0 final\n";

static void files_setup(struct e2e *t)
{
    const char *dirs[] = { "pre", "pre/sub", "olddir", "stage" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (mkdir(e2e_path(t, dirs[i]), 0755) < 0)
            fail_msg("mkdir %s: %s", dirs[i], strerror(errno));
    const char *files[] = { "existing", "todelete", "tomove", "pre/sub/inner", "target", "keep",
                            "replaced" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        e2e_write(e2e_path(t, files[i]), "before\n", 0644);
    if (symlink("existing", e2e_path(t, "oldlink")) < 0)
        fail_msg("symlink: %s", strerror(errno));
    e2e_write(e2e_path(t, "run.sh"), files_script, 0644);
}

static void test_files(void **state)
{
    struct e2e *t = *state;
    files_setup(t);
    run_status(t, 0, "-s", "files", "/bin/sh", "run.sh");
    const char *d = t->dir;
    e2e_assert_report(t, e2e_str("create  %s/created\n"
                                 "chmod   %s/created 0755\n"
                                 "modify  %s/existing\n"
                                 "mknod   %s/fifo\n"
                                 "create  %s/final\n"
                                 "link    %s/hardlink -> %s/created\n"
                                 "chmod   %s/keep 0600\n"
                                 "chown   %s/keep %d:%d\n"
                                 "rename  %s/tomove -> %s/moved\n"
                                 "mkdir   %s/newdir\n"
                                 "mkdir   %s/newdir/deep\n"
                                 "create  %s/newdir/deep/file\n"
                                 "rmdir   %s/olddir\n"
                                 "symlink %s/oldlink -> created\n"
                                 "rename  %s/pre -> %s/post\n"
                                 "modify  %s/post/sub/inner\n"
                                 "modify  %s/replaced\n"
                                 "create  %s/stage/installed\n"
                                 "chmod   %s/stage/installed 0644\n"
                                 "symlink %s/symlink -> created\n"
                                 "modify  %s/target\n"
                                 "delete  %s/todelete\n",
                                 d, d, d, d, d, d, d, d, d, (int)getuid(), (int)getgid(), d, d, d,
                                 d, d, d, d, d, d, d, d, d, d, d, d, d));
}

/* -a under=DIR keeps a DESTDIR's part of the manifest; --json. */
static void test_files_under_json(void **state)
{
    struct e2e *t = *state;
    files_setup(t);
    run_status(t, 0, "--json", "-s", "files", "-a", e2e_str("under=%s/stage", t->dir), "/bin/sh",
               "run.sh");
    assert_string_equal(json_fields(t, "action,path,kind?,mode?"),
                        e2e_str("action=\"create\" path=\"%s/stage/installed\" kind=\"file\"\n"
                                "action=\"chmod\" path=\"%s/stage/installed\" kind=\"file\" "
                                "mode=\"0644\"\n",
                                t->dir, t->dir));
    e2e_write(e2e_path(t, "one"), "1\n", 0644);
    e2e_write(e2e_path(t, "two"), "2\n", 0644);
    run_status(t, 0, "--json", "-s", "files", "-a", e2e_str("under=%s", t->dir), "/bin/sh", "-c",
               "mv one one.moved && ln -s one.moved sl && chown -h \"$(id -u)\" sl && rm two");
    assert_string_equal(json_fields(t, "action,path,kind?,from?,target?,uid?,gid?"),
                        e2e_str("action=\"rename\" path=\"%s/one.moved\" from=\"%s/one\"\n"
                                "action=\"symlink\" path=\"%s/sl\" kind=\"symlink\" "
                                "target=\"one.moved\"\n"
                                "action=\"chown\" path=\"%s/sl\" kind=\"symlink\" uid=%d gid=-1\n"
                                "action=\"delete\" path=\"%s/two\" kind=\"file\"\n",
                                t->dir, t->dir, t->dir, t->dir, (int)getuid(), t->dir));
}

/* A file written through an O_TMPFILE descriptor and linked into place. */
static void test_files_tmpfile(void **state)
{
    struct e2e *t = *state;
    const char *python = python3();
    if (!python)
        skip();
    run_files(t, python, "-B", "-c",
              "import os, ctypes\n"
              "fd = os.open('.', os.O_TMPFILE | os.O_WRONLY, 0o644)\n"
              "os.write(fd, b'x')\n"
              "libc = ctypes.CDLL(None, use_errno=True)\n"
              "path = b'/proc/self/fd/%d' % fd\n"
              "if libc.linkat(-100, path, -100, b'linked', 0x400) != 0:\n"
              "    raise OSError(ctypes.get_errno(), 'linkat')\n");
    e2e_assert_report(t, e2e_str("create  %s/linked\n", t->dir));
}

/* A file linked into place and its first name removed (git's objects,
 * mkstemp + link + unlink) is created under its final name; a link whose
 * file kept another name stays a link, to the name the file has now. */
static void test_files_link_then_unlink(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "old"), "before\n", 0644);
    run_files(t, "/bin/sh", "-c",
              "echo x > tmp_obj && ln tmp_obj final && rm tmp_obj && "
              "ln old new && rm old && "
              "echo y > a && ln a b && ln a c && rm a && "
              "echo z > gone && ln gone gone2 && rm gone gone2");
    const char *d = t->dir;
    e2e_assert_report(t, e2e_str("create  %s/b\n"
                                 "link    %s/c -> %s/b\n"
                                 "create  %s/final\n"
                                 "rename  %s/old -> %s/new\n",
                                 d, d, d, d, d, d));
    const char *python = python3();
    if (!python)
        skip();
    run_files(t, python, "-B", "-c",
              "import os, tempfile\n"
              "fd, tmp = tempfile.mkstemp(dir='.')\n"
              "os.write(fd, b'object')\n"
              "os.close(fd)\n"
              "os.link(tmp, 'object')\n"
              "os.unlink(tmp)\n");
    e2e_assert_report(t, e2e_str("create  %s/object\n", d));
}

/* Opened files are named as the kernel names the descriptor: through
 * /proc/self/fd/N, through a symlinked directory (and the other calls'
 * names follow), whatever a racing thread does to the path. */
static void test_files_kernel_names(void **state)
{
    struct e2e *t = *state;
    run_files(t, e2e_fixture("openers"), "procfd", t->dir);
    e2e_assert_report(t, e2e_str("mkdir   %s/sub\ncreate  %s/sub/procfd\n", t->dir, t->dir));
    run_files(t, e2e_fixture("openers"), "race", t->dir);
    e2e_assert_report(t, e2e_str("create  %s/real\n", t->dir));

    if (mkdir(e2e_path(t, "dir"), 0755) < 0 || symlink("dir", e2e_path(t, "lnk")) < 0)
        fail_msg("mkdir, symlink: %s", strerror(errno));
    run_files(t, "/bin/sh", "-c",
              "echo x > lnk/f && rm lnk/f && echo y > lnk/g && mv lnk/g lnk/h && "
              "chmod 600 lnk/h");
    e2e_assert_report(t, e2e_str("create  %s/dir/h\nchmod   %s/dir/h 0600\n", t->dir, t->dir));
}

/* open_by_handle_at for writing modifies the file it opens (the fixture
 * exits 77 without CAP_DAC_READ_SEARCH: skipped); fchmod names its file
 * by the descriptor, however it was opened. */
static void test_files_by_descriptor(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "by-handle"), "before\n", 0644);
    e2e_wtlua(t, "-s", "files", "-a", e2e_str("under=%s", t->dir), e2e_fixture("openers"),
              "by-handle", t->dir);
    if (t->status != 77) {
        e2e_assert_status(t, 0);
        e2e_assert_report(t, e2e_str("modify  %s/by-handle\n", t->dir));
    }
    const char *python = python3();
    if (!python)
        skip();
    e2e_write(e2e_path(t, "ro"), "before\n", 0644);
    run_files(t, python, "-B", "-c",
              "import os\n"
              "fd = os.open('ro', os.O_RDONLY)\n"
              "os.fchmod(fd, 0o600)\n");
    e2e_assert_report(t, e2e_str("chmod   %s/ro 0600\n", t->dir));
}

/* -a who: the process that made each change, with its name and argv. */
static void test_files_who(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "old"), "before\n", 0644);
    const char *cmd = "echo new > created; rm old; chmod 600 created";
    run_status(t, 0, "-s", "files", "-a", "who", "-a", e2e_str("under=%s", t->dir), "/bin/sh",
               "-c", cmd);
    char *report = e2e_read(t->report);
    assert_lines_match(report,
                       e2e_str("^create  %s/created  by [0-9]+ \\(sh\\) /bin/sh -c "
                               "'echo new > created; rm old; chmod 600 created'$",
                               t->dir),
                       e2e_str("^chmod   %s/created 0600  by [0-9]+ \\(chmod\\) "
                               "chmod 600 created$", t->dir),
                       e2e_str("^delete  %s/old  by [0-9]+ \\(rm\\) rm old$", t->dir));
    free(report);
    run_status(t, 0, "--json", "-s", "files", "-a", "who", "-a", e2e_str("under=%s", t->dir),
               "/bin/sh", "-c", "echo again > created");
    assert_string_equal(json_fields(t, "action,pid#,comm,argv"),
                        "action=\"modify\" pid=# comm=\"sh\" "
                        "argv=[\"/bin/sh\", \"-c\", \"echo again > created\"]\n");
}

/* ---- net ---- */

struct ports {
    int tcp4[3], tcp6[3], udp, nonblocking[2];
    char abstract[64];
};

/* What net_peer wrote into dir. */
static struct ports read_ports(const char *dir)
{
    struct ports p;
    char *text = e2e_read(e2e_str("%s/ports", dir));
    char *name = e2e_read(e2e_str("%s/abstract", dir));
    if (!text || !name)
        fail_msg("net_peer wrote no ports");
    if (sscanf(text, "tcp4 %d %d %d\ntcp6 %d %d %d\nudp %d\nnonblocking %d %d", &p.tcp4[0],
               &p.tcp4[1], &p.tcp4[2], &p.tcp6[0], &p.tcp6[1], &p.tcp6[2], &p.udp,
               &p.nonblocking[0], &p.nonblocking[1]) != 9)
        fail_msg("bad ports file: %s", text);
    snprintf(p.abstract, sizeof p.abstract, "%.*s", (int)strcspn(name, "\n"), name);
    free(text);
    free(name);
    return p;
}

static const char net_header[] =
    "TIME(s)   PID     COMM             SYSCALL    FD  PROTO      RESULT       ADDRESS";

/* Appends one row of net's report, after its time and pid, to buf. */
static void net_row(char *buf, size_t size, const char *syscall, int fd, const char *proto,
                    const char *result, const char *fmt, ...)
{
    char address[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(address, sizeof address, fmt, ap);
    va_end(ap);
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "net_peer         %-10s %-3d %-10s %-12s %s\n", syscall, fd,
             proto, result, address);
}

/* Every call with its address, the address last (a long unix path pushes
 * no column); a non-blocking connect's outcome when getsockopt tells. */
static void test_net(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "net", e2e_fixture("net_peer"), t->dir);
    struct ports p = read_ports(t->dir);
    int pids[22];
    char *rest = cut_time_and_pid(e2e_read(t->report), net_header, pids, 22);
    char e[8192];
    snprintf(e, sizeof e, "%s\n", net_header);
    net_row(e, sizeof e, "bind", 4, "tcp", "0", "127.0.0.1:0");
    net_row(e, sizeof e, "connect", 5, "tcp", "0", "127.0.0.1:%d", p.tcp4[0]);
    net_row(e, sizeof e, "accept4", 4, "tcp", "6", "127.0.0.1:%d", p.tcp4[1]);
    net_row(e, sizeof e, "bind", 7, "tcp", "0", "127.0.0.1:0");
    net_row(e, sizeof e, "connect", 8, "tcp", "ECONNREFUSED", "127.0.0.1:%d", p.tcp4[2]);
    net_row(e, sizeof e, "bind", 4, "tcp6", "0", "[::1]:0");
    net_row(e, sizeof e, "connect", 5, "tcp6", "0", "[::1]:%d", p.tcp6[0]);
    net_row(e, sizeof e, "accept4", 4, "tcp6", "6", "[::1]:%d", p.tcp6[1]);
    net_row(e, sizeof e, "bind", 7, "tcp6", "0", "[::1]:0");
    net_row(e, sizeof e, "connect", 8, "tcp6", "ECONNREFUSED", "[::1]:%d", p.tcp6[2]);
    net_row(e, sizeof e, "bind", 4, "udp", "0", "127.0.0.1:0");
    net_row(e, sizeof e, "sendto", 5, "udp", "4", "127.0.0.1:%d", p.udp);
    net_row(e, sizeof e, "bind", 4, "tcp", "0", "127.0.0.1:0");
    net_row(e, sizeof e, "connect", 5, "tcp", "EINPROGRESS", "127.0.0.1:%d", p.nonblocking[0]);
    net_row(e, sizeof e, "getsockopt", 5, "tcp", "connected", "127.0.0.1:%d", p.nonblocking[0]);
    net_row(e, sizeof e, "bind", 5, "tcp", "0", "127.0.0.1:0");
    net_row(e, sizeof e, "connect", 6, "tcp", "EINPROGRESS", "127.0.0.1:%d", p.nonblocking[1]);
    net_row(e, sizeof e, "getsockopt", 6, "tcp", "ECONNREFUSED", "127.0.0.1:%d",
            p.nonblocking[1]);
    net_row(e, sizeof e, "bind", 3, "unix", "0", "%s/sock", t->dir);
    net_row(e, sizeof e, "connect", 4, "unix", "0", "%s/sock", t->dir);
    net_row(e, sizeof e, "accept4", 3, "unix", "5", "(unnamed)");
    net_row(e, sizeof e, "bind", 3, "unix-dgram", "0", "@%s", p.abstract);
    assert_string_equal(rest, e);
    free(rest);
    int pid = atoi(strrchr(p.abstract, '-') + 1);
    for (int i = 0; i < 22; i++)
        assert_int_equal(pids[i], pid);
}

static void test_net_json(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "--json", "-s", "net", "-a", "family=inet6", e2e_fixture("net_peer"), t->dir);
    struct ports p = read_ports(t->dir);
    assert_string_equal(json_fields(t, "time#,pid#,tid#,comm,syscall,fd,proto,addr,result,new_fd?,"
                                       "errno?,family,ip,port"),
                        e2e_str("time=# pid=# tid=# comm=\"net_peer\" syscall=\"bind\" fd=4 "
                                "proto=\"tcp6\" addr=\"[::1]:0\" result=\"0\" family=\"AF_INET6\" "
                                "ip=\"::1\" port=0\n"
                                "time=# pid=# tid=# comm=\"net_peer\" syscall=\"connect\" fd=5 "
                                "proto=\"tcp6\" addr=\"[::1]:%d\" result=\"0\" "
                                "family=\"AF_INET6\" ip=\"::1\" port=%d\n"
                                "time=# pid=# tid=# comm=\"net_peer\" syscall=\"accept4\" fd=4 "
                                "proto=\"tcp6\" addr=\"[::1]:%d\" result=\"6\" new_fd=6 "
                                "family=\"AF_INET6\" ip=\"::1\" port=%d\n"
                                "time=# pid=# tid=# comm=\"net_peer\" syscall=\"bind\" fd=7 "
                                "proto=\"tcp6\" addr=\"[::1]:0\" result=\"0\" family=\"AF_INET6\" "
                                "ip=\"::1\" port=0\n"
                                "time=# pid=# tid=# comm=\"net_peer\" syscall=\"connect\" fd=8 "
                                "proto=\"tcp6\" addr=\"[::1]:%d\" result=\"ECONNREFUSED\" "
                                "errno=\"ECONNREFUSED\" family=\"AF_INET6\" ip=\"::1\" port=%d\n",
                                p.tcp6[0], p.tcp6[0], p.tcp6[1], p.tcp6[1], p.tcp6[2], p.tcp6[2]));
    /* unix addresses: path, abstract name */
    if (mkdir(e2e_path(t, "u"), 0755) < 0)
        fail_msg("mkdir: %s", strerror(errno));
    run_status(t, 0, "--json", "-s", "net", "-a", "family=unix", e2e_fixture("net_peer"),
               e2e_path(t, "u"));
    char *name = e2e_read(e2e_path(t, "u/abstract"));
    assert_non_null(name);
    name[strcspn(name, "\n")] = '\0';
    assert_string_equal(json_fields(t, "syscall,proto,addr,result,path?,abstract?"),
                        e2e_str("syscall=\"bind\" proto=\"unix\" addr=\"%s/u/sock\" result=\"0\" "
                                "path=\"%s/u/sock\"\n"
                                "syscall=\"connect\" proto=\"unix\" addr=\"%s/u/sock\" "
                                "result=\"0\" path=\"%s/u/sock\"\n"
                                "syscall=\"accept4\" proto=\"unix\" addr=\"(unnamed)\" "
                                "result=\"5\"\n"
                                "syscall=\"bind\" proto=\"unix-dgram\" addr=\"@%s\" result=\"0\" "
                                "path=\"%s\" abstract=true\n",
                                t->dir, t->dir, t->dir, t->dir, name, name));
    free(name);

    /* -a failed: refused connects, in progress ones, and their outcome */
    if (mkdir(e2e_path(t, "f"), 0755) < 0)
        fail_msg("mkdir: %s", strerror(errno));
    run_status(t, 0, "--json", "-s", "net", "-a", "failed", "-a", "family=inet",
               e2e_fixture("net_peer"), e2e_path(t, "f"));
    p = read_ports(e2e_path(t, "f"));
    assert_string_equal(json_fields(t, "syscall,fd,proto,addr,result,errno,connected?"),
                        e2e_str("syscall=\"connect\" fd=8 proto=\"tcp\" addr=\"127.0.0.1:%d\" "
                                "result=\"ECONNREFUSED\" errno=\"ECONNREFUSED\"\n"
                                "syscall=\"connect\" fd=5 proto=\"tcp\" addr=\"127.0.0.1:%d\" "
                                "result=\"EINPROGRESS\" errno=\"EINPROGRESS\"\n"
                                "syscall=\"connect\" fd=6 proto=\"tcp\" addr=\"127.0.0.1:%d\" "
                                "result=\"EINPROGRESS\" errno=\"EINPROGRESS\"\n"
                                "syscall=\"getsockopt\" fd=6 proto=\"tcp\" addr=\"127.0.0.1:%d\" "
                                "result=\"ECONNREFUSED\" errno=\"ECONNREFUSED\" connected=false\n",
                                p.tcp4[2], p.nonblocking[0], p.nonblocking[1], p.nonblocking[1]));
}

/* ---- slow ---- */

static void test_slow(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "slow", "-a", "threshold=50ms", "-a",
               "syscalls=clock_nanosleep,nanosleep", "/bin/sh", "-c", "sleep 0.1");
    char *report = e2e_read(t->report);
    assert_lines_match(report,
                       "^END\\(s\\)    PID     COMM             SYSCALL          DURATION RESULT$",
                       "^[0-9]+\\.[0-9]{6} +[0-9]+ +sleep +clock_nanosleep +1[0-9]{2}ms +0$", "^$",
                       "^@usecs\\[clock_nanosleep\\]:$",
                       "^\\[(64K, 128K|128K, 256K)\\) +1 \\|@{52}\\|$", "^$");
    free(report);
    /* nothing that slow: no lines and no histograms */
    run_status(t, 0, "-s", "slow", "-a", "threshold=10", "/bin/sh", "-c", "true");
    e2e_assert_report(t, "");
}

/* Lines come as calls return, stamped with the return: in time order,
 * though the longer call began first.  (A 0.8 s sleep in the background;
 * once it sleeps (its /proc syscall is clock_nanosleep's, 230), a 0.3 s
 * one in front.) */
static void test_slow_in_time_order(void **state)
{
    struct e2e *t = *state;
    const char *cmd = "sleep 0.8 & until read -r n _ < /proc/$!/syscall && [ \"$n\" = 230 ]; "
                      "do :; done; sleep 0.3; wait";
    run_status(t, 0, "-s", "slow", "-a", "threshold=250ms", "-a",
               "syscalls=clock_nanosleep,nanosleep", "-a", "hist=none", "/bin/sh", "-c", cmd);
    char *report = e2e_read(t->report);
    assert_true(matches(report, "^END\\(s\\)    PID "));
    double last = 0, end;
    int rows = count_lines(report) - 1;
    for (int i = 2; i <= rows + 1; i++) {
        assert_int_equal(sscanf(line_of(report, i), "%lf", &end), 1);
        assert_true(end >= last);
        last = end;
    }
    assert_true(rows >= 2);
    assert_true(matches(line_of(report, rows + 1), " +clock_nanosleep +[89][0-9]{2}ms +0$"));
    free(report);
    /* --json: time is when each call began, end when it returned */
    run_status(t, 0, "--json", "-s", "slow", "-a", "threshold=250ms", "-a",
               "syscalls=clock_nanosleep,nanosleep", "-a", "hist=none", "/bin/sh", "-c", cmd);
    assert_string_equal(json_fields_v(t, "*",
                                      "bg = objs[-1]\n"
                                      "fg = [o for o in objs if 0.25e9 <= o['ns'] < 0.6e9][0]\n"
                                      "print(bg['ns'] > 0.75e9, bg['time'] < fg['time'],"
                                      " bg['end'] > fg['end'])\n"
                                      "print([o['end'] for o in objs] == sorted(o['end'] for o in objs))\n"
                                      "print(all(abs(o['end'] - o['time'] - o['ns'] / 1e9) < 2e-6"
                                      " for o in objs))\n"),
                        "True True True\nTrue\nTrue\n");
}

static void test_slow_json(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "--json", "-s", "slow", "-a", "threshold=50000us", "-a",
               "syscalls=clock_nanosleep,nanosleep", "/bin/sh", "-c", "sleep 0.1");
    const char *got = json_fields(t, "event?,map?,key?,time?#,end?#,pid?#,tid?#,comm?,syscall?,"
                                     "ns?#,result?,count?");
    assert_string_equal(got, "event=\"slow\" time=# end=# pid=# tid=# comm=\"sleep\" "
                             "syscall=\"clock_nanosleep\" ns=# result=\"0\"\n"
                             "map=\"usecs\" key=\"clock_nanosleep\" count=1\n");
    char *report = e2e_read(t->report);
    long long ns;
    const char *at = strstr(report, "\"ns\":");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "\"ns\":%lld", &ns), 1);
    assert_true(ns >= 100000000 && ns < 1000000000);
    assert_true(matches(report, "\"buckets\":\\[\\{\"min\":(65536,\"max\":131071|131072,"
                                "\"max\":262143),\"count\":1\\}\\]"));
    free(report);
}

/* wt.time's parse_duration, behind the scripts' duration arguments. */
static void test_parse_duration(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-e",
               "local time = require 'wt.time'\n"
               "for _, text in ipairs { '10\u00b5s', '10us', '1.5s', '5 ms', '7ns', '3', 'soon',\n"
               "                        '10 km' } do\n"
               "  print(text, time.parse_duration(text))\n"
               "end\n"
               "print(time.parse_duration('3', 'ms'), time.parse_duration(42))\n",
               "true");
    e2e_assert_report(t, "10\u00b5s\t10000\n10us\t10000\n1.5s\t1500000000\n5 ms\t5000000\n7ns\t7\n"
                         "3\tnil\tbad duration '3': units are ns, us, ms, s\n"
                         "soon\tnil\tbad duration 'soon'\n"
                         "10 km\tnil\tbad duration '10 km': units are ns, us, ms, s\n"
                         "3000000\t42\n");
}

/* ---- timeline ---- */

/* Checks a parsed trace (objs), prints what is deterministic about it:
 * the processes (named by program alone), a slice per process holding
 * its thread's syscall slices, an arrow from each parent into each child's
 * slice, the syscall slices. */
static const char timeline_check[] =
    "events = objs\n"
    "assert events[-1]['name'] == 'end' and events[-1]['ph'] == 'i'\n"
    "def ns(v): return int(round(v * 1000))\n"
    "names = {e['pid']: e['args']['name'] for e in events if e.get('name') == 'process_name'}\n"
    "print('processes', sorted(names.values()))\n"
    "print('execs', [e['args']['argv'] for e in events if e['ph'] == 'i' and e['name'] == 'exec'])\n"
    "procs = {e['pid']: e for e in events if e['ph'] == 'X' and e['cat'] == 'process'}\n"
    "print('process slices', sorted((e['name'], e['args']['status'], e['tid'] == e['pid'])"
    " for e in procs.values()), {p: e['name'] for p, e in procs.items()} == names)\n"
    "def inside(pid, ts, end=None):\n"
    "    s = procs[pid]\n"
    "    return ns(s['ts']) <= ns(ts) and ns(end or ts) <= ns(s['ts']) + ns(s['dur'])\n"
    "calls = [e for e in events if e['ph'] == 'X' and e['cat'] == 'syscall']\n"
    "print('every pid named', {e['pid'] for e in calls} == set(names))\n"
    "print('calls in their process', all(inside(e['pid'], e['ts'], e['ts'] + e['dur'])"
    " for e in calls))\n"
    "starts = {e['id']: e for e in events if e['ph'] == 's'}\n"
    "ends = {e['id']: e for e in events if e['ph'] == 'f'}\n"
    "print('flows', sorted((names[starts[i]['pid']], names[ends[i]['pid']]) for i in starts),"
    " set(starts) == set(ends))\n"
    "print('flows bound', all(inside(s['pid'], s['ts']) and inside(ends[i]['pid'], ends[i]['ts'])"
    " and ends[i]['bp'] == 'e' and s['tid'] == s['pid'] for i, s in starts.items()))\n"
    "for e in calls:\n"
    "    assert isinstance(e['ts'], (int, float)) and e['dur'] >= 0, e\n"
    "    assert isinstance(e['tid'], int), e\n"
    "    assert len(e['args']) == 1 and set(e['args']) <= {'ret', 'errno', 'gone'}, e\n"
    "print('exit_groups', sum(1 for e in calls if e['name'] == 'exit_group'"
    " and e['args'] == {'gone': True}))\n"
    "print('opened f', any(e['name'] == 'openat' and e['args'] == {'ret': 3} for e in calls))\n"
    "print('failed', sorted({e['args']['errno'] for e in calls if 'errno' in e['args']"
    " and e['name'] == 'openat'}))\n";

static void test_timeline(void **state)
{
    struct e2e *t = *state;
    run_status(t, 0, "-s", "timeline", "/bin/sh", "-c", "/bin/true; cat nosuch 2>/dev/null; echo x > f");
    char *report = e2e_read(t->report);
    assert_true(matches(report, "^\\[\n(\\{[^\n]*\\},\n)+\\{\"name\":\"end\"[^\n]*\\}\n\\]\n$"));
    free(report);
    assert_string_equal(json_fields_v(t, "-", timeline_check),
                        "processes ['cat', 'sh', 'true']\n"
                        "execs [['/bin/sh', '-c', '/bin/true; cat nosuch 2>/dev/null; echo x > f'], "
                        "['/bin/true'], ['cat', 'nosuch']]\n"
                        "process slices [('cat', 'exit 1', True), ('sh', 'exit 0', True), "
                        "('true', 'exit 0', True)] True\n"
                        "every pid named True\n"
                        "calls in their process True\n"
                        "flows [('sh', 'cat'), ('sh', 'true')] True\n"
                        "flows bound True\n"
                        "exit_groups 3\n"
                        "opened f True\n"
                        "failed ['ENOENT']\n");
}

/* How many events of each kind, in order: syscall slices (and their
 * names), execs, process slices, flow ends, names, the end mark. */
static const char timeline_counts[] =
    "seen = {}\n"
    "for e in objs:\n"
    "    key = e['cat'] if e['ph'] == 'X' else 'flow' if e['ph'] in 'sf' else e['name']\n"
    "    seen[key] = seen.get(key, 0) + 1\n"
    "syscalls = {e['name'] for e in objs if e['ph'] == 'X' and e['cat'] == 'syscall'}\n"
    "print(sorted(syscalls), seen.get('exec'), seen.get('process'), seen.get('flow'),\n"
    "      seen.get('process_name'), seen.get('thread_name'), seen.get('end'), objs[-1]['name'])\n";

/* -a out=FILE, -a min, -a syscalls; and --json lines. */
static void test_timeline_options(void **state)
{
    struct e2e *t = *state;
    const char *file = e2e_path(t, "trace.json");
    const char *cmd = "/bin/true; exit 0"; /* a fork, an exec, a wait4 */
    run_status(t, 0, "-s", "timeline", "-a", e2e_str("out=%s", file), "-a", "syscalls=wait4",
               "-a", "min=1us", "/bin/sh", "-c", cmd);
    char *report = e2e_read(t->report);
    int events = 0;
    assert_int_equal(sscanf(report, "timeline: %d events written to", &events), 1);
    assert_string_equal(report, e2e_str("timeline: %d events written to %s\n", events, file));
    free(report);
    char *trace = e2e_read(file);
    assert_non_null(trace);
    assert_int_equal(count_lines(trace), events + 2); /* and the brackets */
    free(trace);
    rename(file, t->report);
    assert_string_equal(json_fields_v(t, "-", timeline_counts),
                        "['wait4'] 2 2 2 2 2 1 end\n");

    /* a minimum longer than the run: no syscall slices, but every process's */
    run_status(t, 0, "-s", "timeline", "-a", "min=10s", "/bin/sh", "-c", cmd);
    assert_string_equal(json_fields_v(t, "-", timeline_counts), "[] 2 2 2 2 2 1 end\n");

    run_status(t, 0, "--json", "-s", "timeline", "-a", "syscalls=wait4", "/bin/sh", "-c", cmd);
    report = e2e_read(t->report);
    assert_false(matches(report, "^\\["));
    free(report);
    assert_string_equal(json_fields_v(t, "*", timeline_counts), "['wait4'] 2 2 2 2 2 1 end\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_list),
        e2e_test(test_help),
        e2e_test(test_unknown_script),
        e2e_test(test_bad_arguments),
        e2e_test(test_unknown_argument_every_script),
        e2e_test(test_writes),
        e2e_test(test_opens),
        e2e_test(test_opens_comm_after_exec),
        e2e_test(test_opens_json),
        e2e_test(test_execs),
        e2e_test(test_execs_failed),
        e2e_test(test_execs_json),
        e2e_test(test_syscount),
        e2e_test(test_syscount_per_pid),
        e2e_test(test_syscount_per_comm),
        e2e_test(test_syscount_json),
        e2e_test(test_files),
        e2e_test(test_files_under_json),
        e2e_test(test_files_tmpfile),
        e2e_test(test_files_link_then_unlink),
        e2e_test(test_files_kernel_names),
        e2e_test(test_files_by_descriptor),
        e2e_test(test_files_who),
        e2e_test(test_net),
        e2e_test(test_net_json),
        e2e_test(test_slow),
        e2e_test(test_slow_in_time_order),
        e2e_test(test_slow_json),
        e2e_test(test_parse_duration),
        e2e_test(test_timeline),
        e2e_test(test_timeline_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
