"""A deterministic, seeded corpus of answer articles for the benchmark.

    python -m bench.corpus OUT_DIR --articles 1000 [--seed 7]

Article ``i`` depends only on the seed and ``i``, never on how many articles
are asked for, so the first 1 000 articles of M (10 000) are S and the first
10 000 of L (100 000) are M. Each article is a real input file the loaders
read: even indexes are scraped page text (like the seed), odd ones Markdown
answers; both carry a numbered References list whose entries give DOIs and
PMIDs, so parsing, mention linking, mapping and storing are all measured.

Drugs and conditions are the prefLabels of ontology/vocabulary.ttl; which ones
an article talks about, and which sources it cites, follow a Zipf (discrete
Pareto) law, so a few pairs and sources are everywhere and most are rare --
as in real answer libraries.
"""

from __future__ import annotations

import argparse
import bisect
import random
import sys
import uuid
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

CLAIMS_PER_ARTICLE = 20
REFERENCES_PER_ARTICLE = 6
SOURCE_POOL = 60_000  # distinct citable works; popular ones are cited by thousands of articles
ZIPF_EXPONENT = 1.1
UNCITED_SHARE = 0.12  # claims written without a marker: what the uncited-claims audit finds
SIZES = {"S": 1_000, "M": 10_000, "L": 100_000}

_CG = "https://w3id.org/claimgraph/ns#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"

_ORGANISATIONS = ["American Society of Clinical Oncology", "American College of Rheumatology",
                  "European Alliance of Associations for Rheumatology", "American Academy of Neurology",
                  "National Comprehensive Cancer Network", "American Heart Association",
                  "Infectious Diseases Society of America", "European Society for Medical Oncology"]
_JOURNALS = ["J Clin Oncol", "Neurology", "Ann Rheum Dis", "Arthritis Rheumatol", "Muscle Nerve",
             "JAMA Neurol", "Lancet Neurol", "N Engl J Med", "BMJ", "Rheumatology (Oxford)"]
_SURNAMES = ["Allenbach", "Benveniste", "Christopher", "Dalakas", "Engel", "Fujimoto", "Gonzalez",
             "Hoogendijk", "Ito", "Jansen", "Kumar", "Lundberg", "Mammen", "Nakamura", "Oddis",
             "Pinal", "Quinn", "Rider", "Schmidt", "Tanboon", "Uruha", "Vencovsky", "Werth", "Yang"]
_STUDY_DESIGNS = ["a randomized controlled trial", "a prospective cohort study", "a retrospective cohort",
                  "a systematic review and meta-analysis", "a case series", "a narrative review"]
_POPULATIONS = ["adults", "older adults", "children", "women", "patients on statins",
                "patients with cancer", "hospitalised patients", "outpatients"]

# Claim sentences; {d} a drug, {c} a condition, {p} a population. No digits: in
# scraped text a bare number after a word is read as a citation marker.
_TEMPLATES = [
    "{d} is recommended as first-line treatment for {c} in {p}",
    "Treatment of {c} with {d} improved muscle strength in most {p}",
    "{d} may cause {c}, particularly at high doses",
    "Patients with {c} who received {d} had fewer relapses than those who did not",
    "The evidence for {d} in {c} comes mainly from observational studies in {p}",
    "{d} should be stopped when {c} develops during treatment",
    "Combining {d} with corticosteroids is considered for refractory {c}",
    "Monitoring for {c} is advised in {p} starting {d}",
    "Early use of {d} shortens recovery from {c} in {p}",
    "There is limited evidence that {d} prevents {c}",
]


