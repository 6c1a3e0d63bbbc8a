"""``Video``: show a ClassLab video player from a kernel.

    from classlab_bridge import Video
    Video("lecture/index.m3u8", title="Loops",
          captions=[{"src": "lecture/en.vtt", "lang": "en", "label": "English", "default": True}],
          chapters=[(0, "Welcome"), ("1:30", "A for loop", "cell-id")])

The output is ``application/vnd.classlab.video+json`` (the spec of ``extensions/video/src/tokens.ts``, ``IVideoSpec``)
with a plain link as ``text/html`` and ``text/plain`` fallbacks, so the notebook still reads well in GitHub or
nbconvert. Relative paths are relative to the notebook's folder. This module imports nothing from jupyter_server: it
runs in any kernel.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional, Union
from urllib.parse import parse_qs, urlsplit

VIDEO_MIME_TYPE = "application/vnd.classlab.video+json"

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")

CaptionLike = Union[str, Mapping[str, Any]]
ChapterLike = Union[Mapping[str, Any], Sequence[Any]]


def check_url(url: object, what: str = "src") -> str:
    """Return ``url`` if it is a path relative to the notebook's folder or an http(s) URL; raise ValueError otherwise.

    The browser applies the same policy (``extensions/video/src/spec.ts``, ``checkMediaUrl``: the spec is untrusted
    notebook data); this only reports mistakes early.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{what} must be a non-empty string (a relative path or an http(s) URL), not {url!r}")
    if _CONTROL.search(url) or url != url.strip():
        raise ValueError(f"{what} must not contain control characters or start or end with spaces: {url!r}")
    scheme = _SCHEME.match(url)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            raise ValueError(
                f"{what}: {scheme.group(1).lower()}: URLs are not allowed ({url[:60]!r}); "
                "use a path relative to the notebook, or an http(s) URL"
            )
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError(f"{what}: {url!r} has no host")
        if parts.username is not None or parts.password is not None:
            raise ValueError(f"{what}: URLs with a user name or password are not allowed")
    elif url.startswith("//"):
        raise ValueError(f"{what}: {url!r} has no scheme; write https://{url[2:]}")
    elif url.startswith("/"):
        raise ValueError(f"{what}: {url!r} starts with /; write the path relative to the notebook's folder")
    elif "\\" in url:
        raise ValueError(f"{what}: use / in paths, not \\: {url!r}")
    return url


def youtube_id(value: object) -> str:
    """The 11-character id of a YouTube video, from an id or a youtube.com / youtu.be URL."""
    if not isinstance(value, str):
        raise ValueError(f"youtube must be a video id (11 characters), not {value!r}")
    candidate = value.strip()
    if not _YOUTUBE_ID.match(candidate) and "/" in candidate:
        parts = urlsplit(candidate if "://" in candidate else "https://" + candidate)
        host = parts.hostname or ""
        if host in ("youtu.be", "www.youtu.be"):
            candidate = parts.path.strip("/")
        elif host.endswith("youtube.com") or host.endswith("youtube-nocookie.com"):
            query = parse_qs(parts.query).get("v")
            candidate = query[0] if query else parts.path.rstrip("/").rsplit("/", 1)[-1]
    if not _YOUTUBE_ID.match(candidate):
        raise ValueError(f"youtube: {value!r} is not a YouTube video id (11 letters, digits, - or _)")
    return candidate


