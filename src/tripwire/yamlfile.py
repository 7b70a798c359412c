"""Read the YAML files users write (contracts, alert rules, drift settings) with one-line errors.

A configuration file is input like any other and may be hostile: the loader is PyYAML's
safe loader with bounds on what a small file can expand to. Aliases (`*a`) are counted and
the document's size *with every alias expanded* is measured on the node graph before any
Python object is built, so a "billion laughs" file fails in milliseconds with one line
instead of filling memory. Mappings remember the 1-based line of each key, so validation
errors can say where the wrong value is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tripwire.errors import InputError

#: at most this many aliases (`*name`) in one file; hand-written configuration needs few
MAX_ALIASES = 200
#: at most this many nodes once every alias is expanded (a 10,000-column contract has ~200,000)
MAX_NODES = 1_000_000
#: at most this much nesting, aliases expanded (contracts need about 5 levels)
MAX_DEPTH = 50
#: at most this many bytes of YAML text (the pure-Python parser reads about 1 MB/s)
MAX_BYTES = 16 * 1024 * 1024


#: floats written without a dot (1e6), numbers in YAML 1.2 but text to PyYAML's YAML 1.1;
#: a dumper must add the same resolver so that the text "1e6" is quoted
EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


class LinedDict(dict):
    """A mapping read from YAML that remembers where it and each of its keys were written."""

    line: int | None = None
    #: key -> 1-based line of the key
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int | None:
        """Return the 1-based line of a key (or of the mapping when the key is absent)."""
        return getattr(self, "lines", {}).get(key, self.line)


def plain(data: Any) -> Any:
    """Return YAML data with every LinedDict turned back into a plain dict (for dumping, equality)."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data


def line_of(data: Any, key: Any = None) -> int | None:
    """Return the 1-based line of `key` in a mapping read by this module, else None."""
    if isinstance(data, LinedDict):
        return data.line_of(key) if key is not None else data.line
    return None


def _loader() -> type:
    import yaml
    from yaml.events import AliasEvent
    from yaml.nodes import MappingNode, SequenceNode

    class BoundedLoader(yaml.SafeLoader):
        """The safe loader, refusing documents that expand beyond the bounds above."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._aliases = 0
            self._depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(AliasEvent):
                self._aliases += 1
                if self._aliases > MAX_ALIASES:
                    raise _refuse(f"more than {MAX_ALIASES} aliases (*name)", self.peek_event().start_mark)
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _refuse(f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def get_single_node(self) -> Any:
            node = super().get_single_node()
            if node is not None:
                _check_expanded_size(node)
            return node

    def _check_expanded_size(root: Any) -> None:
        """Refuse a node graph whose aliases expand beyond MAX_NODES or MAX_DEPTH, or into a cycle."""
        sizes: dict[int, int] = {}
        open_nodes: set[int] = set()

        def size(node: Any, depth: int) -> int:
            key = id(node)
            if key in sizes:
                if depth + _height.get(key, 0) > MAX_DEPTH:
                    raise _refuse(f"nested deeper than {MAX_DEPTH} levels once aliases are expanded",
                                  node.start_mark)
                return sizes[key]
            if key in open_nodes:
                raise _refuse("an alias refers to its own anchor (a recursive structure)", node.start_mark)
            if depth > MAX_DEPTH:
                raise _refuse(f"nested deeper than {MAX_DEPTH} levels once aliases are expanded",
                              node.start_mark)
            total, height = 1, 0
            if isinstance(node, (SequenceNode, MappingNode)):
                open_nodes.add(key)
                children = node.value if isinstance(node, SequenceNode) else \
                    [n for pair in node.value for n in pair]
                for child in children:
                    total += size(child, depth + 1)
                    height = max(height, _height.get(id(child), 0) + 1)
                    if total > MAX_NODES:
                        raise _refuse(f"expands to more than {MAX_NODES:,} values once aliases are "
                                      "expanded", node.start_mark)
                open_nodes.discard(key)
            sizes[key], _height[key] = total, height
            return total

        _height: dict[int, int] = {}
        size(root, 0)

    def construct_map(loader: BoundedLoader, node: MappingNode) -> Any:
        data = LinedDict()
        data.line = node.start_mark.line + 1
        data.lines = {}
        yield data
        # PyYAML keeps the last of two equal keys; a repeated key in a configuration file is
        # almost always a mistake that would silently drop the first value
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = loader.construct_object(key_node)
                try:
                    if key in data.lines:
                        raise _refuse(f"the key {key!r} appears twice in one mapping (first on line "
                                      f"{data.lines[key]})", key_node.start_mark)
                except TypeError:
                    continue  # an unhashable key: construct_mapping says so below
                data.lines[key] = key_node.start_mark.line + 1
        data.update(loader.construct_mapping(node))

    BoundedLoader.add_constructor("tag:yaml.org,2002:map", construct_map)
    # PyYAML follows YAML 1.1, where 1e6 (no dot) is text; people mean the number (YAML 1.2)
    BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, list("-+0123456789"))
    return BoundedLoader


def _refuse(problem: str, mark: Any) -> Exception:
    import yaml

    return yaml.MarkedYAMLError(problem=f"refused: {problem}", problem_mark=mark)


_LOADER: type | None = None


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error or a document beyond the bounds names the source and line."""
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _loader()
    if len(text) > MAX_BYTES:
        raise InputError(f"YAML text of {len(text):,} characters is larger than the "
                         f"{MAX_BYTES // 2**20} MB a configuration file may have", path=source)
    try:
        return yaml.load(text, Loader=_LOADER)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)
        raise InputError(problem if problem.startswith("refused:") else f"not valid YAML ({problem})", path=source,
                         line=mark.line + 1 if mark else None) from None
    except (RecursionError, ValueError, OverflowError) as exc:
        # the scanner recurses on deep flow collections; huge integers overflow conversion
        raise InputError(f"not valid YAML ({exc.__class__.__name__}: {str(exc)[:100]})", path=source) from None


def read_yaml(path: str | Path, what: str = "file") -> Any:
    """Read a YAML file; a missing file or bad syntax is one line naming the file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"the {what} is {size:,} bytes, larger than the {MAX_BYTES // 2**20} MB "
                             "a configuration file may have", path=str(path))
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the {what} ({exc.__class__.__name__})", path=str(path)) from None
    return parse_yaml(text, str(path))
