// wasmbench workload "sha256" (Go): SHA-256 (FIPS 180-4, own code, not crypto/sha256)
// of a generated payload streamed in 64 KiB chunks.
//
// Input:  env INPUT = N, a decimal byte count 0..2^56 (if unset: 6291456).
// Data:   byte i = (i * 31 + 7) % 251.
// Output: the digest as 64 lowercase hex digits + "\n".
// Exit:   0 on success; 2 (message on stderr) if INPUT is invalid.
package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"os"
)

const (
	defaultN = 6291456
	maxN     = uint64(1) << 56
	chunkLen = 65536
)

var k = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

type sha256 struct {
	h     [8]uint32
	block [64]byte
	used  int
	total uint64
}

func newSha256() *sha256 {
	return &sha256{h: [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}}
}

func compress(h *[8]uint32, p []byte) {
	var w [64]uint32
	for i := 0; i < 16; i++ {
		w[i] = binary.BigEndian.Uint32(p[4*i:])
	}
	for i := 16; i < 64; i++ {
		s0 := bits.RotateLeft32(w[i-15], -7) ^ bits.RotateLeft32(w[i-15], -18) ^ (w[i-15] >> 3)
		s1 := bits.RotateLeft32(w[i-2], -17) ^ bits.RotateLeft32(w[i-2], -19) ^ (w[i-2] >> 10)
		w[i] = w[i-16] + s0 + w[i-7] + s1
	}
	a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for i := 0; i < 64; i++ {
		S1 := bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)
		ch := (e & f) ^ (^e & g)
		t1 := hh + S1 + ch + k[i] + w[i]
		S0 := bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)
		maj := (a & b) ^ (a & c) ^ (b & c)
		t2 := S0 + maj
		hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	h[0] += a
	h[1] += b
	h[2] += c
	h[3] += d
	h[4] += e
	h[5] += f
	h[6] += g
	h[7] += hh
}

func (s *sha256) update(p []byte) {
	s.total += uint64(len(p))
	if s.used > 0 {
		take := copy(s.block[s.used:], p)
		s.used += take
		p = p[take:]
		if s.used < 64 {
			return
		}
		compress(&s.h, s.block[:])
		s.used = 0
	}
	for len(p) >= 64 {
		compress(&s.h, p[:64])
		p = p[64:]
	}
	s.used = copy(s.block[:], p)
}

func (s *sha256) finish() []byte {
	nbits := s.total * 8
	s.block[s.used] = 0x80
	s.used++
	if s.used > 56 {
		clear(s.block[s.used:])
		compress(&s.h, s.block[:])
		s.used = 0
	}
	clear(s.block[s.used:56])
	binary.BigEndian.PutUint64(s.block[56:], nbits)
	compress(&s.h, s.block[:])
	out := make([]byte, 32)
	for i, v := range s.h {
		binary.BigEndian.PutUint32(out[4*i:], v)
	}
	return out
}

// parseU64 is a strict decimal parse: digits only, no sign, no spaces, value <= max.
func parseU64(s string, max uint64) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (max-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func main() {
	n := uint64(defaultN)
	if input, ok := os.LookupEnv("INPUT"); ok {
		var valid bool
		if n, valid = parseU64(input, maxN); !valid {
			fmt.Fprintf(os.Stderr, "sha256: INPUT must be a decimal byte count in 0..%d, got %q\n", maxN, input)
			os.Exit(2)
		}
	}
	s := newSha256()
	chunk := make([]byte, chunkLen)
	v := uint32(7)
	for left := n; left > 0; {
		l := uint64(chunkLen)
		if left < l {
			l = left
		}
		for j := range chunk[:l] {
			chunk[j] = byte(v)
			v += 31
			if v >= 251 {
				v -= 251
			}
		}
		s.update(chunk[:l])
		left -= l
	}
	if _, err := fmt.Println(hex.EncodeToString(s.finish())); err != nil {
		os.Exit(1)
	}
}
