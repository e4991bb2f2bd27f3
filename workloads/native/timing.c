/* wasmbench native timing wrapper for C and C++ workloads (linked with the workload, whose
 * main is renamed to wasmbench_workload_main, see timing.h).
 *
 * Contract (the harness relies on it): CLOCK_MONOTONIC is read right before the workload's
 * main and right after it returns, or in an atexit handler if the workload calls exit().
 * Only if fd 3 is open and is a pipe, exactly one line "wasmbench-execute-ns <N>\n" is
 * written to it, once. Nothing goes to stdout or stderr; the exit code is the workload's.
 *
 * wasmbench_measured_main is never inlined and only calls the workload's main, so that
 * `valgrind --tool=callgrind --toggle-collect='*wasmbench_measured_main*'` counts the
 * instructions of the execute phase alone.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

static struct timespec started;
static int reported;

static void report(void) {
    struct timespec now;
    struct stat st;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (reported) return;
    reported = 1;
    if (fstat(3, &st) != 0 || !S_ISFIFO(st.st_mode)) return;
    unsigned long long ns = (unsigned long long)(now.tv_sec - started.tv_sec) * 1000000000ull
                            + (unsigned long long)now.tv_nsec - (unsigned long long)started.tv_nsec;
    /* "wasmbench-execute-ns <decimal>\n", formatted by hand: no stdio state is touched. */
    static const char prefix[] = "wasmbench-execute-ns ";
    char line[sizeof prefix + 21];
    char digits[20];
    int n = 0, len = 0;
    do { digits[n++] = (char)('0' + ns % 10); ns /= 10; } while (ns != 0);
    for (const char *p = prefix; *p; p++) line[len++] = *p;
    while (n > 0) line[len++] = digits[--n];
    line[len++] = '\n';
    ssize_t ignored = write(3, line, (size_t)len);
    (void)ignored;
}

__attribute__((noinline)) int wasmbench_measured_main(void) {
    int rc = wasmbench_workload_main();
    /* Code after the call: it cannot become a tail jump, which callgrind would not see
     * as a call from here. */
    __asm__ volatile("" ::: "memory");
    return rc;
}

int main(void) {
    atexit(report);
    clock_gettime(CLOCK_MONOTONIC, &started);
    int rc = wasmbench_measured_main();
    report();
    return rc;
}
