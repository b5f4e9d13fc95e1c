"""Reading a post file: size limits, decoding, and splitting off its front matter.

Everything here works on one file's bytes or text and knows nothing of the
site: ``syndicate.sources.posts`` turns what it returns into ``Post`` values, and
``syndicate.render.content`` uses it to read a body again when an output needs it.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import sys
from functools import partial
from pathlib import Path
from stat import S_ISLNK, S_ISREG
from typing import Any, Callable

import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from syndicate.sources import safe_yaml
from syndicate.errors import PostError
from syndicate.text import clean_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_POST_BYTES = 10 * 1024 * 1024


class _YAMLHandler(YAMLHandler):
    def load(self, fm: str, **kwargs: Any) -> Any:
        return safe_yaml.load(fm)


class _TOMLHandler(BaseHandler):
    """TOML front matter between ``+++`` lines, read with the standard tomllib."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: Any) -> Any:
        return safe_yaml.toml_loads(fm)


class _JSONHandler(JSONHandler):
    def load(self, fm: str, **kwargs: Any) -> Any:
        safe_yaml.check_nesting(fm)
        return super().load(fm, **kwargs)


YAML_HANDLER = _YAMLHandler()
HANDLERS = (YAML_HANDLER, _TOMLHandler(), _JSONHandler())


def _handler_for(text: str) -> BaseHandler | None:
    """The handler for the front matter ``text`` opens with (``---``, ``+++``, ``{``), or None."""
    return next((h for h in HANDLERS if h.detect(text)), None)


def split_front_matter(text: str, name: str, last_key_wins: bool = False,
                       space_first: bool = False) -> tuple[dict, str, int]:
    """Split a post's text into (metadata, body, line where the body starts).

    Raises PostError with the line for front matter that does not parse, is
    not closed, or is not a mapping; python-frontmatter would quietly treat
    such a file as all body. A YAML key said twice is one of those, unless
    ``last_key_wins`` (Jekyll's reading: the last value is used).
    ``space_first``: front matter may follow blank lines (Hugo's reading).
    """
    start = len(text) - len(text.lstrip()) if space_first else 0
    if start and _handler_for(text[start:]) is not None:
        lines = text.count("\n", 0, start)
        try:
            data, body, body_line = split_front_matter(text[start:], name, last_key_wins)
        except PostError as exc:
            raise PostError(exc.detail, name, exc.line + lines if exc.line else exc.line) from None
        return data, body, body_line + lines
    handler = _handler_for(text)
    if handler is None:
        return {}, text, 1
    try:
        fm, body = handler.split(text)
    except ValueError:
        raise PostError(f"front matter is never closed (no closing {handler.END_DELIMITER})", name, 1) from None
    body_line = text.count("\n", 0, len(text) - len(body)) + 1
    try:
        # Control characters are removed, not fatal: YAML refuses them outright.
        # The caller counts them in the file's head and warns.
        fm = clean_text(fm)[0]
        data = safe_yaml.load(fm, unique_keys=False) if last_key_wins and handler is YAML_HANDLER else handler.load(fm)
    except yaml.YAMLError as exc:
        # fm starts with the rest of the opening "---" line, so YAML's 0-based
        # line number is the file's 1-based one.
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start and mark and start.line != mark.line:
            # An unclosed [ or { is found lines later; say where it opened.
            problem += f" ({context} started on line {start.line + 1})"
        raise PostError(f"invalid front matter: {problem}", name, line) from None
    except tomllib.TOMLDecodeError as exc:
        # As with YAML, line 1 of fm is the rest of the "+++" line.
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else 1
        message = re.sub(r" \(at .*", "", str(exc))
        raise PostError(f"invalid front matter: {message}", name, line) from None
    except json.JSONDecodeError as exc:
        raise PostError(f"invalid front matter: {exc.msg}", name, exc.lineno) from None
    except safe_yaml.TooDeep as exc:
        # fm starts with the rest of the opening line, as for YAML.
        raise PostError(f"invalid front matter: {exc}", name, exc.line) from None
    if data is None:
        return {}, body, body_line
    if not isinstance(data, dict):
        raise PostError(f"invalid front matter: expected key: value pairs, got a {value_kind(data)}", name, 2)
    return data, body, body_line


