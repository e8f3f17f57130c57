/* The examples in README.md, docs/scripting.md and docs/helpers.md that
 * are marked runnable (an "<!-- example: ... -->" comment before the
 * block) run against the real wtlua, one test each, through
 * tests/e2e/doc-examples, which compares what they print with what the
 * document shows (see its comment for the marker's options).  So an
 * example cannot rot unnoticed: a changed report, option or exit status
 * fails here.  The checker itself is tested on a document of its own. */
#include "e2e.h"

static const char *const documents[] = { "README.md", "docs/scripting.md", "docs/helpers.md",
                                         "docs/signals.md" };

static const char *checker(void)
{
    return e2e_str("%s/tests/e2e/doc-examples", e2e_env("SRCROOT"));
}

/* doc-examples WTLUA TARGET: its exit status, its output in t->out. */
static int check(struct e2e *t, const char *target)
{
    const char *argv[] = { "/usr/bin/env", "python3", checker(), e2e_env("WTLUA"), target, NULL };
    int status = e2e_exec(t, argv);
    if (status == 127)
        skip(); /* no python3 */
    return status;
}

/* One marked example: t->param is FILE:LINE, FILE absolute. */
static void run_example(void **state)
{
    struct e2e *t = *state;
    const char *target = t->param;
    if (check(t, target) != 0 || strncmp(t->out, "ok ", 3) != 0)
        fail_msg("%s\n%s", t->out, t->err);
}

/* Every document keeps at least one runnable example. */
static void test_every_document_has_examples(void **state)
{
    struct e2e *t = *state;
    for (size_t i = 0; i < sizeof documents / sizeof documents[0]; i++) {
        const char *doc = e2e_str("%s/%s", e2e_env("SRCROOT"), documents[i]);
        const char *argv[] = { "/usr/bin/env", "python3", checker(), "--list", doc, NULL };
        if (e2e_exec(t, argv) == 127)
            skip();
        e2e_assert_status(t, 0);
        if (strncmp(t->out, e2e_str("%s:", doc), strlen(doc) + 1) != 0)
            fail_msg("no runnable example in %s", documents[i]);
    }
}

/* The checker fails on a wrong output and a wrong status, passes a right
 * one, and in shape mode takes any numbers and "..." for any lines. */
static void test_checker_fails_wrong_examples(void **state)
{
    struct e2e *t = *state;
    const char *doc = e2e_path(t, "doc.md");
    e2e_write(doc,
              "```lua\n-- hello.lua: a script the examples use\nprint('hello', 42)\n```\n"
              "<!-- example: -->\n```\n$ wtlua -o - hello.lua true\nhello\t42\n```\n"
              "<!-- example: -->\n```\n$ wtlua -o - hello.lua true\nhello\t43\n```\n"
              "<!-- example: status=1 -->\n```\n$ wtlua -o - hello.lua true\nhello\t42\n```\n"
              "<!-- example: compare=shape setup=\"touch a b\" -->\n"
              "```\n$ echo start; wtlua -o - hello.lua ls\nstart\nhello 7\n...\n```\n",
              0644);
    assert_int_equal(check(t, doc), 1);
    assert_non_null(strstr(t->out, e2e_str("ok %s:6\n", doc)));
    assert_non_null(strstr(t->out, e2e_str("FAIL %s:11: output differs\n", doc)));
    assert_non_null(strstr(t->out, e2e_str("FAIL %s:16: exit status 0, expected 1\n", doc)));
    assert_non_null(strstr(t->out, e2e_str("ok %s:21\n", doc)));
}

int main(void)
{
    const char *root = getenv("SRCROOT");
    if (!root || !*root) {
        fprintf(stderr, "SRCROOT is not set: run the tests with `make e2e`\n");
        return 1;
    }
    char command[8192];
    int len = snprintf(command, sizeof command, "python3 %s/tests/e2e/doc-examples --list", root);
    for (size_t i = 0; i < sizeof documents / sizeof documents[0]; i++)
        len += snprintf(command + len, sizeof command - (size_t)len, " %s/%s", root, documents[i]);
    static char examples[64][PATH_MAX + 16];
    static struct CMUnitTest tests[64 + 2];
    size_t n = 0;
    FILE *list = popen(command, "r");
    while (list && n < 64 && fgets(examples[n], sizeof examples[n], list)) {
        examples[n][strcspn(examples[n], "\n")] = '\0';
        const char *label = examples[n] + strlen(root) + 1;
        tests[n] = (struct CMUnitTest)e2e_row(label, run_example, examples[n]);
        n++;
    }
    if (list)
        pclose(list);
    tests[n++] = (struct CMUnitTest)e2e_test(test_every_document_has_examples);
    tests[n++] = (struct CMUnitTest)e2e_test(test_checker_fails_wrong_examples);
    return _cmocka_run_group_tests("test_docs", tests, n, NULL, NULL);
}
