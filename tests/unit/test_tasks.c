/* Unit tests for src/tasks.c: the open-addressing table of traced threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tasks.h"

/* Same hash as tasks.c, to build colliding tids for a given capacity. */
static size_t home_slot(pid_t tid, size_t cap)
{
    return ((size_t)tid * 2654435761u) & (cap - 1);
}

/* A new entry is all zero bytes apart from its tid. */
static void assert_zeroed(const struct task *task, pid_t tid)
{
    struct task expect;
    memset(&expect, 0, sizeof expect);
    expect.tid = tid;
    assert_memory_equal(task, &expect, sizeof expect);
}

static int setup_table(void **state)
{
    struct task_table *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    *state = t;
    return 0;
}

static int teardown_table(void **state)
{
    struct task_table *t = *state;
    tasks_free(t);
    /* tasks_free leaves an empty, reusable table. */
    assert_int_equal(tasks_count(t), 0);
    assert_null(tasks_find(t, 1));
    free(t);
    return 0;
}

static void test_empty_table(void **state)
{
    struct task_table *t = *state;
    assert_int_equal(tasks_count(t), 0);
    assert_null(tasks_find(t, 1));
    assert_null(tasks_find(t, 4242));
}

static void test_add_find_remove(void **state)
{
    struct task_table *t = *state;
    struct task *a = tasks_add(t, 100);
    assert_non_null(a);
    assert_int_equal(a->tid, 100);
    assert_zeroed(a, 100);
    a->tgid = 100;
    a->entry.nr = 257;
    assert_int_equal(tasks_count(t), 1);

    struct task *b = tasks_add(t, 101);
    assert_non_null(b);
    b->tgid = 100;
    a = tasks_find(t, 100);
    assert_non_null(a);
    assert_int_equal(a->tid, 100);
    assert_int_equal(a->tgid, 100);
    assert_int_equal(a->entry.nr, 257);
    assert_ptr_equal(tasks_find(t, 101), b);
    assert_null(tasks_find(t, 102));
    assert_int_equal(tasks_count(t), 2);

    tasks_remove(t, a);
    assert_null(tasks_find(t, 100));
    assert_ptr_equal(tasks_find(t, 101), b);
    assert_int_equal(tasks_count(t), 1);

    /* Re-adding gives a fresh, zeroed entry. */
    a = tasks_add(t, 100);
    assert_non_null(a);
    assert_zeroed(a, 100);
    assert_int_equal(tasks_count(t), 2);
    assert_ptr_equal(tasks_find(t, 100), a);

    tasks_remove(t, tasks_find(t, 100));
    tasks_remove(t, tasks_find(t, 101));
    assert_int_equal(tasks_count(t), 0);
    assert_null(tasks_find(t, 100));
    assert_null(tasks_find(t, 101));
}

/* Tids that land on the same home slot probe past each other; removing the
 * first must not hide the second. */
static void test_collisions_and_tombstones(void **state)
{
    struct task_table *t = *state;
    assert_non_null(tasks_add(t, 1)); /* capacity is now fixed at 64 */
    size_t cap = t->cap;
    assert_int_equal(cap, 64);
    pid_t chain[4];
    size_t n = 0;
    size_t want = home_slot(1000, cap);
    for (pid_t tid = 1000; n < 4; tid++)
        if (home_slot(tid, cap) == want)
            chain[n++] = tid;
    for (size_t i = 0; i < 4; i++) {
        struct task *task = tasks_add(t, chain[i]);
        assert_non_null(task);
        task->tgid = (pid_t)i + 7;
    }
    assert_int_equal(t->cap, 64);
    /* Remove the head and a middle link of the probe chain. */
    tasks_remove(t, tasks_find(t, chain[0]));
    tasks_remove(t, tasks_find(t, chain[2]));
    assert_null(tasks_find(t, chain[0]));
    assert_null(tasks_find(t, chain[2]));
    struct task *found = tasks_find(t, chain[1]);
    assert_non_null(found);
    assert_int_equal(found->tgid, 8);
    found = tasks_find(t, chain[3]);
    assert_non_null(found);
    assert_int_equal(found->tgid, 10);
    assert_int_equal(tasks_count(t), 3);

    /* Re-adding reuses a tombstone and everything stays findable. */
    struct task *again = tasks_add(t, chain[2]);
    assert_non_null(again);
    assert_zeroed(again, chain[2]);
    for (size_t i = 1; i < 4; i++)
        assert_non_null(tasks_find(t, chain[i]));
    assert_null(tasks_find(t, chain[0]));
    assert_int_equal(tasks_count(t), 4);
}

