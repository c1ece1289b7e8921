"""QR codes made here, so that no secret ever goes to a third-party QR site."""

from __future__ import annotations

import base64
import struct
import zlib

import zxingcpp

# zxing-cpp encodes in C++ (the data, error correction and the ISO/IEC 18004 choice of the best
# of the 8 masks) in ~0.3 ms; segno, in pure Python, took ~1.7 ms with one fixed mask.
SCALE = 5  # pixels per module
BORDER = 4  # modules of quiet zone, as the standard asks (zxing-cpp's own)
_DARK, _LIGHT = b"\x00", b"\xff"  # zxing-cpp's image: one byte a module


def png_data_uri(text: str) -> str:
    """A data:image/png;base64 URI of a QR code holding text (black on white, 1 bit a pixel)."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=1, add_quiet_zones=True)  # the border's modules included
    height, width = image.shape
    modules = bytes(memoryview(image))
    rows = [modules[start : start + width] for start in range(0, height * width, width)]
    return "data:image/png;base64," + base64.b64encode(_png(rows)).decode()


def _png(rows: list[bytes]) -> bytes:
    """The PNG of rows of modules (a byte each, 0 dark), each module SCALE x SCALE pixels.

    Each row of modules becomes one row of bits (1 is white in a 1-bit greyscale PNG), written
    SCALE times: a few hundred bytes, where 8-bit pixels would be ~60 KiB to compress.
    """
    width = len(rows[0]) * SCALE
    padding = -width % 8
    lines = []
    for modules in rows:
        bits = modules.replace(_DARK, b"0" * SCALE).replace(_LIGHT, b"1" * SCALE)
        line = b"\x00" + (int(bits, 2) << padding).to_bytes((width + padding) // 8, "big")
        lines += [line] * SCALE  # filter byte 0, then the pixels
    header = struct.pack(">IIBBBBB", width, len(rows) * SCALE, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(lines), 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
