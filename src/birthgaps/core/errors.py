"""The one exception for bad input: its message names file, column, rule and row count."""

from __future__ import annotations


class InputError(Exception):
    """Bad input that stops the run with a message an analyst can act on; ``check`` names the
    validation rule broken (as in the validation report)."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rule: str | None = None,
        rows: int | None = None,
        key: str | None = None,
        hint: str | None = None,
        check: str | None = None,
    ) -> None:
        self.problem = problem
        self.check = check
        self.file = file
        self.column = column
        self.rule = rule
        self.rows = rows
        self.key = key
        self.hint = hint
        super().__init__(self.message())

    def message(self) -> str:
        """One readable paragraph: what is wrong, then where, then what to do."""
        check = f" [check: {self.check}]" if self.check else ""
        parts = [f"birthgaps: {self.problem}{check}"]
        where = []
        if self.rule:
            where.append(f"rule: {self.rule}")
        if self.file:
            where.append(f"file: {self.file}")
        if self.key:
            where.append(f"config key: {self.key}")
        if self.column:
            where.append(f"column: {self.column}")
        if self.rows is not None:
            where.append(f"rows affected: {self.rows:,}")
        if where:
            parts.append("  " + "; ".join(where))
        if self.hint:
            parts.append(f"  what to do: {self.hint}")
        return "\n".join(parts)
