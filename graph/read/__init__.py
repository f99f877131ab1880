"""Plain data for the browser's pages, pictures and the evidence network."""
