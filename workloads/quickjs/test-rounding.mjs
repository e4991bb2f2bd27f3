// Compare Number.prototype.toFixed / toExponential / toPrecision (and String(x)) of the
// QuickJS build with node's (V8 is exact: bignum-based, ties away from zero as the spec
// says). WebAssembly has no rounding modes, so QuickJS's own tie-breaking (printf under
// FE_DOWNWARD/FE_UPWARD) cannot work there; patches/0002-*.patch decides ties on the exact
// decimal expansion instead. This test is the evidence.
//
//   scripts/quickjs.sh workloads/quickjs/rounding-probe.js /tmp/probe.wasm
//   node workloads/quickjs/test-rounding.mjs /tmp/probe.wasm [random cases, default 4000]
//
// Exit 0 if every case matches, 1 otherwise (the first mismatches are printed).
// An ES module (.mjs).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { WASI } from "node:wasi";

const [wasmPath, countArg] = process.argv.slice(2);
if (!wasmPath) {
    console.error("usage: node test-rounding.mjs <rounding-probe.wasm> [random cases]");
    process.exit(64);
}
const RANDOM = countArg === undefined ? 4000 : Number(countArg);

// Deterministic PRNG (xorshift64*), so a failure can be reproduced.
let state = 0x9e3779b97f4a7c15n;
function next64() {
    state ^= state >> 12n;
    state ^= (state << 25n) & 0xffffffffffffffffn;
    state ^= state >> 27n;
    return (state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}
function randInt(n) { // 0 <= r < n
    return Number(next64() % BigInt(n));
}
const view = new DataView(new ArrayBuffer(8));
function fromBits(bits) {
    view.setBigUint64(0, bits);
    return view.getFloat64(0);
}
function bitsHex(x) {
    view.setFloat64(0, x);
    return view.getBigUint64(0).toString(16).padStart(16, "0");
}

const cases = []; // [x, method, digits]
function add(x, method, digits) {
    if (!Number.isFinite(x)) {
        return;
    }
    if (method === "f" && (digits < 0 || digits > 100)) return;
    if (method === "e" && (digits < -1 || digits > 100)) return;
    if (method === "p" && (digits < 1 || digits > 100)) return;
    cases.push([x, method, digits]);
}

// The ties everyone gets wrong, and their neighbours.
const named = [
    [0.5, "f", 0], [1.5, "f", 0], [2.5, "f", 0], [-0.5, "f", 0], [-2.5, "f", 0],
    [1.25, "f", 1], [-1.25, "f", 1], [1.35, "f", 1], [1.45, "f", 1], [1.005, "f", 2],
    [8.345, "f", 2], [0.125, "f", 2], [0.375, "f", 2], [-0.125, "f", 2], [10.5, "f", 0],
    [999.5, "f", 0], [9.995, "f", 2], [99.95, "f", 1], [0.05, "f", 1], [0.0005, "f", 3],
    [-0.4, "f", 0], [-0, "f", 2], [0, "f", 0], [1e20, "f", 2], [123.456, "f", 10],
    [0.1, "f", 20], [1 / 3, "f", 100], [5e-324, "f", 100], [4.35, "f", 1], [2.675, "f", 2],
    [125, "p", 2], [135, "p", 2], [-125, "p", 2], [1.25, "p", 2], [0.000125, "p", 2],
    [9.5, "p", 1], [99.5, "p", 2], [999.5, "p", 3], [0.5, "p", 1], [1.5, "p", 1],
    [123456789.5, "p", 9], [5e-324, "p", 100], [1.7976931348623157e308, "p", 100],
    [1.25, "e", 1], [-1.25, "e", 1], [1.35, "e", 1], [12.5, "e", 1], [2.5, "e", 0],
    [9.5, "e", 0], [99.5, "e", 1], [0.000125, "e", 1], [1.5e300, "e", 0], [5e-324, "e", 0],
    [123.456, "e", -1], [0.1, "e", 20], [2 ** 53 + 2, "e", 15], [2 ** -1074, "e", 100],
];
for (const [x, m, d] of named) {
    add(x, m, d);
}

// Exact ties by construction: (2k+1) / 2 * 10^-d is a tie for toFixed(d) when it is a
// dyadic rational, i.e. (2k+1) * 5^... — enumerate halves, quarters, eighths, ... instead.
for (let j = 1; j <= 12; j++) {
    for (let t = 0; t < 40; t++) {
        const k = randInt(100000) * (randInt(2) ? 1 : -1);
        const x = (2 * k + 1) / 2 ** j; // exactly j binary (and j decimal) fraction digits
        add(x, "f", j - 1);   // a tie at the last digit
        add(x, "f", j);       // exact
        const sig = String(Math.abs(2 * k + 1) * 5 ** j).length; // digits of x in decimal
        add(x, "p", sig - 1); // a tie at the last significant digit
        add(x, "e", sig - 2);
    }
}
// Integers ending in 5 (ties for toPrecision / toExponential), any magnitude up to 2^53.
for (let t = 0; t < 400; t++) {
    const n = randInt(2 ** 30) * 10 + 5;
    const len = String(n).length;
    add(n, "p", len - 1);
    add(-n, "p", len - 1);
    add(n, "e", len - 2);
}

// Random doubles: random bit patterns (all exponents), random "decimal" values, random
// digit counts.
for (let t = 0; t < RANDOM; t++) {
    let x;
    switch (t % 4) {
        case 0: x = fromBits(next64()); break;
        case 1: x = randInt(1e9) / 10 ** randInt(12); break;
        case 2: x = (randInt(2 ** 31) - 2 ** 30) / 2 ** randInt(40); break;
        default: x = fromBits(next64()) % 1e6; break;
    }
    if (!Number.isFinite(x)) {
        x = randInt(1e6) / 1e3;
    }
    const m = "fep"[t % 3];
    if (m === "f") {
        add(Math.abs(x) < 1e21 ? x : x / 1e300 % 1e6, "f", randInt(101));
    } else if (m === "e") {
        add(x, "e", randInt(102) - 1);
    } else {
        add(x, "p", 1 + randInt(100));
    }
    add(x, "s", 0);
}

function expected(x, m, d) {
    if (m === "f") return x.toFixed(d);
    if (m === "e") return d < 0 ? x.toExponential() : x.toExponential(d);
    if (m === "p") return x.toPrecision(d);
    return String(x);
}

// Run the probe under node:wasi with the cases on stdin.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qjs-rounding-"));
const input = path.join(dir, "cases.txt");
const output = path.join(dir, "out.txt");
fs.writeFileSync(input, cases.map(([x, m, d]) => `${bitsHex(x)} ${m} ${d}\n`).join(""));
const stdin = fs.openSync(input, "r");
const stdout = fs.openSync(output, "w");
const wasi = new WASI({ version: "preview1", args: ["probe"], env: { INPUT: "x" },
                        stdin, stdout, stderr: 2, returnOnExit: true });
const module = new WebAssembly.Module(fs.readFileSync(wasmPath));
const instance = new WebAssembly.Instance(module, wasi.getImportObject());
const code = wasi.start(instance);
fs.closeSync(stdin);
fs.closeSync(stdout);
const got = fs.readFileSync(output, "utf8").split("\n");
fs.rmSync(dir, { recursive: true });
if (code !== 0) {
    console.error(`probe exited with ${code}`);
    process.exit(1);
}

const byMethod = {};
let bad = 0;
cases.forEach(([x, m, d], i) => {
    const want = expected(x, m, d);
    const stats = byMethod[m] || (byMethod[m] = { cases: 0, mismatches: 0 });
    stats.cases++;
    if (got[i] !== want) {
        stats.mismatches++;
        if (bad++ < 20) {
            const call = m === "s" ? "String(x)" : `${{ f: "toFixed", e: "toExponential", p: "toPrecision" }[m]}(${d < 0 ? "" : d})`;
            console.log(`MISMATCH x=${x} (${bitsHex(x)}) ${call}: quickjs ${got[i]} node ${want}`);
        }
    }
});
const names = { f: "toFixed", e: "toExponential", p: "toPrecision", s: "String" };
for (const m of Object.keys(byMethod)) {
    console.log(`${names[m]}: ${byMethod[m].cases} cases, ${byMethod[m].mismatches} mismatches`);
}
console.log(bad === 0 ? `all ${cases.length} cases match node` : `${bad} of ${cases.length} cases differ`);
process.exit(bad === 0 ? 0 : 1);
