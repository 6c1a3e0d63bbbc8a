"""Translations of ClassLab's extensions: collect the strings the TypeScript marks, and check the catalogs.

Each extension translates with ``translator.load('classlab_<name>')`` (the domain is its Python package name) and
ships one catalog per language in the JSON (Jed) format of JupyterLab's language packs::

    extensions/<name>/classlab_<name>/locale/<lang>/LC_MESSAGES/classlab_<name>.json

found by jupyterlab_server through the package's ``jupyterlab.locale`` entry point.

Usage::

    python scripts/i18n.py extract [name ...]   # add new strings (untranslated), drop stale ones, keep the rest
    python scripts/i18n.py check [name ...]     # exit 1 listing strings without a translation, or stale ones

Settings schemas that set ``"jupyter.lab.transform": true`` are translated by the extension itself
(``src/settingsText.ts``): their title and description, each property's, and the titles of a property's choices
(``oneOf``) are catalog strings too.

A string is marked in the TypeScript as ``<bundle>.__('text')``, ``._n('one', 'many', n)``,
``._p('context', 'text')`` or ``._np('context', 'one', 'many', n)`` with string literals ('…', "…", or `…` without
``${}``; ``+`` joins literals). Catalog values are lists: ``["译文"]``; a plural has the language's forms and is padded
to two entries as the language packs do (``["%1 个单元格", ""]``). An untranslated string is ``[]``: JupyterLab
shows English for it (it would show an empty label for ``[""]``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXTENSIONS = ["slides", "video", "help", "gpu", "grader"]
CONTEXT_DELIMITER = "\x04"


@dataclass(frozen=True)
class Language:
    code: str  # directory name under locale/, as JupyterLab's language setting spells it
    tag: str  # the header's "language", as the language packs write it
    nplurals: int
    plural_forms: str


LANGUAGES = [Language("zh_CN", "zh-CN", 1, "nplurals=1; plural=0;")]

# Which literal arguments each call takes, in order.
CALLS: dict[str, tuple[str, ...]] = {
    "__": ("msgid",),
    "_n": ("msgid", "plural"),
    "_p": ("context", "msgid"),
    "_np": ("context", "msgid", "plural"),
}
CALL = re.compile(r"\.\s*(__|_n|_np|_p)\s*\(")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


@dataclass(frozen=True)
class Message:
    msgid: str
    context: str = ""
    plural: str | None = None

    @property
    def key(self) -> str:
        return f"{self.context}{CONTEXT_DELIMITER}{self.msgid}" if self.context else self.msgid


@dataclass(frozen=True)
class Problem:
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


class _Scanner:
    def __init__(self, source: str, position: int) -> None:
        self.source = source
        self.position = position

    def skip_space(self) -> None:
        """Skip whitespace and comments."""
        source = self.source
        while self.position < len(source):
            if source[self.position].isspace():
                self.position += 1
            elif source.startswith("//", self.position):
                end = source.find("\n", self.position)
                self.position = len(source) if end < 0 else end + 1
            elif source.startswith("/*", self.position):
                end = source.find("*/", self.position + 2)
                self.position = len(source) if end < 0 else end + 2
            else:
                return

    def literal(self) -> str | None:
        """A string literal, or several joined by ``+``; None (position unchanged) when there is none."""
        start = self.position
        parts: list[str] = []
        while True:
            self.skip_space()
            part = self._one_literal()
            if part is None:
                self.position = start
                return None
            parts.append(part)
            after = self.position
            self.skip_space()
            if self.source.startswith("+", self.position):
                self.position += 1
                continue
            self.position = after
            return "".join(parts)

    def _one_literal(self) -> str | None:
        source = self.source
        if self.position >= len(source) or source[self.position] not in "'\"`":
            return None
        quote = source[self.position]
        index = self.position + 1
        chars: list[str] = []
        while index < len(source):
            char = source[index]
            if char == quote:
                self.position = index + 1
                return "".join(chars)
            if char == "\\":
                decoded, index = _escape(source, index + 1)
                chars.append(decoded)
                continue
            if char == "\n" and quote != "`":
                return None  # not a string after all
            if quote == "`" and source.startswith("${", index):
                return None  # a template with substitutions cannot be a msgid
            chars.append(char)
            index += 1
        return None

    def expect(self, char: str) -> bool:
        self.skip_space()
        if self.source.startswith(char, self.position):
            self.position += 1
            return True
        return False


def _escape(source: str, index: int) -> tuple[str, int]:
    """Decode the escape sequence after a backslash at ``index - 1``; return it and the index after it."""
    char = source[index]
    if char == "\n":
        return "", index + 1  # line continuation
    if char == "x":
        return chr(int(source[index + 1 : index + 3], 16)), index + 3
    if char == "u":
        if source[index + 1] == "{":
            end = source.index("}", index)
            return chr(int(source[index + 2 : end], 16)), end + 1
        return chr(int(source[index + 1 : index + 5], 16)), index + 5
    return ESCAPES.get(char, char), index + 1


def extract_messages(source: str, where: str = "<source>") -> tuple[list[Message], list[Problem]]:
    """The marked strings of one TypeScript source, in order, and calls whose text is not a literal."""
    messages: list[Message] = []
    problems: list[Problem] = []
    for match in CALL.finditer(source):
        function = match.group(1)
        scanner = _Scanner(source, match.end())
        values: dict[str, str] = {}
        for index, role in enumerate(CALLS[function]):
            if index and not scanner.expect(","):
                break
            value = scanner.literal()
            if value is None:
                break
            values[role] = value
        line = source.count("\n", 0, match.start()) + 1
        if len(values) < len(CALLS[function]):
            problems.append(Problem(f"{where}:{line}", f"{function}() without string literals cannot be translated"))
            continue
        messages.append(Message(values["msgid"], values.get("context", ""), values.get("plural")))
    return messages, problems


def sources(name: str) -> list[Path]:
    src = REPO / "extensions" / name / "src"
    return sorted(path for path in src.rglob("*.ts") if not path.name.endswith(".d.ts"))


def schema_messages(schema: dict) -> list[Message]:
    """The Settings Editor texts of a settings schema that the extension translates itself: one that sets
    ``jupyter.lab.transform`` (see ``src/settingsText.ts``) has its title and description, each property's, and the
    titles of a property's choices (``oneOf``)."""
    if schema.get("jupyter.lab.transform") is not True:
        return []
    properties = list(schema.get("properties", {}).values())
    choices = [choice for prop in properties for choice in prop.get("oneOf", []) if isinstance(choice, dict)]
    nodes = [schema, *properties, *choices]
    return [Message(node[key]) for node in nodes for key in ("title", "description") if node.get(key)]


