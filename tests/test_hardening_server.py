"""What ``claimgraph serve`` does with hostile or broken connections (issue 13 items 3, 10
and 11; issue 18 item 13), against the real command on loopback: idle and slow clients,
request framing, over-size bodies, the access log, a port already in use."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from served import claimgraph, serving

from conftest import SEED

# Short deadlines so that the tests see them act; the defaults are in claimgraph/serving.py.
QUICK = {"CLAIMGRAPH_CHANNEL_TIMEOUT": "3", "CLAIMGRAPH_HEADER_TIMEOUT": "2", "CLAIMGRAPH_CLEANUP_INTERVAL": "0.5"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hardening-server")
    loaded = claimgraph(folder / "store", "load", SEED, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    return folder


@pytest.fixture(scope="module")
def server(seeded):
    log = seeded / "serve.log"
    with serving(seeded / "store", log, env=QUICK) as base:
        yield base, log


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def _status_line(sock: socket.socket) -> str:
    answer = b""
    while b"\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


def test_many_idle_and_slow_connections_do_not_stop_a_request(server):
    """300 idle sockets and 50 with half a request: waitress's old limit of 100
    connections stopped the server accepting anyone until they timed out (120 s)."""
    base, _log = server
    held = [_connect(base) for _ in range(300)]
    for sock in held[:50]:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    try:
        answer = requests.get(base + "/search?q=statin", timeout=20)
        assert answer.status_code == 200
    finally:
        for sock in held:
            sock.close()


def test_idle_and_slow_clients_are_cut_off(server):
    base, _log = server
    idle = _connect(base)
    slow = _connect(base)
    stop = threading.Event()

    def trickle():  # one header byte every half second: always active, never done
        try:
            slow.sendall(b"GET /healthz HTTP/1.1\r\n")
            while not stop.is_set():
                slow.sendall(b"X")
                time.sleep(0.5)
        except OSError:
            pass

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        assert idle.recv(1) == b"", "an idle connection is closed after CHANNEL_TIMEOUT"
        deadline = time.monotonic() + 30
        while thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.5)
        assert not thread.is_alive(), "a request trickling its headers is cut off after HEADER_TIMEOUT"
    finally:
        stop.set()
        idle.close()
        slow.close()


def test_content_length_with_transfer_encoding_is_refused(server):
    base, _log = server
    with _connect(base) as sock:
        sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        assert _status_line(sock).startswith("HTTP/1.1 400")
    with _connect(base) as sock:  # chunked alone is fine
        sock.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        assert _status_line(sock).startswith("HTTP/1.1 405")


@pytest.mark.parametrize("path, size", [("/sparql", 200 * 1024 * 1024), ("/sparql", 3 * 1024 * 1024),
                                        ("/load", 200 * 1024 * 1024)])
def test_an_over_size_body_is_refused_before_it_is_sent(server, path, size):
    """Only the headers go out: the answer must come without the server reading a body
    (waitress used to wait for, and spool to disk, anything under 1 GB)."""
    base, _log = server
    with _connect(base) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     f"Content-Length: {size}\r\n\r\n".encode())
        assert _status_line(sock).startswith("HTTP/1.1 413")


def test_a_body_within_its_route_limit_is_read(server):
    base, _log = server
    answer = requests.post(base + "/sparql", data="ASK {}", headers={"Content-Type": "application/sparql-query",
                                                                     "Accept": "application/sparql-results+json"},
                           timeout=60)
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_control_characters_in_the_path_are_escaped_in_the_access_log(server):
    base, log = server
    with _connect(base) as sock:
        sock.sendall(b"GET /id/a%0d%0a127.0.0.1%20-%20-%20forged%1b[31m\x1b[0m HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status_line(sock).startswith("HTTP/1.1 ")
    deadline = time.monotonic() + 10
    while "forged" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text()
    assert r"/id/a\x0d\x0a127.0.0.1 - - forged\x1b[31m\x1b[0m" in text
    assert "\x1b" not in text
    assert not any(line.startswith("127.0.0.1 - - forged") for line in text.splitlines())


def test_a_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = claimgraph(tmp_path / "store", "serve", "--port", port, timeout=120)
    assert ran.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in ran.stderr
    assert "serving" not in ran.stderr and "Traceback" not in ran.stderr


@pytest.mark.slow
def test_four_hundred_slow_clients_for_thirty_seconds(seeded, tmp_path):
    """The issue's attack, with the default limits: slow clients keep trickling headers
    (reconnecting when cut off) while a normal request goes every five seconds."""
    served, asked = _slowloris(seeded, tmp_path, clients=400, seconds=30, options=())
    print(f"400 slow clients for 30 s: {served} of {asked} normal requests answered")
    assert served == asked


def _slowloris(seeded, tmp_path, *, clients: int, seconds: float, options) -> tuple[int, int]:
    """(normal requests answered, asked) while ``clients`` slow clients hold connections."""
    with serving(seeded / "store", tmp_path / "serve.log", *options) as base:
        stop = threading.Event()

        def slow_client():
            while not stop.is_set():
                try:
                    with _connect(base) as sock:
                        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                        while not stop.is_set():
                            sock.sendall(b"X-a: b\r\n")
                            stop.wait(1)
                except OSError:
                    stop.wait(0.5)

        threads = [threading.Thread(target=slow_client, daemon=True) for _ in range(clients)]
        for thread in threads:
            thread.start()
        asked = served = 0
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            stop.wait(5)
            asked += 1
            try:
                served += requests.get(base + "/search?q=statin", timeout=10).status_code == 200
            except requests.RequestException:
                pass
        stop.set()
        for thread in threads:
            thread.join(5)
    return served, asked

