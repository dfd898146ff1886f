"""Streamed answers: server-sent events read in bounded memory, assembled into one answer, and
their text shown live."""
