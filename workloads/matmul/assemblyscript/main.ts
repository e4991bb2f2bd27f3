// wasmbench workload "matmul" (AssemblyScript): dense f64 matrix multiply C = A x B (n x n).
//
// Input:  env INPUT = n, a decimal integer 1..2048 (if unset: 400).
// Data:   A[i][j] = ((i*3 + j*5) % 7 - 3) / 4,  B[i][j] = ((i*5 + j*2) % 9 - 4) / 8:
//         every product and partial sum is exact, so the output is order-independent.
// Output: "n <n>\ntrace*32 <int>\nchecksum*32 <int>\n" (see ../c/main.c).
// Exit:   0 on success; 2 (message on stderr) if INPUT is invalid.

const DEFAULT_N: i32 = 400;
const MAX_N: u32 = 2048;

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
  if (parsed <= 0) {
    process.stderr.write("matmul: INPUT must be a decimal integer in 1.." + MAX_N.toString() +
      ", got \"" + input + "\"\n");
    process.exit(2);
  }
  n = <i32>parsed;
}

const a = new StaticArray<f64>(n * n);
const b = new StaticArray<f64>(n * n);
const c = new StaticArray<f64>(n * n);
for (let i = 0; i < n; i++) {
  for (let j = 0; j < n; j++) {
    unchecked(a[i * n + j] = (<f64>((i * 3 + j * 5) % 7) - 3.0) / 4.0);
    unchecked(b[i * n + j] = (<f64>((i * 5 + j * 2) % 9) - 4.0) / 8.0);
  }
}
for (let i = 0; i < n; i++) {
  const ci = i * n;
  for (let k = 0; k < n; k++) {
    const aik = unchecked(a[i * n + k]);
    const bk = k * n;
    for (let j = 0; j < n; j++) {
      unchecked(c[ci + j] += aik * unchecked(b[bk + j]));
    }
  }
}
let trace: f64 = 0.0;
let check: f64 = 0.0;
for (let i = 0; i < n; i++) {
  trace += unchecked(c[i * n + i]);
  for (let j = 0; j < n; j++) {
    check += unchecked(c[i * n + j]) * <f64>((i + 2 * j) % 5 + 1);
  }
}
process.stdout.write("n " + n.toString() + "\ntrace*32 " + (<i64>(trace * 32.0)).toString() +
  "\nchecksum*32 " + (<i64>(check * 32.0)).toString() + "\n");
