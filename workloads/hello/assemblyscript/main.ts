// wasmbench workload "hello" (AssemblyScript): a function whose cost is almost all start-up.
//
// Input:  env INPUT (any text; if unset, "world"), stdin (any bytes, possibly empty).
// Output: "Hello, <INPUT>!\n" "stdin: <N> bytes\n" then the N stdin bytes verbatim.
// Exit:   0 on success; a failed read or write aborts (WASI shim), a non-zero exit.
// Built with @assemblyscript/wasi-shim (process.env / process.stdin / process.stdout).

const CHUNK = 4096;

const name = process.env.has("INPUT") ? process.env.get("INPUT") : "world";

// Read stdin to EOF in chunks; keep the chunks and echo them verbatim afterwards.
const chunks = new Array<ArrayBuffer>();
let total = 0;
while (true) {
  const buf = new ArrayBuffer(CHUNK);
  const n = process.stdin.read(buf);
  if (n <= 0) break;
  chunks.push(buf.slice(0, n));
  total += n;
}

process.stdout.write("Hello, " + name + "!\nstdin: " + total.toString() + " bytes\n");
for (let i = 0; i < chunks.length; i++) {
  process.stdout.write(chunks[i]);
}
