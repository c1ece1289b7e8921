"""The QR code of an otpauth URI: a 1-bit PNG data URI that a QR reader (zxing-cpp's decoder)
reads back as the same URI, with the standard's quiet zone around it."""

import base64
import struct
import zlib

import pytest
import zxingcpp

from mfa_api.security import qr

URI = (
    "otpauth://totp/MFA%20API:ada%40example.com"
    "?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=MFA%20API"
)


def pixels(data_uri: str) -> tuple[int, int, bytes]:
    """(width, height, one byte a pixel: 0 black, 255 white) of a 1-bit greyscale PNG data URI,
    checking every chunk's CRC."""
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
    width, height, depth, colour = header[:4]
    assert (depth, colour) == (1, 0)  # 1-bit greyscale
    raw, stride = zlib.decompress(data), (width + 7) // 8 + 1
    assert len(raw) == stride * height
    image = bytearray()
    for start in range(0, len(raw), stride):
        assert raw[start] == 0  # no filter
        bits = "".join(f"{byte:08b}" for byte in raw[start + 1 : start + stride])[:width]
        image += bytes(255 if bit == "1" else 0 for bit in bits)
    return width, height, bytes(image)


def read_back(data_uri: str) -> str | None:
    """The text a QR reader finds in the picture, or None."""
    width, height, image = pixels(data_uri)
    found = zxingcpp.read_barcode(
        memoryview(image).cast("B", (height, width)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    if found is None:
        return None
    assert found.ec_level == "M"
    return found.text


@pytest.mark.parametrize(
    "uri",
    [
        URI,
        "otpauth://totp/x%40y.io?secret=JBSWY3DPEHPK3PXP",
        "otpauth://totp/MFA%20API:"
        + "a" * 60
        + "%40"
        + "b" * 60
        + ".example.com?secret="
        + "A" * 32
        + "&issuer=MFA%20API",
    ],
)
def test_a_qr_reader_reads_the_uri_back(uri):
    assert read_back(qr.png_data_uri(uri)) == uri


def test_a_square_of_whole_modules_with_a_white_quiet_zone_of_four():
    width, height, image = pixels(qr.png_data_uri(URI))
    assert width == height and width % qr.SCALE == 0
    quiet = qr.BORDER * qr.SCALE
    for row in range(height):
        line = image[row * width : (row + 1) * width]
        if row < quiet or row >= height - quiet:
            assert set(line) == {255}
        else:
            assert set(line[:quiet]) == set(line[-quiet:]) == {255}
    # the finder pattern's dark corner starts right inside the quiet zone
    assert image[quiet * width + quiet] == 0
