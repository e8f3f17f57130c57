/* sc:stack() on tests/fixtures/stack_chain, whose open of /dev/null is
 * made by main -> a -> b: the frames in order, as PIE, non-PIE, static,
 * stripped and i386 programs, in a second thread, after an exec, after a
 * dlopen, and at a signal. */
#include "e2e.h"

/* Prints each stack as one line: the frames from the innermost through
 * main (or thread_main; all of them when there are no names), a frame of
 * the program as "exe:NAME" ("exe" when it has no symbol), other modules
 * by their file name, a run of frames in one such module once
 * ("[vdso: PID]" as "[vdso]").  Then the file and line of b's frame. */
static const char stack_script[] =
    "wt.trace { open = true, openat = true }\n"
    "local function chain(frames, exe)\n"
    "  local out = {}\n"
    "  for _, f in ipairs(frames) do\n"
    "    local inside = f.module == exe\n"
    "    local class = inside and ('exe' .. (f.name and ':' .. f.name or ''))\n"
    "                  or (f.module or '?'):gsub(': %d+%]$', ']'):match('[^/]*$')\n"
    "    if class ~= out[#out] or inside then out[#out + 1] = class end\n"
    "    if f.name == 'main' or f.name == 'thread_main' then break end\n"
    "  end\n"
    "  return table.concat(out, ' ')\n"
    "end\n"
    "local function show(frames, exe)\n"
    "  print(chain(assert(frames), exe))\n"
    "  for _, f in ipairs(frames) do\n"
    "    if f.name == 'b' then print(f.file, f.line) end\n"
    "  end\n"
    "end\n"
    "function on_enter(sc)\n"
    "  if sc:path(sc.name == 'open' and 1 or 2) == '/dev/null' then\n"
    "    show(sc:stack(), sc.exe)\n"
    "    if wt.args.max then print(#sc:stack(2)) end\n"
    "  end\n"
    "end\n"
    "function on_signal(s)\n"
    "  if s.name == 'SIGUSR1' then show(s:stack(), wt.exe(s.pid)) end\n"
    "end\n";

/* The line of the fixture's source where b opens /dev/null. */
static int open_line(void)
{
    const char *source = e2e_str("%s/tests/fixtures/stack_chain.c", e2e_env("SRCROOT"));
    char *text = e2e_read(source);
    const char *at = strstr(text, "open(\"/dev/null\", O_RDONLY)");
    assert_non_null(at);
    int line = 1;
    for (const char *c = text; c < at; c++)
        line += *c == '\n';
    free(text);
    return line;
}

/* What show() prints for b's frame. */
static const char *b_line(void)
{
    return e2e_str("%s/tests/fixtures/stack_chain.c\t%d\n", e2e_env("SRCROOT"), open_line());
}

static void test_pie(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-a", "max", "-e", stack_script, e2e_fixture("stack_chain"));
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("libc.so.6 exe:b exe:a exe:main\n%s2\n", b_line()));
}

static void test_not_pie(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain-nopie"));
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("libc.so.6 exe:b exe:a exe:main\n%s", b_line()));
}

/* The libc wrapper is part of the program: its name comes from the
 * program's symbol table. */
static void test_static(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain-static"));
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("exe:__open exe:b exe:a exe:main\n%s", b_line()));
}

/* i386's libc enters the kernel through the vDSO's __kernel_vsyscall. */
static void test_i386(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain-32"));
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("[vdso] libc.so.6 exe:b exe:a exe:main\n%s", b_line()));
}

/* No symbols, no debug information: the program's three frames have its
 * module and no name. */
static void test_stripped(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain-stripped"));
    e2e_assert_status(t, 0);
    e2e_assert_report(t, "libc.so.6 exe exe exe libc.so.6 exe\n");
}

static void test_thread(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain"), "thread");
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("libc.so.6 exe:b exe:a exe:thread_main\n%s", b_line()));
}

/* An x86_64 program that has had its stack taken execs an i386 one: the
 * second stack is the new program's, in its modules. */
static void test_after_exec(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain"), "exec",
              e2e_fixture("stack_chain-32"));
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("libc.so.6 exe:b exe:a exe:main\n%s"
                                 "[vdso] libc.so.6 exe:b exe:a exe:main\n%s",
                                 b_line(), b_line()));
}

/* A library loaded after the process's first stack (dlopen) is found:
 * its frame, and the frames beyond it. */
static void test_library_loaded_since(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain"), "dlopen");
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("libc.so.6 exe:b exe:a exe:main\n%s"
                                 "libc.so.6 exe:b exe:a exe:on_unwind libgcc_s.so.1 exe:main\n%s",
                                 b_line(), b_line()));
}

