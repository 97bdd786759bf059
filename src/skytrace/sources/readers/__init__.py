"""Vectorized readers of recorded frames: one way in for every file format and stdin.

``FrameStream`` (readers.stream) detects the format (gzip by its magic bytes) and yields
blocks of frames with their line numbers; readers.text parses CSV and hex lines, readers.jsonl
JSON lines and arrays; Beast and AVR come from sources.beast and sources.avr. Used by
``skytrace replay`` / ``serve`` file inputs (through sources.files.FileReader) and by
``skytrace decode``.
"""

from skytrace.sources.readers.stream import FORMATS, FrameStream, detect_format
from skytrace.sources.readers.text import BadLine, LineBlock

__all__ = ["FORMATS", "BadLine", "FrameStream", "LineBlock", "detect_format"]
