"""Web pages (issue 17 items 6 and 9): the main text by a maintained extractor (trafilatura),
reference numbers from the page's lists and marker links, not from digits of anchor ids."""

from __future__ import annotations

import re

import pytest

from claimgraph.loaders import read_file

REAL = "data/real-world/articles-html"

# Wikipedia's reference markup (MediaWiki's Cite extension), shortened: named references carry
# digits of their own in the anchor id ("Census2018_pdc"), back-links "^ a b" open each entry.
CENSUS = """<!DOCTYPE html><html><head><title>Ngāruawāhia - Wikipedia</title></head><body>
<div id="content"><h1 id="firstHeading">Ngāruawāhia</h1>
<div id="mw-content-text">
<p>Ngāruawāhia is a town in the Waikato region.<sup id="cite_ref-1" class="reference"><a href="#cite_note-1">[1]</a></sup>
The town had 7,140 residents in the 2018 census.<sup id="cite_ref-Census2018_pdc_2-0" class="reference"><a href="#cite_note-Census2018_pdc-2">[2]</a></sup>
The median age was 35.4 years.<sup id="cite_ref-Census2018_pdc_2-1" class="reference"><a href="#cite_note-Census2018_pdc-2">[2]</a></sup><sup id="cite_ref-Stats2013-3" class="reference"><a href="#cite_note-Stats2013-3">[3]</a></sup></p>
<h2><span class="mw-headline" id="References">References</span><span class="mw-editsection"><span class="mw-editsection-bracket">[</span><a href="/w/index.php?title=X&amp;action=edit&amp;section=9">edit</a><span class="mw-editsection-bracket">]</span></span></h2>
<div class="reflist"><ol class="references">
<li id="cite_note-1"><span class="mw-cite-backlink"><b><a href="#cite_ref-1">^</a></b></span> <span class="reference-text">"Place names". Waikato Times. 2004.</span></li>
<li id="cite_note-Census2018_pdc-2"><span class="mw-cite-backlink">^ <a href="#cite_ref-Census2018_pdc_2-0"><sup><i><b>a</b></i></sup></a> <a href="#cite_ref-Census2018_pdc_2-1"><sup><i><b>b</b></i></sup></a></span> <span class="reference-text">"Statistical area 1 dataset for 2018 Census". Statistics New Zealand. March 2020. <a class="external text" href="https://www.stats.govt.nz/2018-census">7001213</a></span></li>
<li id="cite_note-Stats2013-3"><span class="mw-cite-backlink"><b><a href="#cite_ref-Stats2013-3">^</a></b></span> <span class="reference-text">"2013 Census QuickStats about a place". Statistics New Zealand.</span></li>
</ol></div></div></div>
<div id="mw-navigation"><h2>Navigation menu</h2><ul><li><a href="/wiki/Main_Page">Main page</a></li></ul>
<div id="p-lang"><h3>Languages</h3><ul><li><a href="https://de.wikipedia.org/wiki/X" lang="de">Deutsch</a></li><li><a href="https://fr.wikipedia.org/wiki/X" lang="fr">Français</a></li></ul></div></div>
</body></html>
"""

