"""Loading through a running server (``POST /load``, ``claimgraph load --server``) against a
real waitress server on 127.0.0.1 whose SPARQL workers are real processes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading

import pytest
import requests
from article_generator import article_text
from sparql_live import live_server

from claimgraph.graph.store import ClaimStore
from claimgraph.web.loading import LOCK

TOKEN = "load-token-for-the-tests-9d2e"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
ID = "https://w3id.org/claimgraph/id/"
_numbers = iter(range(5000, 6000))  # article numbers unused by other tests: each title is new


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = ClaimStore(tmp_path_factory.mktemp("server-load") / "store")
    store.ensure_static_graphs()
    store.flush()
    with live_server(store, QUERY_WORKERS=1, LOAD_TOKEN=TOKEN, LOAD_MAX_BYTES=4 * 1024 * 1024) as (base, app):
        yield base, app


def new_article() -> tuple[str, str]:
    """(file name, text) of an article no other test loads."""
    number = next(_numbers)
    return f"article-{number}.txt", article_text(number, random.Random(number))


def post(base: str, files, headers=AUTH, **kwargs):
    fields = [("file", (name, body.encode() if isinstance(body, str) else body)) for name, body in files]
    return requests.post(base + "/load", files=fields, headers=headers, timeout=120, **kwargs)


def sparql_titles(base: str) -> set[str]:
    query = ("SELECT ?title WHERE { ?a a <https://w3id.org/claimgraph/ns#Article> ; "
             "<http://purl.org/dc/terms/title> ?title }")
    answer = requests.get(base + "/sparql", params={"query": query}, timeout=60,
                          headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return {row["title"]["value"] for row in answer.json()["results"]["bindings"]}


def test_refused_without_the_token(server, tmp_path):
    base, _app = server
    before = sparql_titles(base)
    name, text = new_article()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": TOKEN}):
        answer = post(base, [(name, text)], headers=headers | {"Accept": "application/json"})
        assert answer.status_code == 401, headers
        assert answer.json()["error"]["title"] == "Unauthorized"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert TOKEN not in answer.text
    assert sparql_titles(base) == before


def test_off_unless_a_token_is_configured(tmp_path):
    from claimgraph.web import create_app

    store = ClaimStore(tmp_path / "store")
    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True})
    answer = app.test_client().post("/load", headers={"Authorization": "Bearer ", "Accept": "application/json"},
                                    data={"file": (b"x", "a.txt")})
    assert answer.status_code == 403
    assert "CLAIMGRAPH_LOAD_TOKEN" in answer.get_json()["error"]["detail"]


def test_a_load_shows_up_in_sparql_search_and_the_article_page(server):
    base, _app = server
    sparql_titles(base)  # the query worker is up and holds a snapshot from before the load
    name, text = new_article()
    answer = post(base, [(name, text)])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["loaded"], body["failed"]) == (1, 0)
    [article] = body["files"][0]["articles"]
    assert body["files"][0]["path"] == name and article["status"] == "added" and article["claims"] > 0
    # SPARQL runs in a worker process that must reopen its read-only snapshot.
    assert article["title"] in sparql_titles(base)
    number = name.removeprefix("article-").removesuffix(".txt")
    search = requests.get(base + "/search.json", params={"q": f"case {number}"}, timeout=60).json()
    assert article["version"] in {facet["value"] for facet in search["facets"]["article"]}
    page = requests.get(base + article["version"].replace(ID, "/id/"), headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and article["title"].split(" (case")[0] in page.text
    home = requests.get(base + "/", headers={"Accept": "text/html"}, timeout=60)
    assert home.status_code == 200


def test_bad_files_are_named_in_the_answer(server):
    base, _app = server
    good_name, good_text = new_article()
    answer = post(base, [(good_name, good_text), ("garbage.bin", b"\x00\x01\xff" * 50), ("empty.txt", b"")])
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"]["status"] == 422
    assert "garbage.bin" in body["error"]["detail"] and "empty.txt" in body["error"]["detail"]
    outcomes = {f["path"]: f for f in body["files"]}
    assert outcomes[good_name]["ok"] and outcomes[good_name]["articles"][0]["status"] == "added"
    for bad in ("garbage.bin", "empty.txt"):
        assert not outcomes[bad]["ok"]
        assert all(e.startswith(bad) for e in outcomes[bad]["errors"]), outcomes[bad]["errors"]
    assert "claimgraph-upload-" not in answer.text  # the server's temporary folder stays private
    assert outcomes[good_name]["articles"][0]["title"] in sparql_titles(base)


def test_no_files_is_a_bad_request(server):
    base, _app = server
    answer = requests.post(base + "/load", data={"format": "text"}, headers=AUTH, timeout=30)
    assert answer.status_code == 400 and "'file'" in answer.json()["error"]["detail"]


def test_uploads_have_their_own_body_limit(server):
    base, _app = server
    # 3 MB, over the 2 MB of other routes: it reaches the loader, which refuses binary data quickly.
    answer = post(base, [("big.bin", b"\x00" * (3 * 1024 * 1024))])
    assert answer.status_code == 422 and answer.json()["files"][0]["errors"][0].startswith("big.bin")
    too_big = post(base, [("too-big.txt", b"x" * (5 * 1024 * 1024))])
    assert too_big.status_code == 413 and too_big.json()["error"]["title"] == "Request Too Large"
    assert requests.post(base + "/sparql", data={"query": "x" * (3 * 1024 * 1024)}, timeout=30).status_code == 413


def test_concurrent_loads_are_serialised(server):
    base, _app = server
    batches = [[new_article() for _ in range(4)] for _ in range(3)]
    answers = [None] * len(batches)

    def send(index):
        answers[index] = post(base, batches[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(a is not None and a.status_code == 200 for a in answers), [a and a.text[:300] for a in answers]
    spans = sorted((a.json()["started"], a.json()["finished"]) for a in answers)
    for (_, first_end), (second_start, _) in zip(spans, spans[1:]):
        assert second_start >= first_end, f"two loads overlapped: {spans}"
    titles = sparql_titles(base)
    assert all(f["articles"][0]["title"] in titles for a in answers for f in a.json()["files"])


def test_a_busy_server_says_when_to_retry(server):
    base, app = server
    lock, wait = app.extensions[LOCK], app.config["LOAD_WAIT"]
    lock.acquire()  # a load in progress, as far as the route can tell
    app.config["LOAD_WAIT"] = 0.2
    try:
        answer = post(base, [new_article()])
    finally:
        app.config["LOAD_WAIT"] = wait
        lock.release()
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.json()["error"]["title"] == "Busy"


def test_claimgraph_load_through_the_server(server, tmp_path):
    base, _app = server
    folder = tmp_path / "articles"
    folder.mkdir()
    names = []
    for _ in range(2):
        name, text = new_article()
        (folder / name).write_text(text)
        names.append(name)
    (folder / "broken.txt").write_bytes(b"\xff\xfe\x00garbage")
    command = [sys.executable, "-m", "claimgraph", "load", "--server", base, "--token-env", "TEST_LOAD_TOKEN"]
    env = os.environ | {"TEST_LOAD_TOKEN": TOKEN}
    done = subprocess.run(command + [str(folder / n) for n in names], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(folder / names[0]) in done.stdout and "2 file(s), 0 with errors" in done.stdout
    failed = subprocess.run(command + [str(folder / "broken.txt")], env=env, capture_output=True, text=True,
                            timeout=120)
    assert failed.returncode == 1 and str(folder / "broken.txt") in failed.stderr
    no_token = subprocess.run(command + [str(folder / names[0])], env=os.environ | {"TEST_LOAD_TOKEN": ""},
                              capture_output=True, text=True, timeout=60)
    assert no_token.returncode == 2 and "TEST_LOAD_TOKEN" in no_token.stderr
    wrong = subprocess.run(command + [str(folder / names[0])], env=os.environ | {"TEST_LOAD_TOKEN": "nope"},
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 1 and "401" in wrong.stderr and "nope" not in wrong.stderr
