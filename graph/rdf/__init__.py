"""The vocabulary's terms, deterministic IRIs, records mapped to quads, SHACL validation."""
