// wasmbench workload "hello" (Go): a function whose cost is almost all start-up.
//
// Input:  env INPUT (any text; if unset, "world"), stdin (any bytes, possibly empty).
// Output: "Hello, <INPUT>!\n" "stdin: <N> bytes\n" then the N stdin bytes verbatim.
// Exit:   0 on success, 1 if reading stdin or writing stdout fails.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	name, ok := os.LookupEnv("INPUT")
	if !ok {
		name = "world"
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello: reading stdin:", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "Hello, %s!\nstdin: %d bytes\n", name, len(data))
	out.Write(data)
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "hello: writing stdout:", err)
		os.Exit(1)
	}
}
