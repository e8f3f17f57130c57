#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int reserve_fd = -1;

void procfs_init(void)
{
    if (reserve_fd < 0)
        reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* open(2), lending the reserve descriptor when none is left. */
static int proc_open(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
        close(reserve_fd);
        reserve_fd = -1;
        fd = open(path, flags | O_CLOEXEC);
    }
    return fd;
}

/* Closes fd and takes the reserve back if it was lent. */
static void proc_close(int fd)
{
    close(fd);
    procfs_init();
}

int procfs_status(pid_t tid, struct proc_status *st)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    int fd = proc_open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        int err = errno;
        proc_close(fd);
        return -err;
    }
    char line[256];
    memset(st, 0, sizeof *st);
    st->tgid = tid;
    st->alive = true;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "State:", 6) == 0)
            st->alive = !strpbrk(line + 6, "ZX");
        else if (strncmp(line, "Tgid:", 5) == 0)
            st->tgid = (pid_t)atoi(line + 5);
        else if (strncmp(line, "PPid:", 5) == 0)
            st->ppid = (pid_t)atoi(line + 5);
        else if (strncmp(line, "TracerPid:", 10) == 0)
            st->tracer = (pid_t)atoi(line + 10);
    }
    fclose(f);
    procfs_init();
    return 0;
}

int procfs_field(const char *file, const char *field, char *out, size_t outsz)
{
    char buf[4096];
    int fd = proc_open(file, O_RDONLY);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int err = errno;
    proc_close(fd);
    if (n < 0)
        return -err;
    buf[n] = '\0';
    char key[32];
    snprintf(key, sizeof key, "\n%s:\t", field);
    const char *value = strstr(buf, key);
    if (!value)
        return -ENOENT;
    value += strlen(key);
    size_t len = strcspn(value, "\n");
    if (len >= outsz)
        return -ENAMETOOLONG;
    memcpy(out, value, len);
    out[len] = '\0';
    return 0;
}

ssize_t procfs_read(pid_t pid, const char *name, char **buf, size_t *cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = proc_open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    for (;;) {
        if (len == *cap) {
            size_t bigger = *cap ? *cap * 2 : 4096;
            char *grown = realloc(*buf, bigger);
            if (!grown) {
                proc_close(fd);
                return -ENOMEM;
            }
            *buf = grown;
            *cap = bigger;
        }
        ssize_t n = read(fd, *buf + len, *cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            proc_close(fd);
            return -err;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    proc_close(fd);
    return (ssize_t)len;
}

ssize_t procfs_readlink(pid_t pid, const char *name, char *out, size_t outsz)
{
    char link[64];
    if (pid == 0) /* /proc/self: wtlua even where /proc numbers another namespace */
        snprintf(link, sizeof link, "/proc/self/%s", name);
    else
        snprintf(link, sizeof link, "/proc/%d/%s", (int)pid, name);
    ssize_t n = readlink(link, out, outsz);
    if (n < 0)
        return -errno;
    if ((size_t)n >= outsz)
        return -ENAMETOOLONG;
    out[n] = '\0';
    return n;
}

int procfs_comm(pid_t tid, char out[16])
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)tid);
    int fd = proc_open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    ssize_t n;
    while ((n = read(fd, out, 15)) < 0 && errno == EINTR)
        ;
    int err = errno;
    proc_close(fd);
    if (n < 0)
        return -err;
    out[n] = '\0';
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

bool procfs_owned_by_us(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    struct stat st;
    return stat(path, &st) == 0 && st.st_uid == geteuid();
}

long procfs_read_long(const char *path)
{
    int fd = proc_open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    char text[32];
    ssize_t n = read(fd, text, sizeof text - 1);
    proc_close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    char *end;
    long value = strtol(text, &end, 10);
    return end == text ? -1 : value;
}

int procfs_each_thread(pid_t pid, int (*fn)(pid_t tid, void *arg), void *arg)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    int fd = proc_open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (!d) {
        int err = errno;
        proc_close(fd);
        return -err;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        pid_t tid = (pid_t)atoi(e->d_name);
        if (tid > 0)
            rc = fn(tid, arg);
    }
    closedir(d);
    procfs_init();
    return rc;
}
