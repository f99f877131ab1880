"""Facts derived as RDF at load: evidence levels, findings, example queries, statistics."""
