"""Many small answer articles in the seed's scraped-text layout, deterministic by seed.

Each has a question title, a "Last updated" line, the three evidence sections
and cited claims (bare-number markers as the seed writes them), with titles,
conditions, drugs and sentences varied so that no two articles are alike.
Used by the crash and load tests; ``python tests/article_generator.py DIR N``
writes them for a manual run.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

_CONDITIONS = ["statin-associated myopathy", "necrotizing myopathy", "polymyositis", "dermatomyositis",
               "rhabdomyolysis", "inclusion body myositis", "myasthenia gravis", "steroid myopathy",
               "immune-related myositis", "muscular dystrophy"]
_DRUGS = ["atorvastatin", "prednisone", "methylprednisolone", "rituximab", "intravenous immunoglobulin",
          "methotrexate", "tacrolimus", "azathioprine", "simvastatin", "mycophenolate"]
_QUESTIONS = ["What is the diagnosis and treatment for {c}?", "How is {c} managed in adults?",
              "When should {d} be stopped in {c}?", "What are the first signs of {c}?",
              "Which tests confirm {c}?"]
_CLAIMS = ["Patients with {c} often present with proximal muscle weakness and raised creatine kinase {n}.",
           "Treatment of {c} usually starts with {d} at a weight-based dose {n}.",
           "Stopping {d} is advised when {c} is suspected {n}.",
           "Muscle biopsy can confirm {c} when the clinical picture is unclear {n}.",
           "Early referral improves outcomes in {c} {n}.",
           "Magnetic resonance imaging helps to choose a biopsy site in {c} {n}.",
           "Combination therapy with {d} may be needed in refractory {c} {n}."]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]


def article_text(number: int, rng: random.Random) -> str:
    condition, drug = rng.choice(_CONDITIONS), rng.choice(_DRUGS)
    title = rng.choice(_QUESTIONS).format(c=condition, d=drug) + f" (case {number})"
    lines = [title, "", f"Last updated: {rng.choice(_MONTHS)} {rng.randint(1, 28)}, 2025", ""]
    marker = 1
    for heading, claims in (("From the Guidelines", 2), ("From the FDA Drug Label", 1),
                            ("From the Research", rng.randint(2, 5))):
        lines += [heading, ""]
        sentences = []
        for _ in range(claims):
            sentences.append(rng.choice(_CLAIMS).format(c=condition, d=drug, n=marker))
            marker += 1
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def write_articles(folder: Path, count: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"article-{number:04d}.txt"
        path.write_text(article_text(number, rng), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    written = write_articles(Path(sys.argv[1]), int(sys.argv[2]))
    print(f"wrote {len(written)} articles to {sys.argv[1]}")
