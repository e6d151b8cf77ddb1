#!/usr/bin/env python3
"""Tables of scripts/bench results (one tagged JSON line per run).

  bench_table.py run RESULTS.jsonl          medians per engine and scenario
  bench_table.py ab HEADER.txt RESULTS.jsonl medians of A and B and B/A per scenario
"""
import collections
import json
import statistics
import sys


def lat(k):
    return lambda r: (r.get("latency_ms") or {}).get(k)


def field(k):
    return lambda r: r.get(k)


def kb_per_conn(r):
    v = r.get("server_rss_bytes_per_conn")
    return None if v is None else v / 1000


# (label, getter, lower is better)
DELIVERY = [
    ("deliveries/s", field("deliveries_per_sec"), False),
    ("server CPU µs/delivery", field("server_cpu_us_per_delivery"), True),
    ("load tool CPU µs/delivery", field("tool_cpu_us_per_delivery"), True),
    ("latency p50 ms", lat("p50"), True),
    ("latency p99 ms", lat("p99"), True),
    ("latency p999 ms", lat("p999"), True),
    ("lost", field("lost"), True),
]
IDLE = [
    ("RSS KB per idle socket", kb_per_conn, True),
    ("handshakes/s", field("conn_setup_per_sec"), False),
    ("lost", field("lost"), True),
]
FIGURES = {"idle": IDLE}


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def med(rs, f):
    vals = [f(r) for r in rs if f(r) is not None]
    return statistics.median(vals) if vals else None


def fmt(v):
    if v is None:
        return ""
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ab(header, results):
    rows = load(results)
    print("\n".join("    " + l for l in open(header).read().splitlines()))
    by = collections.defaultdict(list)
    order = []
    for r in rows:
        key = (r["engine"], r["name"])
        if key not in order:
            order.append(key)
        by[key + (r["side"],)].append(r)
    loads = [r["load1"] for r in rows if r.get("load1") is not None]
    if loads:
        print(f"    1-min load average before each run: min {min(loads):.2f}, "
              f"median {statistics.median(loads):.2f}, max {max(loads):.2f}")
    print()
    for engine, name in order:
        a, b = by[(engine, name, "A")], by[(engine, name, "B")]
        print(f"{engine} {name} (runs: A {len(a)}, B {len(b)}; medians)\n")
        print("| figure | A | B | B/A | A runs | B runs |")
        print("|---|---|---|---|---|---|")
        for label, f, _ in FIGURES.get(name, DELIVERY):
            ma, mb = med(a, f), med(b, f)
            ratio = f"{mb / ma:.2f}×" if ma and mb is not None else ""
            runs_a = ", ".join(fmt(f(r)) for r in a)
            runs_b = ", ".join(fmt(f(r)) for r in b)
            print(f"| {label} | {fmt(ma)} | {fmt(mb)} | {ratio} | {runs_a} | {runs_b} |")
        print()


def run(results):
    rows = collections.defaultdict(list)
    for r in load(results):
        rows[(r["engine"], r["name"])].append(r)
    cols = [("conn setup/s", field("conn_setup_per_sec")),
            ("RSS B/conn", field("server_rss_bytes_per_conn")),
            ("deliveries/s", field("deliveries_per_sec")),
            ("CPU us/delivery", field("server_cpu_us_per_delivery")),
            ("tool CPU us/delivery", field("tool_cpu_us_per_delivery")),
            ("p50 ms", lat("p50")), ("p99 ms", lat("p99")), ("p999 ms", lat("p999")),
            ("catch-up s", field("catch_up_seconds")),
            ("lost", field("lost"))]
    print("| engine | scenario | runs | " + " | ".join(c for c, _ in cols) + " |")
    print("|---" * (3 + len(cols)) + "|")
    for (engine, name), rs in sorted(rows.items()):
        cells = [fmt(med(rs, f)) for _, f in cols]
        print(f"| {engine} | {name} | {len(rs)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "ab":
        ab(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "run":
        run(sys.argv[2])
    else:
        sys.exit(__doc__)
