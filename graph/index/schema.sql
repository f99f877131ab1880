-- The derived index: every table claimgraph derives from the store, in one SQLite file
-- beside it (<store>/index.sqlite). graph/index.py creates it from this file; an index
-- written with another SCHEMA_VERSION (graph/index.py) is dropped whole and rebuilt
-- from the store. Nothing here is the truth: `claimgraph reindex` remakes all of it.

-- Which parts are built ("built:search", ...), the schema version, and small counters.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);

-- == Search and page lists (graph/search.py, graph/page_lists.py) ==================
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, type TEXT NOT NULL,
    version TEXT, title TEXT NOT NULL, body TEXT NOT NULL, context TEXT, position INTEGER,
    rank INTEGER);  -- a claim's strongest evidence level (1 = strongest); NULL when none
CREATE INDEX IF NOT EXISTS docs_version ON docs(version);
CREATE INDEX IF NOT EXISTS docs_type ON docs(type);
-- The search page's order when nothing is typed (search_query walks it for large result sets).
CREATE INDEX IF NOT EXISTS docs_browse ON docs(type, context, position);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2');
-- A document's facets: (doc, facet, value, label) rows, read through the view doc_facets
-- (a name no older release used: one that opens this file drops the tables and rebuilds).
-- Each labelled value is stored once (facet_values) and a document's rows are pairs of
-- integers, so a search counts its hits' facets by grouping integers (half the time of
-- grouping the text) and the rows take an eighth of the room. A labelled value no row
-- uses any more is removed at the end of each refresh (facets.drop_unused).
CREATE TABLE IF NOT EXISTS facet_values (id INTEGER PRIMARY KEY, facet TEXT NOT NULL,
    value TEXT NOT NULL, label TEXT NOT NULL, UNIQUE (facet, value, label));
CREATE TABLE IF NOT EXISTS facet_rows (doc INTEGER NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (doc, value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facet_rows_value ON facet_rows(value, doc);
CREATE VIEW IF NOT EXISTS doc_facets AS
    SELECT r.doc AS doc, v.facet AS facet, v.value AS value, v.label AS label
      FROM facet_rows r JOIN facet_values v ON v.id = r.value;
-- One row per (claim, source it cites), with the reference labels it cites the source
-- by (space-separated) and the claim's article title, version and position copied:
-- a source's citing claims are then read in page order straight from cites_source.
CREATE TABLE IF NOT EXISTS cites (doc INTEGER NOT NULL, source TEXT NOT NULL, labels TEXT,
    context TEXT, version TEXT, position INTEGER);
CREATE INDEX IF NOT EXISTS cites_doc ON cites(doc);
CREATE INDEX IF NOT EXISTS cites_source ON cites(source, context, version, position, doc);
-- Every article version, current or not, with the claim counts its load recorded, its
-- number and when it was loaded (xsd:dateTime text); title as the article gives it.
CREATE TABLE IF NOT EXISTS versions (iri TEXT PRIMARY KEY, title TEXT, claims INTEGER,
    uncited INTEGER, current INTEGER NOT NULL, number TEXT, loaded TEXT);
-- The home page's most recently loaded articles: an index range read, LIMITed.
CREATE INDEX IF NOT EXISTS versions_recent ON versions(current, loaded DESC, title, iri);
-- How many current claims name each condition or drug, kept up as claims come and
-- go: the home page's most-named lists without a scan of every claim's facets.
CREATE TABLE IF NOT EXISTS concept_counts (concept TEXT PRIMARY KEY, kind TEXT NOT NULL,
    label TEXT NOT NULL, claims INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS concept_counts_kind ON concept_counts(kind, claims);
-- The vocabulary hierarchy, closed: every (concept, broader concept at any depth).
CREATE TABLE IF NOT EXISTS broader (concept TEXT NOT NULL, ancestor TEXT NOT NULL,
    PRIMARY KEY (concept, ancestor));
CREATE INDEX IF NOT EXISTS broader_ancestor ON broader(ancestor);
-- A concept page's claims, filed at index time: one row per (concept, claim naming
-- it or a narrower concept), in page order (article title, version, position), so a
-- page is an index range read with LIMIT/OFFSET and its total a COUNT over the range.
CREATE TABLE IF NOT EXISTS concept_claims (concept TEXT NOT NULL, doc INTEGER NOT NULL,
    context TEXT, version TEXT, position INTEGER);
CREATE INDEX IF NOT EXISTS concept_claims_order ON concept_claims(concept, context, version, position, doc);
CREATE INDEX IF NOT EXISTS concept_claims_doc ON concept_claims(doc);
-- Each (drug, condition) pair a claim names together.
CREATE TABLE IF NOT EXISTS pair_claims (drug TEXT NOT NULL, condition TEXT NOT NULL, doc INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS pair_claims_pair ON pair_claims(drug, condition, doc);
CREATE INDEX IF NOT EXISTS pair_claims_doc ON pair_claims(doc);
-- Evidence-matrix cells as counters: claims filed under a concept naming a drug and a
-- condition together, per evidence rank (0 = none), so a cell's strongest level
-- survives the claims of that level going away.
CREATE TABLE IF NOT EXISTS matrix_cells (concept TEXT NOT NULL, drug TEXT NOT NULL,
    condition TEXT NOT NULL, rank INTEGER NOT NULL, claims INTEGER NOT NULL,
    PRIMARY KEY (concept, drug, condition, rank));
-- What the article graphs say of each source so far, reduced (search_sources.Described:
-- the smallest value of a single-valued field, every author and resolution): a load
-- merges in what its new versions say instead of reading every citing graph again.
CREATE TABLE IF NOT EXISTS source_fields (source TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (source, field, value)) WITHOUT ROWID;

-- == Findings lists (graph/finding_lists.py) =========================================
CREATE TABLE IF NOT EXISTS finding_rows (
    finding TEXT PRIMARY KEY, graph TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL,
    target TEXT NOT NULL,   -- the first target (IRI order); all of them in targets, space-separated
    targets TEXT NOT NULL, version TEXT, title TEXT, position INTEGER, explanation TEXT NOT NULL);
-- A list page in list order, straight from the index.
CREATE INDEX IF NOT EXISTS finding_rows_list ON finding_rows(code, title, version, position, target, finding);
CREATE INDEX IF NOT EXISTS finding_rows_graph ON finding_rows(graph);
CREATE INDEX IF NOT EXISTS finding_rows_version ON finding_rows(version);
-- How many rows each code has, kept up by every insert and delete (_count): the
-- summary and a list's total read one row instead of counting a range that grows
-- with the store. (Row triggers did the same at three times the cost of a rebuild.)
CREATE TABLE IF NOT EXISTS finding_counts (code TEXT PRIMARY KEY, findings INTEGER NOT NULL);

-- == Statistics counts (graph/statistics.py): triples per named graph and property ====
CREATE TABLE IF NOT EXISTS statistics_graphs (graph TEXT PRIMARY KEY, triples INTEGER NOT NULL,
                                              properties TEXT NOT NULL);  -- JSON {property: triples}
CREATE TABLE IF NOT EXISTS statistics_properties (property TEXT PRIMARY KEY, triples INTEGER NOT NULL);

-- == Evidence facts (graph/evidence_facts.py): what decides each cited source's level ==
CREATE TABLE IF NOT EXISTS evidence_facts (source TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (source, field, value)) WITHOUT ROWID;
-- A source with no facts at all is known too (an empty union, not a missing one).
CREATE TABLE IF NOT EXISTS evidence_known (source TEXT PRIMARY KEY) WITHOUT ROWID;
