"""Only http(s) URLs (and doi:/pmid: identifiers, as their resolvers) become links on
any page (issue 13 item 9): a RIS record's javascript: or data: URL is shown as text."""

from __future__ import annotations

from urllib.parse import urlsplit

import lxml.html
import pytest

from claimgraph.graph.write.ingest import ingest
from claimgraph.loaders import read_file
from claimgraph.web import create_app
from claimgraph.web.security import web_url

# A record without an identifier keeps its URL as the source's web page.
RIS = """TY  - JOUR
TI  - Hostile record about statin myopathy
UR  - javascript:alert(document.domain)
ER  - 

TY  - JOUR
TI  - Harmless record about statin myopathy
UR  - https://example.org/fine
ER  - 
"""


@pytest.fixture
def client(store, tmp_path):
    record = tmp_path / "hostile.ris"
    record.write_text(RIS, encoding="utf-8")
    outcome = ingest(store, read_file(record))
    assert outcome.ok, outcome.errors
    app = create_app({"STORE": store, "STORE_PATH": str(store.path), "TESTING": True})
    return app.test_client(), store


def test_web_url_allows_only_web_links():
    assert web_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    assert web_url(" http://example.org/") == "http://example.org/"
    assert web_url("doi:10.1000/x(1)") == "https://doi.org/10.1000/x(1)"
    assert web_url("pmid:12345") == "https://pubmed.ncbi.nlm.nih.gov/12345/"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "jav\nascript:x",
                "data:text/html,<script>", "file:///etc/passwd", "vbscript:x", "//evil.example/", "/relative",
                "http:/no-host", "https:", "", None, "pmid:12a", "doi:not-a-doi"):
        assert web_url(bad) is None, bad


def test_no_page_links_to_a_script_url(client):
    http, store = client
    pages = {}
    for which in ("Hostile", "Harmless"):
        rows = store.select(f"""SELECT DISTINCT ?s WHERE {{ ?s <http://purl.org/dc/terms/title> ?t .
                                FILTER(CONTAINS(STR(?t), "{which} record")) }}""")
        answer = http.get(rows[0]["s"].replace("https://w3id.org/claimgraph/id/", "/id/"))
        assert answer.status_code == 200
        pages[which] = answer.data.decode("utf-8")
    hrefs = {which: [a.get("href") for a in lxml.html.fromstring(html).iter("a")] for which, html in pages.items()}
    assert "https://example.org/fine" in hrefs["Harmless"]
    schemes = {urlsplit(h).scheme for h in hrefs["Hostile"] if h}
    assert schemes <= {"", "http", "https"}, schemes
    assert "javascript:alert(document.domain)" in pages["Hostile"]  # shown, as text
