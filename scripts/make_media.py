#!/usr/bin/env python3
"""Generate the media ClassLab's video tests and examples use, with Debian's ffmpeg (scripts/install-test-deps.sh).

    make_media.py mp4 OUT.mp4       a few seconds of test pattern + tone: H.264/AAC, faststart, ~100 KB
    make_media.py hls OUTDIR        HLS VOD: index.m3u8, init.mp4, seg000.m4s… (fMP4, 2 s segments), plus side-car
                                    captions captions.en.vtt and captions.zh-CN.vtt that say what happens
    make_media.py live OUTDIR       live sliding-window HLS (1 s fMP4 segments, 6 in the playlist, old ones deleted)
                                    written in real time until killed (scripts/live_hls_server.py serves it)
    make_media.py lesson [OUTDIR]   the lesson clip of examples/media/ (default): loops.mp4, its HLS folder loops/,
                                    captions loops.en.vtt, loops.zh-CN.vtt
    make_media.py machines [OUTDIR] the clip of the lesson "Why do machines learn?" (examples/media/ by default):
                                    why-machines-learn.mp4 (one title card per chapter, English and Chinese),
                                    captions why-machines-learn.en.vtt, why-machines-learn.zh-CN.vtt

Everything is deterministic apart from container timestamps, small, and made from ffmpeg's own sources (lavfi).
Only the standard library is used, so any Python ≥ 3.9 runs it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn, Optional

FFMPEG = os.environ.get("CLASSLAB_FFMPEG", "ffmpeg")
QUIET = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
FPS = 25
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

# H.264 (constrained baseline, 4:2:0) + AAC-LC plays in every browser's <video> and MSE (hls.js).
H264 = ["-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-preset", "veryfast"]
AAC = ["-c:a", "aac", "-b:a", "48k", "-ac", "1", "-ar", "44100"]

# (start, end, English, Chinese) of the test captions: what the test clip shows and plays.
TEST_CUES = [
    (0.0, 2.0, "A colour test pattern appears; a 440 Hz tone plays.", "出现彩色测试图案，播放 440 赫兹的音调。"),
    (2.0, 4.0, "The counter in the pattern passes 2 seconds.", "图案中的计数器超过 2 秒。"),
    (4.0, 6.0, "The coloured bars keep scrolling.", "彩色条纹继续滚动。"),
    (6.0, 8.0, "Last two seconds: the pattern ends.", "最后两秒：测试图案结束。"),
]

# The lesson clip "Loops in Python": (start, end, English, Chinese). It shows a title (0–3 s), the code (from 3 s)
# and its output, one line a second with a beep (6, 7, 8 s).
LESSON_SECONDS = 12
LESSON_CUES = [
    (0.0, 3.0, "Loops in Python.", "Python 中的循环。"),
    (3.0, 6.0, "A for loop runs its body once for each item.", "for 循环对每一项执行一次循环体。"),
    (6.0, 9.0, "range(3) gives 0, 1 and 2: print runs three times.", "range(3) 给出 0、1、2：print 执行三次。"),
    (9.0, 12.0, "Now try it yourself in the next cell.", "现在在下一个单元格里自己试一试。"),
]
LESSON_CODE = "for i in range(3):\n    print(i)"


def ffmpeg(*args: str) -> None:
    """Run ffmpeg, failing with its error output."""
    if shutil.which(FFMPEG) is None:
        sys.exit(f"make_media.py: {FFMPEG} not found; install Debian's ffmpeg (bash scripts/install-test-deps.sh)")
    result = subprocess.run([FFMPEG, *QUIET, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"make_media.py: ffmpeg failed ({result.returncode}):\n{result.stderr.strip()}")


def test_sources(seconds: Optional[float], size: str = "320x180") -> list[str]:
    """ffmpeg inputs: the moving test pattern (with a seconds counter) and a 440 Hz tone; endless without seconds."""
    duration = f":duration={seconds}" if seconds is not None else ""
    return [
        *("-f", "lavfi", "-i", f"testsrc=size={size}:rate={FPS}{duration}"),
        *("-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100{duration}"),
    ]


def keyframes_every(seconds: float) -> list[str]:
    """A keyframe exactly every `seconds` (HLS segments cut only at keyframes) and none elsewhere."""
    gop = str(round(seconds * FPS))
    return ["-g", gop, "-keyint_min", gop, "-sc_threshold", "0"]


def timestamp(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:06.3f}"


def write_vtt(path: Path, cues: list[tuple[float, float, str]]) -> None:
    lines = ["WEBVTT", ""]
    for number, (start, end, text) in enumerate(cues, 1):
        lines += [str(number), f"{timestamp(start)} --> {timestamp(end)}", text, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def make_mp4(out: Path, seconds: float = 4) -> Path:
    """A short H.264/AAC mp4 with the moov atom first (plays and seeks before it is fully downloaded)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg(
        *test_sources(seconds),
        *H264,
        *keyframes_every(1),
        *("-crf", "30"),
        *AAC,
        *("-movflags", "+faststart", "-shortest", str(out)),
    )
    return out


