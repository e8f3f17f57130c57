/* Linked into the test programs of `make check-valgrind`: leaves out, by
 * name, the tests that cannot work under valgrind, so that they neither
 * fail nor hide the others' reports.
 *
 * VALGRIND_SKIP_TESTS is a space-separated list of PROGRAM:PATTERN, where
 * PATTERN is a cmocka glob (cmocka_set_skip_filter) over that program's
 * test names.  The Makefile's VG_SKIP_TESTS says why each one is there. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((constructor)) static void skip_tests(void)
{
    const char *list = getenv("VALGRIND_SKIP_TESTS");
    if (!list)
        return;
    static char pattern[256];
    size_t self = strlen(program_invocation_short_name);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ");
        if (len > self + 1 && p[self] == ':' &&
            strncmp(p, program_invocation_short_name, self) == 0 &&
            len - self - 1 < sizeof pattern) {
            memcpy(pattern, p + self + 1, len - self - 1);
            pattern[len - self - 1] = '\0';
            cmocka_set_skip_filter(pattern);
            fprintf(stderr, "%s: under valgrind, skipping tests %s\n",
                    program_invocation_short_name, pattern);
        }
        p += len;
        p += strspn(p, " ");
    }
}
