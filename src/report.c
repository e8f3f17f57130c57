#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* There is one report per run. */
static struct {
    int fd;
    const char *name;   /* for messages: the -o path, or "report" */
    int err;            /* the first write error, or 0 */
} report = { -1, NULL, 0 };

/* Pretends every write succeeds once one has failed: stdio would keep its
 * error and make every later print fail, while only the report is lost. */
static ssize_t write_report(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    size_t done = 0;
    while (!report.err && done < size) {
        ssize_t n = write(report.fd, buf + done, size - done);
        if (n >= 0) {
            done += (size_t)n;
        } else if (errno != EINTR) {
            report.err = errno;
            fprintf(stderr, "wtlua: %s: %s; the rest of the report is lost, "
                            "the command runs on\n", report.name, strerror(errno));
        }
    }
    return (ssize_t)size;
}

static int close_report(void *cookie)
{
    (void)cookie;
    if (close(report.fd) < 0 && errno != EINTR && !report.err)
        report.err = errno;
    report.fd = -1;
    return 0;
}

FILE *report_open(const char *path)
{
    bool to_stdout = path && strcmp(path, "-") == 0;
    if (path && !to_stdout) {
        report.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        report.name = path;
    } else {
        /* A descriptor of its own, so the command's stream is untouched. */
        report.fd = fcntl(to_stdout ? STDOUT_FILENO : STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        report.name = to_stdout ? "standard output" : "report";
    }
    if (report.fd < 0) {
        fprintf(stderr, "wtlua: %s: %s\n", path && !to_stdout ? path : report.name,
                strerror(errno));
        return NULL;
    }
    cookie_io_functions_t io = { .write = write_report, .close = close_report };
    FILE *f = fopencookie(NULL, "w", io);
    if (!f) {
        fprintf(stderr, "wtlua: %s: %s\n", report.name, strerror(errno));
        close(report.fd);
        return NULL;
    }
    /* A line at once on anything someone reads as it comes (a pipe, a
     * terminal) and on standard error, which wtlua's own messages share
     * (they must not overtake the report); blocks for a regular file. */
    struct stat st;
    if (!path || fstat(report.fd, &st) < 0 || !S_ISREG(st.st_mode))
        setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

int report_close(FILE *f)
{
    fclose(f);
    return report.err;
}
