"""The adapters' own errors, which the desk translates into its errors where it calls them.

`channels/` knows nothing of the desk's error classes (server/errors.py): a connect form's
value the network would not take is an InvalidSetting, which the admin page turns into the
desk's `invalid` answer. Sending and reading use channels.base's SendError family.
"""

from __future__ import annotations


class InvalidSetting(ValueError):
    """A value of a channel's settings the network would not take.

    `message` is an English source string with named placeholders (`params`), extracted for
    translation (scripts/i18n) and translated where it reaches a person.
    """

    def __init__(self, field: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.params = params

    def text(self) -> str:
        """The English message with its placeholders filled in (for logs and send errors)."""
        return self.message % self.params if self.params else self.message
