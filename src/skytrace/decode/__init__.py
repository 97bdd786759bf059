"""decode: pure Mode S / ADS-B decoding, bytes in, typed numpy columns out (no I/O, no clock).

``decode_batch`` is the vectorized path (see docs/decoded-fields.md for every column);
``decode_one`` decodes one message into a typed ``DecodedMessage`` with the same code.
"""

from __future__ import annotations

from skytrace.decode.batch import DecodedBatch
from skytrace.decode.decoder import decode_batch
from skytrace.decode.fields import ERROR_LABELS, FIELDS, Field
from skytrace.decode.message import DecodedMessage, decode_one

__all__ = [
    "ERROR_LABELS",
    "FIELDS",
    "DecodedBatch",
    "DecodedMessage",
    "Field",
    "decode_batch",
    "decode_one",
]
