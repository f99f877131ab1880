"""Virtuoso (Debian's virtuoso-opensource) as one more peer: bulk load and the query mix.

A throw-away database under the run's work folder, from tests/data/virtuoso.ini
(ResultSetMaxRows raised), on loopback ports. The dump is loaded with Virtuoso's
own bulk loader (``ld_dir`` + ``rdf_loader_run``), the path users take with
``claimgraph export dump``; queries go to its /sparql endpoint over HTTP.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from .peers import HttpPeer

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "tests" / "data" / "virtuoso.ini"


def available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


class VirtuosoPeer(HttpPeer):
    name = "Virtuoso 7 (HTTP endpoint)"


class Virtuoso:
    def __init__(self, folder: Path, data_dir: Path):
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.http_port, self.sql_port = _free_port(), _free_port()
        ini = TEMPLATE.read_text().replace("{dir}", str(folder)).replace("{http_port}", str(self.http_port))
        ini = ini.replace("{sql_port}", str(self.sql_port))
        ini = ini.replace(f"DirsAllowed = ., {folder}", f"DirsAllowed = ., {folder}, {data_dir}")
        # More buffers than the tests need: about 2.5 GB of page cache for M-sized data.
        ini = ini.replace("NumberOfBuffers = 20000", "NumberOfBuffers = 340000")
        ini = ini.replace("MaxDirtyBuffers = 15000", "MaxDirtyBuffers = 250000")
        (folder / "virtuoso.ini").write_text(ini)
        self.log = open(folder / "stdout.log", "wb")
        self.process = subprocess.Popen(["virtuoso-t", "-f", "-c", "virtuoso.ini"], cwd=folder,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.http_port}"

    def wait(self, timeout: float = 120) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited; see {self.folder}/virtuoso.log")
            try:
                if requests.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("Virtuoso did not answer in time")

    def isql(self, statements: str, timeout: float = 1800) -> str:
        run = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
                             capture_output=True, text=True, timeout=timeout)
        if run.returncode != 0 or "*** Error" in run.stdout + run.stderr:
            raise RuntimeError(f"isql: {(run.stdout + run.stderr)[-1000:]}")
        return run.stdout

    def bulk_load(self, quads_file: Path) -> dict:
        """ld_dir + rdf_loader_run + checkpoint; seconds, quads, peak RSS and disk."""
        started = time.perf_counter()
        self.isql(f"ld_dir('{quads_file.parent}', '{quads_file.name}', 'urn:claimgraph:unused'); "
                  "rdf_loader_run(); checkpoint;")
        seconds = time.perf_counter() - started
        peer = VirtuosoPeer(self.url)
        count = peer.rows("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                          "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/claimgraph/')) }")
        disk = sum(f.stat().st_size for f in self.folder.glob("virtuoso*.db")) / 1e6
        return {"peer": "virtuoso", "seconds": seconds, "quads": int(count[0][0]),
                "peak_rss_mb": _hwm_mb(self.process.pid), "disk_mb": disk, "error": None}

    def peak_rss_mb(self) -> float:
        return _hwm_mb(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
