"""The QR code of an otpauth URI: a PNG data URI, made with one fixed mask (cheap)."""

import base64
import struct

import segno

from mfa_api.security import qr

URI = "otpauth://totp/MFA%20API:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=MFA%20API"


def test_a_png_of_the_uri_s_qr_code():
    uri = qr.png_data_uri(URI)
    assert uri.startswith("data:image/png;base64,")
    png = base64.b64decode(uri.split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    code = segno.make(URI, error="m")
    assert (width, height) == code.symbol_size(scale=5, border=4)  # same version, same size


def test_the_mask_is_fixed_not_searched():
    assert segno.make(URI, error="m", mask=qr.MASK).mask == qr.MASK
