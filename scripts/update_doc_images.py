"""Copy the browser tests' screenshots that the guides show from ui-tests/artifacts/ into docs/images/.

Run the specs named below first (they write the screenshots), then:

    .venv/bin/python scripts/update_doc_images.py          # copy every picture again
    .venv/bin/python scripts/update_doc_images.py --check  # only say which sources are missing

A picture over MAX_BYTES is shrunk with ImageMagick's `convert` (256 colours, then smaller) when it is installed;
otherwise it is copied as it is, with a warning. Exits 1 when a source is missing (the old copy is kept).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "ui-tests" / "artifacts"
IMAGES = REPO / "docs" / "images"
MAX_BYTES = 200 * 1024

# docs/images/<name>: (screenshot in ui-tests/artifacts/, the spec that makes it)
PICTURES: dict[str, tuple[str, str]] = {
    "slides.png": ("lang-slides-en.png", "tests/languages.spec.ts"),
    "video.png": ("lang-video-en.png", "tests/languages.spec.ts"),
    "lesson-slides.png": (
        "why-machines-learn_en_video_with_chapters_then_slides.png",
        "tests/lessons.spec.ts",
    ),
    "help-ask.png": ("lang-help-en.png", "tests/languages.spec.ts"),
    "help-session.png": ("help-hub-teacher-session.png", "hub/tests (playwright.hub.config.ts)"),
    "gpu-panel.png": ("gpu-panel.png", "tests/gpu.spec.ts"),
    "gpu-done.png": ("gpu-done.png", "tests/gpu.spec.ts"),
    "grader-panel.png": ("lang-grader-en.png", "tests/languages.spec.ts"),
    "grader-panel-zh.png": ("lang-grader-zh.png", "tests/languages.spec.ts"),
    "grader-checked.png": ("grader-checked.png", "tests/grader.spec.ts"),
    "grader-class.png": ("grader-hub-teacher-class-view.png", "hub/tests (playwright.hub.config.ts)"),
}


def shrink(source: Path, target: Path) -> bool:
    """Write a smaller copy of ``source`` to ``target`` with ImageMagick; False when that is not possible."""
    convert = shutil.which("convert")
    if convert is None:
        return False
    with tempfile.TemporaryDirectory() as work:
        for scale in ("100%", "80%", "66%", "50%"):
            candidate = Path(work) / f"{scale.rstrip('%')}.png"
            subprocess.run(
                [convert, str(source), "-resize", scale, "-colors", "256", f"PNG8:{candidate}"],
                check=True,
            )
            if candidate.stat().st_size <= MAX_BYTES:
                shutil.copyfile(candidate, target)
                return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing screenshots")
    args = parser.parse_args(argv)

    missing = [(name, source, spec) for name, (source, spec) in PICTURES.items() if not (ARTIFACTS / source).is_file()]
    for name, source, spec in missing:
        print(f"missing: ui-tests/artifacts/{source} (for docs/images/{name}; run ui-tests/{spec})", file=sys.stderr)
    if args.check:
        return 1 if missing else 0

    IMAGES.mkdir(parents=True, exist_ok=True)
    skipped = {name for name, _, _ in missing}
    for name, (source, _) in PICTURES.items():
        if name in skipped:
            continue
        src, dst = ARTIFACTS / source, IMAGES / name
        if src.stat().st_size <= MAX_BYTES:
            shutil.copyfile(src, dst)
        elif not shrink(src, dst):
            shutil.copyfile(src, dst)
            print(f"warning: docs/images/{name} is over {MAX_BYTES // 1024} KB (no ImageMagick)", file=sys.stderr)
        print(f"docs/images/{name} <- ui-tests/artifacts/{source} ({dst.stat().st_size // 1024} KB)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
