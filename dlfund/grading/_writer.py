"""A bounded text sink for captured output, standard library only.

Shared by the in-notebook sandbox (`sandbox.py`) and the batch child (`_child.py`), which loads
this file by its path because it must not import dlfund.
"""

import io


class BoundedWriter(io.TextIOBase):
    """A text sink that keeps the first `limit` characters and counts the rest."""

    def __init__(self, limit=2000):
        self.limit = limit
        self.parts = []
        self.kept = 0
        self.total = 0

    def write(self, s):
        s = str(s)
        self.total += len(s)
        if self.kept < self.limit:
            piece = s[: self.limit - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(s)

    def getvalue(self):
        return "".join(self.parts)

    def take(self):
        """(kept text, number of characters written) since the last take; then start empty."""
        text, total = self.getvalue(), self.total
        self.parts, self.kept, self.total = [], 0, 0
        return text, total
