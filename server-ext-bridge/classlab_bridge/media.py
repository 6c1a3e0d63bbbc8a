"""``GET {base_url}classlab/media/<path>``: lecture videos, HLS folders and captions from the server's root dir.

Like jupyter_server's ``/files/`` (``AuthenticatedFileHandler``: authenticated, authorized on "contents", confined to
the root dir, hidden files refused, no listings, HTTP Range/206), plus what video players need and ``/files/`` does not
give:

- an explicit MIME map (``.ts`` is ``text/vnd.trolltech.linguist`` in Debian's ``/etc/mime.types``; ``.m4s`` and
  ``.m3u8`` are unknown or wrong on many systems);
- only media, captions and poster images are served here; anything else is refused (use ``/files/``);
- ``Cache-Control: no-cache`` for playlists (a live playlist changes every segment), a long private max-age for
  segments (each segment's name is written once per encode);
- 403 instead of a redirect to the login page when not logged in: a player cannot use a login page.

The files come from the local disk under ``ServerApp.root_dir`` (Range needs a real file; a non-file
ContentsManager, e.g. S3, is not supported here).
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_server.base.handlers import AuthenticatedFileHandler
from tornado import web

#: Suffix → Content-Type of every file the media endpoint serves.
MEDIA_TYPES: dict[str, str] = {
    # HLS playlists and segments
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m3u": "audio/mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",  # whole videos and fMP4 init segments
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
    # audio
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".mp3": "audio/mpeg",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    # captions, chapters
    ".vtt": "text/vtt; charset=utf-8",
    # posters
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}

#: Segments: written once under their name by the encoder, so they may be cached.
SEGMENT_SUFFIXES = frozenset({".ts", ".m4s"})

#: Cache lifetime of a segment (private: the media is per-user and authenticated). One day rather than a year:
#: re-encoding a folder in place reuses segment names.
SEGMENT_MAX_AGE = 86400

#: URL path under the server's base_url.
MEDIA_URL_PATH = "classlab/media"


def media_type(path: str) -> str | None:
    """The Content-Type the media endpoint serves ``path`` with, or None when it does not serve such files."""
    return MEDIA_TYPES.get(os.path.splitext(path)[1].lower())


class MediaHandler(AuthenticatedFileHandler):
    """Serves media files under the server's root dir to the logged-in user (see the module docstring)."""

    auth_resource = "contents"

    def get_login_url(self) -> str:
        # @web.authenticated redirects GET requests to the login page; a <video> or hls.js cannot follow that.
        if not self.current_user:
            raise web.HTTPError(403)
        return super().get_login_url()

    def validate_absolute_path(self, root: str, absolute_path: str) -> str:
        # The parents confine to root (also through symlinks), refuse directories and hidden files, and 404 missing
        # files; only then is the type checked, so a refusal says nothing about files outside the root.
        checked = super().validate_absolute_path(root, absolute_path)
        if media_type(checked) is None:
            raise web.HTTPError(403, "not a media file: %s", self.path)
        return checked

    def get_content_type(self) -> str:
        assert self.absolute_path is not None
        return media_type(self.absolute_path) or "application/octet-stream"

    def get_cache_time(self, path: str, modified: Any, mime_type: str) -> int:
        return 0  # set_headers says it

    def set_headers(self) -> None:
        # StaticFileHandler's headers (Accept-Ranges, Last-Modified, Content-Type), not /files/' blanket no-cache.
        web.StaticFileHandler.set_headers(self)
        assert self.absolute_path is not None
        if os.path.splitext(self.absolute_path)[1].lower() in SEGMENT_SUFFIXES:
            self.set_header("Cache-Control", f"private, max-age={SEGMENT_MAX_AGE}")
        else:
            # Playlists (live ones change every segment), whole videos, captions: revalidate (304 via Last-Modified).
            self.set_header("Cache-Control", "no-cache")
