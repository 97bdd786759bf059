"""Where the batch decoder hands DF20/21 Comm-B fields (MB, message bits 33-88) to ``commb``.

The Comm-B register decoder (``skytrace.decode.commb``, BDS inference) fills ``bds`` and the
register fields for DF20/21 rows. Until it is wired, this seam fills nothing, so the rest of
the decoder and its callers do not depend on it. Pure; thread-safe.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from skytrace.decode.batch import DecodedBatch

__all__ = ["decode_commb_rows"]


def decode_commb_rows(
    out: DecodedBatch,
    rows: npt.NDArray[np.intp],
    mb: npt.NDArray[np.uint64],
    df: npt.NDArray[np.uint8],
) -> None:
    """Fill the Comm-B columns of DF20/21 ``rows`` (``mb``, ``df`` aligned with them)."""
    del out, rows, mb, df  # no Comm-B decoder wired yet
