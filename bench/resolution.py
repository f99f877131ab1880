"""How long the suggestions for one article take (issue 16: "≤ 1 s for one article at M").

    python -m bench.resolution [--corpus DIR] [--repeat 5]

Loads into a temporary store the seed, every record in ../shared/data (6 drug labels with
317 sections, the guidelines, ~30 study records) and the decoy guidelines, and, with
``--corpus DIR``, the articles ``python -m bench.corpus DIR --articles M`` wrote (their
references carry DOIs/PMIDs, so they add articles and sources, not unresolved references).
Then it times ``resolution.refresh(store, [seed version])`` with the seed's suggestions
removed first, i.e. what one article's load pays for its suggestions (with the record pool
read from the store, and kept from the previous refresh as a later load finds it), and the
``resolve --suggest`` rows. The cost follows the record pool and the article, not the
number of articles: the queries are bound to the version; the pool is read whole.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="a folder bench.corpus wrote")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from pyoxigraph import NamedNode

    from claimgraph.graph import resolution
    from claimgraph.graph.write.batch import load_files
    from claimgraph.graph.resolution.report import suggestion_rows
    from claimgraph.graph.store import ClaimStore

    with tempfile.TemporaryDirectory() as tmp:
        store = ClaimStore(Path(tmp) / "store")
        store.ensure_static_graphs()
        paths = [SHARED / "seeds" / "myopathy-necrosis.txt", REPO / "examples" / "guidelines",
                 REPO / "tests" / "data" / "guidelines", SHARED / "fda-labels", SHARED / "pubmed",
                 SHARED / "citation-formats", SHARED / "real-world" / "medline", SHARED / "real-world" / "ris",
                 SHARED / "real-world" / "spl-xml"]
        if args.corpus:
            paths.append(args.corpus)
        started = time.perf_counter()
        load_files(store, paths)
        print(f"loaded in {time.perf_counter() - started:.1f} s")
        version = NamedNode(store.select("resolve-references")[0]["version"])
        pool = resolution.read_pool(store)
        articles = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?v a cg:Article }")[0]["n"]
        print(f"{articles} article versions; pool: {len({s.label for s in pool.labels})} labels "
              f"({len(pool.labels)} sections), {len(pool.guidelines)} guidelines, {len(pool.studies)} studies")
        refresh, cold, rows = [], [], []
        for n in range(2 * args.repeat):
            if n % 2 == 0:
                resolution._POOLS.clear()  # cold: the record pool read from the store again
            ours = resolution._quads_about(store, {r["source"] for r in store.select("resolve-references",
                                                                                     version=version)})
            store.remove(ours)
            started = time.perf_counter()
            resolution.refresh(store, [version])
            (cold if n % 2 == 0 else refresh).append(time.perf_counter() - started)
            started = time.perf_counter()
            suggestion_rows(store, version.value)
            rows.append(time.perf_counter() - started)
        print(f"suggestions for the seed (refresh of one version), record pool read again: median "
              f"{statistics.median(cold):.3f} s, max {max(cold):.3f} s over {args.repeat}")
        print(f"the same with the pool kept from the last refresh (records unchanged): median "
              f"{statistics.median(refresh):.3f} s, max {max(refresh):.3f} s")
        print(f"its suggestion rows (resolve --suggest, one version): median {statistics.median(rows):.3f} s")


if __name__ == "__main__":
    main()
