"""The notebooks of examples/ (issue #9's lessons): valid nbformat with cleared outputs, slides and video metadata in
the formats the extensions read, teacher sources that release into exactly the committed students' notebooks, and
lessons that run top to bottom and grade as they should (full marks for the teacher's answers, 0 with hints for the
untouched students' copy).

Layout: ``examples/teacher/<lang>/<name>.ipynb`` are the teachers' sources (answers and checks, hidden test sets in
``<name>.datasets/``); ``examples/lessons/<lang>/<name>.ipynb`` are their releases (``classlab-grader release``); both
sit two folders below examples/, so the lessons' relative media paths (``../../media/…``) work in either.

The slow parts (kernels and grading sandboxes) start together once per module, in threads, so the file stays within
about a minute on two cores.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
import pytest
from classlab_bridge.grader.grading import summarize
from classlab_bridge.grader.judge import JudgeSettings, cells_of, judge
from classlab_bridge.grader.release import check_spec, release
from classlab_bridge.grader.repair import repair
from classlab_bridge.grader.sandbox import Sandbox, SandboxConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOKS = sorted(p for p in EXAMPLES.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
LANGS = ("en", "zh")
SOURCES = sorted((EXAMPLES / "teacher").glob("*/*.ipynb"))
GRADED = [p for p in SOURCES if p.name != "teachers-guide.ipynb"]
#: Every notebook of the new lessons (teachers' sources, guides, students' copies): slides throughout.
LESSON_NOTEBOOKS = SOURCES + sorted((EXAMPLES / "lessons").glob("*/*.ipynb"))

SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
RISE_OPTIONS = set("theme transition start_slideshow_at autolaunch scroll header footer width height".split())
MEDIA_LIMIT = 300 * 1024
#: The judge's real limits, with room for a busy 2-core test machine (the service runs cells with 10 s each).
SETTINGS = JudgeSettings(cell_timeout=60, call_timeout=10, value_timeout=30, predict_timeout=30, wall_seconds=300)


def rel(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


def student_of(source: Path) -> Path:
    return EXAMPLES / "lessons" / source.parent.name / source.name


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def text(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def test_the_lessons_are_all_here():
    for lang in LANGS:
        names = {p.name for p in (EXAMPLES / "teacher" / lang).glob("*.ipynb")}
        assert names == {"why-machines-learn.ipynb", "tune-the-machine.ipynb", "teachers-guide.ipynb"}, lang
        for source in (EXAMPLES / "teacher" / lang).glob("*.ipynb"):
            if source.name != "teachers-guide.ipynb":
                assert student_of(source).is_file(), f"{rel(source)} has no released copy in lessons/{lang}/"


# --- formats --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_every_notebook_is_valid_nbformat_4_with_outputs_cleared(path):
    nb = read(path)
    assert nb.nbformat == 4
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [cell.get("id") for cell in nb.cells]
    assert len(set(ids)) == len(ids) and all(ids), "cell ids must be there and unique (chapters point at them)"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{cell.id}: clear the outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_slides_metadata_is_what_rise_and_classlab_slides_read(path):
    nb = read(path)
    unknown = set(nb.metadata.get("rise", {})) - RISE_OPTIONS
    assert not unknown, f"unknown rise options {unknown}"
    for cell in nb.cells:
        slideshow = cell.metadata.get("slideshow")
        if slideshow is not None:
            assert slideshow.get("slide_type") in SLIDE_TYPES, cell.id
        tags = cell.metadata.get("tags", [])
        assert isinstance(tags, list) and all(isinstance(t, str) for t in tags), cell.id
    if path in LESSON_NOTEBOOKS:  # the lessons are slides throughout, starting with a slide
        types = [cell.metadata.get("slideshow", {}).get("slide_type") for cell in nb.cells]
        assert None not in types, "every cell of a lesson says how it shows on the slides"
        assert types[0] == "slide"


def videos(nb: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (cell, cell["metadata"]["classlab"]["video"])
        for cell in nb["cells"]
        if isinstance(cell["metadata"].get("classlab"), dict) and "video" in cell["metadata"]["classlab"]
    ]


def local_file(notebook: Path, src: str) -> Path:
    """A video spec's relative path as the bridge's media handler serves it: inside examples/, no absolute paths."""
    assert not re.match(r"^[a-z]+:", src) and not src.startswith("/"), f"{src}: use a path relative to the notebook"
    file = (notebook.parent / PurePosixPath(src)).resolve()
    assert EXAMPLES in file.parents, f"{src} leaves examples/"
    assert file.is_file(), f"{src} (from {rel(notebook)}) does not exist"
    return file


@pytest.mark.parametrize("path", NOTEBOOKS, ids=rel)
def test_video_chapters_point_at_cells_and_media_that_exist(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = {cell["id"] for cell in nb["cells"]}
    for cell, video in videos(nb):
        assert video["kind"] in ("file", "hls")
        media = local_file(path, video["src"])
        assert media.stat().st_size < MEDIA_LIMIT or media.suffix == ".m3u8"
        assert f"({video['src']})" in text(cell), "the cell's text links the video (GitHub and nbconvert show it)"
        tracks = video.get("captions", [])
        assert sum(bool(t.get("default")) for t in tracks) <= 1
        for track in tracks:
            assert local_file(path, track["src"]).read_text(encoding="utf-8").startswith("WEBVTT"), track["src"]
            assert re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", track["lang"])
        times = [chapter["time"] for chapter in video.get("chapters", [])]
        assert times == sorted(times) and all(isinstance(t, (int, float)) and t >= 0 for t in times)
        for chapter in video.get("chapters", []):
            assert isinstance(chapter["title"], str) and chapter["title"].strip()
            if "cell" in chapter:
                assert chapter["cell"] in ids, f"chapter {chapter['title']!r} points at a missing cell"
            if chapter.get("checkpoint"):
                assert "cell" in chapter, "a checkpoint needs the cell the student runs"


def test_the_lesson_video_has_chapters_linked_to_cells_and_a_checkpoint_in_both_languages():
    for folder in ("teacher", "lessons"):
        for lang in LANGS:
            nb = json.loads((EXAMPLES / folder / lang / "why-machines-learn.ipynb").read_text(encoding="utf-8"))
            [(_, video)] = videos(nb)
            chapters = video["chapters"]
            assert len(chapters) >= 4 and sum(bool(c.get("checkpoint")) for c in chapters) == 1
            assert {t["lang"] for t in video["captions"]} == {"en", "zh-CN"}
            default = next(t["lang"] for t in video["captions"] if t.get("default"))
            assert default == ("en" if lang == "en" else "zh-CN")
            gpu = [c for c in nb["cells"] if "gpu-setup" in c["metadata"].get("tags", [])]
            assert gpu and "torch.cuda.is_available()" in text(gpu[0])


# --- the teachers' sources and their releases -----------------------------------------------------------------------


@pytest.mark.parametrize("source", GRADED, ids=rel)
def test_a_source_releases_into_the_committed_students_notebook(source, tmp_path):
    student, spec_dir = release(source, tmp_path)
    summary = check_spec(spec_dir)
    assert summary["checks"] >= 2 and summary["visible"] >= 1
    fresh = json.loads(student.read_text(encoding="utf-8"))
    committed = json.loads(student_of(source).read_text(encoding="utf-8"))
    assert committed == fresh, (
        f"{rel(student_of(source))} is not the release of {rel(source)}: run "
        f"`classlab-grader release examples/{rel(source)} --out /tmp/x` and copy /tmp/x/{source.name} there"
    )
    assert not (student_of(source).parent / f"{source.stem}.spec").exists(), "specs stay on the grading side"
    released = json.dumps(committed, ensure_ascii=False)
    for marker in ("BEGIN SOLUTION", "expected", "digits-holdout"):
        assert marker not in released


def test_assignment_ids_differ_between_the_languages(tmp_path):
    names = [check_spec(release(s, tmp_path / s.parent.name)[1])["assignment"] for s in GRADED]
    assert len(set(names)) == len(names), names


@pytest.mark.parametrize("name", ["why-machines-learn", "tune-the-machine", "teachers-guide"])
def test_english_and_chinese_versions_match(name):
    """Same cells, slides, tags, video chapters' cells and checks (only the words differ)."""
    en, zh = (json.loads((EXAMPLES / "teacher" / lang / f"{name}.ipynb").read_text(encoding="utf-8")) for lang in LANGS)

    def shape(nb: dict[str, Any]) -> list[Any]:
        out = []
        for cell in nb["cells"]:
            meta = cell["metadata"]
            grader = (meta.get("classlab") or {}).get("grader")
            if grader:
                grader = [{k: v for k, v in c.items() if k != "hint"} for c in grader["checks"]]
            video = (meta.get("classlab") or {}).get("video")
            chapters = [(c["time"], c.get("cell"), c.get("checkpoint")) for c in video["chapters"]] if video else None
            marks = (meta.get("slideshow"), meta.get("tags"), meta.get("nbgrader"))
            out.append((cell["id"], cell["cell_type"], marks, grader, chapters))
        return out

    assert shape(en) == shape(zh)
    solution = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
    answers = [[solution.findall(text(c)) for c in nb["cells"]] for nb in (en, zh)]
    assert answers[0] == answers[1], "the teacher's answers are code, the same in both languages"
    for nb in (en, zh):
        for cell in nb["cells"]:
            for check in ((cell["metadata"].get("classlab") or {}).get("grader") or {}).get("checks", []):
                if check["visibility"] == "visible":
                    assert set(check["hint"]) == {"en", "zh_CN"}, f"{check['id']}: hints in both languages"


