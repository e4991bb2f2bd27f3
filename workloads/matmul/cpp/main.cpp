// wasmbench workload "matmul" (C++): dense f64 matrix multiply C = A x B (n x n).
//
// Input:  env INPUT = n, a decimal integer 1..2048 (if unset: 400).
// Data:   A[i][j] = ((i*3 + j*5) % 7 - 3) / 4,  B[i][j] = ((i*5 + j*2) % 9 - 4) / 8:
//         every product and partial sum is exact, so the output is order-independent.
// Output: "n <n>\ntrace*32 <int>\nchecksum*32 <int>\n" (see ../c/main.c).
// Exit:   0 on success; 2 (message on stderr) if INPUT is invalid.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::uint32_t kDefaultN = 400;
constexpr std::uint32_t kMaxN = 2048;

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

class Matrix {
  public:
    explicit Matrix(std::size_t n) : n_(n), data_(n * n, 0.0) {}
    double &at(std::size_t i, std::size_t j) { return data_[i * n_ + j]; }
    double at(std::size_t i, std::size_t j) const { return data_[i * n_ + j]; }
    double *row(std::size_t i) { return data_.data() + i * n_; }
    const double *row(std::size_t i) const { return data_.data() + i * n_; }

  private:
    std::size_t n_;
    std::vector<double> data_;
};

}  // namespace

int main() {
    std::size_t n = kDefaultN;
    if (const char *input = std::getenv("INPUT")) {
        auto parsed = parse_u32(input, kMaxN);
        if (!parsed || *parsed == 0) {
            std::fprintf(stderr, "matmul: INPUT must be a decimal integer in 1..%u, got \"%s\"\n",
                         static_cast<unsigned>(kMaxN), input);
            return 2;
        }
        n = *parsed;
    }
    Matrix a(n), b(n), c(n);
    for (std::size_t i = 0; i < n; i++) {
        for (std::size_t j = 0; j < n; j++) {
            a.at(i, j) = (static_cast<double>((i * 3 + j * 5) % 7) - 3.0) / 4.0;
            b.at(i, j) = (static_cast<double>((i * 5 + j * 2) % 9) - 4.0) / 8.0;
        }
    }
    for (std::size_t i = 0; i < n; i++) {
        double *ci = c.row(i);
        for (std::size_t k = 0; k < n; k++) {
            const double aik = a.at(i, k);
            const double *bk = b.row(k);
            for (std::size_t j = 0; j < n; j++) {
                ci[j] += aik * bk[j];
            }
        }
    }
    double trace = 0.0, check = 0.0;
    for (std::size_t i = 0; i < n; i++) {
        trace += c.at(i, i);
        for (std::size_t j = 0; j < n; j++) {
            check += c.at(i, j) * static_cast<double>((i + 2 * j) % 5 + 1);
        }
    }
    std::string out = "n " + std::to_string(n) + "\ntrace*32 " +
                      std::to_string(static_cast<std::int64_t>(trace * 32.0)) + "\nchecksum*32 " +
                      std::to_string(static_cast<std::int64_t>(check * 32.0)) + "\n";
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
        std::perror("matmul: writing stdout");
        return 1;
    }
    return 0;
}
