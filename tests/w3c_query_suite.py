"""The W3C SPARQL 1.1 and 1.0 query-evaluation test suites, read from their manifests
(vendored in tests/data/w3c-sparql/, see its README) and run two ways: by the engine in
this process, and over HTTP against claimgraph's endpoint. ``tests/test_sparql_w3c_query.py``
fails when the HTTP layer loses a test the engine passes.

Each test's data files are loaded once into the served store as named graphs named by
their URL; a request then names its dataset with ``default-graph-uri`` /
``named-graph-uri`` (or, for a query with its own FROM, names none). The engine in
process gets a fresh store per test with the data in its default graph, as the suite
describes it.

Relative IRIs in a query resolve against the query file's URL in the suite, and against
the endpoint's URL over HTTP (the protocol carries no base IRI). So each test also runs
in process with the endpoint's URL as base: a test that fails there as it fails over HTTP
is *base-dependent*, a documented difference, not a loss.

Answers are compared as the suite says: solutions as multisets (order is not checked),
graphs and solutions holding blank nodes by isomorphism (rdflib.compare), CSV/TSV by
their rows. Run ``python tests/w3c_query_suite.py vendor MIRROR`` to copy the files the
tests need from a checkout of w3c/rdf-tests.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, Quad, QueryBoolean, QueryResultsFormat,
                        QuerySolutions, RdfFormat, Store, Triple, parse, parse_query_results)

ROOT = Path(__file__).resolve().parent / "data" / "w3c-sparql"
BASE = "https://w3c.github.io/rdf-tests/sparql/"
MANIFESTS = ("sparql11/manifest-sparql11-query.ttl", "sparql11/manifest-sparql11-results.ttl",
             "sparql10/manifest-evaluation.ttl")
EMPTY_GRAPH = "urn:claimgraph:test:empty"  # names an empty default graph over the protocol
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
DAWGT = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#"
RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF_FORMATS = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".rdf": RdfFormat.RDF_XML}
RESULT_FORMATS = {".srx": QueryResultsFormat.XML, ".srj": QueryResultsFormat.JSON, ".tsv": QueryResultsFormat.TSV}


@dataclass(frozen=True)
class EvalTest:
    id: str  # the test's IRI
    query: str  # URLs from here on
    data: tuple[str, ...]
    graph_data: tuple[str, ...]
    result: str
    from_graphs: tuple[str, ...]  # graphs the query's FROM / FROM NAMED name (resolved)

    @property
    def name(self) -> str:
        """``sparql11/aggregates#agg01``: the suite, folder and the test's own name."""
        suite = "sparql10" if "/sparql10/" in self.query else "sparql11"
        folder = self.query.rsplit("/", 2)[-2]
        return f"{suite}/{folder}#{self.id.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"

    @property
    def csv(self) -> bool:
        return self.result.endswith((".csv", ".tsv"))

    @property
    def tsv(self) -> bool:
        return self.result.endswith(".tsv")


def local(url: str, root: Path = ROOT) -> Path:
    return root / url[len(BASE):]


def query_text(test: EvalTest, root: Path = ROOT) -> str:
    return local(test.query, root).read_text(encoding="utf-8")


def passes(test: EvalTest, outcome, root: Path = ROOT) -> bool:
    """Whether an ('ok', answer) / ('error', message) outcome is the suite's answer."""
    status, answer = outcome
    reduced = "reduced" in query_text(test, root).casefold()
    return status == "ok" and same(answer, expected(test, root), reduced=reduced)