def value_kind(value: Any) -> str:
    """What a front-matter value is, in words for an error message."""
    return {list: "list", dict: "mapping", str: "string", int: "number", float: "number"}.get(
        type(value), type(value).__name__)


def decode_post(raw: bytes, name: str) -> str:
    """Decode a post file: UTF-8 (with or without BOM), UTF-16 with a BOM, or Korean CP949.

    CRLF and CR line breaks come out as LF. PostError, with the line, for a binary
    file (a NUL byte) or bytes no accepted encoding reads.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        # A NUL byte means an image or a document saved under a post's name
        # (git's test for binary files), not text with a stray character.
        nul = raw.find(b"\x00")
        if nul != -1:
            raise PostError("binary file, not a text post (it contains NUL bytes)", name,
                            raw.count(b"\n", 0, nul) + 1)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        text = legacy_korean(raw) if encoding == "utf-8-sig" else None
        if text is None:
            line = raw.count(b"\n", 0, exc.start) + 1
            wanted = "UTF-8" if encoding == "utf-8-sig" else "UTF-16"
            raise PostError(f"not {wanted} text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                            name, line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def legacy_korean(raw: bytes) -> str | None:
    """``raw`` decoded as CP949 (EUC-KR's superset) when it can only be Korean text, else None.

    Korean blogs older than UTF-8 saved their posts in CP949. Text in another
    legacy encoding (Latin-1, Shift_JIS) seldom decodes as CP949 at all, and
    when it does it comes out as Hanja and syllables no one writes, so the
    bytes count as Korean only when at least 70% of the letters beyond ASCII
    are Hangul syllables of KS X 1001, the set EUC-KR covers.
    """
    try:
        text = raw.decode("cp949")
    except UnicodeDecodeError:
        return None
    wide = [c for c in text if c > "\x7f"]
    hangul = sum(1 for c in wide if "\uac00" <= c <= "\ud7a3" and _in_ks_x_1001(c))
    return text if hangul and hangul >= 0.7 * len(wide) else None


def _in_ks_x_1001(letter: str) -> bool:
    try:
        letter.encode("euc_kr")
    except UnicodeEncodeError:
        return False
    return True


def _read_post(path: Path, name: str, read: Callable[[Callable[[int], bytes], int, str], str],
               within: Path | None = None) -> str:
    """``read(read_bytes, size, name)`` on a post file; PostError for one that is too large or not a file.

    A pipe would block the read forever and a link to /dev/zero would never
    end, so only regular files are read, and never more than MAX_POST_BYTES.
    ``within``: a folder that a link must lead into to be read (a cloned site
    must not publish ~/.ssh/id_rsa through posts/key.md). Reading a head and
    reading a whole post both come through here. ``read_bytes(n)`` gives n
    bytes, fewer only at the end of the file.
    """
    try:
        # One lstat answers for the file, unless it is a link: every post
        # file is read on a cold run, and each system call counts.
        status = os.lstat(path)
        if S_ISLNK(status.st_mode):
            if within is not None:
                refuse_a_link_outside(path, name, within)
            status = os.stat(path)
        if not S_ISREG(status.st_mode):
            raise PostError("not a regular file (a device, pipe or socket); not read", name)
        _refuse_if_too_large(status.st_size, name)
        # The descriptor, not a file object: its buffer and checks cost more than the read.
        fd = os.open(path, _READ_FLAGS)
        try:
            return read(partial(_read_fully, fd), status.st_size, name)
        finally:
            os.close(fd)
    except OSError as exc:
        raise PostError(f"cannot read: {exc.strerror or exc}", name) from None


def refuse_a_link_outside(path: Path, name: str, within: Path) -> None:
    """PostError when ``path`` is a link to a file outside the folder ``within``."""
    # realpath, not Path.resolve: that raises RuntimeError on a link to itself.
    if os.path.islink(path) and not Path(os.path.realpath(path)).is_relative_to(within):
        raise PostError("a link to a file outside the site folder; not read", name)


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_fully(fd: int, size: int) -> bytes:
    """``size`` bytes from ``fd``, fewer only at the end of the file (``os.read`` may stop short before it)."""
    data = os.read(fd, size)
    if not data or len(data) == size:
        return data
    parts = [data]
    size -= len(data)
    while size > 0:
        data = os.read(fd, size)
        if not data:
            break
        parts.append(data)
        size -= len(data)
    return b"".join(parts)


def _refuse_if_too_large(size: int, name: str) -> None:
    if size > MAX_POST_BYTES:
        raise PostError(f"file is {size // (1024 * 1024)} MB; posts over "
                        f"{MAX_POST_BYTES // (1024 * 1024)} MB are refused", name)


def read_post_text(path: Path, name: str) -> str:
    """Read and decode a post file, refusing files too large to be a post."""
    return _read_post(path, name, _read_whole)


def _read_whole(read: Callable[[int], bytes], size: int, name: str) -> str:
    # read(n) sets n bytes aside first: ask for the size, not the limit.
    raw = read(size + 1)
    if len(raw) > size:  # the file grew since
        raw += read(MAX_POST_BYTES + 1 - len(raw))
    if len(raw) > MAX_POST_BYTES:
        raise PostError(f"file is over {MAX_POST_BYTES // (1024 * 1024)} MB; posts that large are refused", name)
    return decode_post(raw, name)


HEAD_BYTES = 2048
NOT_SPACE = re.compile(r"\S")


def read_post_head(path: Path, name: str, within: Path | None = None) -> str:
    """The start of a post file, decoded: all of its front matter, little of its body.

    Every post's front matter is read on every run, but only the posts that
    land in an output need a body, so the rest of the file is not decoded:
    on a large site that halves the cost of reading. The head is cut after a
    line break (never inside a UTF-8 sequence) and grown until the front
    matter's closing line is followed by something other than white space,
    so splitting it gives the same front matter and body line as the whole
    file. A body that is not text is reported when the body is rendered.
    ``within``: see ``_read_post``.
    """
    return _read_post(path, name, _read_head, within)


def post_head_of(raw: bytes, name: str) -> str:
    """``read_post_head``'s text, from the bytes of a file read whole already.

    The posts index reads each new post whole to hash it; reading the head
    again from disk would open every file twice on a first run.
    """
    _refuse_if_too_large(len(raw), name)
    return _read_head(io.BytesIO(raw).read, len(raw), name)


def _read_head(read: Callable[[int], bytes], size: int, name: str) -> str:
    raw = read(HEAD_BYTES)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_post(raw + read(max(size - len(raw), 0) + 1), name)
    while len(raw) < size:
        cut = raw.rfind(b"\n") + 1
        if cut:
            text = decode_post(raw[:cut], name)
            if _head_is_enough(text):
                return text
        more = read(len(raw))
        if not more:
            break
        raw += more
    return decode_post(raw, name)


def _head_is_enough(text: str) -> bool:
    """Whether the front matter in ``text`` ends before ``text`` does (see read_post_head).

    Front matter after blank lines counts (a Hugo site's; elsewhere it is body, read a little early).
    """
    text = text.lstrip()
    handler = _handler_for(text)
    if handler is None:
        return True  # no front matter: nothing more to read
    boundaries = handler.FM_BOUNDARY.finditer(text)
    closing = next(boundaries, None) and next(boundaries, None)
    return closing is not None and NOT_SPACE.search(text, closing.end()) is not None
