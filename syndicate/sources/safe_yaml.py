"""YAML that cannot be made to expand without bound, or to say one key twice; TOML and JSON nested within bounds.

Front matter and ``_config.yml`` come from files other tools wrote. PyYAML's
safe loader shares aliased nodes, so a "billion laughs" document costs little
to load, but everything that later walks the values (cleaning, error
messages, ``str()``) pays for the expansion. The loader here measures the
document as it would be once expanded, before building any value, and refuses
it past a generous budget. LibYAML's CSafeLoader is used where it is
installed: the check runs on the composed node graph, which both loaders make.
Values PyYAML cannot build (``2026-02-30``, a 5,000-digit number) are YAML
errors with their line, in posts and ``_config.yml`` alike, never a bare
ValueError.

TOML and JSON have no aliases, but Python's parsers of both recurse once
per level of nesting: ``toml_loads`` refuses a document nested more than
MAX_DEPTH levels before parsing it, with the line, and ``json_loads`` turns
a RecursionError into the ValueError a corrupt file gives.
"""

from __future__ import annotations

import json
import re
import sys

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# A post's front matter has a few dozen values; a thousand tags is still far
# below this. Past it, a document is an alias bomb, not metadata.
MAX_VALUES = 10_000
MAX_DEPTH = 50


# The tags of short plain scalars resolved so far, by text, with SafeLoader's
# resolvers (the table every loader here shares); the first MAX_RESOLVED only,
# so that a process reading many sites holds no more.
_RESOLVERS = yaml.SafeLoader.yaml_implicit_resolvers
_RESOLVED: dict[str, str] = {}
MAX_RESOLVED = 20_000

DUPLICATE_KEY = "duplicate key"  # how a refused document's problem starts when a key is said twice


class _Bounded:
    """The checks, for both of PyYAML's safe loaders."""

    unique_keys = True  # False for _config.yml, where Jekyll lets the last of two keys win

    def construct_document(self, node):  # noqa: D102 - PyYAML's hook
        check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML's hook
        if self.unique_keys and isinstance(node, MappingNode):
            first_line: dict[str, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                line = first_line.get(key_node.value)
                if line is not None:
                    # YAML forbids it, and which value was meant cannot be known.
                    raise ConstructorError(None, None, f"{DUPLICATE_KEY} {key_node.value!r} (first on line {line})",
                                           key_node.start_mark)
                first_line[key_node.value] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def resolve(self, kind, value, implicit):  # noqa: D102 - PyYAML's hook, called for every node
        # BaseResolver.resolve, less what no safe loader here has (path and
        # wildcard resolvers): it runs for every scalar of every post.
        resolvers = self.yaml_implicit_resolvers
        if kind is ScalarNode and not self.yaml_path_resolvers and None not in resolvers:
            if not implicit[0]:
                return self.DEFAULT_SCALAR_TAG
            # Posts repeat their keys and most of their values (categories,
            # tags, authors): each plain scalar's tag is worked out once.
            known = _RESOLVED.get(value) if resolvers is _RESOLVERS else None
            if known is not None:
                return known
            tag = self.DEFAULT_SCALAR_TAG
            for candidate, regexp in resolvers.get(value[:1], ()):
                if regexp.match(value):
                    tag = candidate
                    break
            if resolvers is _RESOLVERS and len(value) <= 128 and len(_RESOLVED) < MAX_RESOLVED:
                _RESOLVED[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_yaml_int(self, node):  # noqa: D102 - PyYAML's hook
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            # Python refuses to read integers of over 4,300 digits.
            raise ConstructorError(None, None, f"number too long ({len(node.value)} characters)",
                                   node.start_mark) from None

    def construct_yaml_timestamp(self, node):  # noqa: D102 - PyYAML's hook
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            # PyYAML builds "2026-02-30" with datetime.date and lets its
            # ValueError escape without a line; this keeps the line.
            raise ConstructorError(None, None, f"{json.dumps(node.value)} is not a date ({exc})",
                                   node.start_mark) from None

    def compose_node(self, parent, index):  # noqa: D102 - pure-Python composer only; LibYAML's is C
        # The pure-Python composer recurses once per level: stop long
        # before Python's recursion limit does.
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class PythonSafeLoader(_Bounded, yaml.SafeLoader):
    """The checked loader on PyYAML's pure-Python parser."""


PythonSafeLoader.add_constructor("tag:yaml.org,2002:int", _Bounded.construct_yaml_int)
PythonSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _Bounded.construct_yaml_timestamp)

if hasattr(yaml, "CSafeLoader"):
    class SafeLoader(_Bounded, yaml.CSafeLoader):  # type: ignore[misc]
        """The checked loader on LibYAML's parser, which is faster."""
    SafeLoader.add_constructor("tag:yaml.org,2002:int", _Bounded.construct_yaml_int)
    SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _Bounded.construct_yaml_timestamp)
