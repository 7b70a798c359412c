"""Images as tables: per-image properties (size, light, colour, sharpness, noise, hash) and image checks.

An image folder becomes a Source of property rows (`open_images`), so profiles, contracts,
drift and the history treat it like any table; `image_findings` judges the images
themselves (unreadable, dark, blurry, duplicates, coverage gaps against training images) and
`errors_by_property` finds where a model's mistakes concentrate. Needs `tripwire[images]`.
Names load lazily: the worker processes import only `tripwire.images.measure`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tripwire.images.checks import image_findings
    from tripwire.images.errors import errors_by_property, join_predictions
    from tripwire.images.inputs import ImageInput, open_images

_WHERE = {"image_findings": "checks", "errors_by_property": "errors", "join_predictions": "errors",
          "ImageInput": "inputs", "open_images": "inputs"}

__all__ = ["ImageInput", "errors_by_property", "image_findings", "join_predictions", "open_images"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tripwire.images' has no attribute {name!r}")
    value = getattr(import_module(f"tripwire.images.{module}"), name)
    globals()[name] = value
    return value