def hls_vod(source: list[str], outdir: Path, segment: float = 2) -> Path:
    """Encode `source` (ffmpeg inputs) as an HLS VOD folder with fMP4 segments; returns the playlist."""
    outdir.mkdir(parents=True, exist_ok=True)
    playlist = outdir / "index.m3u8"
    ffmpeg(
        *source,
        *H264,
        *keyframes_every(segment),
        *("-crf", "30"),
        *AAC,
        "-shortest",
        *("-f", "hls", "-hls_time", str(segment), "-hls_playlist_type", "vod"),
        *("-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"),
        *("-hls_flags", "independent_segments"),
        *("-hls_segment_filename", str(outdir / "seg%03d.m4s"), str(playlist)),
    )
    return playlist


def make_hls(outdir: Path, seconds: float = 8) -> Path:
    """HLS VOD of the test pattern, with English and Chinese side-car captions that say what happens."""
    playlist = hls_vod(test_sources(seconds), outdir)
    write_vtt(outdir / "captions.en.vtt", [(start, end, en) for start, end, en, _ in TEST_CUES])
    write_vtt(outdir / "captions.zh-CN.vtt", [(start, end, zh) for start, end, _, zh in TEST_CUES])
    return playlist


def live_command(outdir: Path) -> list[str]:
    """The ffmpeg command of a live stream into `outdir` (also used by scripts/live_hls_server.py)."""
    return [
        FFMPEG,
        *QUIET,
        "-re",
        *test_sources(None),
        *H264[:-1],
        *("ultrafast", "-tune", "zerolatency"),
        *keyframes_every(1),
        *("-b:v", "300k"),
        *AAC,
        *("-f", "hls", "-hls_time", "1", "-hls_list_size", "6"),
        *("-hls_flags", "delete_segments+omit_endlist+independent_segments+program_date_time+temp_file"),
        # Segment numbers start at the epoch second, so a restarted stream never reuses a cached segment's name.
        *("-hls_start_number_source", "epoch"),
        *("-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"),
        *("-hls_segment_filename", str(outdir / "seg%d.m4s"), str(outdir / "index.m3u8")),
    ]


def run_live(outdir: Path) -> NoReturn:
    """Become the ffmpeg writing the live stream, until killed (SIGINT/SIGTERM)."""
    outdir.mkdir(parents=True, exist_ok=True)
    if shutil.which(FFMPEG) is None:
        sys.exit(f"make_media.py: {FFMPEG} not found; install Debian's ffmpeg (bash scripts/install-test-deps.sh)")
    os.execvp(FFMPEG, live_command(outdir))


def lesson_video(out: Path, work: Path) -> None:
    """The lesson clip: a title, then the code of a for loop, then its output appearing line by line with a beep."""
    regular, mono = FONT_DIR / "DejaVuSans-Bold.ttf", FONT_DIR / "DejaVuSansMono.ttf"
    for font in (regular, mono):
        if not font.exists():
            sys.exit(f"make_media.py: {font} missing (Debian package fonts-dejavu-core)")
    title = work / "title.txt"
    title.write_text("Loops in Python")
    code = work / "code.txt"
    code.write_text(LESSON_CODE)
    outputs = []
    for value in range(3):
        path = work / f"out{value}.txt"
        path.write_text(str(value))
        outputs.append(path)

    def text(file: Path, font: Path, size: int, x: str, y: str, start: float, end: float, colour: str) -> str:
        return (
            f"drawtext=fontfile={font}:textfile={file}:fontsize={size}:fontcolor={colour}:x={x}:y={y}"
            f":enable='between(t,{start},{end})'"
        )

    filters = [
        text(title, regular, 40, "(w-text_w)/2", "(h-text_h)/2", 0, 3, "white"),
        text(code, mono, 26, "60", "50", 3, LESSON_SECONDS, "0x89b4fa"),
        *(
            text(path, mono, 26, "60", str(140 + 34 * value), 6 + value, LESSON_SECONDS, "0xa6e3a1")
            for value, path in enumerate(outputs)
        ),
    ]
    # A short beep as each output line appears (seconds 6, 7, 8).
    beep = "0.25*sin(2*PI*660*t)*between(t-floor(t),0,0.12)*between(t,6,8.2)"
    ffmpeg(
        *("-f", "lavfi", "-i", f"color=c=0x1e1e2e:size=480x270:rate=15:duration={LESSON_SECONDS}"),
        *("-f", "lavfi", "-i", f"aevalsrc='{beep}':sample_rate=44100:duration={LESSON_SECONDS}"),
        *("-vf", ",".join(filters)),
        *H264,
        *("-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-crf", "28"),
        *AAC,
        *("-movflags", "+faststart", "-shortest", str(out)),
    )


