/* The top script: wt.every's tables while the command runs. */
#include "e2e.h"

/* Every 200 ms a table; sleep, blocked in clock_nanosleep all along, is
 * listed with what it is in.  --json: one object per process and tick. */
static void test_top(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "--json", "-s", "top", "-a", "interval=200ms", "/bin/sh", "-c",
              "exec sleep 1");
    e2e_assert_status(t, 0);
    char *report = e2e_read(t->report);
    int ticks = 0, sleeping = 0;
    double last = -1;
    for (char *line = strtok(report, "\n"); line; line = strtok(NULL, "\n")) {
        double at;
        if (sscanf(line, "{\"t\":%lf,", &at) != 1)
            fail_msg("not a top row: %s", line);
        if (at > last) {
            ticks++;
            last = at;
        }
        if (strstr(line, "\"comm\":\"sleep\"") && strstr(line, "\"now\":\"clock_nanosleep\""))
            sleeping++;
    }
    free(report);
    if (ticks < 3 || sleeping < 2)
        fail_msg("%d tables (3 or more expected), sleep seen sleeping in %d (2 or more)", ticks,
                 sleeping);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_top),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