# --- running and grading (started together, once) -------------------------------------------------------------------


def execute(path: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = read(path)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def grade(source: Path, notebook: dict[str, Any], lang: str) -> dict[str, Any]:
    """The in-process grader's results for a notebook (as grading.Grader.grade: repair, judge, summarize), on the spec
    released from ``source``; the runner runs unsandboxed here (the sandbox itself: test_grader_runner.py)."""
    with tempfile.TemporaryDirectory(prefix="classlab-examples-") as out:
        _, spec_dir = release(source, out)
        spec = json.loads((spec_dir / "spec.json").read_text(encoding="utf-8"))
        repaired, repairs = repair(notebook, spec)
        start = functools.partial(Sandbox.start, SandboxConfig(mode="none"))
        tests = judge(spec, spec_dir, cells_of(repaired), start, "submit", None, lang, SETTINGS)
    return summarize(spec, tests, repairs, "submit", None, 0.0)


@pytest.fixture(scope="module")
def runs():
    """Every lesson executed with nbclient, and every graded lesson graded twice (the teacher's executed source,
    the untouched students' copy): futures by (what, path)."""
    pool = ThreadPoolExecutor(max_workers=4)
    futures: dict[tuple[str, Path], Future] = {}
    for source in SOURCES:
        futures["run", source] = pool.submit(execute, source)
    for source in GRADED:
        lang = "zh_CN" if source.parent.name == "zh" else "en"
        futures["teacher", source] = pool.submit(lambda s=source, lg=lang: grade(s, futures["run", s].result(), lg))
        futures["student", source] = pool.submit(grade, source, read(student_of(source)), lang)
    yield futures
    pool.shutdown(wait=True)


@pytest.mark.parametrize("source", SOURCES, ids=rel)
def test_the_lesson_runs_top_to_bottom(runs, source):
    nb = runs["run", source].result()
    for cell in nb.cells:
        if cell.cell_type == "code":
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert not errors, f"{cell.id}: {errors[0].ename}: {errors[0].evalue}"
            streams = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
            assert not streams, f"{cell.id} wrote to stderr: {streams[0].text[:300]}"
    outputs = json.dumps([cell.get("outputs", []) for cell in nb.cells], ensure_ascii=False)
    if source.stem == "why-machines-learn":
        assert "cpu" in outputs or "cuda" in outputs  # the GPU cell says where it trained
    if source.stem == "tune-the-machine":
        assert "application/vnd.jupyter.widget-view+json" in outputs  # the sliders, with no front end to show them


@pytest.mark.parametrize("source", GRADED, ids=rel)
def test_the_teachers_answers_get_full_marks(runs, source):
    results = runs["teacher", source].result()
    failed = [f"{t['name']}: {t['output']}" for t in results["tests"] if t["status"] != "passed"]
    assert not failed
    assert results["score"] == results["max_score"] > 0
    assert results["extra_data"]["repairs"] == []


@pytest.mark.parametrize("source", GRADED, ids=rel)
def test_the_untouched_students_notebook_gets_0_with_hints(runs, source):
    results = runs["student", source].result()
    assert results["score"] == 0 and results["max_score"] > 0
    assert results["extra_data"]["repairs"] == []
    for test in results["tests"]:
        assert test["status"] == "failed"
        hint = test["extra_data"].get("hint")
        if test["visibility"] == "visible":
            assert hint and set(hint) == {"en", "zh_CN"}, test["name"]
        if source.parent.name == "zh":
            assert re.search(r"[\u4e00-\u9fff]", test["output"]), f"{test['name']}: not in Chinese: {test['output']}"
