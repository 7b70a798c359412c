"""The guard: check each request batch at prediction time and route what cannot be trusted.

Named `guarding`, not `guard`, so importing it never replaces the `tripwire.guard` function.
"""

from tripwire.guarding.core import NEEDS_HUMAN, Guard, GuardError, guard
from tripwire.guarding.rules import RouteRule

__all__ = ["NEEDS_HUMAN", "Guard", "GuardError", "RouteRule", "guard"]
