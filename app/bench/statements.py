"""Count the SQL statements a piece of work sends to the database (tests and the bench use the same count)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event


class Statements:
    """The statements seen while counting: their SQL text, in order (transaction control is not sent as SQL)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __len__(self) -> int:
        return len(self.texts)

    def __str__(self) -> str:
        return "\n".join(f"{n:3}. {' '.join(text.split())[:160]}" for n, text in enumerate(self.texts, 1))

    def _seen(self, _conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if statement.strip().upper() in ("BEGIN IMMEDIATE",):
            return  # SQLite's writer lock (app/persistence): PostgreSQL sends no statement for it
        self.texts.append(statement)


@contextmanager
def counting(engine) -> Iterator[Statements]:
    """Every statement `engine` executes inside the block (all threads: count one request at a time)."""
    seen = Statements()
    event.listen(engine, "before_cursor_execute", seen._seen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", seen._seen)
