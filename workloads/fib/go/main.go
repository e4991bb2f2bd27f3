// wasmbench workload "fib" (Go): a pure compute kernel (calls + integer adds).
//
// Input:  env INPUT = n, a decimal integer 0..93 (if unset: 37).
// Output: "fib(<n>) = <fib(n)>\n", fib(0) = 0, fib(1) = 1, unsigned 64-bit.
// Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer in 0..93.
// Naive doubly recursive on purpose; n is only known at run time.
package main

import (
	"fmt"
	"os"
)

const (
	defaultN = 37
	maxN     = 93
)

//go:noinline
func fib(n uint32) uint64 {
	if n < 2 {
		return uint64(n)
	}
	return fib(n-1) + fib(n-2)
}

// parseU32 is a strict decimal parse: digits only, no sign, no spaces, value <= max.
func parseU32(s string, max uint32) (uint32, bool) {
	if s == "" {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint32(c - '0')
		if v > (max-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func main() {
	n := uint32(defaultN)
	if input, ok := os.LookupEnv("INPUT"); ok {
		var valid bool
		if n, valid = parseU32(input, maxN); !valid {
			fmt.Fprintf(os.Stderr, "fib: INPUT must be a decimal integer in 0..%d, got %q\n", maxN, input)
			os.Exit(2)
		}
	}
	if _, err := fmt.Printf("fib(%d) = %d\n", n, fib(n)); err != nil {
		os.Exit(1)
	}
}
