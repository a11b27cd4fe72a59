"""Batches of prompts: read them, run them locally or over a Redis queue, show progress, write answers.

``runner`` (the local backend, outcomes and summary), ``items`` (reading prompts), ``outputs``
(where answers go), ``view`` (the live view), ``queue`` and ``worker`` (the Redis backend).
"""

from __future__ import annotations

from teleprinter.batch.items import BatchItem, parse_prompts, read_prompts
from teleprinter.batch.outputs import PART_SUFFIX, FileOutput, LineWriter, Output, PrefixedLines, is_complete
from teleprinter.batch.runner import BatchOptions, Monitor, Outcome, arun_batch, summary_table

__all__ = [
    "PART_SUFFIX",
    "BatchItem",
    "BatchOptions",
    "FileOutput",
    "LineWriter",
    "Monitor",
    "Outcome",
    "Output",
    "PrefixedLines",
    "arun_batch",
    "is_complete",
    "parse_prompts",
    "read_prompts",
    "summary_table",
]
