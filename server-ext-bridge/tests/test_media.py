"""``GET {base_url}classlab/media/<path>`` against a real jupyter_server (pytest-jupyter; its base_url is ``/a%40b/``,
so every test here also runs under a JupyterHub-style prefix)."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

PLAYLIST = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-ENDLIST\n"
VIDEO = bytes(range(256)) * 40  # 10240 bytes, every offset recognisable


@pytest.fixture
def media(jp_root_dir):
    lecture = jp_root_dir / "week 1" / "lecture"
    lecture.mkdir(parents=True)
    (lecture / "index.m3u8").write_text(PLAYLIST)
    (lecture / "init.mp4").write_bytes(b"\0\0\0\x18ftypiso6")
    (lecture / "seg000.m4s").write_bytes(b"segment")
    (lecture / "seg000.ts").write_bytes(b"G" * 188)
    (lecture / "en.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHello 你好\n", encoding="utf-8")
    (jp_root_dir / "clip.mp4").write_bytes(VIDEO)
    (jp_root_dir / "clip.webm").write_bytes(b"webm")
    (jp_root_dir / "talk.m4a").write_bytes(b"m4a")
    (jp_root_dir / "talk.aac").write_bytes(b"aac")
    (jp_root_dir / "notes.txt").write_text("not media")
    (jp_root_dir / ".hidden.mp4").write_bytes(b"hidden")
    (jp_root_dir / ".secret").mkdir()
    (jp_root_dir / ".secret" / "clip.mp4").write_bytes(b"hidden")
    # Outside the root: must never be served.
    (jp_root_dir.parent / "outside.mp4").write_bytes(b"outside")
    return jp_root_dir


async def fetch_error(fetch, *args, **kwargs) -> int:
    with pytest.raises(HTTPClientError) as raised:
        await fetch(*args, **kwargs)
    return raised.value.code


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("week 1/lecture/index.m3u8", "application/vnd.apple.mpegurl"),
        ("week 1/lecture/seg000.m4s", "video/iso.segment"),
        ("week 1/lecture/seg000.ts", "video/mp2t"),
        ("week 1/lecture/init.mp4", "video/mp4"),
        ("week 1/lecture/en.vtt", "text/vtt; charset=utf-8"),
        ("clip.mp4", "video/mp4"),
        ("clip.webm", "video/webm"),
        ("talk.m4a", "audio/mp4"),
        ("talk.aac", "audio/aac"),
    ],
)
async def test_media_types(jp_fetch, media, path, content_type):
    response = await jp_fetch("classlab", "media", *path.split("/"))
    assert response.code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.body == (media / path).read_bytes()
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_playlists_are_revalidated_and_segments_cached(jp_fetch, media):
    playlist = await jp_fetch("classlab", "media", "week 1", "lecture", "index.m3u8")
    assert playlist.headers["Cache-Control"] == "no-cache"
    assert "Last-Modified" in playlist.headers
    for segment in ("seg000.m4s", "seg000.ts"):
        response = await jp_fetch("classlab", "media", "week 1", "lecture", segment)
        assert response.headers["Cache-Control"] == "private, max-age=86400"
    video = await jp_fetch("classlab", "media", "clip.mp4", params={"v": "1"})
    assert video.headers["Cache-Control"] == "no-cache"


async def test_range_request_returns_206_with_the_bytes_asked_for(jp_fetch, media):
    response = await jp_fetch("classlab", "media", "clip.mp4", headers={"Range": "bytes=1000-1099"})
    assert response.code == 206
    assert response.headers["Content-Range"] == f"bytes 1000-1099/{len(VIDEO)}"
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.body == VIDEO[1000:1100]

    tail = await jp_fetch("classlab", "media", "clip.mp4", headers={"Range": "bytes=-16"})
    assert tail.code == 206
    assert tail.body == VIDEO[-16:]


async def test_unsatisfiable_range_is_416(jp_fetch, media):
    code = await fetch_error(jp_fetch, "classlab", "media", "clip.mp4", headers={"Range": "bytes=99999-"})
    assert code == 416


async def test_head_reports_length_and_type(jp_fetch, media):
    response = await jp_fetch("classlab", "media", "clip.mp4", method="HEAD")
    assert response.code == 200
    assert response.headers["Content-Length"] == str(len(VIDEO))
    assert response.headers["Content-Type"] == "video/mp4"


@pytest.mark.parametrize("authorization", ["none", "token not-the-token"])
async def test_refused_without_a_valid_token(jp_fetch, media, authorization):
    # 403, not a redirect to the login page: a player cannot log in.
    code = await fetch_error(
        jp_fetch, "classlab", "media", "clip.mp4", headers={"Authorization": authorization}, follow_redirects=False
    )
    assert code in (401, 403)


async def test_refused_when_not_authorized_for_contents(jp_serverapp, jp_fetch, media):
    class NoContents:
        def is_authorized(self, handler, user, action, resource):  # noqa: ANN001, ANN201
            return resource != "contents"

    authorizer = jp_serverapp.web_app.settings["authorizer"]
    original = authorizer.is_authorized
    authorizer.is_authorized = NoContents().is_authorized.__get__(authorizer)
    try:
        assert await fetch_error(jp_fetch, "classlab", "media", "clip.mp4") == 403
    finally:
        authorizer.is_authorized = original


async def test_missing_file_is_404(jp_fetch, media):
    assert await fetch_error(jp_fetch, "classlab", "media", "week 1", "lecture", "nope.m4s") == 404


@pytest.mark.parametrize(
    "path", ["../outside.mp4", "%2E%2E/outside.mp4", "week%201/../../outside.mp4", "%2E%2E%2Foutside.mp4"]
)
async def test_paths_outside_the_root_are_refused(http_server_client, jp_auth_header, jp_base_url, media, path):
    with pytest.raises(HTTPClientError) as raised:
        await http_server_client.fetch(f"{jp_base_url}classlab/media/{path}", headers=jp_auth_header)
    assert raised.value.code in (403, 404)


async def test_symlink_out_of_the_root_is_refused(jp_fetch, media):
    (media / "link.mp4").symlink_to(media.parent / "outside.mp4")
    assert await fetch_error(jp_fetch, "classlab", "media", "link.mp4") in (403, 404)


@pytest.mark.parametrize("path", [".hidden.mp4", ".secret/clip.mp4"])
async def test_hidden_files_are_refused(jp_fetch, media, path):
    assert await fetch_error(jp_fetch, "classlab", "media", *path.split("/")) == 404


@pytest.mark.parametrize("path", ["week 1", "week 1/lecture", "week 1/lecture/"])
async def test_no_directory_listings(jp_fetch, media, path):
    assert await fetch_error(jp_fetch, "classlab", "media", *path.split("/")) in (403, 404)


async def test_non_media_files_are_not_served_here(jp_fetch, media):
    assert await fetch_error(jp_fetch, "classlab", "media", "notes.txt") == 403


async def test_served_under_the_base_url_only(http_server_client, jp_auth_header, media):
    with pytest.raises(HTTPClientError) as raised:
        await http_server_client.fetch("/classlab/media/clip.mp4", headers=jp_auth_header)
    assert raised.value.code == 404


async def test_info_reports_the_media_capability(jp_fetch):
    response = await jp_fetch("classlab", "api", "info")
    assert json.loads(response.body)["capabilities"]["media"] is True
