"""Every write path: loads, source records, marker maps, verdicts, SPARQL updates, restore."""
