"""newsflow errors: one root exception, subclasses carry the data a caller needs."""

from __future__ import annotations


class NewsflowError(Exception):
    """Root of every error newsflow raises on purpose."""


class ConfigError(NewsflowError):
    """A configuration file or environment override is invalid.

    Carries the file, the entry (e.g. a feed or rule name) and the field so the
    operator can go straight to the line to fix.
    """

    def __init__(self, file: str, message: str, entry: str | None = None, field: str | None = None):
        self.file = file
        self.entry = entry
        self.field = field
        self.message = message
        where = file
        if entry:
            where += f": entry '{entry}'"
        if field:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # pickle cleanly across Beam workers
        return (type(self), (self.file, self.message, self.entry, self.field))


class StackError(NewsflowError):
    """The local Kafka/Elasticsearch stack could not be fetched, started or stopped."""


class RecordError(NewsflowError):
    """A record failed a pipeline stage; it belongs in the dead-letter topic."""

    def __init__(self, stage: str, reason: str, field: str | None = None):
        self.stage = stage
        self.reason = reason
        self.field = field
        super().__init__(f"{stage}: {reason}" + (f" (field '{field}')" if field else ""))

    def __reduce__(self):
        return (type(self), (self.stage, self.reason, self.field))

    def __repr__(self) -> str:  # Beam's exception handling passes repr() on
        return str(self)