def seconds(value: object, what: str = "chapter time") -> float:
    """Seconds (≥ 0) from a number or an "m:ss" / "h:mm:ss" string."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be seconds or 'm:ss', not {value!r}")
    if isinstance(value, str):
        clock = _CLOCK.match(value.strip())
        if not clock:
            raise ValueError(f"{what} must be seconds or 'm:ss', not {value!r}")
        hours, minutes, secs = clock.groups()
        result = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    elif isinstance(value, (int, float)):
        result = float(value)
    else:
        raise ValueError(f"{what} must be seconds or 'm:ss', not {value!r}")
    if not result >= 0 or result == float("inf"):
        raise ValueError(f"{what} must be a finite number of seconds ≥ 0, not {value!r}")
    return int(result) if result == int(result) else result


def _caption(value: CaptionLike, index: int) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"src": value}
    if not isinstance(value, Mapping):
        raise ValueError(f"captions[{index}] must be a path/URL or a dict with src, lang, label, not {value!r}")
    unknown = set(value) - {"src", "lang", "label", "default"}
    if unknown:
        raise ValueError(f"captions[{index}]: unknown keys {sorted(unknown)}")
    lang = value.get("lang", "en")
    if not isinstance(lang, str) or not re.match(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", lang):
        raise ValueError(f"captions[{index}]: lang must be a language tag like 'en' or 'zh-CN', not {lang!r}")
    label = value.get("label", lang)
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"captions[{index}]: label must be a non-empty string")
    track: dict[str, Any] = {"src": check_url(value.get("src"), f"captions[{index}].src"), "lang": lang, "label": label}
    if value.get("default"):
        track["default"] = True
    return track


def _chapter(value: ChapterLike, index: int) -> dict[str, Any]:
    if isinstance(value, Mapping):
        unknown = set(value) - {"time", "title", "cell", "checkpoint"}
        if unknown:
            raise ValueError(f"chapters[{index}]: unknown keys {sorted(unknown)}")
        fields = dict(value)
    elif isinstance(value, Sequence) and not isinstance(value, str) and 2 <= len(value) <= 4:
        fields = dict(zip(("time", "title", "cell", "checkpoint"), value))
    else:
        raise ValueError(
            f"chapters[{index}] must be a dict with time and title (cell, checkpoint optional) "
            f"or a tuple (time, title[, cell[, checkpoint]]), not {value!r}"
        )
    title = fields.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"chapters[{index}]: title must be a non-empty string")
    chapter: dict[str, Any] = {"time": seconds(fields.get("time"), f"chapters[{index}].time"), "title": title}
    cell = fields.get("cell")
    if cell is not None:
        if not isinstance(cell, str) or not cell:
            raise ValueError(f"chapters[{index}]: cell must be a cell id (a string)")
        chapter["cell"] = cell
    if fields.get("checkpoint"):
        if cell is None:
            raise ValueError(f"chapters[{index}]: a checkpoint needs the cell the student runs")
        chapter["checkpoint"] = True
    return chapter


def _is_hls(src: str) -> bool:
    return urlsplit(src).path.lower().endswith(".m3u8")


class Video:
    """A ClassLab video player as a notebook output: a file or http(s) URL, an HLS playlist, or a YouTube id.

    Exactly one of ``src`` (relative path or http(s) URL; ``.m3u8`` plays as HLS) and ``youtube`` (an id or a
    YouTube URL). ``captions``: paths/URLs of WebVTT files, or dicts ``{src, lang, label, default}``. ``chapters``:
    dicts ``{time, title, cell, checkpoint}`` or tuples ``(time, title[, cell[, checkpoint]])``; time in seconds or
    "m:ss". ``kind`` overrides the guess from ``src`` ("file" or "hls"). ``autoplay`` is honoured in trusted notebooks
    only. Raises ValueError for anything the player would refuse.
    """

    def __init__(
        self,
        src: Optional[str] = None,
        youtube: Optional[str] = None,
        title: Optional[str] = None,
        captions: Optional[Iterable[CaptionLike]] = None,
        chapters: Optional[Iterable[ChapterLike]] = None,
        poster: Optional[str] = None,
        kind: Optional[str] = None,
        autoplay: bool = False,
    ) -> None:
        if (src is None) == (youtube is None):
            raise ValueError("give exactly one of src (a file, URL or .m3u8 playlist) and youtube (a video id)")
        spec: dict[str, Any] = {}
        if youtube is not None:
            if kind not in (None, "youtube"):
                raise ValueError(f"kind {kind!r} does not go with youtube")
            spec["kind"] = "youtube"
            spec["youtube"] = youtube_id(youtube)
        else:
            src = check_url(src)
            if kind is None:
                kind = "hls" if _is_hls(src) else "file"
            if kind not in ("file", "hls"):
                raise ValueError(f"kind must be 'file' or 'hls' for src, not {kind!r}")
            spec["kind"] = kind
            spec["src"] = src
        if title is not None:
            if not isinstance(title, str):
                raise ValueError(f"title must be a string, not {title!r}")
            if title.strip():
                spec["title"] = title.strip()
        if poster is not None:
            spec["poster"] = check_url(poster, "poster")
        if autoplay:
            spec["autoplay"] = True
        if isinstance(captions, (str, Mapping)):
            captions = [captions]
        tracks = [_caption(track, i) for i, track in enumerate(captions or [])]
        if sum(1 for track in tracks if track.get("default")) > 1:
            raise ValueError("at most one captions track may be default")
        spec["captions"] = tracks
        spec["chapters"] = sorted((_chapter(c, i) for i, c in enumerate(chapters or [])), key=lambda c: c["time"])
        self._spec = spec

    @property
    def spec(self) -> dict[str, Any]:
        """The ``application/vnd.classlab.video+json`` data (a copy)."""
        return {
            key: [dict(item) for item in value] if isinstance(value, list) else value
            for key, value in self._spec.items()
        }

    @property
    def href(self) -> str:
        """Where the fallback link points: the src, or the video on youtube.com."""
        if self._spec["kind"] == "youtube":
            return f"https://www.youtube.com/watch?v={self._spec['youtube']}"
        return str(self._spec["src"])

    @property
    def label(self) -> str:
        return str(self._spec.get("title") or self._spec.get("src") or f"YouTube {self._spec.get('youtube')}")

    def _repr_mimebundle_(
        self, include: Optional[Iterable[str]] = None, exclude: Optional[Iterable[str]] = None
    ) -> dict[str, Any]:
        link = f'<a href="{html.escape(self.href, quote=True)}">{html.escape(self.label)}</a>'
        bundle: dict[str, Any] = {
            VIDEO_MIME_TYPE: self.spec,
            "text/plain": f"Video: {self.label}",
            "text/html": f"<p>Video: {link}</p>",
        }
        if include is not None:
            bundle = {key: value for key, value in bundle.items() if key in set(include)}
        if exclude is not None:
            bundle = {key: value for key, value in bundle.items() if key not in set(exclude)}
        return bundle

    def __repr__(self) -> str:
        return f"Video({self.label!r})"
