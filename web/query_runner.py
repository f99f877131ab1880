"""Run SPARQL queries where they can be stopped: a pool of worker processes.

pyoxigraph cannot cancel a running query, so a query that exceeds its time
limit is stopped by killing the process it runs in; a fresh worker replaces
it in the background while the other workers keep answering. Each worker
opens the store with ``Store.read_only``, which sees a snapshot taken at
opening time, so before every query it compares the store folder's
fingerprint (the names, sizes and times of RocksDB's data files, which every
write changes) with the one it opened and reopens when they differ. That check
is exact, so an answer never misses a write the server finished before the
request came in, and it costs about 30 µs (a listing of some twenty entries).

The answer comes back as ready bytes in the negotiated format; requests and
outcomes cross the pipe as one pickle each way (see bench/http_layer.py for
what the hop costs).

``execute`` does the actual work (query, negotiate, serialise, cap rows) and
is the same code in a worker and in the inline fallback used for in-memory
stores (which cannot be shared with another process, and so have no hard
time limit).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import pickle
import queue
import re
import select
import threading
import time
from dataclasses import dataclass, field
from json.encoder import encode_basestring as encode_json_string
from pathlib import Path

from pyoxigraph import (BlankNode, DefaultGraph, Literal, NamedNode, Quad, QueryBoolean,
                        QueryResultsFormat, QuerySolutions, Store, Triple, parse_query_results,
                        serialize)

from claimgraph.graph.rdf.namespaces import PREFIXES

from . import negotiation


@dataclass(frozen=True)
class QueryRequest:
    """Everything a worker needs; plain data so that it pickles."""

    sparql: str
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None  # protocol dataset; None = not given
    named_graphs: tuple[str, ...] | None = None
    accept: str | None = None
    format_override: str | None = None
    row_limit: int = 10000


@dataclass
class Outcome:
    status: int = 200
    media_type: str = ""
    body: bytes = b""
    truncated: bool = False
    count: int | None = None  # rows or triples sent (None for ASK)
    title: str = ""  # error title / detail when status != 200
    detail: str = ""
    position: dict | None = field(default=None)  # {"line", "column"} of a syntax error


# -- one query ----------------------------------------------------------------
_POSITION = re.compile(r"error at (\d+):(\d+)")


def execute(store: Store, request: QueryRequest) -> Outcome:
    """Run one query and serialise its answer; errors become Outcomes, never exceptions."""
    try:
        result = store.query(request.sparql, base_iri=request.base_iri, prefixes=PREFIXES,
                             **_dataset_arguments(request))
        kind = negotiation.GRAPH if _is_graph(result) else negotiation.RESULTS
        fmt = negotiation.choose(kind, request.accept, request.format_override)
        return _serialise(result, fmt, request.row_limit)
    except SyntaxError as exc:
        return syntax_error_outcome(str(exc))
    except negotiation.NotAcceptable as exc:
        return Outcome(406, title="Not Acceptable", detail=str(exc))
    except negotiation.UnknownFormat as exc:
        return Outcome(400, title="Bad Request", detail=str(exc))
    except (OSError, ValueError, TypeError) as exc:  # evaluation errors pyoxigraph raises
        return Outcome(500, title="Query failed", detail=str(exc))


def syntax_error_outcome(message: str) -> Outcome:
    match = _POSITION.search(message)
    position = {"line": int(match[1]), "column": int(match[2])} if match else None
    if match:  # the position is reported on its own; keep the parser's words
        message = message[match.end():].lstrip(": ")
    if len(message) > 600:  # pyoxigraph lists every expected character class
        message = message[:600] + " …"
    return Outcome(400, title="Query syntax error", detail=message, position=position)


def _dataset_arguments(request: QueryRequest) -> dict:
    """The protocol dataset overrides the query's FROM/FROM NAMED; without one the
    default graph is the union of all graphs (claimgraph's query contract)."""
    if request.default_graphs is None and request.named_graphs is None:
        return {"use_default_graph_as_union": True}
    return {"default_graph": [NamedNode(iri) for iri in request.default_graphs or ()],
            "named_graphs": [NamedNode(iri) for iri in request.named_graphs or ()]}


def _is_graph(result) -> bool:
    return not isinstance(result, (QuerySolutions, QueryBoolean, bool))


def _serialise(result, fmt: negotiation.Format, row_limit: int) -> Outcome:
    if isinstance(result, (QueryBoolean, bool)):
        body = result.serialize(format=fmt.pyoxigraph)
        return Outcome(media_type=fmt.content_type, body=body)
    if isinstance(result, QuerySolutions):
        variables = [v.value for v in result.variables]
        rows, truncated = _take(result, row_limit)
        # Rows are encoded as SPARQL JSON here (so that the cap applies: pyoxigraph's
        # serialiser reads the whole iterator) and other formats come from
        # pyoxigraph's own serialisers reading that back.
        body = _results_json(variables, rows)
        if fmt.name != "json":
            body = parse_query_results(body, format=QueryResultsFormat.JSON).serialize(format=fmt.pyoxigraph)
        return Outcome(media_type=fmt.content_type, body=body, truncated=truncated, count=len(rows))
    triples, truncated = _take(result, row_limit)
    if fmt.quads:
        statements = [Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples]
    else:
        statements = triples
    body = serialize(statements, format=fmt.pyoxigraph, prefixes=_used_prefixes(triples))
    return Outcome(media_type=fmt.content_type, body=body, truncated=truncated, count=len(triples))


def _take(iterator, limit: int):
    items = []
    for item in iterator:
        if len(items) == limit:
            return items, True
        items.append(item)
    return items, False


def _used_prefixes(triples) -> dict[str, str]:
    """Only the prefixes the answer uses, so that Turtle stays short."""
    iris = {term.value for t in triples for term in (t.subject, t.predicate, t.object)
            if isinstance(term, NamedNode)}
    return {name: base for name, base in PREFIXES.items() if any(i.startswith(base) for i in iris)}


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _results_json(variables: list[str], rows) -> bytes:
    """SPARQL JSON results written as text directly (half the time of building
    dictionaries for json.dumps, which matters for the many small answers)."""
    keys = [encode_json_string(name) + ":" for name in variables]
    bindings = ",".join("{" + ",".join(key + _term_text(term) for key, term in zip(keys, row) if term is not None)
                        + "}" for row in rows)
    head = ",".join(encode_json_string(name) for name in variables)
    return f'{{"head":{{"vars":[{head}]}},"results":{{"bindings":[{bindings}]}}}}'.encode("utf-8")


def _term_text(term) -> str:
    if isinstance(term, NamedNode):
        return '{"type":"uri","value":' + encode_json_string(term.value) + "}"
    if isinstance(term, Literal):
        text = '{"type":"literal","value":' + encode_json_string(term.value)
        if term.language:
            return text + ',"xml:lang":' + encode_json_string(term.language) + "}"
        datatype = term.datatype.value
        if datatype != _XSD_STRING:
            return text + ',"datatype":' + encode_json_string(datatype) + "}"
        return text + "}"
    return json.dumps(_term_json(term), ensure_ascii=False)  # blank nodes, quoted triples


def _term_json(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        encoded = {"type": "literal", "value": term.value}
        if term.language:
            encoded["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            encoded["datatype"] = term.datatype.value
        return encoded
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


# -- worker processes ---------------------------------------------------------
def store_fingerprint(path: str | os.PathLike) -> tuple:
    """Changes whenever RocksDB writes data (WAL, tables, manifest); the info log
    and lock file are left out because merely opening the store touches them."""
    entries = []
    with os.scandir(path) as listing:
        for entry in listing:
            if entry.name.startswith(("LOG", "LOCK")):
                continue
            try:
                stat = entry.stat()
            except FileNotFoundError:  # a compaction removed it between listing and stat
                continue
            entries.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(entries))


OPEN_ATTEMPTS = 8  # tries to open a snapshot while the server is writing, about 1.4 s in all


def open_snapshot(store_path: str) -> Store:
    """``Store.read_only`` beside the writing server process. Opening can catch RocksDB
    between listing its data files and deleting the ones a flush or compaction replaced
    ("Corruption: ... No such file"); a moment later the list is whole again."""
    for attempt in range(1, OPEN_ATTEMPTS):
        try:
            return Store.read_only(store_path)
        except (OSError, RuntimeError):
            time.sleep(0.05 * attempt)
    return Store.read_only(store_path)


def _send(connection, message) -> None:
    """Plain pickle over the pipe: multiprocessing's own send goes through its slower
    reducer table for every message."""
    connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive(connection):
    return pickle.loads(connection.recv_bytes())


def _worker_main(connection, store_path: str) -> None:
    store, opened_at = None, None
    while True:
        try:
            request = _receive(connection)
        except (EOFError, KeyboardInterrupt):
            return
        try:
            fingerprint = store_fingerprint(store_path)
            if store is None or fingerprint != opened_at:
                store, opened_at = open_snapshot(store_path), fingerprint
        except (OSError, RuntimeError) as exc:
            store, opened_at = None, None
            _send(connection, Outcome(503, title="Store busy", detail=f"the store could not be opened for "
                                      f"reading while it is being written ({exc}); try again"))
            continue
        try:
            outcome = execute(store, request)
        except Exception as exc:  # never die silently: the server would only see a closed pipe
            outcome = Outcome(500, title="Query failed", detail=f"{type(exc).__name__}: {exc}")
        _send(connection, outcome)


class _Worker:
    def __init__(self, context, store_path: str):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, store_path),
                                       name="claimgraph-query-worker", daemon=True)
        self.process.start()
        child.close()
        # One poll object per worker, made once: multiprocessing's poll() builds a
        # selector on every call.
        self._answer = select.poll()
        self._answer.register(self.connection.fileno(), select.POLLIN)

    def ask(self, request: QueryRequest, timeout: float) -> Outcome | None:
        """The worker's outcome, or None when none came within ``timeout`` seconds."""
        _send(self.connection, request)
        if not self._answer.poll(max(0, math.ceil(timeout * 1000))):
            return None
        return _receive(self.connection)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class QueryRunner:
    """``run(request, timeout)`` answers within ``timeout`` seconds or stops the query.

    ``store_path=None`` runs queries inline on ``inline_store`` (no hard limit)."""

    def __init__(self, store_path: str | os.PathLike | None, workers: int = 2,
                 inline_store: Store | None = None):
        self.store_path = str(store_path) if store_path is not None else None
        self.inline_store = inline_store
        self.timeouts = 0  # queries stopped so far (for logs and tests)
        # Last in, first out: at low load the same worker answers again, its caches warm,
        # while the others wait idle.
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        if self.store_path is not None:
            if not Path(self.store_path).is_dir():
                raise FileNotFoundError(f"no store at {self.store_path}")
            self._context = multiprocessing.get_context("spawn")  # no fork of a threaded server
            for _ in range(max(1, workers)):
                self._idle.put(self._start_worker())

    def _start_worker(self) -> _Worker:
        worker = _Worker(self._context, self.store_path)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its replacement without making anyone wait."""
        with self._lock:
            self._all.discard(worker)
        worker.stop()
        threading.Thread(target=lambda: self._idle.put(self._start_worker()), daemon=True).start()

    def run(self, request: QueryRequest, timeout: float, wait: float | None = None) -> Outcome:
        """The query may run ``timeout`` seconds once a worker has it; waiting for a free
        worker is bounded apart, by ``wait`` (default: ``timeout``). Counting the wait in
        the query's time would kill quick queries that merely queued behind others on a
        busy server, and every kill costs a worker start."""
        if self.store_path is None:
            return execute(self.inline_store, request)
        wait = timeout if wait is None else wait
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            return Outcome(503, title="Service busy",
                           detail=f"every query worker stayed busy for {wait:g} s; try again")
        try:
            outcome = worker.ask(request, timeout)
            if outcome is not None:
                self._idle.put(worker)
                return outcome
        except (EOFError, OSError, BrokenPipeError):
            self._retire(worker)
            return Outcome(500, title="Query failed", detail="the query worker stopped unexpectedly")
        self.timeouts += 1
        self._retire(worker)
        return Outcome(503, title="Query timeout",
                       detail=f"the query ran longer than {timeout:g} s and was stopped; "
                              "narrow it (LIMIT, more specific patterns) or ask for a longer timeout")

    def close(self) -> None:
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()
