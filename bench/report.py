#!/usr/bin/env python3
"""Turns bench/run.sh's results file into one table (printed) and
BENCHMARKS.md. Usage: report.py RESULTS OUT.md LIMITS.md"""
import os
import sys


def load(path):
    r = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            k, _, v = line.partition(" ")
            r[k] = v
    return r


R = load(sys.argv[1])
OUT = sys.argv[2]
LIMITS = sys.argv[3] if len(sys.argv) > 3 else None


def num(key):
    try:
        return float(R[key])
    except (KeyError, ValueError):
        return None


def fmt(x, digits=1):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def ms(key):
    v = num(key)
    return None if v is None else v / 1000.0


def mib(kb):
    return None if kb is None else kb / 1024.0


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(x):
    return "n/a" if x is None else f"{x:.2f}x"


sizes = sorted({int(k.split("_")[0][1:]) for k in R
                if k.startswith("s") and k.split("_")[0][1:].isdigit()})
done = [n for n in sizes if R.get(f"s{n}_done") == "1"]
skipped = {n: R[f"s{n}_skipped"] for n in sizes if f"s{n}_skipped" in R}


def import_stats(p, key):
    """cases/s, MB/s (text), cpu seconds, rss MiB for an import step."""
    if R.get(f"{p}_{key}_ok") != "1":
        return None
    n = num(f"{p}_corpus_n")
    text = num(f"{p}_corpus_all_text_bytes")
    wall = num(f"{p}_{key}_wall")
    cpu = (num(f"{p}_{key}_user") or 0) + (num(f"{p}_{key}_sys") or 0)
    return {
        "cps": n / wall if wall else None,
        "mbps": text / 1e6 / wall if wall else None,
        "cpu": cpu,
        "cps_cpu": n / cpu if cpu else None,
        "wall": wall,
        "rss": mib(num(f"{p}_{key}_rss_kb")),
        "load": num(f"{p}_{key}_load"),
    }


def imp_cell(s):
    if s is None:
        return "failed"
    return f"{fmt(s['cps'])} cases/s, {fmt(s['mbps'], 2)} MB/s ({fmt(s['wall'])} s)"


