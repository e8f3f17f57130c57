#include "command.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_program(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EISDIR;
    if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
        return -EACCES;
    return 0;
}

int command_find(const char *name, char *out, size_t outsz)
{
    if (strchr(name, '/')) {
        if (snprintf(out, outsz, "%s", name) >= (int)outsz)
            return -ENAMETOOLONG;
        return check_program(out);
    }
    if (!*name)
        return -ENOENT;
    char fallback[256];
    const char *path = getenv("PATH");
    if (!path) {
        confstr(_CS_PATH, fallback, sizeof fallback);
        path = fallback;
    }
    int found_other = 0;
    for (const char *dir = path;; dir++) {
        const char *end = strchrnul(dir, ':');
        int len = (int)(end - dir);
        /* An empty PATH entry means the current directory. */
        int n = len ? snprintf(out, outsz, "%.*s/%s", len, dir, name)
                    : snprintf(out, outsz, "%s", name);
        if (n > 0 && (size_t)n < outsz) {
            int rc = check_program(out);
            if (rc == 0)
                return 0;
            if (rc == -EACCES) /* like the shell: remember, keep looking */
                found_other = rc;
        }
        dir = end;
        if (!*end)
            break;
    }
    return found_other ? found_other : -ENOENT;
}
