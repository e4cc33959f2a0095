"""Putting a staged tree in place of the output folder, all at once or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` (so the final rename stays on one file system), removed after."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}-staged-", dir=target.parent))
    try:
        yield staged
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def write_tree(root: Path, files: dict[PurePosixPath, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def publish(staged: Path, target: Path) -> None:
    """Swap ``staged`` in as ``target``: two renames, with Ctrl-C and SIGTERM held off in between."""
    recover(target)
    backup = _backup_path(target)
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        if target.exists():
            os.replace(target, backup)
        os.replace(staged, target)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    shutil.rmtree(backup, ignore_errors=True)


def recover(target: Path) -> None:
    """Undo a swap that a crash cut off between its two renames."""
    backup = _backup_path(target)
    if backup.exists():
        if target.exists():
            shutil.rmtree(backup)
        else:
            os.replace(backup, target)


def _backup_path(target: Path) -> Path:
    return target.with_name(f".{target.name}-previous")