# -- manifests ----------------------------------------------------------------------
def read_tests(root: Path = ROOT) -> list[EvalTest]:
    from rdflib import RDF, Graph, URIRef
    from rdflib.collection import Collection

    tests: list[EvalTest] = []
    pending = [BASE + name for name in MANIFESTS]
    while pending:
        url = pending.pop(0)
        graph = Graph().parse(local(url, root), format="turtle", publicID=url)
        manifest = URIRef(url)
        for listed in graph.objects(manifest, URIRef(MF + "include")):
            pending += [str(item) for item in Collection(graph, listed)]
        for listed in graph.objects(manifest, URIRef(MF + "entries")):
            for test in Collection(graph, listed):
                kinds = {str(k) for k in graph.objects(test, RDF.type)}
                if not kinds & {MF + "QueryEvaluationTest", MF + "CSVResultFormatTest"}:
                    continue
                if graph.value(test, URIRef(DAWGT + "approval")) in (URIRef(DAWGT + "Withdrawn"),
                                                                      URIRef(DAWGT + "NotClassified")):
                    continue
                action = graph.value(test, URIRef(MF + "action"))
                if graph.value(action, URIRef(QT + "serviceData")) is not None:
                    continue  # federation tests need other endpoints
                query = str(graph.value(action, URIRef(QT + "query")))
                tests.append(EvalTest(
                    str(test), query, tuple(sorted(str(d) for d in graph.objects(action, URIRef(QT + "data")))),
                    tuple(sorted(str(d) for d in graph.objects(action, URIRef(QT + "graphData")))),
                    str(graph.value(test, URIRef(MF + "result"))),
                    dataset_clause_graphs(local(query, root).read_text(encoding="utf-8"), query)))
    return tests


def dataset_clause_graphs(text: str, base: str) -> tuple[str, ...]:
    """The graphs a query's FROM / FROM NAMED name, resolved against ``base``."""
    from claimgraph.graph.queries import syntax as sparql_syntax

    if not sparql_syntax.names_dataset(text):
        return ()
    from rdflib.plugins.sparql.parserutils import CompValue

    graphs, stack = [], [sparql_syntax.parse(text, update=False)]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "DatasetClause":
                graphs.append(urljoin(base, str(item["default"] if "default" in item else item["named"])))
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(item)
    return tuple(graphs)


def data_files(tests: list[EvalTest]) -> list[str]:
    return sorted({url for t in tests for url in (*t.data, *t.graph_data, *t.from_graphs)})


def read_rdf(url: str, root: Path = ROOT) -> list[Triple]:
    """A data file's triples, its blank nodes fresh (two files never share one)."""
    fresh: dict[str, BlankNode] = {}

    def term(t):
        if isinstance(t, BlankNode):
            return fresh.setdefault(t.value, BlankNode())
        return t

    path = local(url, root)
    with open(path, "rb") as handle:
        return [Triple(term(q.subject), q.predicate, term(q.object))
                for q in parse(handle, format=RDF_FORMATS[path.suffix], base_iri=url)]


def quads_for_server(tests: list[EvalTest], root: Path = ROOT):
    """Every data file as a named graph named by its URL (files that fail to parse are
    left out: their tests fail in process too)."""
    for url in data_files(tests):
        try:
            triples = read_rdf(url, root)
        except (SyntaxError, OSError, KeyError):
            continue
        graph = NamedNode(url)
        yield from (Quad(t.subject, t.predicate, t.object, graph) for t in triples)


