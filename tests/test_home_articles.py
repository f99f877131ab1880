"""The home page's article list (issue 18, item 8): sorted, filtered and paged from the
page-list index like the findings lists, its pager keeping the sort and filter."""

from __future__ import annotations

import re

import pytest

EXPERTQA = "data/attributed-qa/expertqa_domain_test_medicine.jsonl"


@pytest.fixture
def store52(seed_store, load_paths, shared):
    from claimgraph.graph.index import derived

    load_paths(shared / EXPERTQA)
    derived.refresh_all(seed_store, None)
    return seed_store


def test_articles_sort_filter_and_page(store52):
    from claimgraph.graph.index.page_lists import articles_page

    by_title = articles_page(store52, order="title", per_page=50)
    assert by_title.total == 52 and by_title.pages == 2 and len(by_title.items) == 50
    titles = [a["title"] for a in by_title.items] + [a["title"] for a in
                                                     articles_page(store52, order="title", page=2, per_page=50).items]
    assert titles == sorted(titles, key=str.casefold) and len(set(titles)) == 52
    claims = [a["claims"] for a in articles_page(store52, order="claims", per_page=52).items]
    assert claims == sorted(claims, reverse=True) and claims[0] == 25  # the seed has the most
    myopathy = articles_page(store52, contains="MYOPATHY")
    assert [a["title"] for a in myopathy.items] == [
        "What is the diagnosis and treatment for muscular necrosis (myopathy)?"]
    assert articles_page(store52, contains="100%_").total == 0  # LIKE's wildcards are literal


def test_home_page_lists_articles_with_controls_and_a_pager_keeping_them(store52):
    from claimgraph.web import create_app

    app = create_app({"STORE": store52, "STORE_PATH": str(store52.path), "TESTING": True})
    http = app.test_client()
    page = http.get("/?sort=title&filter=the").get_data(as_text=True)
    assert 'class="home-search"' in page and '<option value="title" selected>' in page
    shown = re.findall(r'<ul class="plain article-list">(.*?)</ul>', page, re.S)[0]
    assert all("the" in t.lower() for t in re.findall(r">([^<]+)</a>", shown))
    first = http.get("/?sort=claims").get_data(as_text=True)
    assert 'href="?sort=claims&amp;page=2"' in first  # the next page keeps the order
    second = http.get("/?sort=claims&page=2").get_data(as_text=True)
    assert "Articles 51–52 of 52" in second
    assert http.get("/?sort=nonsense&page=x").status_code == 200  # unknown: the defaults
    assert http.get("/index.json?sort=title").get_json()["article_paging"]["total"] == 52
