"""Small JPEG thumbnails as data URIs, for the HTML report's worst examples."""

from __future__ import annotations

import base64
import io

#: longer side of a thumbnail in pixels
SIDE = 96


def thumbnail_uri(path: str, side: int = SIDE) -> str | None:
    """Return a `data:image/jpeg;base64,...` thumbnail of the image, or None when it cannot be read."""
    from PIL import Image

    from tripwire.images.measure import MAX_FILE_BYTES, MAX_PIXELS

    try:
        import os

        if os.path.getsize(path) > MAX_FILE_BYTES:
            return None
        with Image.open(path) as im:
            if im.size[0] * im.size[1] > MAX_PIXELS:
                return None
            im.draft("RGB", (side * 2, side * 2))
            im.thumbnail((side, side))
            rgb = im.convert("RGB")
        out = io.BytesIO()
        rgb.save(out, "JPEG", quality=80)
    except Exception:  # a file that cannot be shown is simply not shown; its finding names it
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
