#!/usr/bin/env python3
"""Reference for workload "json": prints the expected stdout for INPUT (argv[1]) and the
request on stdin (json/input.stdin). `reference.py --generate` writes that request.

Transform (INPUT = tax rate in basis points, 0..10000): from the request
{"id", "body": {"customer": {"name"}, "currency", "items": [{"sku", "name", "qty",
"unit_price", "tags": [...]}, ...], "note"}, ...} build the response
{"status":201,"request_id":id,"customer":name,"currency":cur,"lines":n,"units":sum qty,
 "subtotal":S,"tax":T,"total":S+T,"top":[{"sku","name","line_total"} x 3],
 "tags":[{"tag","count"}...],"note":note}
with line_total = qty * unit_price, S = sum of line totals, T = (S * INPUT + 5000) // 10000,
top = the 3 largest line totals (ties: smaller sku first), tags sorted by tag (bytewise).
Printed compactly (no spaces), non-ASCII as raw UTF-8, '"' '\\' and control characters
escaped (\\b \\f \\n \\r \\t, others \\u00xx), then "\\n".
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def generate():
    rnd = random.Random(20240601)
    tags = ["fragile", "gift", "bulk", "sale", "new", "eco", "import", "café", "größe", "日本", "express"]
    words = ["Widget", "Gadget", "Doohickey", "Gizmo", "Sprocket", "Flange", "Grommet", "Café Crème",
             "Thing \"Pro\"", "Back\\slash", "Tab\there", "Zoë"]
    items = []
    for i in range(2000):
        items.append({
            "sku": "SKU-%05d" % rnd.randrange(100000),
            "name": "%s %d" % (rnd.choice(words), rnd.randrange(1000)),
            "qty": rnd.randrange(1, 50),
            "unit_price": rnd.randrange(1, 100000),
            "tags": rnd.sample(tags, rnd.randrange(0, 4)),
            "dims": {"w": round(rnd.uniform(0, 100), 2), "h": rnd.uniform(0, 1) * 1e-3, "fragile": rnd.random() < 0.1},
            "discount": None if rnd.random() < 0.8 else -rnd.randrange(100),
        })
    req = {
        "id": "req-7f3a9c2e-\u00e9\U0001F600",
        "method": "POST",
        "path": "/v1/orders",
        "headers": {"content-type": "application/json", "x-request-start": 1717200000.125,
                    "accept": ["application/json", "*/*"], "x-retry": False, "x-trace": None},
        "body": {
            "customer": {"name": "Zoë \"Q\" Müller\t<zq@example.org>", "email": "zq@example.org",
                         "vip": True, "score": -1.5e-3},
            "currency": "EUR",
            "items": items,
            "note": "Leave at the door /\u2028 \U0001F4E6\nthanks\u0001",
        },
    }
    # ensure_ascii=True: the file exercises \\uXXXX escapes (surrogate pairs included);
    # indent: whitespace between tokens.
    text = json.dumps(req, ensure_ascii=True, indent=1)
    text = text.replace("/v1/orders", "\\/v1\\/orders")  # an escaped solidus
    with open(os.path.join(HERE, "input.stdin"), "w") as f:
        f.write(text + "\n")


def main():
    bp = int(sys.argv[1]) if len(sys.argv) > 1 else 825
    req = json.load(sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin)
    body = req["body"]
    items = body["items"]
    lines = [(it["qty"] * it["unit_price"], it["sku"], it["name"]) for it in items]
    sub = sum(l[0] for l in lines)
    tax = (sub * bp + 5000) // 10000
    top = sorted(lines, key=lambda l: (-l[0], l[1].encode()))[:3]
    counts = {}
    for it in items:
        for t in it["tags"]:
            counts[t] = counts.get(t, 0) + 1
    resp = {
        "status": 201, "request_id": req["id"], "customer": body["customer"]["name"],
        "currency": body["currency"], "lines": len(items), "units": sum(it["qty"] for it in items),
        "subtotal": sub, "tax": tax, "total": sub + tax,
        "top": [{"sku": s, "name": n, "line_total": lt} for lt, s, n in top],
        "tags": [{"tag": t, "count": counts[t]} for t in sorted(counts, key=lambda t: t.encode())],
        "note": body["note"],
    }
    sys.stdout.buffer.write(json.dumps(resp, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--generate"]:
        generate()
    else:
        main()
