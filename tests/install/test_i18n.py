"""Translations: the extractor behind ``scripts/i18n.py``, and the catalogs as JupyterLab's server finds them."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTENSIONS = ["slides", "video", "help", "gpu", "grader"]


def _load_i18n():
    spec = importlib.util.spec_from_file_location("classlab_i18n", REPO / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is made
    spec.loader.exec_module(module)
    return module


i18n = _load_i18n()
Message = i18n.Message


def extract(source: str) -> list:
    messages, problems = i18n.extract_messages(source)
    assert not problems, problems
    return messages


def test_quotes_and_escapes():
    source = """
      trans.__('It\\'s "fine"');
      t.__("Say \\"hi\\"\\n");
      this._trans.__(`Back ticks`);
    """
    assert extract(source) == [Message('It\'s "fine"'), Message('Say "hi"\n'), Message("Back ticks")]


def test_call_spanning_lines_with_arguments_and_concatenation():
    source = """
      this._counter.textContent = t.__(
        'Slide %1 of %2',
        position.h + 1,
        index.length
      );
      trans.__(
        // a comment between
        'The browser blocked the speaker window. ' +
          'Allow pop-ups for this site and try again.'
      );
    """
    assert extract(source) == [
        Message("Slide %1 of %2"),
        Message("The browser blocked the speaker window. Allow pop-ups for this site and try again."),
    ]


def test_plural_context_and_both():
    source = """
      trans._n('%1 cell', '%1 cells', count);
      trans._p('slide type', 'Skip');
      trans._np(
        'queue', '%1 job waiting', "%1 jobs waiting", n
      );
    """
    assert extract(source) == [
        Message("%1 cell", plural="%1 cells"),
        Message("Skip", context="slide type"),
        Message("%1 job waiting", context="queue", plural="%1 jobs waiting"),
    ]
    assert extract(source)[1].key == "slide type\x04Skip"


def test_non_literal_text_is_reported_not_extracted():
    messages, problems = i18n.extract_messages("trans.__(label);\ntrans.__(`Hi ${name}`);", "x.ts")
    assert messages == []
    assert [str(problem) for problem in problems] == [
        "x.ts:1: __() without string literals cannot be translated",
        "x.ts:2: __() without string literals cannot be translated",
    ]


def test_untranslated_is_stored_so_that_jupyterlab_shows_english():
    zh = i18n.LANGUAGES[0]
    assert i18n.normalized(Message("Next"), [""], zh) == []
    assert i18n.normalized(Message("Next"), ["下一张"], zh) == ["下一张"]
    plural = Message("%1 cell", plural="%1 cells")
    assert i18n.normalized(plural, ["%1 个单元格"], zh) == ["%1 个单元格", ""]  # JupyterLab needs 2 for a plural
    assert i18n.is_translated(plural, ["%1 个单元格", ""], zh)
    assert not i18n.is_translated(plural, ["%1 个单元格"], zh)


def test_jupyterlab_server_finds_every_catalog():
    """The ``jupyterlab.locale`` entry points of the installed packages lead to the zh_CN catalogs."""
    from jupyterlab_server.translation_utils import get_installed_packages_locale

    found, message = get_installed_packages_locale("zh_CN")
    assert message == ""
    for name in EXTENSIONS:
        domain = f"classlab_{name}"
        assert domain in found, f"{domain}: no jupyterlab.locale entry point (reinstall: make install)"
        assert found[domain][""]["domain"] == domain


@pytest.mark.parametrize("name", EXTENSIONS)
def test_the_typescript_loads_the_domain_of_its_package(name: str):
    source = (REPO / "extensions" / name / "src" / "index.ts").read_text()
    # Literally, or through one constant holding the domain.
    literal = f".load('classlab_{name}')" in source
    constant = re.search(rf"const (\w+) = 'classlab_{name}';", source)
    assert literal or (constant and f".load({constant.group(1)})" in source)
    catalog = REPO / f"extensions/{name}/classlab_{name}/locale/zh_CN/LC_MESSAGES/classlab_{name}.json"
    assert json.loads(catalog.read_text())[""]["language"] == "zh-CN"


def test_schemas_the_extension_translates_are_extracted():
    """A schema with ``jupyter.lab.transform`` (translated by src/settingsText.ts) gives its Settings Editor texts."""
    schema = {
        "title": "ClassLab GPU",
        "description": "Run on GPU.",
        "jupyter.lab.transform": True,
        "jupyter.lab.menus": {"main": [{"id": "jp-mainmenu-run", "label": "Not from here"}]},
        "properties": {
            "context": {
                "title": "Cells",
                "description": "Which cells.",
                "oneOf": [{"const": "server", "title": "As the server says"}, {"const": "above"}],
            },
            "seconds": {"type": "integer"},
        },
    }
    assert i18n.schema_messages(schema) == [
        Message("ClassLab GPU"),
        Message("Run on GPU."),
        Message("Cells"),
        Message("Which cells."),
        Message("As the server says"),
    ]
    # JupyterLab's server would leave it in English, and the extension does not translate it: nothing to extract.
    assert i18n.schema_messages({**schema, "jupyter.lab.transform": False}) == []


def test_the_extensions_translate_settings_with_one_and_the_same_file():
    """Slides and GPU each carry src/settingsText.ts (each extension installs alone): the copies stay equal."""
    copies = {(REPO / f"extensions/{name}/src/settingsText.ts").read_text() for name in ("slides", "gpu")}
    assert len(copies) == 1
