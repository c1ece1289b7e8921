"""QR codes made here, so that no secret ever goes to a third-party QR site."""

from __future__ import annotations

import base64
import struct
import zlib

import segno

# segno picks the best of the 8 data masks by scoring each in pure Python: 80% of its encoding
# cost. Every reader decodes every mask (ISO/IEC 18004); the scoring only avoids rare patterns
# that look like a finder pattern, which a version-6 code at level M with its quiet zone
# tolerates. So one fixed mask.
MASK = 0
SCALE = 5  # pixels per module
BORDER = 4  # modules of quiet zone, as the standard asks


def png_data_uri(text: str) -> str:
    """A data:image/png;base64 URI of a QR code holding text (black on white, 1 bit a pixel)."""
    matrix = segno.make(text, error="m", mask=MASK).matrix
    return "data:image/png;base64," + base64.b64encode(_png(matrix)).decode()


def _png(matrix) -> bytes:
    """The PNG of a QR matrix (rows of 0/1 modules) with its border, each module SCALE pixels.

    Written here rather than with segno's writer, which builds every pixel in Python (4 ms a
    code): each row of modules becomes one row of bits, repeated SCALE times.
    """
    size = len(matrix) + 2 * BORDER
    width = size * SCALE
    quiet = "0" * (BORDER * SCALE)
    blank_row = b"\x00" + _bits_to_bytes("0" * width)  # filter byte 0, then the pixels
    rows = [blank_row] * (BORDER * SCALE)
    for modules in matrix:
        bits = quiet + "".join("1" * SCALE if dark else "0" * SCALE for dark in modules) + quiet
        rows += [b"\x00" + _bits_to_bytes(bits)] * SCALE
    rows += [blank_row] * (BORDER * SCALE)
    # bit depth 1, colour type 0 (greyscale): a set bit is white, so the bits are inverted
    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def _bits_to_bytes(bits: str) -> bytes:
    """Dark modules as 1s -> PNG greyscale bits (1 is white), zero-padded to whole bytes."""
    padding = -len(bits) % 8
    inverted = (int(bits, 2) ^ ((1 << len(bits)) - 1)) << padding
    return inverted.to_bytes((len(bits) + padding) // 8, "big")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
