"""``decode_batch``: the vectorized Mode S decoder (header, parity, per-format fields).

Bit layout of the formats (ICAO Annex 10 Vol. IV §3.1.2), message bits 1-based:

* all: DF 1-5 (first two bits 11 = DF24 whatever follows).
* DF0: VS 6, CC 7, SL 9-11, RI 14-17, AC 20-32, AP 33-56.
* DF4/20: FS 6-8, DR 9-13, UM 14-19, AC 20-32, (DF20: MB 33-88), AP last 24.
* DF5/21: FS 6-8, DR 9-13, UM 14-19, ID 20-32, (DF21: MB 33-88), AP last 24.
* DF11: CA 6-8, AA 9-32, PI 33-56.  DF16: VS 6, SL 9-11, RI 14-17, AC 20-32, MV 33-88, AP.
* DF17: CA 6-8, AA 9-32, ME 33-88, PI.  DF18: CF 6-8, AA 9-32, ME 33-88, PI.
* DF19: AF 6-8, military 9-112.  DF24: KE 4, ND 5-8, MD 9-88, AP 89-112.

The DF decides the length: DF0-15 are 56 bits, DF16-24 112 bits. A 14-byte input of a short
DF is decoded from its first 7 bytes and flagged ``short_padded``.

How it runs: rows are grouped once by what they need (long/short CRC, address source, ES,
Comm-B ...) with a boolean index per group; every field is a numpy expression over the
group's rows, so there is no Python loop over messages. The 112-bit frame is read as two
big-endian uint64 words; the 56-bit ME/MB/MV field is ``(w0 << 24 | w1 >> 40)``.

Pure (no I/O, no clock); thread-safe (no shared mutable state).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.decode import commb_seam
from skytrace.decode.batch import DecodedBatch
from skytrace.decode.codes import ALTITUDE_AC13_FT, SQUAWK_ID13
from skytrace.decode.crc import crc_remainder, locate_single_bit_error, parity_field
from skytrace.decode.es import decode_acas_ra_mv, decode_es
from skytrace.decode.frames import to_frames

__all__ = ["decode_arrays", "decode_batch"]

ERR_MODE_AC: Final = 1
ERR_WRONG_LENGTH: Final = 2
ERR_UNKNOWN_DF: Final = 5
ERR_EMPTY: Final = 6

_KNOWN_DF: Final = np.zeros(32, np.bool_)
_KNOWN_DF[[0, 4, 5, 11, 16, 17, 18, 19, 20, 21, 24]] = True
_ONGROUND_OF_CA: Final = np.array([-1, -1, -1, -1, 1, 0, -1, -1], np.int8)
_ONGROUND_OF_FS: Final = np.array([0, 1, 0, 1, -1, -1, -1, -1], np.int8)
_ALERT_OF_FS: Final = np.array([0, 0, 1, 1, 1, 0, 0, 0], np.bool_)
_SPI_OF_FS: Final = np.array([0, 0, 0, 0, 1, 1, 0, 0], np.bool_)


def decode_batch(
    messages: object,
    *,
    correct_errors: bool = True,
    header_only: bool = False,
    commb: bool = True,
    meteo: bool = False,
) -> DecodedBatch:
    """Decode Mode S replies into columns aligned 1:1 with ``messages``.

    ``messages``: a ``FrameBatch``; a ``(payload (N, 14) uint8, lengths (N,))`` tuple; a
    2-D uint8 array; or a sequence of ``bytes`` (7 or 14 long) or hex ``str``.
    ``correct_errors``: fix single-bit errors of DF11/17/18 with the syndrome table (each
    fixed row has ``crc_corrected``). ``header_only``: fill only df, icao, parity fields,
    CA and the ES type code (the fast path for routing and counting). ``commb``: infer and
    decode the Comm-B register of DF20/21 replies (the costliest part of a full decode);
    ``meteo``: also consider the meteorological registers 4,4 and 4,5.

    Never raises for bad data: a row that cannot be decoded gets ``batch.error`` set
    (mode_ac, wrong_length, odd_hex, non_hex, unknown_df, empty) and no fields.
    """
    payload, length, input_error = to_frames(messages)
    return decode_arrays(
        payload,
        length,
        input_error,
        correct_errors=correct_errors,
        header_only=header_only,
        commb=commb,
        meteo=meteo,
    )


def decode_arrays(
    payload: npt.NDArray[np.uint8],
    length: npt.NDArray[np.uint8],
    input_error: npt.NDArray[np.uint8] | None = None,
    *,
    correct_errors: bool = True,
    header_only: bool = False,
    commb: bool = True,
    meteo: bool = False,
) -> DecodedBatch:
    """``decode_batch`` on a C-contiguous (N, 14) uint8 payload and its lengths."""
    n = int(payload.shape[0])
    out = DecodedBatch(n)
    if n == 0:
        return out
    df = payload[:, 0] >> 3
    df = np.minimum(df, np.uint8(24))
    is_long = df >= 16

    # --- labels for rows that cannot be decoded ---
    error = np.zeros(n, np.uint8) if input_error is None else input_error.copy()
    readable = error == 0
    len_ok = (length == 14) | ((length == 7) & ~is_long)
    if not (readable.all() and len_ok.all() and _KNOWN_DF[df].all()):
        error[readable & (length == 2)] = ERR_MODE_AC
        error[readable & (length == 0)] = ERR_EMPTY
        error[(error == 0) & ~len_ok] = ERR_WRONG_LENGTH
        has_df = (error == 0) | ((error == ERR_WRONG_LENGTH) & (length > 0) & (length <= 14))
        error[(error == 0) & ~_KNOWN_DF[df]] = ERR_UNKNOWN_DF
        has_df |= error == ERR_UNKNOWN_DF
        out._error_code = error
        out._put("df", np.flatnonzero(has_df), df[has_df])
        good = error == 0
    else:
        out._error_code = error
        out._cols["df"] = df
        out._masks["df"] = np.ones(n, np.bool_)
        good = readable

    all_good = bool(good.all())
    out._put("short_padded", _rows(good), (length == 14)[good] & ~is_long[good])

    # --- parity: CRC of the data part XOR the parity field, per length ---
    syndrome = np.zeros(n, np.uint32)
    long_rows = np.flatnonzero(good & is_long)
    short_rows = np.flatnonzero(good & ~is_long)
    if long_rows.shape[0]:
        p = payload[long_rows]
        syndrome[long_rows] = crc_remainder(p, 14) ^ parity_field(p, 14)
    if short_rows.shape[0]:
        p = payload[short_rows]
        syndrome[short_rows] = crc_remainder(p, 7) ^ parity_field(p, 7)
    out._put("parity_syndrome", _rows(good, all_good), syndrome[good] if not all_good else syndrome)

    is_es = good & ((df == 17) | (df == 18))
    is11 = good & (df == 11)
    fixable = (is_es & (syndrome != 0)) | (is11 & (syndrome >= 128))

    # Working copy of the frames as bytes 0-15, so corrections never touch the caller's data.
    buf = np.zeros((n, 16), np.uint8)
    buf[:, :14] = payload
    corrected = np.zeros(n, np.bool_)
    if correct_errors and fixable.any():
        cand = np.flatnonzero(fixable)
        bit = np.full(cand.shape[0], -1, np.int16)
        cand_long = is_long[cand]
        if cand_long.any():
            bit[cand_long] = locate_single_bit_error(syndrome[cand[cand_long]], 14)
        if (~cand_long).any():
            short_bit = locate_single_bit_error(syndrome[cand[~cand_long]], 7)
            # DF11 low 7 parity bits carry the interrogator code: a "fix" there is not one.
            short_bit[short_bit >= 49] = -1
            bit[~cand_long] = short_bit
        hit = bit >= 0
        fixed_rows = cand[hit]
        fixed_bits = bit[hit].astype(np.intp)
        buf[fixed_rows, fixed_bits >> 3] ^= (0x80 >> (fixed_bits & 7)).astype(np.uint8)
        corrected[fixed_rows] = True
        out._put("corrected_bit", fixed_rows, fixed_bits.astype(np.uint8))
    checked = is_es | is11
    checked_rows = np.flatnonzero(checked)
    if checked_rows.shape[0]:
        syn_c = syndrome[checked_rows]
        ok_c = np.where(is11[checked_rows], syn_c < 128, syn_c == 0) | corrected[checked_rows]
        out._put("crc_ok", checked_rows, ok_c)
        out._put("crc_corrected", checked_rows, corrected[checked_rows])
        iid_rows = np.flatnonzero(is11)
        syn11 = syndrome[iid_rows]
        iid_ok = (syn11 < 128) | corrected[iid_rows]
        iid = np.where(corrected[iid_rows], 0, syn11 & 0x7F).astype(np.uint8)
        out._put("iid", iid_rows, iid, iid_ok)
        verified = ok_c & (~is11[checked_rows] | (np.where(corrected[checked_rows], 0, syn_c) == 0))
    else:
        verified = np.zeros(0, np.bool_)

    # --- address ---
    b0 = buf[:, 0]
    aa = (buf[:, 1].astype(np.uint32) << 16) | (buf[:, 2].astype(np.uint32) << 8) | buf[:, 3]
    address_parity = good & ~checked & (df != 19)
    icao = np.where(checked, aa, syndrome)
    with_icao = np.flatnonzero(checked | address_parity)
    out._put("icao", with_icao, icao[with_icao])
    verified_col = np.zeros(n, np.bool_)
    verified_col[checked_rows] = verified
    out._put("icao_verified", with_icao, verified_col[with_icao])

    low3 = (b0 & 7).astype(np.uint8)
    ca_rows = np.flatnonzero(good & ((df == 11) | (df == 17)))
    out._put("ca", ca_rows, low3[ca_rows])
    es_rows = np.flatnonzero(is_es)
    # ME (bits 33-88) = bytes 4..10 of the frame
    words = buf.view(">u8")
    if es_rows.shape[0]:
        w = words[es_rows].astype(np.uint64)
        me = ((w[:, 0] & np.uint64(0xFFFFFFFF)) << np.uint64(24)) | (w[:, 1] >> np.uint64(40))
    else:
        me = np.zeros(0, np.uint64)
    if header_only:
        if es_rows.shape[0]:
            df_es = df[es_rows]
            tc = (me >> np.uint64(51)).astype(np.uint8)
            has_tc = (df_es == 17) | _CF_ES[low3[es_rows]]
            out._put("typecode", es_rows, np.where(has_tc, tc, 0), has_tc)
        return out

    onground = np.full(n, -1, np.int8)
    onground[ca_rows] = _ONGROUND_OF_CA[low3[ca_rows]]
    _surveillance(out, buf, df, good, low3, onground)
    out._put("onground", with_icao, onground[with_icao])

    cf_rows = np.flatnonzero(good & (df == 18))
    out._put("cf", cf_rows, low3[cf_rows])
    af_rows = np.flatnonzero(good & (df == 19))
    out._put("af", af_rows, low3[af_rows])
    d24 = np.flatnonzero(good & (df == 24))
    if d24.shape[0]:
        out._put("ke", d24, (b0[d24] >> 4) & 1)
        out._put("nd", d24, b0[d24] & 15)

    if es_rows.shape[0]:
        decode_es(out, es_rows, me, df[es_rows], low3[es_rows])

    long_field_rows = np.flatnonzero(good & ((df == 16) | (df == 20) | (df == 21)))
    if long_field_rows.shape[0]:
        w = words[long_field_rows].astype(np.uint64)
        mb = ((w[:, 0] & np.uint64(0xFFFFFFFF)) << np.uint64(24)) | (w[:, 1] >> np.uint64(40))
        df_l = df[long_field_rows]
        is16 = df_l == 16
        ra = is16 & ((mb >> np.uint64(48)) == 0x30)
        if ra.any():
            decode_acas_ra_mv(out, long_field_rows[ra], mb[ra])
        cb = ~is16
        if commb and cb.any():
            rows_cb = long_field_rows[cb]
            commb_seam.decode_commb_rows(out, rows_cb, mb[cb], df_l[cb], meteo=meteo)
    return out


_CF_ES: Final = np.array([1, 1, 1, 0, 0, 1, 1, 0], np.bool_)


def _rows(mask: npt.NDArray[np.bool_], all_true: bool = False) -> npt.NDArray[np.intp]:
    if all_true:
        return np.arange(mask.shape[0], dtype=np.intp)
    return np.flatnonzero(mask)


def _surveillance(
    out: DecodedBatch,
    buf: npt.NDArray[np.uint8],
    df: npt.NDArray[np.uint8],
    good: npt.NDArray[np.bool_],
    low3: npt.NDArray[np.uint8],
    onground: npt.NDArray[np.int8],
) -> None:
    """Fields of DF0/4/5/16/20/21: FS/DR/UM or VS/CC/SL/RI, altitude or squawk."""
    fs_sel = good & ((df == 4) | (df == 5) | (df == 20) | (df == 21))
    vs_sel = good & ((df == 0) | (df == 16))
    code13 = ((buf[:, 2].astype(np.intp) & 0x1F) << 8) | buf[:, 3]
    if fs_sel.any():
        r = np.flatnonzero(fs_sel)
        fs = low3[r]
        b1 = buf[r, 1]
        out._put("fs", r, fs)
        out._put("dr", r, b1 >> 3)
        out._put("um", r, ((b1 & 7) << 3) | (buf[r, 2] >> 5))
        out._put("alert", r, _ALERT_OF_FS[fs])
        out._put("spi", r, _SPI_OF_FS[fs])
        onground[r] = _ONGROUND_OF_FS[fs]
    if vs_sel.any():
        r = np.flatnonzero(vs_sel)
        b0 = buf[r, 0]
        b1 = buf[r, 1]
        vs = (b0 >> 2) & 1
        out._put("vs", r, vs)
        onground[r] = vs.astype(np.int8)
        out._put("sl", r, b1 >> 5)
        out._put("ri", r, ((b1 & 7) << 1) | (buf[r, 2] >> 7))
        is0 = df[r] == 0
        out._put("cc", r[is0], (b0[is0] >> 1) & 1)
    alt_sel = good & ((df == 0) | (df == 4) | (df == 16) | (df == 20))
    if alt_sel.any():
        r = np.flatnonzero(alt_sel)
        code = code13[r]
        out._put("altitude_ft", r, ALTITUDE_AC13_FT[code])
        out._put("altitude_metric", r, (code & 0x40) != 0)
    id_sel = good & ((df == 5) | (df == 21))
    if id_sel.any():
        r = np.flatnonzero(id_sel)
        out._put("squawk", r, SQUAWK_ID13[code13[r]])
