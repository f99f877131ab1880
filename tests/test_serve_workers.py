"""``claimgraph serve --workers N`` (issue 19 item 3): N request processes on one port,
reading one store through snapshots and writing it one at a time.

Real subprocesses on loopback: what one process writes (a load, a SPARQL update, a
verdict) every process answers at once; a reviewer login holds in all; a request
process that dies is replaced; SIGINT stops them all; a `claimgraph load` from the
shell may run beside the server."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from served import claimgraph, served_process

from claimgraph.graph.store import ClaimStore
from claimgraph.graph.store.shared_disk import SharedDiskStore, StoreBusy

ANSWER = Path(__file__).parent / "data" / "answer.md"
SEED_TEXT = """What helps a headache?

Ibuprofen relieves tension headache in adults [1].

References
[1] Moore RA, et al. Ibuprofen for tension-type headache. Cochrane Database Syst Rev. 2015. doi:10.1002/14651858.CD011474.pub2
"""
LOAD_TOKEN, UPDATE_TOKEN, REVIEWER_TOKEN = "load-token-1", "update-token-1", "reviewer-token-1"
ENV = {"CLAIMGRAPH_LOAD_TOKEN": LOAD_TOKEN, "CLAIMGRAPH_UPDATE_TOKEN": UPDATE_TOKEN,
       "CLAIMGRAPH_REVIEWER_TOKENS": '{"%s": "Rita Reviewer"}' % REVIEWER_TOKEN,
       "CLAIMGRAPH_SECRET_KEY": "k" * 64}
COUNT = "SELECT (COUNT(DISTINCT ?claim) AS ?n) WHERE { GRAPH ?g { ?claim a <https://w3id.org/claimgraph/ns#Claim> } }"


def _pids(base: str, tries: int = 200) -> set[int]:
    """The request processes that answer, by asking /healthz from several connections at once."""
    seen: set[int] = set()
    lock = threading.Lock()

    def ask() -> None:
        answer = requests.get(base + "/healthz", timeout=30).json()
        with lock:
            seen.add(answer["process"])

    for _ in range(tries // 20):
        threads = [threading.Thread(target=ask) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if len(seen) >= 2:
            break
    return seen


def _each_process(base: str, path: str, check, *, rounds: int = 40, **kwargs) -> set[int]:
    """``check(response)`` for ``path`` answered by every request process (fresh connections)."""
    answered: set[int] = set()
    for _ in range(rounds):
        with requests.Session() as fresh:
            response = fresh.get(base + path, timeout=60, **kwargs)
            pid = fresh.get(base + "/healthz", timeout=30).json()["process"]  # same connection, same process
        check(response)
        answered.add(pid)
    return answered


@pytest.fixture()
def store(tmp_path):
    loaded = claimgraph(tmp_path / "store", "load", ANSWER)
    assert loaded.returncode == 0, loaded.stderr
    return tmp_path / "store"


def test_every_process_answers_what_any_one_wrote(store, tmp_path):
    with served_process(store, tmp_path / "serve.log", "--workers", "2", "--enable-updates", env=ENV) as (base, _):
        assert len(_pids(base)) == 2, "both request processes answer"
        before = requests.post(base + "/sparql", data={"query": COUNT},
                               headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
        claims_before = int(before["results"]["bindings"][0]["n"]["value"])

        # A load through whichever process takes it...
        (tmp_path / "headache.txt").write_text(SEED_TEXT, encoding="utf-8")
        with open(tmp_path / "headache.txt", "rb") as handle:
            loaded = requests.post(base + "/load", files={"file": ("headache.txt", handle)},
                                   headers={"Authorization": f"Bearer {LOAD_TOKEN}"}, timeout=120)
        assert loaded.status_code == 200, loaded.text
        # ...is found by search, listed, and counted by SPARQL in every process.
        def found(response):
            assert response.status_code == 200
            assert any("ibuprofen" in hit["title_html"].lower() for hit in response.json()["hits"]), \
                response.text[:500]
        assert len(_each_process(base, "/search.json?q=ibuprofen", found)) == 2

        def counted(response):
            n = int(response.json()["results"]["bindings"][0]["n"]["value"])
            assert n > claims_before
        assert len(_each_process(base, "/sparql", counted, params={"query": COUNT},
                                 headers={"Accept": "application/sparql-results+json"})) == 2

        # A SPARQL update through one process is seen by the others at once.
        inserted = requests.post(base + "/sparql/update", timeout=60,
                                 data={"update": "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 'workers' } }"},
                                 headers={"Authorization": f"Bearer {UPDATE_TOKEN}"})
        assert inserted.status_code in (200, 204), inserted.text
        ask = "ASK { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 'workers' } }"
        assert len(_each_process(base, "/sparql", lambda r: r.json()["boolean"] is True, params={"query": ask},
                                 headers={"Accept": "application/sparql-results+json"})) == 2


def test_a_login_holds_in_every_process(store, tmp_path):
    with served_process(store, tmp_path / "serve.log", "--workers", "2", env=ENV) as (base, _):
        assert len(_pids(base)) == 2
        browser = requests.Session()
        page = browser.get(base + "/reviews", timeout=30)
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        login = browser.post(base + "/reviews/login", data={"token": REVIEWER_TOKEN, "csrf_token": token},
                             allow_redirects=False, timeout=30)
        assert login.status_code == 303, login.text
        cookie = browser.cookies
        seen = set()
        for _ in range(40):  # fresh connections with the same cookie: both processes know the session
            with requests.Session() as tab:
                tab.cookies.update(cookie)
                assert "Rita Reviewer" in tab.get(base + "/reviews", timeout=30).text
                seen.add(tab.get(base + "/healthz", timeout=30).json()["process"])
        assert len(seen) == 2


def test_a_process_that_dies_is_replaced_signals_pass_on_and_sigint_stops_all(store, tmp_path):
    log = tmp_path / "serve.log"
    with served_process(store, log, "--workers", "2") as (base, server):
        first = _pids(base)
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = _pids(base, tries=60)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.5)
        assert len(now) == 2 and victim not in now, log.read_text()[-2000:]
        assert "ended (signal SIGKILL); starting another" in log.read_text()
        children = now
        server.send_signal(signal.SIGUSR2)  # passed on: each request process reports its memory
        deadline = time.monotonic() + 30
        while log.read_text().count("malloc_trim: RSS") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert log.read_text().count("malloc_trim: RSS") == 2 and server.poll() is None
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text(), pid


def test_a_shell_load_beside_the_server(store, tmp_path):
    """No request process holds the store for writing between requests, so a
    `claimgraph load` runs beside the server, and the server answers what it loaded."""
    (tmp_path / "headache.txt").write_text(SEED_TEXT, encoding="utf-8")
    with served_process(store, tmp_path / "serve.log", "--workers", "2") as (base, _):
        loaded = claimgraph(store, "load", tmp_path / "headache.txt", timeout=300)
        assert loaded.returncode == 0, loaded.stderr
        hits = requests.get(base + "/search.json", params={"q": "ibuprofen"}, timeout=60).json()["hits"]
        assert hits


def test_write_sessions_between_two_handles(tmp_path):
    """One handle writes while another reads its snapshot; a second writer waits, then gives up."""
    ClaimStore(tmp_path / "s").flush()
    from pyoxigraph import Literal, NamedNode, Quad

    one, two = SharedDiskStore(tmp_path / "s", wait=0.3), SharedDiskStore(tmp_path / "s", wait=0.3)
    quad = Quad(NamedNode("urn:x:s"), NamedNode("urn:x:p"), Literal("o"), NamedNode("urn:x:g"))
    with one.writing():
        one.write([quad])
        assert one.contains(quad)  # the session reads its own writes
        with pytest.raises(StoreBusy, match="open for writing elsewhere"):
            two.write([quad])
    assert not two.contains(quad)  # its snapshot is older...
    assert two.refresh() and two.contains(quad)  # ...until the store changed and it looks again
    assert not two.refresh()
    two.remove([quad])
    one.refresh()
    assert not one.contains(quad)


def test_request_processes_end_with_a_killed_supervisor(store, tmp_path):
    with served_process(store, tmp_path / "serve.log", "--workers", "2") as (base, server):
        children = _pids(base)
        assert len(children) == 2
        server.send_signal(signal.SIGKILL)
        server.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in children), "request processes outlived their supervisor"
        with pytest.raises(requests.ConnectionError):
            requests.get(base + "/healthz", timeout=5)


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False
