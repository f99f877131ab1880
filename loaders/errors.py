"""One error type for every loader: it always names the file and the place."""

from __future__ import annotations


class LoaderError(Exception):
    """A file, or one record in it, could not be read.

    ``place`` is human-readable ("line 12, column 3", "record 4 (PMID 123)",
    "byte 1024"); ``line``/``column`` are kept separately where known so that
    callers can point editors at them.
    """

    def __init__(self, path: str, message: str, *, line: int | None = None,
                 column: int | None = None, place: str | None = None):
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        if place is None and line is not None:
            place = f"line {line}" + (f", column {column}" if column is not None else "")
        self.place = place
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}: {self.place}" if self.place else self.path
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"path": self.path, "place": self.place, "line": self.line,
                "column": self.column, "message": self.message}
