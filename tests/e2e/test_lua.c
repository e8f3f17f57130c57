/* The Lua helpers' own tests: each tests/lua/NAME.lua is a script, run by
 * the real wtlua (so `require "wt.fs"` and the wt module are the ones the
 * bundled scripts get) on the command its line "-- command: ..." names
 * (default: true), with $FIXTURES and $DIR (the test's temp dir, also in
 * the environment as DIR) replaced.  A test passes when wtlua exits 0 and
 * the report's last line is "ok": a failed assert is an error, which
 * makes wtlua exit 125 with the message, in the main chunk or in a hook. */
#include "e2e.h"

#include <glob.h>

/* The words of the file's "-- command:" line, expanded; "true" when it
 * has none.  Words are separated by spaces, with no quoting. */
static int command_of(const struct e2e *t, const char *script, const char *argv[], int max)
{
    char *text = e2e_read(script);
    if (!text)
        fail_msg("cannot read %s", script);
    static char words[4096];
    const char *line = strstr(text, "\n-- command: ");
    snprintf(words, sizeof words, "%.*s", line ? (int)strcspn(line + 13, "\n") : 4,
             line ? line + 13 : "true");
    free(text);
    int n = 0;
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w && n < max;
         w = strtok_r(NULL, " ", &save)) {
        if (strncmp(w, "$FIXTURES/", 10) == 0)
            argv[n++] = e2e_fixture(w + 10);
        else if (strcmp(w, "$DIR") == 0)
            argv[n++] = t->dir;
        else
            argv[n++] = w;
    }
    return n;
}

/* Whether the report's last line is "ok". */
static bool ends_ok(const char *report)
{
    size_t len = strlen(report);
    return (len == 3 || (len > 3 && report[len - 4] == '\n')) &&
           strcmp(report + len - 3, "ok\n") == 0;
}

static void run_lua_test(void **state)
{
    struct e2e *t = *state;
    const char *script = t->param;
    const char *args[32] = { "-o", t->report, script };
    int n = 3;
    n += command_of(t, script, args + n, 28);
    args[n] = NULL;
    if (setenv("DIR", t->dir, 1) < 0)
        fail_msg("setenv: %s", strerror(errno));
    e2e_run_v(t, args);
    char *report = e2e_read(t->report);
    if (t->status != 0 || !report || !ends_ok(report))
        fail_msg("%s: wtlua exited %d\nreport:\n%s\nstderr:\n%s", script, t->status,
                 report ? report : "(none)", t->err);
    free(report);
}

int main(void)
{
    glob_t found;
    const char *pattern = e2e_str("%s/tests/lua/*.lua", e2e_env("SRCROOT"));
    if (glob(pattern, 0, NULL, &found) != 0 || found.gl_pathc == 0) {
        fprintf(stderr, "no Lua tests match %s\n", pattern);
        return 1;
    }
    struct CMUnitTest *tests = calloc(found.gl_pathc, sizeof *tests);
    if (!tests)
        return 1;
    for (size_t i = 0; i < found.gl_pathc; i++)
        tests[i] = (struct CMUnitTest)e2e_row(strrchr(found.gl_pathv[i], '/') + 1, run_lua_test,
                                              found.gl_pathv[i]);
    int rc = _cmocka_run_group_tests("test_lua", tests, found.gl_pathc, NULL, NULL);
    free(tests);
    globfree(&found);
    return rc;
}