def schemas(name: str) -> list[Path]:
    return sorted((REPO / "extensions" / name / "schema").glob("*.json"))


def collect(name: str) -> tuple[dict[str, Message], list[Problem]]:
    """Every marked string of one extension (its TypeScript's and its translated schemas'), by catalog key."""
    found: dict[str, Message] = {}
    problems: list[Problem] = []
    for path in schemas(name):
        for message in schema_messages(json.loads(path.read_text(encoding="utf-8"))):
            found.setdefault(message.key, message)
    for path in sources(name):
        where = str(path.relative_to(REPO))
        messages, found_problems = extract_messages(path.read_text(encoding="utf-8"), where)
        problems += found_problems
        for message in messages:
            known = found.setdefault(message.key, message)
            if (known.plural is None) != (message.plural is None):
                problems.append(Problem(where, f"{message.msgid!r} is used both with and without a plural"))
    return found, problems


def catalog_path(name: str, language: Language) -> Path:
    package = f"classlab_{name}"
    return REPO / "extensions" / name / package / "locale" / language.code / "LC_MESSAGES" / f"{package}.json"


def read_catalog(path: Path) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if key}


def is_translated(message: Message, value: list[str], language: Language) -> bool:
    if message.plural is None:
        return len(value) == 1 and bool(value[0])
    return len(value) >= 2 and all(value[: language.nplurals])


