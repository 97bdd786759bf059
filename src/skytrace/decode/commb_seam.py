"""Where the batch decoder hands DF20/21 Comm-B fields (MB, message bits 33-88) to ``commb``.

``skytrace.decode.commb.decode_commb`` infers the register of each MB field and decodes it
into ``CommBColumns`` (absent: NaN, -1 or ""). This seam copies the present values into the
batch columns of the same names (see ``fields_commb``), typed as the batch declares them.
The reply's own altitude (DF20) is passed as context for the IAS/Mach plausibility check; no
ADS-B context is passed (a stateless batch has none), so ambiguous 5,0/6,0 replies stay
undecided with their candidates listed. Pure; thread-safe.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import numpy.typing as npt

from skytrace.decode.batch import DecodedBatch
from skytrace.decode.commb import decode_commb
from skytrace.decode.fields import FIELD_BY_NAME

__all__ = ["decode_commb_rows"]


def decode_commb_rows(
    out: DecodedBatch,
    rows: npt.NDArray[np.intp],
    mb: npt.NDArray[np.uint64],
    df: npt.NDArray[np.uint8],
    *,
    meteo: bool = False,
) -> None:
    """Fill the Comm-B columns of DF20/21 ``rows`` (``mb``, ``df`` aligned with them)."""
    altitude_ft = out["altitude_ft"][rows]
    cols = decode_commb(mb, df, altitude_ft, meteo=meteo)
    for f in fields(cols):
        target = FIELD_BY_NAME.get(f.name)
        if target is None:
            continue  # a column the batch schema does not carry (test_commb_wiring checks)
        values = getattr(cols, f.name)
        kind = values.dtype.kind
        if kind == "f":
            present = ~np.isnan(values)
        elif kind == "O" or kind == "U":
            present = values != ""
        else:
            present = values >= 0
        if not present.any():
            continue
        w = np.flatnonzero(present)
        chosen = values[w]
        if target.dtype.startswith("S"):
            chosen = chosen.astype(str).astype(target.dtype)
        elif target.dtype == "?":
            chosen = chosen != 0
        out._put(f.name, rows[w], chosen.astype(target.dtype))