static void test_large_tids(void **state)
{
    struct task_table *t = *state;
    const pid_t tids[] = { 1, 2, 4194304, 4194303, 0x7fffffff, 0x7ffffffe, 65536, 131072 };
    for (size_t i = 0; i < sizeof tids / sizeof tids[0]; i++) {
        struct task *task = tasks_add(t, tids[i]);
        assert_non_null(task);
        task->tgid = (pid_t)i;
    }
    for (size_t i = 0; i < sizeof tids / sizeof tids[0]; i++) {
        struct task *task = tasks_find(t, tids[i]);
        assert_non_null(task);
        assert_int_equal(task->tid, tids[i]);
        assert_int_equal(task->tgid, (pid_t)i);
    }
    assert_int_equal(tasks_count(t), sizeof tids / sizeof tids[0]);
}

/* Growth rehashes: data set before it must come through intact. */
static void test_growth_keeps_entries(void **state)
{
    struct task_table *t = *state;
    for (pid_t tid = 1; tid <= 20; tid++) {
        struct task *task = tasks_add(t, tid);
        assert_non_null(task);
        task->tgid = tid * 3;
        task->entry.at_exit = tid % 2;
        task->entry.nr = tid + 1000;
        task->entry.args[5] = (uint64_t)tid << 40;
    }
    size_t cap_before = t->cap;
    for (pid_t tid = 21; tid <= 2000; tid++)
        assert_non_null(tasks_add(t, tid));
    assert_true(t->cap > cap_before);
    assert_int_equal(tasks_count(t), 2000);
    for (pid_t tid = 1; tid <= 20; tid++) {
        struct task *task = tasks_find(t, tid);
        assert_non_null(task);
        assert_int_equal(task->tid, tid);
        assert_int_equal(task->tgid, tid * 3);
        assert_int_equal(task->entry.at_exit, tid % 2);
        assert_int_equal(task->entry.nr, tid + 1000);
        assert_int_equal(task->entry.args[5], (uint64_t)tid << 40);
    }
    for (pid_t tid = 21; tid <= 2000; tid++) {
        struct task *task = tasks_find(t, tid);
        assert_non_null(task);
        assert_int_equal(task->tid, tid);
    }
    assert_null(tasks_find(t, 2001));
}

struct visits {
    unsigned char *seen;    /* indexed by tid */
    size_t max_tid;
    size_t calls;
    int bad;                /* a tid out of range or seen twice */
};

static void visit(struct task *task, void *arg)
{
    struct visits *v = arg;
    v->calls++;
    if (task->tid <= 0 || (size_t)task->tid > v->max_tid || v->seen[task->tid]++)
        v->bad++;
}

/* Checks that exactly the tids with present[tid] set are in the table,
 * found by lookups and visited once each by tasks_each. */
static void check_contents(struct task_table *t, const unsigned char *present, size_t max_tid)
{
    size_t expected = 0;
    for (size_t tid = 1; tid <= max_tid; tid++) {
        struct task *task = tasks_find(t, (pid_t)tid);
        if (present[tid]) {
            expected++;
            assert_non_null(task);
            assert_int_equal(task->tid, tid);
            assert_int_equal(task->tgid, (pid_t)(tid ^ 0x5a5a));
        } else {
            assert_null(task);
        }
    }
    assert_int_equal(tasks_count(t), expected);

    struct visits v = { calloc(max_tid + 1, 1), max_tid, 0, 0 };
    assert_non_null(v.seen);
    tasks_each(t, visit, &v);
    assert_int_equal(v.bad, 0);
    assert_int_equal(v.calls, expected);
    for (size_t tid = 1; tid <= max_tid; tid++)
        assert_int_equal(v.seen[tid], present[tid]);
    free(v.seen);
}

