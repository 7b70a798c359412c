"""Images as tables: per-image properties (size, light, colour, sharpness, noise, hash) and image checks.

An image folder becomes a Source of property rows (`open_images`), so profiles, contracts,
drift and the history treat it like any table; `image_findings` judges the images
themselves (unreadable, dark, blurry, duplicates, coverage gaps against training images) and
`errors_by_property` finds where a model's mistakes concentrate. Needs `tripwire[images]`.
"""

from __future__ import annotations

from tripwire.images.checks import image_findings
from tripwire.images.errors import errors_by_property, join_predictions
from tripwire.images.inputs import ImageInput, open_images
from tripwire.images.reader import IMAGE_SUFFIXES, SCHEMA

__all__ = ["IMAGE_SUFFIXES", "SCHEMA", "ImageInput", "errors_by_property", "image_findings", "join_predictions",
           "open_images"]