else:  # pragma: no cover - PyYAML built without LibYAML
    SafeLoader = PythonSafeLoader  # type: ignore[misc]


def check_expansion(root) -> None:
    """Raise ConstructorError if ``root`` is too large or too deep once expanded.

    Walks the node graph as the expanded document would be walked, counting
    an aliased node every time it is reached, and stops at the budget, so the
    cost is bounded whatever the aliases say. Recursion stops at MAX_DEPTH.
    """
    _check_node(root, 1, root.start_mark, [0], set())


# Module-level and recursive, not a closure that calls itself: that would be
# a reference cycle, garbage each call that only the cycle collector frees,
# and the command runs without it (cli.main).
def _check_node(node, depth: int, mark, count: list[int], on_path: set[int]) -> None:
    """``check_expansion`` of one node; ``count`` (one item) is the values met so far."""
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise ConstructorError(None, None, f"too large once its aliases are expanded (over {MAX_VALUES} values)",
                               mark)
    if id(node) in on_path:
        raise ConstructorError(None, None, "an alias refers to the list or mapping it is in", mark)
    if depth > MAX_DEPTH:
        raise ConstructorError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
    if isinstance(node, ScalarNode):
        return
    on_path.add(id(node))
    for child in (node.value if isinstance(node, SequenceNode) else (x for pair in node.value for x in pair)):
        # At the top, problems are reported at their key's line: an aliased
        # node's own line is where the anchor was, not where it was used.
        _check_node(child, depth + 1, child.start_mark if depth == 1 and isinstance(node, MappingNode) else mark,
                    count, on_path)
    on_path.discard(id(node))


class _LastKeyWins(SafeLoader):  # type: ignore[misc,valid-type]
    unique_keys = False


def load(text: str, unique_keys: bool = True):
    """Parse one YAML document with SafeLoader; ``unique_keys=False`` lets the last of two wins."""
    loader_class = SafeLoader if unique_keys else _LastKeyWins
    if "&" not in text:
        # Every post's front matter comes through here on a cold run (and a
        # Jekyll post's again when its body is rendered), and PyYAML's general
        # constructor plus the checks cost as much as parsing.
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            return None if node is None else _plain_document(node, loader)
        except _NotPlain:
            pass  # the checked loader below says what is wrong (or which of two keys wins), as it always did
        finally:
            loader.dispose()
    return yaml.load(text, Loader=loader_class)


class _NotPlain(Exception):
    """The document needs SafeLoader's full construction, or is one it refuses."""


_MAP, _SEQ, _STR = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


def _plain_document(root, loader):
    """The value of a document without anchors, built directly from its node tree.

    It gives what SafeLoader gives, or raises _NotPlain: for anything beyond
    mappings, lists and scalars (merge keys, !!set, list keys), for anything
    SafeLoader would refuse (a key said twice, more than MAX_VALUES values or
    MAX_DEPTH levels, a scalar it cannot build), so the checked loader reports
    those exactly as before. Without an anchor there is no alias, so the tree
    is as large as the text and nothing here can be made to expand.
    """
    return _plain_value(root, 1, loader, [0])


