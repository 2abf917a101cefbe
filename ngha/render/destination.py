"""Where `render -o DIR` may write: never over a user's files.

DIR may be new, empty, or a tree ngha rendered before (its manifest lists every file in
it). Anything else needs --force. Some directories are refused even with --force: `/`,
system directories, home directories, /tmp itself, the current directory, the directories
holding the input files, and any parent of those (replacing a parent replaces them too).
"""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path
from typing import Iterable

from ngha.errors import NghaError

MANIFEST = ".ngha-render.json"
GENERATOR = "ngha"

# Never written into, nor anything below them: the operating system itself.
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
                "/proc", "/sbin", "/sys", "/usr")
# Never replaced themselves (nor their parents); a new directory inside them is fine.
SYSTEM_DIRECTORIES = ("/", "/home", "/media", "/mnt", "/opt", "/root", "/run", "/srv", "/tmp",
                      "/var", "/var/backups", "/var/cache", "/var/lib", "/var/local",
                      "/var/log", "/var/mail", "/var/opt", "/var/spool", "/var/tmp", "/snap")


def check_destination(target: str | Path, inputs: Iterable[str | Path], force: bool) -> Path:
    """The absolute, symlink-free path render may replace, or one NghaError saying why not."""
    shown = Path(target)
    resolved = _resolve(shown)
    if shown.is_symlink() and not resolved.exists():
        raise NghaError("output path is a symbolic link to a missing directory", file=shown,
                        fix="point -o at a real directory, or remove the link")
    _refuse_protected(resolved, shown, inputs)
    if not resolved.exists():
        return resolved
    if not resolved.is_dir():
        raise NghaError("output path exists and is not a directory", file=shown,
                        fix="choose a directory path for -o")
    if force:
        return resolved
    foreign = foreign_entry(resolved)
    if foreign is not None:
        raise NghaError(f"output directory holds {foreign}, which ngha did not render: "
                        "nothing was written", file=shown,
                        fix="choose a new or empty directory for -o, or pass --force to "
                            "replace the directory and everything in it")
    return resolved


def foreign_entry(directory: Path) -> str | None:
    """The first entry of `directory` that ngha's manifest does not account for, or None
    when the directory is empty or exactly an earlier render."""
    entries = list(_walk(directory))
    if not entries:
        return None
    listed = read_manifest(directory)
    if listed is None:
        return f"'{entries[0]}' (and no {MANIFEST} manifest)"
    for entry in entries:
        if entry != MANIFEST and entry not in listed:
            return f"'{entry}'"
    return None


def manifest_text(files: Iterable[str], version: str, profile: str) -> str:
    return json.dumps({"generator": GENERATOR, "ngha_version": version, "profile": profile,
                       "files": sorted(files)}, indent=2) + "\n"


def read_manifest(directory: Path) -> set[str] | None:
    """The files an earlier render wrote, or None if `directory` has no valid manifest."""
    path = directory / MANIFEST
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 10 * 1024 * 1024:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("generator") != GENERATOR:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _walk(directory: Path) -> Iterable[str]:
    """Relative paths of everything but plain directories (files, links, sockets ...)."""
    for root, dirs, files in os.walk(directory):
        base = Path(root)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                yield str((base / name).relative_to(directory))
        for name in sorted(files):
            yield str((base / name).relative_to(directory))


def _resolve(path: Path) -> Path:
    try:
        return path.absolute().resolve()
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a loop
        raise NghaError("output path is a loop of symbolic links", file=path,
                        fix="point -o at a real directory") from None


def _refuse_protected(target: Path, shown: Path, inputs: Iterable[str | Path]) -> None:
    def refuse(why: str) -> None:
        raise NghaError(f"output path is {why}: ngha never replaces it, not even with --force",
                        file=shown, fix="render into a new directory, e.g. -o ./out")

    for tree in SYSTEM_TREES:
        root = _quiet_resolve(Path(tree))
        if target == root or root in target.parents or Path(tree) in target.parents:
            refuse(f"the system directory {tree}" if target == root
                   else f"inside the system directory {tree}")
    protected = [(Path(d), f"the system directory {d}") for d in SYSTEM_DIRECTORIES]
    protected += [(home, "a home directory") for home in _home_directories()]
    protected.append((Path.cwd(), "the current directory"))
    for item in inputs:
        path = Path(item).absolute()
        for folder in {path.parent, _quiet_resolve(path).parent}:
            protected.append((folder, f"the directory holding {path}"))
    for folder, why in protected:
        folder = _quiet_resolve(folder)
        if target == folder:
            refuse(why)
        if target in folder.parents:
            refuse(f"a parent of {why}")


def _home_directories() -> set[Path]:
    homes = {Path(entry.pw_dir) for entry in pwd.getpwall() if entry.pw_dir.startswith("/")}
    if os.environ.get("HOME", "").startswith("/"):
        homes.add(Path(os.environ["HOME"]))
    return homes


def _quiet_resolve(path: Path) -> Path:
    try:
        return path.absolute().resolve()
    except (RuntimeError, OSError):
        return path.absolute()
