"""Writing outputs: inside the output folder only, atomically, only if changed.

A feed reader or static host must never see a half-written file, and a file
whose bytes did not change keeps its mtime so conditional GETs still get 304.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Sequence

from syndicate.errors import PublishError, SyndicateError

# What _replace names its temporary files (mkstemp puts eight random
# characters in the middle), and so what a killed run leaves: ".feed.xml.k3j_x9q2.tmp".
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def output_path(out_dir: Path, relative: str) -> Path:
    """The path of an output, refusing anything that would leave ``out_dir``."""
    target = (out_dir / relative).resolve()
    root = out_dir.resolve()
    if not target.is_relative_to(root) or target == root:
        raise PublishError(f"refusing to write outside the output folder: {relative}")
    return target


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless it already holds exactly that.

    The bytes go to a temporary file in the same folder, are flushed to disk,
    and renamed over the target: a crash at any moment leaves the old file or
    the new one, never a mix. Returns whether the file was written.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror or exc}") from None
    return _replace(path, lambda file: file.write(data))


def write_all_if_changed(files: Sequence[tuple[Path, bytes]]) -> list[bool | SyndicateError]:
    """``write_if_changed`` of each (path, data): whether each was written, or the error that stopped it.

    The files are written in threads. Each write waits for the disk to flush
    it (a few milliseconds, more on a busy disk), and the waits overlap.
    """
    if len(files) < 2:
        return [_written_or_error(path, data) for path, data in files]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(files), 8)) as pool:
        return list(pool.map(_written_or_error, *zip(*files)))


def _written_or_error(path: Path, data: bytes) -> bool | SyndicateError:
    try:
        return write_if_changed(path, data)
    except SyndicateError as exc:
        return exc


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, neither comparing first nor waiting for the disk.

    For records that are checked when read and rebuilt when lost, written on
    runs where they always change: a power cut may lose the new file, never
    leave half of one in its place.
    """
    _replace(path, lambda file: file.write(data), durable=False)


def write_chunks_if_changed(path: Path, chunks: Iterable[bytes]) -> bool:
    """``write_if_changed`` for data made piece by piece, never held whole in memory.

    Each chunk is compared with the old file as it is written to the
    temporary one; when every byte matched, the old file stays untouched.
    """
    try:
        old = path.open("rb")
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror or exc}") from None
    same = old is not None

    def write(file: BinaryIO) -> None:
        nonlocal same
        for chunk in chunks:
            if same and old.read(len(chunk)) != chunk:
                same = False
            file.write(chunk)
        if same and old.read(1):
            same = False

    try:
        return _replace(path, write, keep_old=lambda: same)
    finally:
        if old is not None:
            old.close()


def _replace(path: Path, write: Callable[[BinaryIO], object], keep_old: Callable[[], bool] = lambda: False,
             durable: bool = True) -> bool:
    """Write a temporary file beside ``path`` and rename it over ``path``, unless ``keep_old()``.

    ``durable``: flush the file to disk before the rename.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            if keep_old():
                file.close()
                os.unlink(temp)
                return False
            file.flush()
            if durable:
                os.fsync(file.fileno())
        # mkstemp makes the file private (0600); a web server must read it.
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise PublishError(f"cannot write {path}: {reason}; the previous file is left as it was") from None
    except BaseException:
        _remove(temp)  # the data could not be made (a bug, or Ctrl-C): no temporary file left behind
        raise
    return True


def remove_unlisted(folder: Path, keep: set[str], suffix: str | tuple[str, ...]) -> list[Path]:
    """Delete the files in ``folder`` named ``*suffix`` (one of them) but not in ``keep``; returns those deleted.

    Raises PublishError, after deleting what it could, for a file that cannot be deleted.
    """
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise PublishError(f"cannot list {folder}: {exc.strerror or exc}") from None
    removed, failed = [], None
    for name in names:
        if not name.endswith(suffix) or name in keep or os.path.isdir(folder / name):
            continue
        try:
            os.unlink(folder / name)  # a link itself, never what it points to
        except OSError as exc:
            failed = failed or PublishError(f"cannot remove {folder / name}: {exc.strerror or exc}")
            continue
        removed.append(folder / name)
    if failed is not None:
        raise failed
    return removed


def remove_temporaries(folders: Iterable[Path]) -> None:
    """Delete the temporary files that killed writes left in ``folders``: only those named as ``_replace`` names them.

    Only while holding the site's lock (``commands.run.locked``): then no
    other run is writing, and every such file is a killed run's leftover,
    however young.
    """
    for folder in folders:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                if TEMPORARY.match(entry.name) and entry.is_file():
                    entry.unlink()  # a link itself, never what it points to
            except OSError:
                pass


def _remove(temp: str) -> None:
    try:
        os.unlink(temp)
    except OSError:
        pass
