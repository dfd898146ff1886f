"""A local, deterministic DeepSeek API for trying flows offline and for the test suite."""

from .faults import Fault
from .server import Emulator, RecordedRequest

__all__ = ["Emulator", "Fault", "RecordedRequest"]
