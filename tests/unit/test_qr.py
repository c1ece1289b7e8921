"""The QR code of an otpauth URI: a PNG data URI of the same pixels segno's own writer draws,
with one fixed mask (cheap)."""

import base64
import struct
import zlib

import segno

from mfa_api.security import qr

URI = (
    "otpauth://totp/MFA%20API:ada%40example.com"
    "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=MFA%20API"
)


def pixels(data_uri: str) -> tuple[tuple, list[bytes]]:
    """The IHDR fields and the unfiltered rows of a 1-bit greyscale PNG data URI."""
    assert data_uri.startswith("data:image/png;base64,")
    png = base64.b64decode(data_uri.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, header, data = 8, None, b""
    while at < len(png):
        (size,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + size]
        crc = struct.unpack(">I", png[at + 8 + size : at + 12 + size])[0]
        assert crc == zlib.crc32(kind + body)
        header = struct.unpack(">IIBBBBB", body) if kind == b"IHDR" else header
        data += body if kind == b"IDAT" else b""
        at += 12 + size
    raw, stride = zlib.decompress(data), (header[0] + 7) // 8 + 1
    rows, previous = [], bytes(stride - 1)
    for start in range(0, len(raw), stride):
        kind, line = raw[start], raw[start + 1 : start + stride]
        assert kind in (0, 2)  # none, or "up" (segno uses it)
        if kind == 2:
            line = bytes((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        rows.append(line)
        previous = line
    return header, rows


def test_the_same_picture_as_segnos_own_writer():
    ours = pixels(qr.png_data_uri(URI))
    code = segno.make(URI, error="m", mask=qr.MASK)
    theirs = pixels(code.png_data_uri(scale=qr.SCALE, border=qr.BORDER))
    assert ours == theirs
    assert ours[0][:2] == code.symbol_size(scale=5, border=4)


def test_the_mask_is_fixed_not_searched():
    assert segno.make(URI, error="m", mask=qr.MASK).mask == qr.MASK