rows = []   # (measure, N, minga, xapian, fts5, vs xapian, vs fts5)
targets = []
for n in done:
    p = f"s{n}"
    N = f"{n:,}"
    mj = import_stats(p, "import_jsonl")
    mt = import_stats(p, "import_tgz")
    xi = import_stats(p, "xapian_index")
    fi = import_stats(p, "fts5_index")

    def g(s, k):
        return None if s is None else s[k]

    rows.append(("import JSONL (wall)", N, imp_cell(mj), imp_cell(xi),
                 imp_cell(fi), fmt_ratio(ratio(g(mj, "cps"), g(xi, "cps"))),
                 fmt_ratio(ratio(g(mj, "cps"), g(fi, "cps")))))
    ma = import_stats(p, "import_jsonl_alt")
    shards = R.get(f"{p}_shards", "?")
    alt = R.get(f"{p}_shards_alt", "?")
    rows.append((f"import JSONL into {alt} shard(s) (above: the default, "
                 f"{shards})", N,
                 f"{imp_cell(ma)}, CPU {fmt(g(ma, 'cpu'))} s, peak RSS "
                 f"{fmt(g(ma, 'rss'))} MiB", "", "",
                 fmt_ratio(ratio(g(ma, "cps"), g(xi, "cps"))),
                 f"{fmt_ratio(ratio(g(ma, 'cps'), g(mj, 'cps')))} the "
                 f"default's speed"))
    rows.append(("import tar.gz (wall)", N, imp_cell(mt), "", "",
                 fmt_ratio(ratio(g(mt, "cps"), g(xi, "cps"))),
                 fmt_ratio(ratio(g(mt, "cps"), g(fi, "cps")))))
    rows.append(("import CPU s (user+sys), JSONL / tar.gz", N,
                 f"{fmt(g(mj, 'cpu'))} / {fmt(g(mt, 'cpu'))} "
                 f"({fmt(g(mj, 'cps_cpu'))} cases per CPU-s)",
                 f"{fmt(g(xi, 'cpu'))} ({fmt(g(xi, 'cps_cpu'))} per CPU-s)",
                 f"{fmt(g(fi, 'cpu'))} ({fmt(g(fi, 'cps_cpu'))} per CPU-s)",
                 fmt_ratio(ratio(g(mj, "cps_cpu"), g(xi, "cps_cpu"))),
                 fmt_ratio(ratio(g(mj, "cps_cpu"), g(fi, "cps_cpu")))))
    rows.append(("import peak RSS MiB, JSONL / tar.gz", N,
                 f"{fmt(g(mj, 'rss'))} / {fmt(g(mt, 'rss'))}",
                 fmt(g(xi, "rss")), fmt(g(fi, "rss")), "", ""))
    text = num(f"{p}_corpus_all_text_bytes")
    idx = num(f"{p}_size_index")
    cat = num(f"{p}_size_catalog")
    xs = num(f"{p}_size_xapian")
    fs = num(f"{p}_size_fts5")

    def disk(b):
        if b is None or not text:
            return "n/a"
        return f"{b / 2**20:,.1f} MiB ({b / text:.2f}x text)"

    rows.append((f"on disk (text {text / 2**20:,.1f} MiB)" if text else
                 "on disk", N,
                 f"index {disk(idx)}; catalog {disk(cat)}", disk(xs),
                 disk(fs), fmt_ratio(ratio(idx, xs)), fmt_ratio(ratio(idx, fs))))
    for what, field in (("query p50 ms", "p50_us"), ("query p99 ms", "p99_us"),
                        ("query max ms", "max_us"), ("queries/s, 1 thread", "qps")):
        conv = (lambda k: num(k)) if field == "qps" else ms
        m = conv(f"{p}_minga_result_{field}")
        mnf = conv(f"{p}_minga_nofacets_result_{field}")
        x = conv(f"{p}_xapian_result_{field}")
        xf = conv(f"{p}_xapian_full_result_{field}")
        f = conv(f"{p}_fts5_result_{field}")
        d = 0 if field == "qps" else 2
        if field == "qps":
            vs_x, vs_f = ratio(m, x), ratio(m, f)
        else:
            vs_x, vs_f = ratio(x, m), ratio(f, m)   # >1: minga faster
        rows.append((what, N,
                     f"{fmt(m, d)} (no facets {fmt(mnf, d)})",
                     f"{fmt(x, d)} (with facets+spelling {fmt(xf, d)})",
                     fmt(f, d), fmt_ratio(vs_x) + " speed",
                     fmt_ratio(vs_f) + " speed"))
    rows.append((f"query p50 / p99 ms, {alt} shard(s)", N,
                 f"{fmt(ms(f'{p}_minga_alt_result_p50_us'), 2)} / "
                 f"{fmt(ms(f'{p}_minga_alt_result_p99_us'), 2)}",
                 "", "", "", ""))
    q2 = num(f"{p}_minga_2t_result_qps")
    rows.append(("queries/s, 2 threads in process", N, fmt(q2), "", "", "", ""))
    hs = num(f"{p}_http_search_wrk_rps")
    hp = ms(f"{p}_http_search_wrk_p99_us")
    he = num(f"{p}_http_search_wrk_errors")
    rows.append(("HTTP /api/search req/s (p50 / p99 ms)", N,
                 f"{fmt(hs)} ({fmt(ms(f'{p}_http_search_wrk_p50_us'), 2)} / "
                 f"{fmt(hp, 2)}), errors {fmt(he, 0)}",
                 "", "", "", f"{fmt_ratio(ratio(hs, q2))} of 2-thread "
                 f"in-process rate"))
    hh = num(f"{p}_http_health_wrk_rps")
    rows.append(("HTTP /healthz req/s (p99 ms)", N,
                 f"{fmt(hh)} ({fmt(ms(f'{p}_http_health_wrk_p99_us'), 2)})",
                 "", "", "", ""))
    srv = mib(num(f"{p}_server_hwm_kb"))
    rows.append(("server peak RSS MiB (VmHWM after wrk)", N, fmt(srv), "", "",
                 "", ""))
    ex = import_stats(p, "export") if R.get(f"{p}_export_ok") == "1" else None
    if ex:
        rows.append(("export --format briefing (all cases)", N,
                     f"{fmt(ex['wall'])} s, peak RSS {fmt(ex['rss'])} MiB, "
                     f"{fmt(num(f'{p}_export_bytes') / 2**20)} MiB zip",
                     "", "", "", ""))
    elif f"{p}_export_ok" in R:
        rows.append(("export --format briefing (all cases)", N, "failed",
                     "", "", "", ""))

    # targets
    imp_ratio = ratio(g(mj, "cps"), g(xi, "cps"))
    targets.append((n, "import >= 1.5x bare Xapian (never below 1.0x)",
                    f"{fmt_ratio(imp_ratio)} (JSONL, wall); "
                    f"{fmt_ratio(ratio(g(mj, 'cps_cpu'), g(xi, 'cps_cpu')))} "
                    f"per CPU-second; tar.gz "
                    f"{fmt_ratio(ratio(g(mt, 'cps'), g(xi, 'cps')))}",
                    imp_ratio is not None and imp_ratio >= 1.5))
    p50 = ms(f"{p}_minga_result_p50_us")
    p99 = ms(f"{p}_minga_result_p99_us")
    targets.append((n, "query p50 < 1 ms and p99 < 5 ms (target at 100k)",
                    f"p50 {fmt(p50, 2)} ms, p99 {fmt(p99, 2)} ms",
                    p50 is not None and p99 is not None and p50 < 1 and p99 < 5))
    f99 = ms(f"{p}_fts5_result_p99_us")
    targets.append((n, ">= 5x faster than FTS5 at p99",
                    f"FTS5 p99 {fmt(f99, 2)} ms / minga p99 {fmt(p99, 2)} ms "
                    f"= {fmt_ratio(ratio(f99, p99))}",
                    ratio(f99, p99) is not None and ratio(f99, p99) >= 5))
    hr = ratio(hs, q2)
    targets.append((n, "HTTP >= 80% of the in-process rate",
                    f"{fmt(hs)} req/s vs {fmt(q2)} queries/s in process with "
                    f"2 threads = {fmt(hr * 100 if hr else None, 0)}% "
                    f"(1 thread: {fmt(num(f'{p}_minga_result_qps'))}/s)",
                    hr is not None and hr >= 0.8))
    rss_j, rss_t = g(mj, "rss"), g(mt, "rss")
    targets.append((n, "import peak RSS < 256 MiB",
                    f"JSONL {fmt(rss_j)} MiB, tar.gz {fmt(rss_t)} MiB",
                    rss_j is not None and rss_t is not None and
                    max(rss_j, rss_t) < 256))
    targets.append((n, "server peak RSS < 150 MiB (target at 100k)",
                    f"{fmt(srv)} MiB", srv is not None and srv < 150))