def _plain_value(node, depth: int, loader, count: list[int]):
    """One node of ``_plain_document``'s tree; ``count`` (one item) is the values built so far.

    Module-level for the reason ``_check_node`` is.
    """
    count[0] += 1
    if count[0] > MAX_VALUES or depth > MAX_DEPTH:
        raise _NotPlain
    kind = type(node)
    if kind is ScalarNode:
        if node.tag == _STR:
            return node.value
        try:
            return loader.construct_object(node)
        except Exception:  # noqa: BLE001 - SafeLoader reports it, with its line
            raise _NotPlain from None
    if kind is MappingNode and node.tag == _MAP:
        if node.value and depth >= MAX_DEPTH:
            raise _NotPlain  # its keys would be too deep
        mapping: dict = {}
        typed_keys = False
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode or key_node.tag == _MERGE:
                raise _NotPlain
            # Text keys and values, nearly all of them, without a call each.
            if key_node.tag == _STR:
                count[0] += 1
                key = key_node.value
            else:
                typed_keys = True
                key = _plain_value(key_node, depth + 1, loader, count)
            if key in mapping:
                raise _NotPlain
            if type(value_node) is ScalarNode and value_node.tag == _STR:
                count[0] += 1
                mapping[key] = value_node.value
            else:
                mapping[key] = _plain_value(value_node, depth + 1, loader, count)
            if count[0] > MAX_VALUES:
                raise _NotPlain
        # A key said twice is one whose text is (_Bounded.construct_mapping):
        # "1" and 1 are different keys but one text.
        if typed_keys and len({key_node.value for key_node, _ in node.value}) != len(mapping):
            raise _NotPlain
        return mapping
    if kind is SequenceNode and node.tag == _SEQ:
        if node.value and depth >= MAX_DEPTH:
            raise _NotPlain
        items = []
        for item in node.value:
            if type(item) is ScalarNode and item.tag == _STR:
                count[0] += 1
                items.append(item.value)
            else:
                items.append(_plain_value(item, depth + 1, loader, count))
        if count[0] > MAX_VALUES:
            raise _NotPlain
        return items
    raise _NotPlain


# --- TOML and JSON --------------------------------------------------------------


class TooDeep(ValueError):
    """A TOML document nested more than MAX_DEPTH levels; ``line`` is where it went past them."""

    def __init__(self, line: int):
        super().__init__(f"nested more than {MAX_DEPTH} levels deep")
        self.line = line


# A string (whose brackets do not count), a comment, or a bracket.
_BRACKET = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|#[^\n]*|([\[{])|[\]}]")


def check_nesting(text: str) -> None:
    """Raise TooDeep when the arrays and tables (``[``, ``{``) of a TOML or JSON text nest past MAX_DEPTH.

    Python's parsers of both would recurse into them until its recursion
    limit stopped them, with a RecursionError.
    """
    depth = 0
    for found in _BRACKET.finditer(text):
        if found.group(1):
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep(text.count("\n", 0, found.start()) + 1)
        elif found.group() in ("]", "}"):
            depth = max(depth - 1, 0)


def toml_loads(text: str) -> dict:
    """``tomllib.loads``, refusing a document nested past MAX_DEPTH (TooDeep).

    Brackets are counted before parsing; dotted keys (``a.b.c = 1``, ``[a.b.c]``)
    nest tables without them, and are measured once parsed, so that nothing
    that walks the values later recurses past Python's limit either.
    """
    check_nesting(text)
    data = tomllib.loads(text)
    for key, value in data.items():
        if _deeper_than(value, MAX_DEPTH - 1):
            found = re.search(rf"^[ \t]*\[*[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[.=\]]", text, re.MULTILINE)
            raise TooDeep(text.count("\n", 0, found.start()) + 1 if found else 1)
    return data


def _deeper_than(value, limit: int) -> bool:
    """Whether the lists and mappings in ``value`` nest more than ``limit`` levels; without recursing."""
    pending = [(value, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            pending.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return False


def json_loads(data: str | bytes):
    """``json.loads``; a document nested past Python's recursion limit is a ValueError, as any corrupt one is."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None
