"""Read YAML keeping line numbers, so every error can point at the line to edit.

Bounded, because a deployment file is input from anyone: at most MAX_BYTES of text, values
nested at most MAX_DEPTH deep, and at most MAX_VALUES values once aliases are expanded. The
limits are checked on the composed node graph, before any Python object is built, with each
node measured once: a 1 KB "billion laughs" file costs what its text costs.
Messages never repeat a value (a duplicate key is named, its value is not).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ngha.errors import NghaError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 50
MAX_VALUES = 100_000


@dataclass
class YamlDocument:
    path: Path
    data: Any  # ruamel round-trip nodes: CommentedMap / CommentedSeq / scalars

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """Best line for a field path such as ('nodes', 1, 'address'); 1-based.

        Walks as deep as the path exists; a missing key reports the line of its parent.
        """
        node = self.data
        line = 1 if isinstance(node, (CommentedMap, CommentedSeq)) else None
        for key in loc:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
                line = node.lc.item(key)[0] + 1
                node = node[key]
            else:
                break
        return line


def format_loc(loc: tuple[Any, ...]) -> str:
    """('nodes', 1, 'address') -> 'nodes[1].address'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def read_yaml(path: str | Path, what: str) -> YamlDocument:
    """Parse a YAML file or raise one NghaError naming the file and line."""
    path = Path(path)
    text = _read_text(path, what)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False  # checked first by _measure, with a message of ours
    yaml.max_depth = MAX_DEPTH  # ruamel >= 0.19 stops composing there; _measure otherwise
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a reused anchor: legal YAML
            root = yaml.compose(text)
            if root is not None:
                _measure(root, path)
            data = None if root is None else yaml.constructor.construct_document(root)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        if type(exc).__name__ == "MaxDepthExceededError":
            raise _too_deep(path, line) from None
        if type(exc).__name__ == "DuplicateKeyError":  # ruamel's text quotes the values
            raise NghaError("duplicate key", file=path, line=line,
                            fix="keep one of the entries with that key") from None
        problem = _without_quoted_text(exc.problem or exc.context or "invalid YAML")
        raise NghaError(f"YAML syntax error: {problem}", file=path, line=line,
                        fix="correct the YAML syntax at that line") from None
    except RecursionError:
        raise _too_deep(path, None) from None
    except (YAMLError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise NghaError(f"YAML error: {_without_quoted_text(first)}", file=path,
                        fix="correct the YAML syntax") from None
    if data is None:
        raise NghaError(f"{what} file is empty", file=path, fix=f"write the {what} as a YAML mapping")
    if not isinstance(data, CommentedMap):
        raise NghaError(f"{what} file must be a YAML mapping (key: value), not a "
                        f"{type(data).__name__}", file=path, line=1,
                        fix="start the file with top-level keys such as 'cluster:'")
    return YamlDocument(path=path, data=data)


def _read_text(path: Path, what: str) -> str:
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)  # never more, whatever the file is (/dev/zero)
    except FileNotFoundError:
        raise NghaError(f"{what} file not found", file=path, fix="check the path") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise NghaError(f"cannot read {what} file: {exc.__class__.__name__}", file=path,
                        fix=f"give a readable UTF-8 text {what} file") from None
    except (OSError, ValueError) as exc:  # a symlink loop (ELOOP), a name too long ...
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise NghaError(f"cannot read {what} file: {reason}", file=path,
                        fix=f"give the path of a readable {what} file") from None
    if len(raw) > MAX_BYTES:
        raise NghaError(f"{what} file is larger than {MAX_BYTES // 1024} KiB", file=path,
                        fix=f"a {what} file is a few KiB; check that this is the right file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NghaError(f"cannot read {what} file: UnicodeDecodeError", file=path,
                        fix=f"give a readable UTF-8 text {what} file") from None


def _too_deep(path: Path, line: int | None) -> NghaError:
    return NghaError(f"values nested more than {MAX_DEPTH} deep", file=path, line=line,
                     fix="a deployment is a few levels deep; check the indentation and "
                         "brackets")


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _measure(root: Node, path: Path) -> None:
    """Refuse a document too big or too deep once aliases are expanded, a recursive alias,
    or a duplicate key, before anything is constructed. Post-order walk without recursion;
    each node's expanded size and depth is computed once and reused wherever an alias
    repeats it, so the check is linear in the text."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        line = node.start_mark.line + 1
        if children_done:
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            in_progress.discard(key)
            if depth[key] > MAX_DEPTH:
                raise _too_deep(path, line)
            if size[key] > MAX_VALUES:
                raise NghaError(f"more than {MAX_VALUES} values once aliases are expanded",
                                file=path, line=line,
                                fix="a deployment has a few hundred values; check the aliases "
                                    "(*name) used at that line")
            continue
        if key in size:
            continue
        in_progress.add(key)
        stack.append((node, True))
        if isinstance(node, MappingNode):
            _refuse_duplicate_keys(node, path)
        for child in _children(node):
            if id(child) in in_progress:
                raise NghaError("an alias refers to a value that contains it (a recursive "
                                "alias)", file=path, line=line,
                                fix="point the alias (*name) at a value defined before, not "
                                    "around it")
            if id(child) not in size:
                stack.append((child, False))


def _refuse_duplicate_keys(node: MappingNode, path: Path) -> None:
    first_line: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode):
            continue
        key = (str(key_node.tag), key_node.value)
        line = key_node.start_mark.line + 1
        if key in first_line:
            shown = key_node.value if len(key_node.value) <= 60 else key_node.value[:57] + "..."
            raise NghaError(f"duplicate key {shown!r} (first on line {first_line[key]})",
                            file=path, line=line,
                            fix="keep one of the two entries (the value is not repeated here)")
        first_line[key] = line


def _without_quoted_text(problem: str) -> str:
    """Parser messages quote pieces of the input; keep single characters (a tab, a ']'),
    drop anything longer, which could be a value: "found undefined alias '...'"."""
    quoted = r"""(?<![^\s(])(['"])([^'"\s][^'"]{2,})\1(?=$|[\s,.;:)])"""
    return re.sub(quoted, "'...'", problem.strip())


def plain(data: Any) -> Any:
    """ruamel nodes -> plain dict/list/scalars, for pydantic."""
    if isinstance(data, dict):
        return {plain_key(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if hasattr(data, "value") and type(data).__module__.startswith("ruamel"):
        return data.value  # tagged scalars
    return data


def plain_key(key: Any) -> Any:
    # Keys that are not strings (e.g. "1: x" or a null key) are kept for pydantic to reject.
    return key if isinstance(key, (str, int, float, bool)) or key is None else str(key)
