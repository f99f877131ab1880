"""docs/benchmarks.md from the results of bench/run.py.

    python -m bench.report RESULTS.json [RESULTS.json ...]

Copies each results file to docs/benchmarks/, draws docs/benchmarks/benchmark.png
(matplotlib, the ``bench`` extra) and writes the page: machine, load table, query
table, and each target of issues 6 and 19 as met / not met with the number. The
hand-written analysis (bench/notes.md) is appended as it is.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
ASSETS = DOCS / "benchmarks"
PEER_NAMES = {"claimgraph": "claimgraph load (whole pipeline)", "oxigraph": "pyoxigraph bulk_load (raw)",
              "rdflib": "rdflib Memory Dataset parse", "virtuoso": "Virtuoso 7 bulk loader (ld_dir)"}
HTTP = "claimgraph (HTTP endpoint)"
OXIGRAPH = "pyoxigraph (in-process)"
RDFLIB = "rdflib Memory (in-process)"
VIRTUOSO = "Virtuoso 7 (HTTP endpoint)"


def _load(report: dict, peer: str) -> dict | None:
    return next((row for row in report["loads"] if row["peer"] == peer and not row.get("error")), None)


def _timing(report: dict, workload: str, peer: str, concurrency: int = 1) -> dict | None:
    return next((row for row in report["queries"] if row["workload"] == workload and row["peer"] == peer
                 and row["concurrency"] == concurrency), None)


def _best_rate(report: dict, workload: str, peer: str) -> dict | None:
    rows = [row for row in report["queries"] if row["workload"] == workload and row["peer"] == peer]
    return max(rows, key=lambda row: row["per_second"]) if rows else None


def machine_section(report: dict) -> list[str]:
    m = report["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in m["packages"].items() if version)
    load = ", ".join(f"{x:.2f}" for x in m["load_average_at_start"])
    return [f"- **{report['size']}** ({report['articles']} articles, seed {report['seed']}): {m['nproc']} cores "
            f"({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}, {packages}; load average at start "
            f"{load}."]


def load_table(report: dict) -> list[str]:
    lines = ["| peer | quads | seconds | quads/s | peak RSS (MB) | disk (MB) | disk after optimize() (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in report["loads"]:
        name = PEER_NAMES.get(row["peer"], row["peer"])
        if row.get("error"):
            lines.append(f"| {name} | – | – | – | – | {row['error'][:80]} | |")
            continue
        rate = row["quads"] / row["seconds"] if row["seconds"] else 0
        disk = f"{row['disk_mb']:.0f}" if row.get("disk_mb") is not None else "(memory)"
        compacted = (f"{row['disk_mb_optimized']:.0f} ({row['optimize_seconds']:.0f} s)"
                     if row.get("disk_mb_optimized") is not None else "–")
        lines.append(f"| {name} | {row['quads']:,} | {row['seconds']:.1f} | {rate:,.0f} | "
                     f"{row['peak_rss_mb']:.0f} | {disk} | {compacted} |")
    if report.get("rdflib_skipped"):
        lines.append(f"| rdflib Memory Dataset parse | not run: {report['rdflib_skipped']} | | | | | |")
    return lines


def query_table(report: dict) -> list[str]:
    lines = ["| query | peer | p50 ms | p95 ms | p99 ms | req/s c=1 | req/s c=4 | req/s c=16 |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    seen = []
    for row in report["queries"]:
        key = (row["workload"], row["peer"])
        if key in seen:
            continue
        seen.append(key)
        one = _timing(report, *key) or row
        rates = [(_timing(report, *key, c) or {}).get("per_second") for c in (1, 4, 16)]
        cells = " | ".join("–" if r is None else f"{r:,.0f}" for r in rates)
        lines.append(f"| {key[0]} | {key[1]} | {one['p50_ms']:.1f} | {one['p95_ms']:.1f} | "
                     f"{one['p99_ms']:.1f} | {cells} |")
    return lines


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def targets(report: dict) -> list[tuple[str, bool | None, str]]:
    """(target, met?, the number) for one run."""
    out = []
    cg, ox, rl = (_load(report, p) for p in ("claimgraph", "oxigraph", "rdflib"))
    rate = lambda row: row["quads"] / row["seconds"]  # noqa: E731
    if cg and ox:
        share = rate(cg) / rate(ox)
        out.append(("load ≥ 50 % of raw pyoxigraph bulk-load quads/s", share >= 0.5, f"{share:.1%}"))
    if cg and rl:
        factor = rate(cg) / rate(rl)
        out.append(("load ≥ 2× rdflib Memory (issue 6 asked 5×)", factor >= 2, f"{factor:.2f}×"))
    for key, when in (("disk_mb", "each as loaded"), ("disk_mb_optimized", "both after Store.optimize()")):
        if cg and ox and cg.get(key) and ox.get(key):
            factor = cg[key] / ox[key]
            out.append((f"disk ≤ 1.5× raw pyoxigraph for the same quads (store and derived index; {when})",
                        factor <= 1.5, f"{factor:.2f}× ({cg[key]:,.0f} MB / {ox[key]:,.0f} MB)"))
    if cg:
        projected = cg["seconds"] / report["articles"] * 100_000 / 60
        out.append(("L (100 000 articles) in ≤ 30 min (linear projection from this run: L itself not run)",
                    projected <= 30, f"{projected:,.0f} min projected"))
        out.append(("peak RSS ≤ 4 GB while loading", cg["peak_rss_mb"] <= 4096, f"{cg['peak_rss_mb']:.0f} MB"))
    workload = "claim → evidence"
    http, inproc = _timing(report, workload, HTTP), _timing(report, workload, OXIGRAPH)
    if http:
        out.append(("claim → evidence p99 ≤ 10 ms over HTTP", http["p99_ms"] <= 10, f"{http['p99_ms']:.1f} ms"))
        best = _best_rate(report, workload, HTTP)
        out.append(("claim → evidence ≥ 2 000 req/s over HTTP", best["per_second"] >= 2000,
                    f"{best['per_second']:,.0f} req/s at c={best['concurrency']}"))
    if http and inproc:
        added = http["p50_ms"] - inproc["p50_ms"]
        out.append(("HTTP layer adds ≤ 1 ms median", added <= 1, f"+{added:.1f} ms"))
    rdflib_rate = _best_rate(report, workload, RDFLIB)
    if http and rdflib_rate:
        factor = _best_rate(report, workload, HTTP)["per_second"] / rdflib_rate["per_second"]
        out.append(("≥ 10× rdflib throughput (rdflib in process, no HTTP: a bound it cannot beat behind Flask)",
                    factor >= 10, f"{factor:.1f}×"))
    for label, workload, limit, key in (
            ("uncited-claims count ≤ 100 ms", "uncited claims: count", 100, "p95_ms"),
            ("uncited-claims list (first page) ≤ 100 ms", "uncited claims: first page", 100, "p95_ms"),
            ("findings lists ≤ 100 ms (the index kept by loads, /findings/…json)",
             "findings lists (index, /findings, HTTP only)", 100, "p95_ms"),
            ("full-text search p50 ≤ 20 ms (the FTS5 index, /search.json)",
             "full-text search (FTS5, /search.json, HTTP only)", 20, "p50_ms"),
            ("article page p50 ≤ 30 ms (HTML)", "article page (HTML, HTTP only)", 30, "p50_ms"),
            ("claim page p50 ≤ 30 ms (HTML)", "claim page (HTML, HTTP only)", 30, "p50_ms"),
            ("article page data p50 ≤ 30 ms (its SPARQL over HTTP)", "article page data (page-claims)", 30,
             "p50_ms"),
            ("claim page data p50 ≤ 30 ms (its SPARQL over HTTP)", "claim page data (page-claims)", 30,
             "p50_ms")):
        row = _timing(report, workload, HTTP)
        if row:
            out.append((label, row[key] <= limit, f"{row[key]:.1f} ms ({key[:3]})"))
        elif "HTML" in label:
            probes = report.get("ui_probes") or []
            why = "; ".join(f"{p['path'].rsplit('/', 1)[-1]}: {p['status']}" for p in probes[:2]) or "no UI route"
            out.append((label, False if probes else None, f"page did not answer ({why})"))
    if report.get("incremental") and not report["incremental"].get("error"):
        seconds = report["incremental"]["seconds"]
        runs = report["incremental"].get("runs") or []
        each = f" (median of {len(runs)}: " + ", ".join(f"{r['seconds']:.2f}" for r in runs) + ")" if runs else ""
        out.append(("adding 1 article ≤ 1 s (a `claimgraph load` process: statistics and indexes included)",
                    seconds <= 1, f"{seconds:.2f} s{each}"))
    return out


def plot(reports: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    report = reports[-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    names = [PEER_NAMES[row["peer"]].split(" (")[0] for row in report["loads"] if not row.get("error")]
    rates = [row["quads"] / row["seconds"] for row in report["loads"] if not row.get("error")]
    left.barh(names, rates, color=["#3465a4", "#73d216", "#cc0000", "#f57900"][:len(rates)])
    left.set_xlabel("quads / s (higher is better)")
    left.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x / 1000:.0f} k"))
    left.set_title(f"Load, {report['size']} ({report['articles']:,} articles)")
    workloads = list(dict.fromkeys(row["workload"] for row in report["queries"]))
    peers = [p for p in (HTTP, OXIGRAPH, RDFLIB, VIRTUOSO) if any(r["peer"] == p for r in report["queries"])]
    width = 0.8 / len(peers)
    for offset, peer in enumerate(peers):
        values = [(_timing(report, w, peer) or {}).get("p50_ms", 0) or 0 for w in workloads]
        right.barh([i + offset * width for i in range(len(workloads))], values, height=width, label=peer)
    right.set_yticks([i + width * (len(peers) - 1) / 2 for i in range(len(workloads))], workloads, fontsize=8)
    right.set_xscale("log")
    right.set_xlabel("p50 latency, ms, concurrency 1 (log scale; lower is better)")
    right.set_title("Query mix")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write(result_files: list[Path]) -> Path:
    ASSETS.mkdir(parents=True, exist_ok=True)
    reports = []
    for file in result_files:
        shutil.copyfile(file, ASSETS / file.name)
        reports.append(json.loads(Path(file).read_text()))
    plot(reports, ASSETS / "benchmark.png")
    lines = ["# Benchmarks", "",
             "Generated by `python -m bench.report` from `python -m bench.run WORK_DIR --articles S|M|L` "
             "(raw results: [docs/benchmarks/](benchmarks/)). One run per size loads the same generated "
             "corpus (`bench/corpus.py`: text and Markdown answers, ~20 claims and 6 references each, Zipf-skewed "
             "drugs, conditions and sources) into every peer, checks that every query gives the same rows on "
             "every peer (correctness gate), then times the query mix of `graph/queries/` over HTTP against "
             "`claimgraph serve` and in process on raw pyoxigraph and rdflib.", "",
             "## Machines", ""]
    for report in reports:
        lines += machine_section(report)
    lines += ["", "![load rates and query latencies](benchmarks/benchmark.png)", ""]
    for report in reports:
        skipped = ", ".join(report.get("skip_derived") or []) or "none"
        lines += [f"## {report['size']}: {report['articles']:,} articles", "",
                  f"Derived modules left out of the claimgraph load: {skipped}. Dump: {report.get('dump_mb')} MB "
                  f"of N-Quads. Endpoint peak RSS (server and its query workers): "
                  f"{report.get('server_peak_rss_mb', '–')} MB after the SPARQL mix, "
                  f"{report.get('server_peak_rss_after_pages_mb', '–')} MB after the HTML page probes"
                  + (f"; Virtuoso {report['virtuoso_peak_rss_mb']} MB." if report.get("virtuoso_peak_rss_mb") else "."),
                  "",
                  "### Loads", ""] + load_table(report) + ["", "### Queries", ""]
        lines += [f"Gate: {len(report['gate'])} queries, identical rows on every peer."
                  if not report.get("gate_failure") else f"Gate FAILED: {report['gate_failure']}", ""]
        if report.get("virtuoso_gate_failure"):
            lines += ["Virtuoso failed the gate and is not timed: "
                      + report["virtuoso_gate_failure"].split("\n")[0][:400], ""]
        if report.get("virtuoso_gate_failure"):
            lines += ["Virtuoso failed the gate and is not timed: "
                      + report["virtuoso_gate_failure"].split("\n")[0][:400], ""]
        probes = report.get("ui_probes") or []
        if probes:
            lines += ["HTML page probes (article, claim): " + "; ".join(
                f"`{p['path'][:60]}…` {p['status']} after {p['seconds']} s" for p in probes), ""]
        lines += query_table(report) + ["", "### Targets (issues 6 and 19; #19 sets some at M or L: read them "
                                         "at the size they name)", "", "| target | verdict | measured |",
                                         "|---|---|---|"]
        lines += [f"| {label} | {_verdict(ok)} | {number} |" for label, ok, number in targets(report)]
        lines.append("")
    notes = REPO / "bench" / "notes.md"
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8").strip(), ""]
    page = DOCS / "benchmarks.md"
    page.write_text("\n".join(lines), encoding="utf-8")
    return page


if __name__ == "__main__":
    print(write([Path(p) for p in sys.argv[1:]]))