def make_lesson(outdir: Path) -> list[Path]:
    """examples/media/: loops.mp4, the same clip as HLS (the README's recipe) in loops/, captions in two languages."""
    outdir.mkdir(parents=True, exist_ok=True)
    clip = outdir / "loops.mp4"
    with tempfile.TemporaryDirectory() as work:
        lesson_video(clip, Path(work))
    hls = outdir / "loops"
    if hls.exists():
        shutil.rmtree(hls)
    # The README's recipe, lecture.mp4 → HLS folder (the clip is already H.264/AAC, so copy instead of re-encoding).
    hls.mkdir()
    ffmpeg(
        *("-i", str(clip), "-c", "copy"),
        *("-f", "hls", "-hls_time", "3", "-hls_playlist_type", "vod"),
        *("-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"),
        *("-hls_segment_filename", str(hls / "seg%03d.m4s"), str(hls / "index.m3u8")),
    )
    write_vtt(outdir / "loops.en.vtt", [(start, end, en) for start, end, en, _ in LESSON_CUES])
    write_vtt(outdir / "loops.zh-CN.vtt", [(start, end, zh) for start, end, _, zh in LESSON_CUES])
    return sorted(path for path in outdir.rglob("*") if path.is_file())


# The clip of "Why do machines learn?" (examples/lessons/*/why-machines-learn.ipynb): one title card per chapter, each
# CARD_SECONDS long, the lesson's chapters start at 0, 5, 10, 15, 20 s. (English title, Chinese title, background,
# English caption, Chinese caption, what the card shows under the titles.)
CARD_SECONDS = 5
MACHINES_CARDS = [
    (
        "Why do machines learn?",
        "机器为什么要学习？",
        "0x1e1e2e",
        "Why do machines learn? A one-hour lesson.",
        "机器为什么要学习？一节一小时的课。",
        "",
    ),
    (
        "1. Look at the digits",
        "1. 看一看这些数字",
        "0x313244",
        "Each picture is 8 by 8 squares. Each square is a number from 0 to 16.",
        "每张图有 8×8 个小方格。每个方格是 0 到 16 之间的一个数。",
        "pixels",
    ),
    (
        "2. Write a rule",
        "2. 写一条规则",
        "0x45475a",
        "Try to write rules by hand. People write digits in many ways, so rules break.",
        "试着手写规则。每个人写数字的方式都不一样，所以规则总会出错。",
        "if ink > 300:\n    guess = 8",
    ),
    (
        "3. Learn from examples",
        "3. 从例子中学习",
        "0x1e3a5f",
        "Give the computer many examples with answers. It finds the rules by itself.",
        "给计算机很多带答案的例子。它会自己找出规则。",
        "examples -> model -> guess",
    ),
    (
        "4. Your turn!",
        "4. 轮到你了！",
        "0x2d4a22",
        "Now it is your turn: train your own model in the notebook.",
        "现在轮到你了：在笔记本里训练你自己的模型。",
        "",
    ),
]
# The digit "3" of the second card, 8x8 like scikit-learn's digits ("#" is ink).
PIXEL_THREE = [
    "..####..",
    ".#....#.",
    "......#.",
    "...###..",
    "......#.",
    "......#.",
    ".#....#.",
    "..####..",
]
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def machines_video(out: Path, work: Path) -> None:
    """Title cards with drawtext (English and Chinese titles), a pixel digit drawn with drawbox, a beep per card."""
    regular, mono = FONT_DIR / "DejaVuSans-Bold.ttf", FONT_DIR / "DejaVuSansMono.ttf"
    for font in (regular, mono, CJK_FONT):
        if not font.exists():
            package = "fonts-wqy-microhei" if font == CJK_FONT else "fonts-dejavu-core"
            sys.exit(f"make_media.py: {font} missing (Debian package {package})")
    seconds = CARD_SECONDS * len(MACHINES_CARDS)
    filters = []
    for index, (en, zh, background, _, _, shows) in enumerate(MACHINES_CARDS):
        start, end = index * CARD_SECONDS, (index + 1) * CARD_SECONDS
        when = f"enable='between(t,{start},{end - 0.001})'"
        filters.append(f"drawbox=x=0:y=0:w=iw:h=ih:color={background}:t=fill:{when}")
        files = {}
        for key, text in (("en", en), ("zh", zh), ("shows", shows)):
            files[key] = work / f"card{index}.{key}.txt"
            files[key].write_text(text, encoding="utf-8")
        top = 60 if index else 95
        filters.append(
            f"drawtext=fontfile={regular}:textfile={files['en']}:fontsize=28:fontcolor=white:x=(w-text_w)/2:y={top}:{when}"
        )
        filters.append(
            f"drawtext=fontfile={CJK_FONT}:textfile={files['zh']}:fontsize=26:fontcolor=0xf9e2af:x=(w-text_w)/2"
            f":y={top + 45}:{when}"
        )
        if shows == "pixels":
            for row, line in enumerate(PIXEL_THREE):
                for column, char in enumerate(line):
                    if char == "#":
                        x, y = 200 + 10 * column, 165 + 10 * row
                        filters.append(f"drawbox=x={x}:y={y}:w=9:h=9:color=white:t=fill:{when}")
        elif shows:
            filters.append(
                f"drawtext=fontfile={mono}:textfile={files['shows']}:fontsize=20:fontcolor=0xa6e3a1"
                f":x=(w-text_w)/2:y=175:line_spacing=6:{when}"
            )
    # A short beep at the start of each card.
    beep = f"0.2*sin(2*PI*880*t)*between(mod(t,{CARD_SECONDS}),0,0.1)"
    ffmpeg(
        *("-f", "lavfi", "-i", f"color=c=black:size=480x270:rate=15:duration={seconds}"),
        *("-f", "lavfi", "-i", f"aevalsrc='{beep}':sample_rate=44100:duration={seconds}"),
        *("-vf", ",".join(filters)),
        *H264,
        *("-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-crf", "30"),
        *AAC,
        *("-movflags", "+faststart", "-shortest", str(out)),
    )