static void add_tid(struct task_table *t, unsigned char *present, pid_t tid)
{
    struct task *task = tasks_add(t, tid);
    assert_non_null(task);
    assert_int_equal(task->tid, tid);
    task->tgid = tid ^ 0x5a5a;
    present[tid] = 1;
}

static void remove_tid(struct task_table *t, unsigned char *present, pid_t tid)
{
    struct task *task = tasks_find(t, tid);
    assert_non_null(task);
    tasks_remove(t, task);
    present[tid] = 0;
}

static void test_many_tids(void **state)
{
    struct task_table *t = *state;
    enum { N = 10000 };
    unsigned char *present = calloc(N + 1, 1);
    assert_non_null(present);

    for (pid_t tid = 1; tid <= N; tid++)
        add_tid(t, present, tid);
    check_contents(t, present, N);

    /* Remove every third, then every even one that is left. */
    for (pid_t tid = 3; tid <= N; tid += 3)
        remove_tid(t, present, tid);
    check_contents(t, present, N);
    for (pid_t tid = 2; tid <= N; tid += 2)
        if (present[tid])
            remove_tid(t, present, tid);
    check_contents(t, present, N);

    /* Re-add the multiples of three (some even, some odd). */
    for (pid_t tid = 3; tid <= N; tid += 3)
        add_tid(t, present, tid);
    check_contents(t, present, N);

    /* Remove everything, then add back a different half. */
    for (pid_t tid = 1; tid <= N; tid++)
        if (present[tid])
            remove_tid(t, present, tid);
    check_contents(t, present, N);
    for (pid_t tid = N; tid >= 1; tid -= 2)
        add_tid(t, present, tid);
    check_contents(t, present, N);
    free(present);
}

/* A tracer sees tids come and go for ever: a small live set with endless
 * turnover must neither lose entries nor fill the table with tombstones
 * (a full table would make lookups of absent tids loop for ever). */
static void test_churn(void **state)
{
    struct task_table *t = *state;
    enum { LIVE = 50, ROUNDS = 200000, MAX_TID = LIVE + ROUNDS };
    unsigned char *present = calloc(MAX_TID + 1, 1);
    assert_non_null(present);
    for (pid_t tid = 1; tid <= LIVE; tid++)
        add_tid(t, present, tid);
    for (pid_t next = LIVE + 1; next <= MAX_TID; next++) {
        remove_tid(t, present, next - LIVE);
        add_tid(t, present, next);
        if (next % 997 == 0) {
            assert_null(tasks_find(t, next - LIVE));
            assert_null(tasks_find(t, next + 12345));
        }
    }
    assert_int_equal(tasks_count(t), LIVE);
    assert_true(t->cap <= 1024);
    for (pid_t tid = MAX_TID - LIVE + 1; tid <= MAX_TID; tid++)
        assert_non_null(tasks_find(t, tid));
    check_contents(t, present, MAX_TID);
    free(present);
}

static void count_calls(struct task *task, void *arg)
{
    (void)task;
    ++*(size_t *)arg;
}

static void test_each_on_empty_and_cleared(void **state)
{
    struct task_table *t = *state;
    size_t calls = 0;
    tasks_each(t, count_calls, &calls);
    assert_int_equal(calls, 0);
    for (pid_t tid = 1; tid <= 100; tid++)
        assert_non_null(tasks_add(t, tid));
    for (pid_t tid = 1; tid <= 100; tid++)
        tasks_remove(t, tasks_find(t, tid));
    tasks_each(t, count_calls, &calls);
    assert_int_equal(calls, 0);
    assert_int_equal(tasks_count(t), 0);
}

int main(void)
{
    alarm(120); /* a probing loop that never ends fails the run */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_table, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_add_find_remove, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_collisions_and_tombstones, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_large_tids, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_growth_keeps_entries, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_many_tids, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_churn, setup_table, teardown_table),
        cmocka_unit_test_setup_teardown(test_each_on_empty_and_cleared, setup_table, teardown_table),
    };
    return cmocka_run_group_tests_name("tasks", tests, NULL, NULL);
}