/* on_signal's s:stack(): b raised SIGUSR1 before its open. */
static void test_at_signal(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", stack_script, e2e_fixture("stack_chain"), "signal");
    e2e_assert_status(t, 0);
    const char *b = b_line();
    char *raise_line = strdup(b);
    /* b raises on the line before its open */
    snprintf(strrchr(raise_line, '\t'), 16, "\t%d\n", open_line() - 1);
    e2e_assert_report(t, e2e_str("libc.so.6 exe:b exe:a exe:main\n%s"
                                 "libc.so.6 exe:b exe:a exe:main\n%s",
                                 raise_line, b));
    free(raise_line);
}

/* The Lua helper's lines, as strace -k prints them. */
static void test_format(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "local stack = require 'wt.stack'\n"
              "wt.trace { openat = true }\n"
              "function on_enter(sc)\n"
              "  if sc:path(2) == '/dev/null' then\n"
              "    local frames = sc:stack()\n"
              "    local lines = stack.format(frames)\n"
              "    local b = frames[2]\n"
              "    assert(b.name == 'b', b.name)\n"
              "    print(select(2, lines:gsub('\\n', '')) + 1 == #frames)\n"
              "    print(stack.frame(b) == (' > %s(b+0x%x) [0x%x] %s:%d')\n"
              "      :format(sc.exe, b.offset, b.pc, b.file, b.line))\n"
              "    print(stack.format(nil, 'why'))\n"
              "  end\n"
              "end\n",
              e2e_fixture("stack_chain"));
    e2e_assert_status(t, 0);
    e2e_assert_report(t, "true\ntrue\n > unwinding failed: why\n");
}

/* The functions of module's frames in the " > MODULE(NAME+0x..." lines
 * right after the first report line containing marker, space-separated,
 * up to main; "" when no such line is followed by frames. */
static const char *frames_after(const char *report, const char *marker, const char *module)
{
    const char *at = strstr(report, marker);
    if (!at || !(at = strchr(at, '\n')))
        return "";
    const char *names = "";
    const char *prefix = e2e_str(" > %s(", module);
    for (const char *line = at + 1; strncmp(line, " > ", 3) == 0;) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            const char *name = line + strlen(prefix);
            int len = (int)strcspn(name, "+)");
            names = e2e_str("%s%s%.*s", names, *names ? " " : "", len, name);
            if (len == 4 && strncmp(name, "main", 4) == 0)
                break;
        }
        if (!end)
            break;
        line = end + 1;
    }
    return names;
}

/* -a k on trace and opens: the chain under the open of /dev/null, in
 * lines after the call's, in text and in JSON. */
static void test_trace_and_opens_option_k(void **state)
{
    struct e2e *t = *state;
    const char *exe = e2e_fixture("stack_chain");
    e2e_wtlua(t, "-s", "trace", "-a", "k", "-a", "trace=openat", exe);
    e2e_assert_status(t, 0);
    char *report = e2e_read(t->report);
    assert_string_equal(frames_after(report, "\"/dev/null\"", exe), "b a main");
    free(report);
    e2e_wtlua(t, "-s", "opens", "-a", "k", "-a", "path=/dev/null", exe);
    e2e_assert_status(t, 0);
    report = e2e_read(t->report);
    assert_string_equal(frames_after(report, "/dev/null\n", exe), "b a main");
    free(report);
    e2e_wtlua(t, "-s", "opens", "-a", "k", "-a", "path=/dev/null", "--json", exe);
    e2e_assert_status(t, 0);
    report = e2e_read(t->report);
    assert_non_null(strstr(report, "\"stack\":[{"));
    assert_non_null(strstr(report, "\"name\":\"b\""));
    free(report);
}

/* -a k on execs: the exec's stack is the program's that called it, not
 * the new one's; on files: the call that made the change. */
static void test_execs_and_files_option_k(void **state)
{
    struct e2e *t = *state;
    const char *exe = e2e_fixture("stack_chain"), *exe32 = e2e_fixture("stack_chain-32");
    e2e_wtlua(t, "-s", "execs", "-a", "k", exe, "exec", exe32);
    e2e_assert_status(t, 0);
    char *report = e2e_read(t->report);
    /* the second exec row: the first (wtlua starting the fixture) ends in exe32 too */
    assert_string_equal(frames_after(report, e2e_str("0      %s\n", exe32), exe), "main");
    free(report);
    e2e_wtlua(t, "-s", "files", "-a", "k", "/bin/sh", "-c", "echo x > made");
    e2e_assert_status(t, 0);
    report = e2e_read(t->report);
    const char *made = e2e_str("create  %s\n > ", e2e_path(t, "made"));
    assert_non_null(strstr(report, made));
    assert_non_null(strstr(strstr(report, made), "libc.so.6("));
    free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_pie),
        e2e_test(test_not_pie),
        e2e_test(test_static),
        e2e_test(test_i386),
        e2e_test(test_stripped),
        e2e_test(test_thread),
        e2e_test(test_after_exec),
        e2e_test(test_library_loaded_since),
        e2e_test(test_at_signal),
        e2e_test(test_format),
        e2e_test(test_trace_and_opens_option_k),
        e2e_test(test_execs_and_files_option_k),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