def make_machines(outdir: Path) -> list[Path]:
    """examples/media/why-machines-learn.mp4 and its captions in English and Chinese."""
    outdir.mkdir(parents=True, exist_ok=True)
    clip = outdir / "why-machines-learn.mp4"
    with tempfile.TemporaryDirectory() as work:
        machines_video(clip, Path(work))
    cues = [(i * CARD_SECONDS, (i + 1) * CARD_SECONDS, en, zh) for i, (_, _, _, en, zh, _) in enumerate(MACHINES_CARDS)]
    write_vtt(outdir / "why-machines-learn.en.vtt", [(start, end, en) for start, end, en, _ in cues])
    write_vtt(outdir / "why-machines-learn.zh-CN.vtt", [(start, end, zh) for start, end, _, zh in cues])
    return [clip, outdir / "why-machines-learn.en.vtt", outdir / "why-machines-learn.zh-CN.vtt"]


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    mp4 = commands.add_parser("mp4", help="a short H.264/AAC mp4")
    mp4.add_argument("out", type=Path)
    mp4.add_argument("--seconds", type=float, default=4)
    hls = commands.add_parser("hls", help="an HLS VOD folder with English and Chinese captions")
    hls.add_argument("outdir", type=Path)
    hls.add_argument("--seconds", type=float, default=8)
    live = commands.add_parser("live", help="a live sliding-window HLS stream, until killed")
    live.add_argument("outdir", type=Path)
    lesson = commands.add_parser("lesson", help="the example lesson's clip and captions")
    lesson.add_argument("outdir", type=Path, nargs="?", default=Path(__file__).parents[1] / "examples" / "media")
    machines = commands.add_parser("machines", help='the clip and captions of "Why do machines learn?"')
    machines.add_argument("outdir", type=Path, nargs="?", default=Path(__file__).parents[1] / "examples" / "media")
    args = parser.parse_args(argv)

    if args.command == "mp4":
        print(make_mp4(args.out, args.seconds))
    elif args.command == "hls":
        print(make_hls(args.outdir, args.seconds))
    elif args.command == "live":
        run_live(args.outdir)
    elif args.command == "machines":
        for path in make_machines(args.outdir):
            print(f"{path.stat().st_size:>8}  {path}")
    else:
        for path in make_lesson(args.outdir):
            print(f"{path.stat().st_size:>8}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
