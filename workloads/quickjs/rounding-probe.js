// Rounding probe for the QuickJS build (not a workload): built with
// `scripts/quickjs.sh workloads/quickjs/rounding-probe.js <out.wasm>` and driven by
// test-rounding.mjs, which compares its answers with node's.
//
// stdin: one case per line, "<16 hex digits: the double's bits> <method> <digits>", method
//   f = toFixed(digits), e = toExponential(digits) (digits -1: no argument),
//   p = toPrecision(digits), s = String(x) (digits ignored).
// stdout: one result per line, in order.
"use strict";

function main() {
    const bytes = wasmbench.stdin;
    let text = "";
    for (let i = 0; i < bytes.length; i += 8192) {
        text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    const view = new DataView(new ArrayBuffer(8));
    const out = [];
    for (const line of text.split("\n")) {
        if (line === "") {
            continue;
        }
        const [hex, method, digitsText] = line.split(" ");
        view.setUint32(0, parseInt(hex.slice(0, 8), 16));
        view.setUint32(4, parseInt(hex.slice(8), 16));
        const x = view.getFloat64(0);
        const digits = Number(digitsText);
        let r;
        if (method === "f") {
            r = x.toFixed(digits);
        } else if (method === "e") {
            r = digits < 0 ? x.toExponential() : x.toExponential(digits);
        } else if (method === "p") {
            r = x.toPrecision(digits);
        } else {
            r = String(x);
        }
        out.push(r);
    }
    wasmbench.write(1, out.join("\n") + "\n");
    return 0;
}