# A health-site page: the site's section name is the first <h1>, the article's own title is
# the second; navigation, an advert, related links and the footer surround the article.
HEALTH_SITE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Peanut Allergy: Symptoms, Diagnosis, and Treatment</title>
<meta property="og:title" content="Peanut Allergy: Symptoms, Diagnosis, and Treatment"></head><body>
<header class="site-header"><a href="/">Home</a><h1 class="center-title">Allergies Health Center</h1>
<ul class="menu"><li><a href="/allergies/guide">Allergy guide</a></li><li><a href="/allergies/news">News</a></li></ul></header>
<div class="ad">Advertisement</div>
<main><article><h1>Peanut Allergy: Symptoms, Diagnosis, and Treatment</h1>
<p>Peanut allergy is one of the most common food allergies in children, and it often lasts into adult life.<sup><a href="#ref1">1</a></sup> Reactions range from hives to anaphylaxis, which needs epinephrine at once.<sup><a href="#ref2">2</a></sup></p>
<h2>How is peanut allergy diagnosed?</h2>
<p>A skin prick test or a blood test for peanut-specific IgE supports the diagnosis, and an oral food challenge confirms it.<sup><a href="#ref1">1</a></sup></p>
<ul><li>Keep two epinephrine auto-injectors with you at all times.</li><li>Read food labels every time you buy a product, since recipes change.</li></ul>
<h2>Sources</h2>
<ol><li id="ref1">Sicherer SH, Sampson HA. Food allergy: a review and update on epidemiology, pathogenesis, diagnosis, prevention, and management. J Allergy Clin Immunol. 2018;141(1):41-58.</li>
<li id="ref2">Shaker MS, et al. Anaphylaxis: a 2020 practice parameter update. J Allergy Clin Immunol. 2020;145(4):1082-1123.</li></ol>
</article></main>
<aside><h3>Related</h3><ul><li><a href="/a">Tree nut allergy</a></li><li><a href="/b">Egg allergy</a></li></ul></aside>
<footer><p>All rights reserved. This site does not provide medical advice.</p><ul><li><a href="/privacy">Privacy</a></li></ul></footer>
</body></html>
"""


def _read(tmp_path, content, name="page.html"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = read_file(path)
    assert result.ok, result.errors
    return result.articles[0]


def _dangling(article) -> list[str]:
    return [label for claim in article.claims for label in claim.cited_labels if article.reference(label) is None]


def test_reference_numbers_come_from_the_marker_links_not_the_anchor_ids(tmp_path):
    article = _read(tmp_path, CENSUS)
    assert [(ref.number, ref.text) for ref in article.references] == [
        ("1", '"Place names". Waikato Times. 2004.'),
        ("2", '"Statistical area 1 dataset for 2018 Census". Statistics New Zealand. March 2020. 7001213 '
              "https://www.stats.govt.nz/2018-census"),
        ("3", '"2013 Census QuickStats about a place". Statistics New Zealand.')]
    assert [claim.cited_labels for claim in article.claims] == [["1"], ["2"], ["2", "3"]]
    assert _dangling(article) == [] and article.warnings == []
    assert article.title == "Ngāruawāhia"
    everything = " ".join(block.text for block in article.blocks)
    for chrome in ("Navigation menu", "Main page", "Deutsch", "Français", "edit", "^", "Waikato Times"):
        assert chrome not in everything


def test_the_article_title_is_not_the_sites_first_h1(tmp_path):
    article = _read(tmp_path, HEALTH_SITE)
    assert article.title == "Peanut Allergy: Symptoms, Diagnosis, and Treatment"
    assert [section.heading for section in article.sections] == ["How is peanut allergy diagnosed?"]
    assert [(claim.text[:30], claim.cited_labels) for claim in article.claims] == [
        ("Peanut allergy is one of the m", ["1"]), ("Reactions range from hives to ", ["2"]),
        ("A skin prick test or a blood t", ["1"]), ("Keep two epinephrine auto-inje", []),
        ("Read food labels every time yo", [])]
    assert [ref.number for ref in article.references] == ["1", "2"]  # not "Tree nut allergy", "Privacy"
    assert article.reference("2").source.year == 2020


@pytest.fixture(scope="module")
def wikipedia(shared):
    result = read_file(shared / REAL / "readability__wikipedia.html")
    assert result.ok, result.errors
    return result.articles[0]


def test_real_wikipedia_page_has_no_dangling_markers_or_duplicate_labels(wikipedia):
    numbers = [ref.number for ref in wikipedia.references]
    assert numbers == [str(n) for n in range(1, 73)]
    assert _dangling(wikipedia) == []
    assert sum(len(claim.markers) for claim in wikipedia.claims) == 76  # <sup class="reference"> on the page
    assert not any(ref.text.startswith(("^", "a b")) for ref in wikipedia.references)


def test_real_wikipedia_page_keeps_prose_and_leaves_chrome(wikipedia):
    texts = [claim.text for claim in wikipedia.claims]
    assert texts[0] == "Mozilla is a free-software community, created in 1998 by members of Netscape."
    assert 120 <= len(texts) <= 160  # the old hand rules kept 650, reference entries and menus included
    everything = "\n".join(texts)
    for chrome in ("Retrieved", "Navigation menu", "Privacy Policy", "registered trademark", "[citation needed]",
                   "[edit]", "Deutsch", "Creative Commons"):
        assert chrome not in everything
    assert not any(re.search(r"[a-z]\d|\d[a-z]{3}", text.split()[-1]) for text in texts)  # "source17codec"
    assert all(not section.heading.endswith("]") for section in wikipedia.sections)


def test_what_the_loader_wrote_validates(shared, load_paths, store):
    from claimgraph.graph.rdf.validation import validate_store

    outcomes = load_paths(shared / REAL)
    assert all(outcome.ok for outcome in outcomes), [outcome.errors for outcome in outcomes]
    report = validate_store(store)
    assert report.conforms, report.text()


def test_real_news_page_keeps_the_article_and_drops_the_cookie_banner(shared):
    result = read_file(shared / REAL / "readability__medicalnewstoday.html")
    article = result.articles[0]
    assert article.title == "How does the brain turn unconscious information into conscious thought?"
    texts = [claim.text for claim in article.claims]
    assert texts[0].startswith("A new study investigates when the 'a-ha!' moment takes place")
    assert texts[-1].startswith("The findings provide unique insights into the biology of consciousness")
    everything = "\n".join(texts)
    for chrome in ("cookies", "Advertising Policy", "Accept and Continue", "Why are my legs and feet numb"):
        assert chrome not in everything


def test_the_title_is_the_pages_own_when_the_only_h1_is_a_section_name(tmp_path):
    """WebMD's layout (mozilla/readability test page webmd-1): the one <h1> names the site's
    section, <title> names the article and comes back as a heading of the article's text."""
    page = (HEALTH_SITE.replace('<meta property="og:title" content="Peanut Allergy: Symptoms, Diagnosis, and '
                                'Treatment">', "")
            .replace("<article><h1>Peanut Allergy: Symptoms, Diagnosis, and Treatment</h1>",
                     "<article><h2>Peanut Allergy: Symptoms, Diagnosis, and Treatment</h2>"))
    article = _read(tmp_path, page)
    assert article.title == "Peanut Allergy: Symptoms, Diagnosis, and Treatment"
    assert [section.heading for section in article.sections] == ["How is peanut allergy diagnosed?"]


def test_bracketed_years_and_page_notes_are_not_markers(tmp_path):
    page = CENSUS.replace("The median age was 35.4 years.",
                          "The median age was 35.4 years [1994].<sup>: 207</sup>")
    article = _read(tmp_path, page)
    assert article.claims[-1].text == "The median age was 35.4 years [1994]."
    assert article.claims[-1].cited_labels == ["2", "3"] and _dangling(article) == []
