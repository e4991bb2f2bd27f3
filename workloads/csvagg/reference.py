#!/usr/bin/env python3
"""Reference for the wasmbench workload "csvagg": computes expected.stdout independently.

    python3 csvagg/reference.py [FILE]      aggregate files/FILE (default orders.csv)
    python3 csvagg/reference.py --generate  (re)write files/orders.csv

Output: the row count, per region (bytewise order) its orders, quantity and revenue
(sum of quantity * unit_cents), the total revenue, and the 3 products with the most
revenue (ties: name ascending). The data: 12000 orders over 7 regions and 40 products,
drawn with xorshift32 (seed 88172645), quantities 1..20, prices 99..49999 cents.
"""
import collections
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGIONS = ["eu-west", "eu-central", "us-east", "us-west", "ap-south", "ap-northeast", "sa-east"]
PRODUCTS = [f"sku-{i:03d}" for i in range(40)]


def generate():
    x = 88172645
    lines = ["order_id,region,product,quantity,unit_cents"]
    for order in range(12000):
        draws = []
        for _ in range(4):
            x ^= (x << 13) & 0xFFFFFFFF
            x ^= x >> 17
            x ^= (x << 5) & 0xFFFFFFFF
            draws.append(x)
        region = REGIONS[draws[0] % len(REGIONS)]
        product = PRODUCTS[draws[1] % len(PRODUCTS)]
        lines.append(f"{100000 + order},{region},{product},{1 + draws[2] % 20},{99 + draws[3] % 49901}")
    (HERE / "files" / "orders.csv").write_text("\n".join(lines) + "\n")


def main():
    if sys.argv[1:] == ["--generate"]:
        generate()
        return
    name = sys.argv[1] if len(sys.argv) > 1 else "orders.csv"
    with open(HERE / "files" / name, newline="") as f:
        rows = list(csv.DictReader(f))
    regions = collections.defaultdict(lambda: [0, 0, 0])
    products = collections.Counter()
    for r in rows:
        q, cents = int(r["quantity"]), int(r["unit_cents"])
        g = regions[r["region"]]
        g[0] += 1
        g[1] += q
        g[2] += q * cents
        products[r["product"]] += q * cents
    print(f"rows {len(rows)}")
    for name in sorted(regions, key=lambda s: s.encode()):
        o, q, rev = regions[name]
        print(f"{name} orders {o} quantity {q} revenue {rev}")
    print(f"total revenue {sum(g[2] for g in regions.values())}")
    for name, rev in sorted(products.items(), key=lambda kv: (-kv[1], kv[0].encode()))[:3]:
        print(f"top {name} {rev}")


if __name__ == "__main__":
    main()
