"""Errors that reach a user as one clear line.

Every problem with something a user wrote (a scenario, a sweep, a DEM path, a command-line
value) is raised as :class:`InputError`. The CLI prints ``str(err)`` on one line to stderr and
exits with status 2, without a traceback (``--debug`` shows it).
"""

from __future__ import annotations

from collections.abc import Iterable


class InputError(Exception):
    """A user-facing input problem, located as precisely as we can.

    ``str(err)`` reads ``file:line: field: message`` with the parts that are known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def located(
        self, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> InputError:
        """Return a copy with missing location parts filled in."""
        return InputError(
            self.message,
            file=self.file or file,
            line=self.line if self.line is not None else line,
            field=self.field or field,
        )

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        fld = f"{self.field}: " if self.field else ""
        return f"{where}{fld}{self.message}".replace("\n", " ")


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` naming the closest of ``known`` to ``word``, or ``""``."""
    import difflib

    close = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
