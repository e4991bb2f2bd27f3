// wasmbench workload "fib" (AssemblyScript): a pure compute kernel (calls + integer adds).
//
// Input:  env INPUT = n, a decimal integer 0..93 (if unset: 37).
// Output: "fib(<n>) = <fib(n)>\n", fib(0) = 0, fib(1) = 1, unsigned 64-bit.
// Exit:   0 on success; 2 (message on stderr) if INPUT is not a decimal integer in 0..93.
// Naive doubly recursive on purpose; n is only known at run time.

const DEFAULT_N: u32 = 37;
const MAX_N: u32 = 93;

function fib(n: u32): u64 {
  if (n < 2) return <u64>n;
  return fib(n - 1) + fib(n - 2);
}

// Strict decimal parse: digits only, no sign, no spaces, value <= max. -1 if invalid.
function parseU32(s: string, max: u32): i64 {
  if (s.length == 0) return -1;
  let v: u32 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = <u32>s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    const d = c - 48;
    if (v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  return <i64>v;
}

let n = DEFAULT_N;
if (process.env.has("INPUT")) {
  const input = process.env.get("INPUT");
  const parsed = parseU32(input, MAX_N);
  if (parsed < 0) {
    process.stderr.write("fib: INPUT must be a decimal integer in 0.." + MAX_N.toString() +
      ", got \"" + input + "\"\n");
    process.exit(2);
  }
  n = <u32>parsed;
}
process.stdout.write("fib(" + n.toString() + ") = " + fib(n).toString() + "\n");