header = ("measure", "cases", "minga", "bare Xapian", "FTS5",
          "minga vs Xapian", "minga vs FTS5")


def md_table(head, body):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join(" --- " for _ in head) + "|"]
    for r in body:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out)


table = md_table(header, rows)
print(table)

t_rows = []
for n, what, value, ok in targets:
    t_rows.append((f"{n:,}", what, value, "met" if ok else "**not met**"))
t_table = md_table(("cases", "target", "measured", ""), t_rows)
print()
for n, what, value, ok in targets:
    print(f"target at {n:,} cases: {what}: {value}: "
          f"{'met' if ok else 'NOT MET'}")
for n, why in skipped.items():
    print(f"{n:,} cases not run: {why}")

mem_kb = num("machine_mem_kb")
load_note = (f"load average (1 min) {R.get('load_start', '?')} at the start, "
             f"{R.get('load_end', '?')} at the end")
md = []
md.append("# Benchmarks\n")
md.append("Written by `make bench` (`bench/run.sh`, then `bench/report.py`); "
          "every figure below comes from that run. Re-run it to refresh "
          "this file. `BENCH_SIZES=10000 bench/run.sh` runs one size; "
          "`BENCH_SCALE=large` adds 1 000 000 cases.\n")
md.append("## Machine\n")
md.append(f"- CPU: {R.get('machine_cpu', '?')}, {R.get('machine_cores', '?')} "
          f"cores\n- memory: {mem_kb / 2**20 if mem_kb else 0:.1f} GiB\n"
          f"- kernel: {R.get('machine_kernel', '?')} ({R.get('machine_os', '?')})\n"
          f"- Xapian {R.get('version_xapian', '?')}, SQLite "
          f"{R.get('version_sqlite', '?')}, wrk {R.get('version_wrk', '?')}\n"
          f"- minga {R.get('version_minga', '?')}"
          f"{' (+changes: the work tree had uncommitted changes)' if R.get('version_minga', '').endswith('+changes') else ''}"
          f", Release build (-O3), "
          f"run {R.get('run_date', '?')}, seed {R.get('run_seed', '?')}, "
          f"{R.get('run_seconds', '?')} s in all; the bare Xapian indexer ran "
          f"with XAPIAN_FLUSH_THRESHOLD={R.get('run_xapian_flush', 'default')}\n"
          f"- {load_note}. The machine was shared: wall-clock figures "
          f"include waiting for a core whenever the load was above the core "
          f"count, so the CPU-second figures are the steadier ones for "
          f"comparing import costs. Each step's load is in "
          f"`build-release/bench-work/results.txt`.\n")
md.append("## Results\n")
md.append("Throughput in MB/s counts the text (title, tags, city, region, "
          "summary, body and attachments). Query latencies are in process, "
          "one thread, 200 queries x "
          f"{R.get('run_rounds', '?')} rounds after one warm-up round; "
          "minga's and FTS5's runs alternate, "
          f"{R.get('run_query_passes', '1')} of each, and each shows its "
          "median run (by p99). HTTP (wrk, 10 s) alternates the same way "
          "with the in-process run on 2 threads (200 queries x "
          f"{R.get('run_rate_rounds', R.get('run_rounds', '?'))} rounds a "
          "thread), and shows the pass whose ratio of the two is the "
          "median. "
          "\"speed\" ratios above 1x mean minga is faster.\n")
md.append(table + "\n")
for n, why in skipped.items():
    md.append(f"- {n:,} cases: not run: {why}.\n")
for n in sizes:
    if n not in done and n not in skipped:
        md.append(f"- {n:,} cases: did not complete (see the run's log).\n")
md.append("\n## Targets from the issue\n")
md.append(t_table + "\n")
if LIMITS and os.path.exists(LIMITS):
    with open(LIMITS, encoding="utf-8") as f:
        md.append("\n" + f.read())
with open(OUT, "w", encoding="utf-8") as f:
    f.write("\n".join(s.rstrip("\n") + "\n" for s in md))
