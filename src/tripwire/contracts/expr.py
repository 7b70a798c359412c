"""A small, safe expression language for cross-column rules, compiled to Polars expressions.

Parsed with Python's `ast` and never evaluated: only the nodes below are accepted, anything
else is refused with a message naming the rule and the offending token.

    end_date >= start_date
    account_type != "loan" or age >= 18
    0 <= discount <= price * 0.5
    country in ("NL", "BE") and not is_null(vat_id)
    col("unit price") * qty == total

Grammar: comparisons (==, !=, <, <=, >, >=, chained), `in` / `not in` a list of literals,
and / or / not, arithmetic (+ - * / // % and unary -), column names (or `col("any name")`),
literals (numbers, strings, True, False, None), and the functions is_null(x),
is_not_null(x), abs(x), len(x) (string length). Comparing with None means is_null.

A rule is bounded (at most MAX_RULE_CHARS characters, MAX_RULE_NODES terms, nesting
MAX_RULE_DEPTH deep) so that a hostile contract cannot make a check slow; long `and`/`or`
chains compile to one flat Polars expression, not a chain a thousand levels deep.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

import polars as pl

from tripwire.errors import UsageError

_COMPARE: dict[type, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}
_ARITH: dict[type, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
}
_FUNCTIONS = ("is_null", "is_not_null", "abs", "len", "col")
#: bounds on one rule: far beyond a hand-written rule, far below what slows Polars down
MAX_RULE_CHARS = 4_000
MAX_RULE_NODES = 1_000
MAX_RULE_DEPTH = 40


class RuleSyntaxError(UsageError):
    """A rule outside the grammar; the message names the rule and the offending token."""


def compile_rule(text: str, rule_name: str = "rule") -> pl.Expr:
    """Compile a rule to a Polars expression that is true where a row satisfies it."""
    tree = _parse(text, rule_name)
    return _Compiler(text, rule_name).visit(tree.body)


def _parse(text: str, rule_name: str) -> ast.Expression:
    """Parse a rule within the bounds, or raise RuleSyntaxError."""
    def refuse(problem: str) -> RuleSyntaxError:
        return RuleSyntaxError(f"rule {rule_name!r}: {problem}; split it into several rules")

    if not isinstance(text, str):
        raise RuleSyntaxError(f"rule {rule_name!r}: expected the expression as text, got {type(text).__name__}")
    if len(text) > MAX_RULE_CHARS:
        raise refuse(f"{len(text):,} characters, more than the {MAX_RULE_CHARS:,} a rule may have")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleSyntaxError(f"rule {rule_name!r}: not a valid expression ({exc.msg} at column "
                              f"{exc.offset}): {_short(text)}") from None
    except (RecursionError, MemoryError, ValueError):
        raise refuse(f"nested deeper than {MAX_RULE_DEPTH} levels") from None
    nodes, stack = 0, [(tree.body, 1)]
    while stack:  # iterative: the depth is what is being checked
        node, depth = stack.pop()
        nodes += 1
        if depth > MAX_RULE_DEPTH:
            raise refuse(f"nested deeper than {MAX_RULE_DEPTH} levels")
        if nodes > MAX_RULE_NODES:
            raise refuse(f"more than {MAX_RULE_NODES:,} names, values and operations")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (ast.expr_context, ast.boolop, ast.operator, ast.cmpop,
                                               ast.unaryop)))
    return tree


def _short(text: str) -> str:
    return repr(text) if len(text) <= 80 else repr(text[:77] + "...")


def rule_columns(text: str) -> list[str]:
    """Return the column names a rule refers to, in order of appearance."""
    tree = _parse(text, "rule")
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in _FUNCTIONS:
            found.append((node.col_offset, node.id))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "col"
              and node.args and isinstance(node.args[0], ast.Constant)):
            found.append((node.col_offset, str(node.args[0].value)))
    return list(dict.fromkeys(name for _, name in sorted(found)))


class _Compiler:
    def __init__(self, text: str, rule_name: str) -> None:
        self.text, self.rule_name = text, rule_name

    def refuse(self, node: ast.AST, what: str) -> RuleSyntaxError:
        token = ast.get_source_segment(self.text.strip(), node) or type(node).__name__
        return RuleSyntaxError(f"rule {self.rule_name!r}: {what} {token!r} is not allowed; rules use "
                               "column names, literals, comparisons, and/or/not, arithmetic, in, "
                               "is_null(), is_not_null(), abs(), len()")

    def visit(self, node: ast.AST) -> pl.Expr:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise self.refuse(node, "the construct")
        return method(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> pl.Expr:
        parts = [self.visit(v) for v in node.values]
        # one flat expression (same Kleene logic as & and |): a chain of a thousand `&` makes
        # Polars' optimiser walk a tree a thousand levels deep
        return pl.all_horizontal(parts) if isinstance(node.op, ast.And) else pl.any_horizontal(parts)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> pl.Expr:
        inner = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return ~inner
        if isinstance(node.op, ast.USub):
            return -inner
        if isinstance(node.op, ast.UAdd):
            return inner
        raise self.refuse(node, "the operator")

    def visit_BinOp(self, node: ast.BinOp) -> pl.Expr:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise self.refuse(node, "the operator")
        return op(self.visit(node.left), self.visit(node.right))

    def visit_Compare(self, node: ast.Compare) -> pl.Expr:
        parts: list[pl.Expr] = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.In, ast.NotIn)):
                values = self._literal_list(right_node)
                part = self.visit(left_node).is_in(values)
                part = ~part if isinstance(op, ast.NotIn) else part
            elif isinstance(op, (ast.Is, ast.IsNot)):
                raise self.refuse(node, "the operator 'is'; write is_null(x) or x == None:")
            elif _is_none(right_node) or _is_none(left_node):
                other = left_node if _is_none(right_node) else right_node
                part = self.visit(other).is_null()
                if isinstance(op, ast.NotEq):
                    part = ~part
                elif not isinstance(op, ast.Eq):
                    raise self.refuse(node, "an ordering comparison with None")
            else:
                part = _COMPARE[type(op)](self.visit(left_node), self.visit(right_node))
            parts.append(part)
            left_node = right_node
        return parts[0] if len(parts) == 1 else pl.all_horizontal(parts)

    def visit_Name(self, node: ast.Name) -> pl.Expr:
        return pl.col(node.id)

    def visit_Constant(self, node: ast.Constant) -> pl.Expr:
        if isinstance(node.value, int) and not isinstance(node.value, bool) and \
                not -(2**63) <= node.value < 2**63:
            raise self.refuse(node, "the number (beyond 64-bit integers; write it as a float)")
        if node.value is None or isinstance(node.value, (bool, int, float, str)):
            return pl.lit(node.value)
        raise self.refuse(node, "the literal")

    def visit_Call(self, node: ast.Call) -> pl.Expr:
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            raise self.refuse(node, "the function call")
        if node.keywords or len(node.args) != 1:
            raise self.refuse(node, f"{node.func.id}() takes one argument:")
        name = node.func.id
        if name == "col":
            arg = node.args[0]
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise self.refuse(node, "col() takes a column name in quotes:")
            return pl.col(arg.value)
        inner = self.visit(node.args[0])
        return {"is_null": inner.is_null, "is_not_null": inner.is_not_null, "abs": inner.abs,
                "len": lambda: inner.cast(pl.String).str.len_chars()}[name]()

    def _literal_list(self, node: ast.AST) -> list:
        if not isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            raise self.refuse(node, "'in' needs a list of literals, not")
        values = []
        for elt in node.elts:
            if not isinstance(elt, ast.Constant) or not isinstance(elt.value, (bool, int, float, str)):
                raise self.refuse(elt, "the list item")
            values.append(elt.value)
        return values


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