def normalized(message: Message, value: list[str], language: Language) -> list[str]:
    """The stored form: ``[]`` when untranslated; plurals padded to two entries so JupyterLab sees a plural."""
    forms = [form for form in value if isinstance(form, str)]
    if message.plural is None:
        return forms[:1] if forms and forms[0] else []
    forms = forms[: max(language.nplurals, 2)]
    if not any(forms):
        return []
    return forms + [""] * (max(language.nplurals, 2) - len(forms))


def write_catalog(path: Path, name: str, language: Language, entries: dict[str, list[str]]) -> None:
    header = {"domain": f"classlab_{name}", "language": language.tag, "plural_forms": language.plural_forms}
    data: dict[str, object] = {"": header, **{key: entries[key] for key in sorted(entries)}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def extract(names: list[str]) -> int:
    for name in names:
        found, problems = collect(name)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        for language in LANGUAGES:
            path = catalog_path(name, language)
            old = read_catalog(path)
            entries = {key: normalized(message, old.get(key, []), language) for key, message in found.items()}
            write_catalog(path, name, language, entries)
            added = len(found.keys() - old.keys())
            dropped = len(old.keys() - found.keys())
            todo = sum(not value for value in entries.values())
            print(
                f"{path.relative_to(REPO)}: {len(entries)} strings, {added} new, {dropped} stale dropped, "
                f"{todo} to translate"
            )
    return 0


def check(names: list[str]) -> int:
    failures: list[str] = []
    for name in names:
        found, problems = collect(name)
        failures += [str(problem) for problem in problems]
        for language in LANGUAGES:
            path = catalog_path(name, language)
            where = str(path.relative_to(REPO))
            if not path.exists():
                failures.append(f"{where}: missing")
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            header = data.get("", {})
            if header.get("domain") != f"classlab_{name}" or header.get("language") != language.tag:
                failures.append(f"{where}: header must name domain classlab_{name} and language {language.tag}")
            catalog = read_catalog(path)
            for key, message in sorted(found.items()):
                if key not in catalog:
                    failures.append(f"{where}: not extracted yet: {message.msgid!r}")
                elif not is_translated(message, catalog[key], language):
                    failures.append(f"{where}: no {language.code} translation: {message.msgid!r}")
                elif not _same_placeholders(message, catalog[key]):
                    failures.append(f"{where}: placeholders differ from the English: {message.msgid!r}")
            for key in sorted(catalog.keys() - found.keys()):
                failures.append(f"{where}: stale (no longer in the source): {key!r}")
    for failure in failures:
        print(failure)
    if failures:
        print(f"\n{len(failures)} translation problem(s). Run `python scripts/i18n.py extract`, then translate.")
        return 1
    print(f"Translations complete: {', '.join(f'classlab_{name}' for name in names)}.")
    return 0


def _same_placeholders(message: Message, value: list[str]) -> bool:
    """A singular keeps exactly the English placeholders; a plural form may leave out the count."""
    placeholders = re.compile(r"%\d+")
    english = set(placeholders.findall(message.msgid + (message.plural or "")))
    forms = [set(placeholders.findall(form)) for form in value if form]
    if message.plural is None:
        return all(form == english for form in forms)
    return all(form <= english for form in forms)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["extract", "check"])
    parser.add_argument("names", nargs="*", metavar="name", help=f"default: all of {', '.join(EXTENSIONS)}")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(EXTENSIONS))
    if unknown:
        parser.error(f"unknown extension(s) {unknown}; choose from {EXTENSIONS}")
    names = args.names or EXTENSIONS
    return extract(names) if args.command == "extract" else check(names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
