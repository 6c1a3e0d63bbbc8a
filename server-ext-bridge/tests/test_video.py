"""``from classlab_bridge import Video``: the output a kernel sends, and what it refuses."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from classlab_bridge import Video
from classlab_bridge.video import VIDEO_MIME_TYPE

MIME = "application/vnd.classlab.video+json"


def test_mime_type_is_the_front_ends():
    assert VIDEO_MIME_TYPE == MIME


def test_file_video_bundle():
    bundle = Video("lecture.mp4", title="Loops")._repr_mimebundle_()
    assert bundle[MIME] == {"kind": "file", "src": "lecture.mp4", "title": "Loops", "captions": [], "chapters": []}
    assert bundle["text/plain"] == "Video: Loops"
    assert bundle["text/html"] == '<p>Video: <a href="lecture.mp4">Loops</a></p>'
    json.dumps(bundle)  # what the kernel sends must be JSON


@pytest.mark.parametrize(
    "src", ["week 1/index.m3u8", "https://cdn.example.org/live/index.M3U8?token=1", "hls/index.m3u8#t=10"]
)
def test_m3u8_plays_as_hls(src):
    assert Video(src).spec["kind"] == "hls"


@pytest.mark.parametrize("src", ["lecture.mp4", "http://example.org/a.webm", "../media/a.mp4"])
def test_other_sources_play_as_files(src):
    assert Video(src).spec["kind"] == "file"


def test_kind_can_be_given():
    assert Video("https://cdn.example.org/stream?id=3", kind="hls").spec["kind"] == "hls"
    with pytest.raises(ValueError, match="kind"):
        Video("a.mp4", kind="youtube")


def test_autoplay_only_when_asked():
    assert "autoplay" not in Video("a.mp4").spec
    assert Video("a.mp4", autoplay=True).spec["autoplay"] is True


def test_text_plain_without_title_names_the_src():
    assert Video("a.mp4")._repr_mimebundle_()["text/plain"] == "Video: a.mp4"


def test_youtube_by_id_or_url():
    for value in ("dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3", "https://youtu.be/dQw4w9WgXcQ"):
        video = Video(youtube=value)
        assert video.spec == {"kind": "youtube", "youtube": "dQw4w9WgXcQ", "captions": [], "chapters": []}
    bundle = Video(youtube="dQw4w9WgXcQ")._repr_mimebundle_()
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in bundle["text/html"]
    assert bundle["text/plain"] == "Video: YouTube dQw4w9WgXcQ"


@pytest.mark.parametrize("value", ["short", "dQw4w9WgXcQ!", "<script>xx>", "https://example.org/watch?v=x", 42])
def test_bad_youtube_ids_are_refused(value):
    with pytest.raises(ValueError, match="youtube"):
        Video(youtube=value)


def test_exactly_one_source():
    with pytest.raises(ValueError, match="exactly one"):
        Video()
    with pytest.raises(ValueError, match="exactly one"):
        Video("a.mp4", youtube="dQw4w9WgXcQ")


@pytest.mark.parametrize(
    "src",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "data:video/mp4;base64,AAAA",
        "file:///etc/passwd",
        "blob:https://example.org/x",
        "vbscript:x",
        "//evil.example.org/a.mp4",
        "https:///nohost",
        "https://user:pw@example.org/a.mp4",
        "/user/ann/files/a.mp4",
        "week1\\a.mp4",
        "",
    ],
)
def test_unsafe_urls_are_refused(src):
    with pytest.raises(ValueError):
        Video(src)


def test_unsafe_urls_are_refused_in_captions_and_poster():
    with pytest.raises(ValueError, match=r"captions\[0\]\.src.*javascript"):
        Video("a.mp4", captions=["javascript:alert(1)"])
    with pytest.raises(ValueError, match="poster.*data"):
        Video("a.mp4", poster="data:image/png;base64,AAAA")


def test_captions():
    video = Video(
        "a.mp4",
        captions=[
            "en.vtt",
            {"src": "zh.vtt", "lang": "zh-CN", "label": "中文", "default": True},
        ],
    )
    assert video.spec["captions"] == [
        {"src": "en.vtt", "lang": "en", "label": "en"},
        {"src": "zh.vtt", "lang": "zh-CN", "label": "中文", "default": True},
    ]
    assert Video("a.mp4", captions="en.vtt").spec["captions"] == [{"src": "en.vtt", "lang": "en", "label": "en"}]


def test_bad_captions_are_refused():
    with pytest.raises(ValueError, match="lang"):
        Video("a.mp4", captions=[{"src": "a.vtt", "lang": "english please"}])
    with pytest.raises(ValueError, match="default"):
        Video("a.mp4", captions=[{"src": "a.vtt", "default": True}, {"src": "b.vtt", "default": True}])
    with pytest.raises(ValueError, match="unknown"):
        Video("a.mp4", captions=[{"src": "a.vtt", "kind": "chapters"}])


def test_chapters_are_sorted_and_accept_clock_times():
    video = Video(
        "a.mp4",
        chapters=[
            {"time": "1:30", "title": "A loop", "cell": "c2", "checkpoint": True},
            (0, "Welcome"),
            ("1:02:03.5", "The end", "c9"),
        ],
    )
    assert video.spec["chapters"] == [
        {"time": 0, "title": "Welcome"},
        {"time": 90, "title": "A loop", "cell": "c2", "checkpoint": True},
        {"time": 3723.5, "title": "The end", "cell": "c9"},
    ]


@pytest.mark.parametrize(
    "chapter, message",
    [
        ((-1, "Before the start"), "≥ 0"),
        ((float("nan"), "NaN"), "≥ 0"),
        (("soon", "Later"), "m:ss"),
        ((True, "Bool"), "m:ss"),
        ((5, ""), "title"),
        ({"time": 5, "title": "No cell", "checkpoint": True}, "checkpoint needs"),
        ({"time": 5, "title": "x", "at": 3}, "unknown"),
        ("0:00 Welcome", "tuple"),
    ],
)
def test_bad_chapters_are_refused(chapter, message):
    with pytest.raises(ValueError, match=message):
        Video("a.mp4", chapters=[chapter])


def test_fallback_html_is_escaped():
    bundle = Video('x".mp4', title="<img src=x onerror=alert(1)>")._repr_mimebundle_()
    assert bundle["text/html"] == ('<p>Video: <a href="x&quot;.mp4">&lt;img src=x onerror=alert(1)&gt;</a></p>')


def test_include_and_exclude():
    video = Video("a.mp4")
    assert set(video._repr_mimebundle_(include=[MIME])) == {MIME}
    assert set(video._repr_mimebundle_(exclude=["text/html"])) == {MIME, "text/plain"}


def test_spec_is_a_copy():
    video = Video("a.mp4", chapters=[(0, "a")])
    video.spec["chapters"].append({"time": 1, "title": "b"})
    video.spec["chapters"][0]["title"] = "changed"
    assert video.spec["chapters"] == [{"time": 0, "title": "a"}]


def test_ipython_display_sends_the_bundle():
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(Video("a.mp4", title="A"))
    assert data[MIME]["src"] == "a.mp4"
    assert data["text/plain"] == "Video: A"


def test_importing_video_does_not_import_the_server():
    code = (
        "import sys; from classlab_bridge import Video; Video('a.mp4')._repr_mimebundle_(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jupyter_server', 'tornado', 'traitlets')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
