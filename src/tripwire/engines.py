"""Cluster engines that take a command over when its data is one of their frames (a Spark DataFrame).

The run layer cannot import an engine: the engine composes the run layer from above. So the
package's `__init__` registers each engine here, by the module its frames' types come from,
and the run layer's commands (`profile`, `scan`, `check`, `drift`, `log`) are wrapped by
`handed_over`: given such a frame as their data, they call the engine's function of the
same name instead. Keywords that mean nothing on a cluster are dropped; ones the engine's
function does not take are refused in one line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: type module prefix (e.g. "pyspark.sql") -> what imports and returns the engine's module
_ENGINES: dict[str, Callable[[], Any]] = {}
#: keywords of the single-process commands that mean nothing on a cluster (dropped, not refused)
LOCAL_ONLY = frozenset({"progress", "encoding", "command"})


def register(module_prefix: str, load: Callable[[], Any]) -> None:
    """Hand data whose type comes from modules under `module_prefix` to the engine `load()` returns."""
    _ENGINES[module_prefix] = load


def engine_for(data: Any) -> Callable[[], Any] | None:
    """Return the loader of the engine whose frames `data` is one of, None for any other data.

    Recognised by the module of its type (or a base type), so the engine's library is not imported.
    """
    if not _ENGINES or data is None or isinstance(data, (str, bytes, int, float)):
        return None
    for cls in type(data).__mro__:
        for prefix, load in _ENGINES.items():
            if cls.__module__.startswith(prefix):
                return load
    return None


def handed_over(command: str, data_param: str = "data") -> Callable[[F], F]:
    """Wrap a run-layer command so a cluster frame given as `data_param` goes to the engine's `command`.

    A call that passes its own `opener` is the engine itself composing the command: it is
    never handed over again.
    """
    def wrap(local: F) -> F:
        import inspect

        position = list(inspect.signature(local).parameters).index(data_param)

        @functools.wraps(local)
        def call(*args: Any, **kwargs: Any) -> Any:
            data = args[position] if len(args) > position else kwargs.get(data_param)
            load = engine_for(data) if kwargs.get("opener") is None else None
            if load is None:
                return local(*args, **kwargs)
            return _hand_over(load(), command, args, kwargs)

        return call  # type: ignore[return-value]

    return wrap


def _hand_over(engine: Any, command: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    import inspect

    from tripwire.errors import UsageError

    on_engine = getattr(engine, command)
    params = inspect.signature(on_engine).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    keep = {k: v for k, v in kwargs.items() if k in params or (takes_any and k not in LOCAL_ONLY)}
    unknown = sorted(set(kwargs) - set(keep) - LOCAL_ONLY)
    if unknown:
        raise UsageError(f"tripwire.{command} of a {engine.ENGINE_NAME} DataFrame does not take "
                         f"{', '.join(unknown)} (see {engine.ENGINE_DOCS})")
    return on_engine(*args, **keep)
