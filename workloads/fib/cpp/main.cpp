// wasmbench workload "fib" (C++): a pure compute kernel (calls + integer adds).
//
// Input:  env INPUT = n, a decimal integer 0..93 (if unset: 37).
// Output: "fib(<n>) = <fib(n)>\n", fib(0) = 0, fib(1) = 1, unsigned 64-bit.
// Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer in 0..93.
// Naive doubly recursive on purpose; n is only known at run time.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

constexpr std::uint32_t kDefaultN = 37;
constexpr std::uint32_t kMaxN = 93;

__attribute__((noinline)) std::uint64_t fib(std::uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// Strict decimal parse: digits only, no sign, no spaces, value <= max.
std::optional<std::uint32_t> parse_u32(std::string_view s, std::uint32_t max) {
    if (s.empty()) {
        return std::nullopt;
    }
    std::uint32_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        auto d = static_cast<std::uint32_t>(c - '0');
        if (v > (max - d) / 10) {
            return std::nullopt;
        }
        v = v * 10 + d;
    }
    return v;
}

}  // namespace

int main() {
    std::uint32_t n = kDefaultN;
    if (const char *input = std::getenv("INPUT")) {
        auto parsed = parse_u32(input, kMaxN);
        if (!parsed) {
            std::fprintf(stderr, "fib: INPUT must be a decimal integer in 0..%u, got \"%s\"\n",
                         static_cast<unsigned>(kMaxN), input);
            return 2;
        }
        n = *parsed;
    }
    std::string out = "fib(" + std::to_string(n) + ") = " + std::to_string(fib(n)) + "\n";
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
        std::perror("fib: writing stdout");
        return 1;
    }
    return 0;
}
