"""claimgraph: which evidence supports this statement?

The package maps the repository's folders into one namespace:
``claimgraph.loaders`` (files -> records), ``claimgraph.graph`` (records -> RDF,
store, queries, analytics), ``claimgraph.web`` (HTTP) and ``claimgraph.ontology``
(vocabulary, shapes and curated concepts).
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("claimgraph")
except _metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"
