#!/usr/bin/env bash
# Build what Binder (repo2docker) would, from exactly the files in binder/, so the Binder browser test
# (ui-tests/playwright.binder.config.ts) runs against it: a copy of the repository as repo2docker sees it (tracked and
# untracked files, nothing git ignores: no node_modules, no builds, no venvs), a fresh venv with
# `pip install -r binder/requirements.txt`, then `binder/postBuild` run from the copy's root with that venv first on
# PATH. Output: .binder-check/{repo,venv} (git-ignored), rebuilt from scratch on every run.
# Differences from Binder, on purpose: python3 -m venv instead of repo2docker's conda base, and this machine's pip
# configuration (its local wheels, e.g. PyTorch's CPU build) instead of the open network; the PyTorch index that
# binder/requirements.txt names cannot be reached from here, so pip asks it once per package and does not retry.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/.binder-check"
python=${PYTHON:-python3}
export PIP_RETRIES=0

rm -rf "$out"
mkdir -p "$out/repo"
started=$SECONDS
(cd "$repo" && git ls-files -z --cached --others --exclude-standard \
  | tar --create --null --files-from=- --ignore-failed-read 2>/dev/null) | tar --extract --directory "$out/repo"
echo "binder-build: copied the repository ($((SECONDS - started)) s)"

"$python" -m venv "$out/venv"
"$out/venv/bin/python" -m pip install --quiet --upgrade pip
"$out/venv/bin/python" -m pip install --quiet -r "$out/repo/binder/requirements.txt" 2> >(grep -v -e "^WARNING: Retrying" -e "^WARNING: Location" >&2)
echo "binder-build: pip install -r binder/requirements.txt done ($((SECONDS - started)) s)"

(cd "$out/repo" && PATH="$out/venv/bin:$PATH" VIRTUAL_ENV="$out/venv" bash binder/postBuild)
echo "binder-build: binder/postBuild done ($((SECONDS - started)) s)"
