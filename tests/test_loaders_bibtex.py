"""BibTeX and biblatex as reference managers export them (issue 17, items 7, 8; non-UTF-8 files)."""

from __future__ import annotations

import bibtexparser

from claimgraph.loaders import read_file

REAL = "data/real-world"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_latex_accents_and_commands_are_decoded(shared, tmp_path):
    path = write(tmp_path, "refs.bib", r"""@article{t2020,
  author = {T\"urkmen, Ay{\c s}e and M{\'e}ller, Bj{\"o}rn and {World Health Organization}},
  title = {{ASCO} guidance on 50\% dose reduction of $\alpha$-blockers},
  journal = {Journal of Caf\'e Studies},
  year = {2020},
  doi = {10.1000/x_y%z}
}""")
    source = read_file(path).sources[0].source
    assert source.authors == ["Türkmen, Ayşe", "Méller, Björn", "World Health Organization"]
    assert source.title == "ASCO guidance on 50% dose reduction of α-blockers"
    assert source.journal == "Journal of Café Studies"
    assert source.identifiers.doi == "10.1000/x_y%z"  # identifiers are not LaTeX
    orcid = read_file(shared / REAL / "bibtex/citation__orcid.bib").sources[0].source
    assert orcid.title.startswith("Mapping wing morphs of Tetrix subulata using")
    assert orcid.year == 2024 and orcid.identifiers.doi == "10.1111/icad.12730"


def test_biblatex_journaltitle_eprint_and_jabref_pmc(tmp_path):
    path = write(tmp_path, "refs.bib", """@article{a,
  title = {Statin myopathy}, journaltitle = {Muscle \\& Nerve}, date = {2021-03},
  eprint = {34724392}, eprinttype = {pubmed}, pmc = {PMC8677425}
}
@article{b, title = {An arXiv preprint}, eprint = {2101.00001}, eprinttype = {arxiv}, year = 2021}
""")
    first, second = (r.source for r in read_file(path).sources)
    assert first.journal == "Muscle & Nerve" and first.year == 2021
    assert first.identifiers.pmid == "34724392" and first.identifiers.pmcid == "PMC8677425"
    assert second.identifiers.pmid is None


def test_entries_with_empty_keys_are_all_read(tmp_path):
    # Citavi and JabRef exports with no keys: bibtexparser reports every entry after the first
    # as a duplicate key; 59 of 60 were lost.
    text = "".join(f"@article{{,\n  title = {{Study number {n}}},\n  doi = {{10.1000/s.{n}}},\n  year = {{2020}}\n}}\n\n"
                   for n in range(1, 61))
    result = read_file(write(tmp_path, "citavi.bib", text))
    assert result.ok and result.records == 60 and len(result.sources) == 60
    assert [s.source.identifiers.doi for s in result.sources] == [f"10.1000/s.{n}" for n in range(1, 61)]
    assert result.sources[59].locator == "entry '' at line 355"


def test_set_entries_are_not_stored_as_sources(tmp_path):
    text = """@set{both, entryset = {a,b}}
@article{a, title = {First}, year = 2020, doi = {10.1000/a}}
@article{b, title = {Second}, year = 2020, doi = {10.1000/b}}
"""
    result = read_file(write(tmp_path, "set.bib", text))
    assert [s.source.title for s in result.sources] == ["First", "Second"] and result.records == 2
    assert any("@set" in w and "'both'" in w for w in result.warnings)


def test_a_file_of_conference_entries_is_a_bibliography(tmp_path):
    text = "".join(f"@conference{{c{n},\n  author = {{Doe, J.}},\n  title = {{Talk {n}}},\n"
                   f"  booktitle = {{Proceedings of the Myositis Meeting}},\n  year = {{2019}}\n}}\n\n"
                   for n in range(3))
    result = read_file(write(tmp_path, "talks.bib", text))
    assert result.format == "bibtex" and len(result.sources) == 3
    assert result.sources[0].source.journal == "Proceedings of the Myositis Meeting"


def test_kind_comes_from_the_publication_type_not_a_title_word(tmp_path):
    text = """@manual{m, title = {Guidelines for written reports}, organization = {Some University}, year = 2015}
@techreport{g, title = {Management of immune-related adverse events}, type = {Clinical practice guideline},
  institution = {American Society of Clinical Oncology}, year = 2021}
"""
    manual, guideline = (r.source for r in read_file(write(tmp_path, "kinds.bib", text)).sources)
    assert manual.kind == "study" and manual.organisation.name == "Some University"
    assert guideline.kind == "guideline" and guideline.organisation.short_name == "ASCO"


def test_an_entry_with_nothing_to_identify_it_is_reported(shared):
    result = read_file(shared / REAL / "bibtex/citation__literals.bib")
    assert result.format == "bibtex" and result.records == 1 and not result.sources
    assert "entry 'b' at line 1: entry has no title" in str(result.errors[0])


def test_bibtex_fields_agree_with_bibtexparser(shared):
    path = shared / REAL / "bibtex/citation__orcid.bib"
    entry = bibtexparser.parse_string(path.read_text()).entries[0]
    source = read_file(path).sources[0].source
    assert source.journal == entry["journal"]
    assert source.authors == [a.strip() for a in entry["author"].split(" and ")]


def test_legacy_encodings_are_decoded_or_refused_naming_the_candidates(shared, tmp_path):
    gbk = (shared / REAL / "bibtex/python__gbk_test.bib").read_bytes()
    refused = read_file(write(tmp_path, "gbk.bib", gbk))
    assert not refused.sources and "gb18030" in str(refused.errors[0]) and "save the file as UTF-8" in str(
        refused.errors[0])
    declared = read_file(write(tmp_path, "declared.bib", b"% Encoding: GBK\n" + gbk))
    source = declared.sources[0].source
    assert source.authors == ["凯撒"] and source.journal == "测试期刊"
    assert any("read as gbk (the encoding the file declares)" in w for w in declared.warnings)
    latin1 = read_file(write(tmp_path, "latin1.ris", "TY  - JOUR\nTI  - Café myopathy in München\n"
                             "AU  - Müller, Jürgen\nER  - \n", "latin-1"))
    assert latin1.sources[0].source.title == "Café myopathy in München"
    assert latin1.sources[0].source.authors == ["Müller, Jürgen"]
    assert any("read as cp1252 (detected)" in w for w in latin1.warnings)
