/*
 * wasmbench workload "hello" (C): a function whose cost is almost all start-up.
 *
 * Input:  env INPUT (any text; if unset, "world"), stdin (any bytes, possibly empty).
 * Output: "Hello, <INPUT>!\n"
 *         "stdin: <N> bytes\n"
 *         then the N stdin bytes verbatim.
 * Exit:   0 on success, 1 if reading stdin or writing stdout fails.
 *         (There is no invalid INPUT for this workload, so it never exits 2.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    const char *name = getenv("INPUT");
    if (name == NULL) {
        name = "world";
    }

    /* Slurp stdin into a growing heap buffer. */
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fputs("hello: out of memory\n", stderr);
        return 1;
    }
    for (;;) {
        if (len == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                fputs("hello: out of memory\n", stderr);
                return 1;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
        if (n < 0) {
            perror("hello: reading stdin");
            return 1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }

    printf("Hello, %s!\n", name);
    printf("stdin: %zu bytes\n", len);
    if (len > 0 && fwrite(buf, 1, len, stdout) != len) {
        perror("hello: writing stdout");
        return 1;
    }
    if (fflush(stdout) != 0) {
        perror("hello: writing stdout");
        return 1;
    }
    free(buf);
    return 0;
}
