"""Unit conversions that real feeds slip into, and how close a fitted map must be to one."""

from __future__ import annotations

#: conversions that real feeds slip into, as (factor a, offset b, name): a fitted factor or
#: affine map must land near one of them, else a long or shifted tail could pass for a "unit"
#: (a storm day's delays fit 6.1x + 67 well and mean nothing)
KNOWN_CONVERSIONS: tuple[tuple[float, float, str], ...] = (
    *((10.0 ** k, 0.0, f"x10^{k}") for k in (-3, -2, -1, 1, 2, 3)),
    (0.45359237, 0.0, "lb -> kg"), (1 / 0.45359237, 0.0, "kg -> lb"),
    (0.3048, 0.0, "ft -> m"), (1 / 0.3048, 0.0, "m -> ft"),
    (2.54, 0.0, "in -> cm"), (1 / 2.54, 0.0, "cm -> in"),
    (1.609344, 0.0, "mi -> km"), (1 / 1.609344, 0.0, "km -> mi"),
    (28.349523, 0.0, "oz -> g"), (1 / 28.349523, 0.0, "g -> oz"),
    (3.785412, 0.0, "gal -> l"), (1 / 3.785412, 0.0, "l -> gal"),
    (4.184, 0.0, "kcal -> kJ"), (1 / 4.184, 0.0, "kJ -> kcal"),
    (60.0, 0.0, "min -> s or h -> min"), (1 / 60, 0.0, "s -> min or min -> h"),
    (3600.0, 0.0, "h -> s"), (1 / 3600, 0.0, "s -> h"),
    (1.8, 32.0, "°C -> °F"), (1 / 1.8, -32.0 / 1.8, "°F -> °C"),
)
#: how close (relative) a fitted factor, and an offset (in reference SDs), must be to a known one
FACTOR_TOLERANCE, OFFSET_TOLERANCE_SD = 0.04, 0.25
