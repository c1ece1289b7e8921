"""QR codes made here, so that no secret ever goes to a third-party QR site."""

from __future__ import annotations

import segno

# segno picks the best of the 8 data masks by scoring each in pure Python: 80% of a QR code's
# cost (about 8 ms of a registration's CPU). Every reader decodes every mask (ISO/IEC 18004);
# the scoring only avoids rare patterns that look like a finder pattern, which a version-6
# code at level M with its quiet zone tolerates. So one fixed mask.
MASK = 0


def png_data_uri(text: str) -> str:
    """A data:image/png;base64 URI of a QR code holding text."""
    return segno.make(text, error="m", mask=MASK).png_data_uri(scale=5, border=4)