@dataclass(frozen=True)
class Vocabulary:
    drugs: tuple[str, ...]
    conditions: tuple[str, ...]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Drug and condition prefLabels of the bundled vocabulary, in a stable order."""
    from pyoxigraph import NamedNode, RdfFormat, parse

    from claimgraph import ontology

    path = next(Path(f) for f in ontology.vocabulary_files() if Path(f).name == "vocabulary.ttl")
    types: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    with open(path, "rb") as handle:
        for triple in parse(handle, format=RdfFormat.TURTLE, base_iri=path.as_uri()):
            if triple.predicate == rdf_type:
                types.setdefault(triple.subject.value, set()).add(triple.object.value)
            elif triple.predicate.value == _SKOS + "prefLabel":
                labels[triple.subject.value] = triple.object.value
    drugs = sorted(label for iri, label in labels.items() if _CG + "Drug" in types.get(iri, ()))
    conditions = sorted(label for iri, label in labels.items() if _CG + "Condition" in types.get(iri, ()))
    # Labels with digits would be read as citation markers in scraped text.
    return Vocabulary(tuple(d for d in drugs if not any(ch.isdigit() for ch in d)),
                      tuple(c for c in conditions if not any(ch.isdigit() for ch in c)))


class Zipf:
    """Draws ranks 0..n-1 with P(rank k) proportional to 1/(k+1)**s."""

    def __init__(self, n: int, exponent: float = ZIPF_EXPONENT):
        self.cumulative = list(accumulate(1.0 / (k + 1) ** exponent for k in range(n)))

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])


@lru_cache(maxsize=4)
def _zipf(n: int) -> Zipf:
    return Zipf(n)


def _shuffled(items: tuple[str, ...], seed: int, salt: str) -> list[str]:
    """Popularity order of items: which drug is the most cited depends on the seed only."""
    order = list(items)
    random.Random(f"{seed}:{salt}").shuffle(order)
    return order


def reference_entry(seed: int, source: int) -> str:
    """The reference-list entry of pool source ``source``: the same text in every article."""
    rng = random.Random(f"{seed}:source:{source}")
    kind = source % 10  # 1 in 10 a guideline, 1 in 10 a drug label, the rest studies
    year = 1995 + rng.randrange(30)
    doi = f"10.{5000 + source % 97}/cgbench.{source:06d}"
    if kind == 0:
        org = _ORGANISATIONS[source % len(_ORGANISATIONS)]
        return (f"{org}. Clinical practice guideline on the management of muscle disease, "
                f"update {source}. {year}. doi:{doi}")
    if kind == 1:
        drug = vocabulary().drugs[source % len(vocabulary().drugs)]
        setid = uuid.UUID(int=rng.getrandbits(128), version=4)
        return (f"U.S. Food and Drug Administration. {drug.capitalize()} prescribing information "
                f"(drug label {source}). DailyMed. {year}. "
                f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={setid}")
    authors = ", ".join(f"{rng.choice(_SURNAMES)} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
                        for _ in range(rng.randint(1, 4)))
    design = rng.choice(_STUDY_DESIGNS)
    journal = rng.choice(_JOURNALS)
    pmid = 20_000_000 + source
    return (f"{authors}, et al. Outcomes of treatment in inflammatory myopathy: {design} "
            f"(study {source}). {journal}. {year};{1 + rng.randrange(60)}({1 + rng.randrange(12)}):"
            f"{100 + rng.randrange(800)}-{900 + rng.randrange(99)}. doi:{doi}. PMID: {pmid}.")


@dataclass
class Draft:
    """One article before it is written in a format."""

    index: int
    title: str
    sections: list[tuple[str, list[tuple[str, list[int]]]]]  # heading, [(sentence, marker numbers)]
    references: list[str]


def draft(seed: int, index: int) -> Draft:
    words = vocabulary()
    drugs = _shuffled(words.drugs, seed, "drugs")
    conditions = _shuffled(words.conditions, seed, "conditions")
    rng = random.Random(f"{seed}:article:{index}")
    drug_zipf, condition_zipf = _zipf(len(drugs)), _zipf(len(conditions))
    main_drug, main_condition = drugs[drug_zipf.draw(rng)], conditions[condition_zipf.draw(rng)]
    population = rng.choice(_POPULATIONS)
    title = f"What is the role of {main_drug} in {main_condition} in {population}, case {index}?"
    sources: list[int] = []
    while len(sources) < REFERENCES_PER_ARTICLE:
        source = _zipf(SOURCE_POOL).draw(rng)
        if source not in sources:
            sources.append(source)
    numbers = list(range(1, len(sources) + 1))
    headings = ["From the Guidelines", "From the FDA Drug Label", "From the Research"]
    sections = []
    per_section = CLAIMS_PER_ARTICLE // len(headings) + 1
    made = 0
    for heading in headings:
        sentences = []
        for _ in range(min(per_section, CLAIMS_PER_ARTICLE - made)):
            # Half the claims are about the article's main pair: popular pairs get many claims.
            d = main_drug if rng.random() < 0.5 else drugs[drug_zipf.draw(rng)]
            c = main_condition if rng.random() < 0.5 else conditions[condition_zipf.draw(rng)]
            text = rng.choice(_TEMPLATES).format(d=d, c=c, p=rng.choice(_POPULATIONS))
            text = text[0].upper() + text[1:]
            cited = [] if rng.random() < UNCITED_SHARE else sorted(rng.sample(numbers, rng.randint(1, 3)))
            sentences.append((text, cited))
            made += 1
        sections.append((heading, sentences))
    # Every reference is cited at least once, so no list entry is unused by accident.
    uncited = set(numbers) - {n for _, sentences in sections for _, cited in sentences for n in cited}
    for heading, sentences in sections:
        for position, (text, cited) in enumerate(sentences):
            if uncited and cited:
                sentences[position] = (text, sorted(set(cited) | {uncited.pop()}))
    return Draft(index, title, sections, [reference_entry(seed, s) for s in sources])


def as_text(article: Draft) -> str:
    """Scraped page text: question, page chrome, bullets with bare-number markers."""
    lines = [article.title, "", "Medical Advisory BoardAll articles are reviewed for accuracy",
             "", "Last updated: March 12, 2025View editorial policy", ""]
    for heading, sentences in article.sections:
        lines += [heading, ""]
        for text, cited in sentences:
            marker = f" {', '.join(map(str, cited))}" if cited else ""
            lines.append(f"  • {text}{marker}.")
        lines.append("")
    lines += ["References", ""]
    lines += [f"  {n}. {entry}" for n, entry in enumerate(article.references, 1)]
    return "\n".join(lines) + "\n"


def as_markdown(article: Draft) -> str:
    """An LLM answer tool's Markdown: bracket markers, a numbered References list."""
    lines = [f"# {article.title}", ""]
    for heading, sentences in article.sections:
        lines += [f"## {heading}", ""]
        for text, cited in sentences:
            marker = "".join(f"[{n}]" for n in cited)
            lines.append(f"- {text}{' ' if marker else ''}{marker}.")
        lines.append("")
    lines += ["## References", ""]
    lines += [f"{n}. {entry}" for n, entry in enumerate(article.references, 1)]
    return "\n".join(lines) + "\n"


def article_path(out_dir: Path, index: int) -> Path:
    """Files are spread over folders of 1 000 so directory listings stay fast."""
    suffix = "txt" if index % 2 == 0 else "md"
    return out_dir / f"{index // 1000:03d}" / f"article-{index:06d}.{suffix}"


def generate(out_dir: Path, articles: int, seed: int = 7, start: int = 0) -> list[Path]:
    """Write articles ``start .. articles-1``; existing identical files are left alone."""
    paths = []
    for index in range(start, articles):
        path = article_path(out_dir, index)
        body = draft(seed, index)
        text = as_text(body) if index % 2 == 0 else as_markdown(body)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def parse_size(text: str) -> int:
    return SIZES[text.upper()] if text.upper() in SIZES else int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="folder to write into (never commit it)")
    parser.add_argument("--articles", type=parse_size, default=SIZES["S"], help="count, or S/M/L")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    paths = generate(args.out_dir, args.articles, args.seed)
    print(f"{len(paths)} articles in {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
