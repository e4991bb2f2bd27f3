// wasmbench workload "matmul" (Go): dense f64 matrix multiply C = A x B (n x n).
//
// Input:  env INPUT = n, a decimal integer 1..2048 (if unset: 400).
// Data:   A[i][j] = ((i*3 + j*5) % 7 - 3) / 4,  B[i][j] = ((i*5 + j*2) % 9 - 4) / 8:
//         every product and partial sum is exact, so the output is order-independent.
// Output: "n <n>\ntrace*32 <int>\nchecksum*32 <int>\n" (see ../c/main.c).
// Exit:   0 on success; 2 (message on stderr) if INPUT is invalid.
package main

import (
	"fmt"
	"os"
)

const (
	defaultN = 400
	maxN     = 2048
)

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
	n := defaultN
	if input, ok := os.LookupEnv("INPUT"); ok {
		v, valid := parseU32(input, maxN)
		if !valid || v == 0 {
			fmt.Fprintf(os.Stderr, "matmul: INPUT must be a decimal integer in 1..%d, got %q\n", maxN, input)
			os.Exit(2)
		}
		n = int(v)
	}
	a := make([]float64, n*n)
	b := make([]float64, n*n)
	c := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			a[i*n+j] = (float64((i*3+j*5)%7) - 3) / 4
			b[i*n+j] = (float64((i*5+j*2)%9) - 4) / 8
		}
	}
	for i := 0; i < n; i++ {
		ci := c[i*n : (i+1)*n]
		for k := 0; k < n; k++ {
			aik := a[i*n+k]
			bk := b[k*n : (k+1)*n]
			for j := range ci {
				ci[j] += aik * bk[j]
			}
		}
	}
	var trace, check float64
	for i := 0; i < n; i++ {
		trace += c[i*n+i]
		for j := 0; j < n; j++ {
			check += c[i*n+j] * float64((i+2*j)%5+1)
		}
	}
	if _, err := fmt.Printf("n %d\ntrace*32 %d\nchecksum*32 %d\n", n, int64(trace*32), int64(check*32)); err != nil {
		os.Exit(1)
	}
}
