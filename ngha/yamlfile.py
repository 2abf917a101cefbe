"""Read YAML keeping line numbers, so every error can point at the line to edit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ngha.errors import NghaError


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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NghaError(f"{what} file not found", file=path, fix="check the path") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise NghaError(f"cannot read {what} file: {exc.__class__.__name__}", file=path,
                        fix=f"give a readable UTF-8 text {what} file") from None
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise NghaError(f"YAML syntax error: {problem}", file=path, line=line,
                        fix="correct the YAML syntax at that line") from None
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise NghaError(f"YAML error: {str(exc).splitlines()[0] if str(exc) else 'unreadable'}",
                        file=path, fix="correct the YAML syntax") from None
    if data is None:
        raise NghaError(f"{what} file is empty", file=path, fix=f"write the {what} as a YAML mapping")
    if not isinstance(data, CommentedMap):
        raise NghaError(f"{what} file must be a YAML mapping (key: value), not a "
                        f"{type(data).__name__}", file=path, line=1,
                        fix="start the file with top-level keys such as 'cluster:'")
    return YamlDocument(path=path, data=data)


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
