"""``classlab-grader``: a teacher's release of a source notebook, and a check of a released spec folder."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from .nbgrader_format import FormatError


def _release(args: argparse.Namespace) -> int:
    from .release import check_spec, release

    student, spec_dir = release(args.source, args.out)
    summary = check_spec(spec_dir)
    print(f"wrote {student} (the student notebook)")
    print(
        f"wrote {spec_dir / 'spec.json'} (assignment {summary['assignment']!r}, version {summary['spec_version']}: "
        f"{summary['questions']} questions, {summary['checks']} checks, {summary['visible']} visible and "
        f"{summary['hidden']} hidden, {summary['points']} points)"
    )
    for name in summary["datasets"]:
        print(f"wrote {spec_dir / 'datasets'}/{name}.* (hidden dataset)")
    print(f"Give students {student.name}; keep {spec_dir.name}/ on the grading side only.")
    return 0


def _check_spec(args: argparse.Namespace) -> int:
    from .release import check_spec

    summary = check_spec(args.dir)
    print(
        f"ok: assignment {summary['assignment']!r} ({summary['notebook']}), version {summary['spec_version']}: "
        f"{summary['questions']} questions, {summary['checks']} checks ({summary['visible']} visible, "
        f"{summary['hidden']} hidden), {summary['points']} points, datasets: {', '.join(summary['datasets']) or 'none'}"
    )
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="classlab-grader", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="make the student notebook and the grading spec")
    release.add_argument("source", metavar="SOURCE.ipynb", help="the teacher's source notebook")
    release.add_argument("--out", required=True, metavar="DIR", help="where to write <name>.ipynb and <name>.spec/")
    release.set_defaults(run=_release)
    check = commands.add_parser("check-spec", help="check a released spec folder (<name>.spec/)")
    check.add_argument("dir", metavar="DIR")
    check.set_defaults(run=_check_spec)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except FormatError as e:
        print(f"classlab-grader: error: {e.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