# -- running --------------------------------------------------------------------------
def run_in_process(test: EvalTest, base_iri: str, root: Path = ROOT):
    """The engine's answer in a fresh store: ('ok', canonical answer) or ('error', message)."""
    store = Store()
    try:
        for url in test.data:
            store.extend([Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in read_rdf(url, root)])
        for url in (*test.graph_data, *test.from_graphs):
            store.extend([Quad(t.subject, t.predicate, t.object, NamedNode(url)) for t in read_rdf(url, root)])
        result = store.query(query_text(test, root), base_iri=base_iri)
        if test.csv:
            return "ok", csv_rows(result.serialize(format=_csv_format(test)).decode("utf-8"), test.tsv)
        return "ok", canonical(result)
    except (SyntaxError, OSError, ValueError, TypeError, KeyError) as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def run_over_http(session, endpoint: str, test: EvalTest, root: Path = ROOT):
    params = {"query": query_text(test, root)}
    if not test.from_graphs:  # a query with FROM names its dataset itself
        params["default-graph-uri"] = list(test.data) or [EMPTY_GRAPH]
        if test.graph_data:
            params["named-graph-uri"] = list(test.graph_data)
    if test.csv:
        accept = "text/csv" if test.result.endswith(".csv") else "text/tab-separated-values"
    else:
        accept = "application/sparql-results+json, application/n-triples;q=0.9"
    response = session.post(endpoint, data=params, headers={"Accept": accept}, timeout=60)
    if response.status_code != 200:
        return "error", f"HTTP {response.status_code}: {response.text[:300]}"
    if test.csv:
        return "ok", csv_rows(response.content.decode("utf-8"), test.tsv)
    media_type = response.headers["Content-Type"].split(";")[0]
    if media_type == "application/n-triples":
        return "ok", canonical(list(parse(response.content, format=RdfFormat.N_TRIPLES)))
    return "ok", canonical(parse_query_results(response.content, format=QueryResultsFormat.JSON))


def expected(test: EvalTest, root: Path = ROOT):
    path = local(test.result, root)
    if test.csv:
        return csv_rows(path.read_text(encoding="utf-8"), test.tsv)
    if path.suffix in RESULT_FORMATS:
        return canonical(parse_query_results(path=str(path), format=RESULT_FORMATS[path.suffix]))
    triples = read_rdf(test.result, root)
    if any(t.object == NamedNode(RS + "ResultSet") for t in triples):
        return result_set(triples)
    return canonical(triples)


def _csv_format(test: EvalTest):
    return QueryResultsFormat.TSV if test.tsv else QueryResultsFormat.CSV


# -- comparing ------------------------------------------------------------------------
def canonical(result):
    """('boolean', b) | ('solutions', rows) | ('graph', triples): comparable answers."""
    if isinstance(result, (QueryBoolean, bool)):
        return ("boolean", bool(result))
    if isinstance(result, QuerySolutions):
        names = [v.value for v in result.variables]
        return ("solutions", [{n: s[n] for n in names if s[n] is not None} for s in result])
    return ("graph", [(t.subject, t.predicate, t.object) for t in result])


def result_set(triples: list[Triple]):
    """An answer written in the suite's RDF result-set vocabulary."""
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    result = next(t.subject for t in triples if t.object == NamedNode(RS + "ResultSet"))
    boolean = [t.object for t in by_subject[result] if t.predicate == NamedNode(RS + "boolean")]
    if boolean:
        return ("boolean", boolean[0].value == "true")
    rows = []
    for solution in (t.object for t in by_subject[result] if t.predicate == NamedNode(RS + "solution")):
        row = {}
        for binding in (t.object for t in by_subject.get(solution, []) if t.predicate == NamedNode(RS + "binding")):
            fields = {t.predicate.value: t.object for t in by_subject.get(binding, [])}
            row[fields[RS + "variable"].value] = fields[RS + "value"]
        rows.append(row)
    return ("solutions", rows)


_BLANK_LABEL = re.compile(r"_:[A-Za-z0-9_.-]+")


def csv_rows(text: str, tsv: bool):
    """The rows as a multiset of {column: cell}; blank node labels all alike (they are
    the server's own)."""
    text = _BLANK_LABEL.sub("_:b", text.replace("\r\n", "\n"))
    reader = csv.reader(io.StringIO(text), delimiter="\t" if tsv else ",",
                        quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL)
    rows = [row for row in reader if row]
    return ("csv", Counter(frozenset(zip(rows[0], row)) for row in rows[1:]))


