"""Log records with every live connection's secrets redacted: the connector's own, and those of
the HTTP libraries below it, tracebacks included."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable

from .redaction import Redactor

# Loggers of the HTTP stack below the executor: urllib3 logs request lines, query included,
# at DEBUG, and a key a user put in a query parameter would appear there. The connector's own
# records are built from redacted text; the filter sits on them too, as a second look.
LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager", "urllib3.response",
           "urllib3.util.retry", "requests", "deepseek_connector.http")


class _SecretFilter(logging.Filter):
    """Rewrites log records with every live connection's secrets redacted."""

    def __init__(self):
        super().__init__()
        self._redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()
        self._lock = threading.Lock()

    def add(self, redactor: Redactor) -> None:
        with self._lock:
            self._redactors.add(redactor)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            redactors = list(self._redactors)
        if redactors:
            record.msg, record.args = self._redacted(record.getMessage(), redactors), None
            # A traceback can quote what a server sent (urllib3 logs unparsable headers with
            # their text): formatted here, redacted, and kept as the record's text.
            if record.exc_info:
                record.exc_text = self._redacted(logging.Formatter().formatException(record.exc_info),
                                                 redactors)
                record.exc_info = None
            elif record.exc_text:
                record.exc_text = self._redacted(record.exc_text, redactors)
            if record.stack_info:
                record.stack_info = self._redacted(record.stack_info, redactors)
        return True

    @staticmethod
    def _redacted(text: str, redactors: list[Redactor]) -> str:
        for redactor in redactors:
            text = redactor.text(text)
        return text


SECRET_FILTER = _SecretFilter()


def install_log_redaction(loggers: Iterable[str] = LOGGERS) -> None:
    """Redact live connections' secrets from other libraries' log records.

    Called by the command line and the host adapters; a host that embeds the Python API and
    turns on urllib3's DEBUG logging should call it too.
    """
    for name in loggers:
        logger = logging.getLogger(name)
        if SECRET_FILTER not in logger.filters:
            logger.addFilter(SECRET_FILTER)
