// wasmbench workload "hello" (C++): a function whose cost is almost all start-up.
//
// Input:  env INPUT (any text; if unset, "world"), stdin (any bytes, possibly empty).
// Output: "Hello, <INPUT>!\n" "stdin: <N> bytes\n" then the N stdin bytes verbatim.
// Exit:   0 on success, 1 if reading stdin or writing stdout fails.
// Built with -fno-exceptions: std::string / std::vector, no iostreams.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

int main() {
    const char *env = std::getenv("INPUT");
    std::string name = env != nullptr ? env : "world";

    std::string data;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0) {
            std::perror("hello: reading stdin");
            return 1;
        }
        if (n == 0) {
            break;
        }
        data.append(chunk, static_cast<size_t>(n));
    }

    std::string out = "Hello, " + name + "!\nstdin: " + std::to_string(data.size()) + " bytes\n";
    out += data;
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
        std::perror("hello: writing stdout");
        return 1;
    }
    return 0;
}