def same(left, right, *, reduced: bool = False) -> bool:
    """Equal answers; with ``reduced`` (a SELECT REDUCED) duplicates may be dropped or not."""
    if left[0] != right[0]:
        return False
    if left[0] in ("boolean", "csv"):
        return left == right
    if left[0] == "graph":
        return _same_graph(set(left[1]), set(right[1]))
    rows_left, rows_right = left[1], right[1]
    if reduced and not _has_blank(rows_left) and not _has_blank(rows_right):
        return {_row_key(r) for r in rows_left} == {_row_key(r) for r in rows_right}
    if len(rows_left) != len(rows_right):
        return False
    if not _has_blank(rows_left) and not _has_blank(rows_right):
        return Counter(_row_key(r) for r in rows_left) == Counter(_row_key(r) for r in rows_right)
    return _same_graph(_as_triples(rows_left), _as_triples(rows_right))


def _row_key(row: dict):
    return frozenset((name, _key(term)) for name, term in row.items())


def _key(term):
    if isinstance(term, Literal):  # term equality: lexical form, datatype and language
        return ("literal", term.value, term.language, term.datatype.value if term.datatype else None)
    return (type(term).__name__, str(term))


def _has_blank(rows) -> bool:
    return any(isinstance(term, BlankNode) for row in rows for term in row.values())


def _as_triples(rows) -> set:
    """Solutions as a graph (a blank node per solution), so that isomorphism maps blank
    nodes consistently across solutions."""
    triples = set()
    for row in rows:
        solution = BlankNode()
        for name, term in row.items():
            triples.add((solution, NamedNode(RS + "var/" + name), term))
    return triples


def _same_graph(left: set, right: set) -> bool:
    if len(left) != len(right):
        return False
    if left == right:
        return True
    from rdflib import Graph
    from rdflib.compare import isomorphic

    return isomorphic(*(_rdflib_graph(Graph(), triples) for triples in (left, right)))


def _rdflib_graph(graph, triples):
    from rdflib import BNode, URIRef
    from rdflib import Literal as RLiteral

    def term(t):
        if isinstance(t, NamedNode):
            return URIRef(t.value)
        if isinstance(t, BlankNode):
            return BNode(t.value)
        if t.language:
            return RLiteral(t.value, lang=t.language, normalize=False)
        return RLiteral(t.value, datatype=URIRef(t.datatype.value), normalize=False)

    for s, p, o in triples:
        graph.add((term(s), term(p), term(o)))
    return graph


# -- vendoring ------------------------------------------------------------------------
def vendor(mirror_tree: Path, target: Path = ROOT) -> int:
    """Copy from a checkout of w3c/rdf-tests (its ``sparql/`` folder) the manifests and the
    files the evaluation tests use; returns the number of files."""
    needed: set[str] = set()
    pending = [BASE + name for name in MANIFESTS]
    from rdflib import Graph, URIRef
    from rdflib.collection import Collection

    while pending:  # the manifests themselves
        url = pending.pop(0)
        needed.add(url)
        graph = Graph().parse(local(url, mirror_tree), format="turtle", publicID=url)
        for listed in graph.objects(URIRef(url), URIRef(MF + "include")):
            pending += [str(item) for item in Collection(graph, listed)]
    tests = read_tests(mirror_tree)
    for test in tests:
        needed.update({test.query, test.result, *test.data, *test.graph_data})
    needed.update(u for u in data_files(tests) if local(u, mirror_tree).is_file())
    needed.add(BASE + "sparql10/LICENSE")
    for url in needed:
        _copy(url, mirror_tree, target)
    return len(needed)


def _copy(url: str, source_root: Path, target_root: Path) -> None:
    source, target = local(url, source_root), local(url, target_root)
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


if __name__ == "__main__":
    if sys.argv[1:2] == ["vendor"] and len(sys.argv) == 3:
        print(vendor(Path(sys.argv[2])), "files")
    else:
        sys.exit("usage: python tests/w3c_query_suite.py vendor PATH/TO/rdf-tests/sparql")
