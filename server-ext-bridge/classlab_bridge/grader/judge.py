"""Judging a submission's checks (PROTOCOL.md "Formats": check kinds; "Results": the ``tests`` entries).

The judge runs the student's cells in a sandbox (sandbox.py, through the runner's protocol), then asks it for data:
a variable's value, a function's results on given inputs, a model's predictions on a hidden dataset's features. It
decides pass or fail *here*, on that data, against expected values and labels that never enter the sandbox (a
function's inputs and a dataset's features do; the answers and labels do not). ``nbgrader`` checks are the exception:
their test cell runs in the sandbox beside the student's code, so they are labelled ``trust: "in-sandbox"``.

When the sandbox dies (a cell that cannot be interrupted, ``os._exit``, a crash) a fresh one is started and the cells
run again without the one that killed it (at most ``max_restarts`` times, within the job's wall time), so one bad
cell costs its own checks, not the whole notebook.

Messages are plain words for a 12-year-old, in English or Simplified Chinese, and never say a hidden check's expected
value or inputs.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from .data import Array, Encoder, Mismatch, NotData, Series, compare, decode, describe, tolerance_of
from .sandbox import Sandbox, SandboxError

TRUST_IN_SANDBOX = "in-sandbox"
StartFn = Callable[[], Sandbox]


@dataclass(frozen=True)
class JudgeSettings:
    cell_timeout: float = 10.0
    call_timeout: float = 5.0
    value_timeout: float = 15.0
    predict_timeout: float = 30.0
    #: Added to a time limit before the sandbox is killed from outside (the runner's own alarm comes first).
    grace: float = 2.0
    wall_seconds: float = 120.0
    max_restarts: int = 2


# --- messages -------------------------------------------------------------------------------------------------------

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "passed_value": "`{name}` is right.",
        "passed_function": "`{name}` gave the right answer in all {n} tests.",
        "partial_function": "`{name}` gave the right answer in {passed} of {n} tests.",
        "passed_ml": "Your model's {metric} is {score}: it needed to be {op} {threshold}. Well done!",
        "failed_ml": "Your model's {metric} is {score}, but it needs to be {op} {threshold}.",
        "at_least": "at least",
        "at_most": "at most",
        "passed_nbgrader": "The tests in this cell passed.",
        "partial_nbgrader": "The tests in this cell gave {score} of {points} points.",
        "not_defined": "You haven't made `{name}` yet — did you run the cell that makes it?",
        "cell_error": "`{name}` was not made: its cell stopped with an error: {error}",
        "timeout": "Your code took longer than {seconds} s — is there a loop that never ends?",
        "memory": "Your code used too much memory.",
        "exited": "Your code stopped the grader (it called os._exit() or crashed), so this could not be checked.",
        "wall": "Grading your notebook took longer than {seconds} s in all, so this could not be checked.",
        "not_run": "This could not be checked because your notebook stopped the grader earlier.",
        "no_answer": "The grader could not get an answer from your code.",
        "input": "Graded notebooks can't ask for typed input — take out `input()`.",
        "recursion": "Your code called itself too many times (RecursionError).",
        "not_data": "`{name}` is not a plain value we can check ({reason}).",
        "raised_value": "Looking at `{name}` caused an error: {ename}.",
        "wrong_value": "`{name}` is {got}, but it should be something else.",
        "wrong_type": "`{name}` should be {expected}, but it is {got}.",
        "wrong_length": "`{name}` has {got} items, but it should have {expected}.",
        "wrong_length_hidden": "`{name}` has {got} items, but it should have a different number of items.",
        "wrong_shape": "`{name}` has the shape {got}, but it should have a different shape.",
        "wrong_keys": "`{name}` does not have the keys it should have.",
        "not_callable": "`{name}` is not a function — did you write `def {name}(...)`?",
        "raised_call": "`{call}` stopped with an error: {error}",
        "raised_call_hidden": "`{name}` stopped with an error in a hidden test: {ename}",
        "wrong_call": "`{call}` gave {got}, but it should give something else.",
        "wrong_call_hidden": "`{name}` gave a wrong answer in a hidden test.",
        "not_data_call": "`{call}` gave something that is not a plain value we can check ({reason}).",
        "no_method": "`{name}` has no `{method}` method — is it a trained model?",
        "ml_count": "Your model gave {got} answers for {expected} examples.",
        "ml_not_labels": "Your model's answers must be a list of plain values (numbers or text).",
        "ml_not_numbers": "Your model's answers must be numbers to measure the {metric}.",
        "nb_error": "The tests in this cell failed: {error}",
        "nb_error_hidden": "The tests in this cell failed ({ename}).",
        "nb_stderr": "The tests in this cell wrote an error message: {text}",
        "nb_stderr_hidden": "The tests in this cell wrote an error message.",
        "kind_number": "a number",
        "kind_text": "text",
        "kind_bool": "True or False",
        "kind_none": "None",
        "kind_list": "a list",
        "kind_dict": "a dictionary",
        "kind_array": "an array",
        "kind_table": "a table",
        "kind_series": "a series",
        "kind_unknown": "something else",
        "metric_accuracy": "accuracy",
        "metric_f1": "F1 score",
        "metric_mse": "mean squared error",
    },
    "zh_CN": {
        "passed_value": "`{name}` 是对的。",
        "passed_function": "`{name}` 在全部 {n} 个测试中都给出了正确答案。",
        "partial_function": "`{name}` 在 {n} 个测试中答对了 {passed} 个。",
        "passed_ml": "你的模型的{metric}是 {score}，达到了要求（{op} {threshold}）。做得好！",
        "failed_ml": "你的模型的{metric}是 {score}，但它需要{op} {threshold}。",
        "at_least": "至少",
        "at_most": "最多",
        "passed_nbgrader": "这个单元格里的测试通过了。",
        "partial_nbgrader": "这个单元格里的测试得了 {score} 分（满分 {points} 分）。",
        "not_defined": "你还没有创建 `{name}` —— 你运行了创建它的那个单元格吗？",
        "cell_error": "`{name}` 没有被创建：创建它的单元格出错停止了：{error}",
        "timeout": "你的代码运行超过了 {seconds} 秒 —— 是不是有一个永远不会结束的循环？",
        "memory": "你的代码用了太多内存。",
        "exited": "你的代码让评分程序停了下来（调用了 os._exit() 或者崩溃了），所以这一项没法检查。",
        "wall": "给你的笔记本评分一共用了超过 {seconds} 秒，所以这一项没法检查。",
        "not_run": "这一项没法检查，因为你的笔记本在前面让评分程序停了下来。",
        "no_answer": "评分程序没能从你的代码得到答案。",
        "input": "评分时不能让人输入内容 —— 请去掉 `input()`。",
        "recursion": "你的代码调用自己的次数太多了（RecursionError）。",
        "not_data": "`{name}` 不是我们能检查的普通值（{reason}）。",
        "raised_value": "查看 `{name}` 时出错了：{ename}。",
        "wrong_value": "`{name}` 是 {got}，但它应该是别的值。",
        "wrong_type": "`{name}` 应该是{expected}，但它是{got}。",
        "wrong_length": "`{name}` 有 {got} 个元素，但应该有 {expected} 个。",
        "wrong_length_hidden": "`{name}` 有 {got} 个元素，但元素的个数应该不一样。",
        "wrong_shape": "`{name}` 的形状是 {got}，但它应该是别的形状。",
        "wrong_keys": "`{name}` 的键和应该有的不一样。",
        "not_callable": "`{name}` 不是一个函数 —— 你写了 `def {name}(...)` 吗？",
        "raised_call": "`{call}` 出错停止了：{error}",
        "raised_call_hidden": "`{name}` 在一个隐藏测试中出错停止了：{ename}",
        "wrong_call": "`{call}` 得到的是 {got}，但应该是别的结果。",
        "wrong_call_hidden": "`{name}` 在一个隐藏测试中给出了错误的答案。",
        "not_data_call": "`{call}` 给出的不是我们能检查的普通值（{reason}）。",
        "no_method": "`{name}` 没有 `{method}` 方法 —— 它是一个训练好的模型吗？",
        "ml_count": "你的模型对 {expected} 个例子给出了 {got} 个答案。",
        "ml_not_labels": "你的模型给出的答案必须是一串普通的值（数字或文字）。",
        "ml_not_numbers": "要计算{metric}，你的模型给出的答案必须是数字。",
        "nb_error": "这个单元格里的测试没有通过：{error}",
        "nb_error_hidden": "这个单元格里的测试没有通过（{ename}）。",
        "nb_stderr": "这个单元格里的测试输出了错误信息：{text}",
        "nb_stderr_hidden": "这个单元格里的测试输出了错误信息。",
        "kind_number": "一个数字",
        "kind_text": "一段文字",
        "kind_bool": "True 或 False",
        "kind_none": "None",
        "kind_list": "一个列表",
        "kind_dict": "一个字典",
        "kind_array": "一个数组",
        "kind_table": "一个表格",
        "kind_series": "一个序列",
        "kind_unknown": "别的东西",
        "metric_accuracy": "准确率",
        "metric_f1": "F1 分数",
        "metric_mse": "均方误差",
    },
}


def language(lang: Optional[str]) -> str:
    """``zh``, ``zh-CN``, ``zh_Hans``… → ``zh_CN``; anything else we have no words for → ``en``."""
    text = (lang or "en").replace("-", "_")
    if text.lower().startswith("zh"):
        return "zh_CN"
    return text if text in MESSAGES else "en"


def messages(lang: Optional[str]) -> dict[str, str]:
    """The judge's words in ``lang`` (English for what a language lacks)."""
    return {**MESSAGES["en"], **MESSAGES[language(lang)]}


def local(texts: Any, lang: str) -> Optional[str]:
    """A teacher's ``{"en": …, "zh_CN": …}`` text in ``lang`` (or English, or any)."""
    if not isinstance(texts, Mapping) or not texts:
        return None
    for key in (lang, language(lang), "en"):
        if isinstance(texts.get(key), str):
            return texts[key]
    first = next(iter(texts.values()))
    return first if isinstance(first, str) else None


# --- why a value is not data, in words -----------------------------------------------------------------------------

#: Python's type names a student meets, as words with the right article ("an int" would be Python talk, and
#: "a int" wrong): en, zh_CN. Any other type is "an object of type `Name`" (no article before a name we cannot
#: know the sound of).
TYPE_WORDS: dict[str, tuple[str, str]] = {
    "int": ("a whole number (int)", "一个整数（int）"),
    "float": ("a decimal number (float)", "一个小数（float）"),
    "complex": ("a complex number", "一个复数"),
    "bool": ("True or False", "True 或 False"),
    "str": ("text", "一段文字"),
    "bytes": ("bytes", "字节（bytes）"),
    "NoneType": ("None", "None"),
    "tuple": ("a tuple", "一个元组"),
    "list": ("a list", "一个列表"),
    "dict": ("a dictionary", "一个字典"),
    "set": ("a set", "一个集合（set）"),
    "frozenset": ("a frozenset", "一个集合（frozenset）"),
    "function": ("a function", "一个函数"),
    "builtin_function_or_method": ("a function", "一个函数"),
    "method": ("a method", "一个方法"),
    "type": ("a class", "一个类"),
    "module": ("a module", "一个模块"),
    "generator": ("a generator", "一个生成器"),
    "range": ("a range (use list(range(...)))", "一个 range（请用 list(range(...))）"),
    "map": ("a map object (use list(map(...)))", "一个 map 对象（请用 list(map(...))）"),
    "filter": ("a filter object (use list(filter(...)))", "一个 filter 对象（请用 list(filter(...))）"),
}

#: The "plain" kinds of data.py's "X, made from a <kind> but not a plain <kind>": (made from …, not …) per language.
_MADE_FROM: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "number": ("a number", "a plain number"),
        "text": ("text", "plain text"),
        "list": ("a list", "a plain list"),
        "dictionary": ("a dictionary", "a plain dictionary"),
        "tuple": ("a tuple", "a plain tuple"),
    },
    "zh_CN": {
        "number": ("数字", "普通的数字"),
        "text": ("文字", "普通的文字"),
        "list": ("列表", "普通的列表"),
        "dictionary": ("字典", "普通的字典"),
        "tuple": ("元组", "普通的元组"),
    },
}

_NAME = r"[A-Za-z_][\w.<>]*"

#: data.py's reasons (runner and judge side) → the words in each language; ``{t}`` is a type in words.
_REASONS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"it is nested too deeply"), "it is nested too deeply", "它嵌套得太深了"),
    (
        re.compile(r"it is nested more than (?P<n>\d+) levels deep"),
        "it is nested more than {n} levels deep",
        "它嵌套超过了 {n} 层",
    ),
    (re.compile(r"it has more than (?P<n>[\d,]+) items"), "it has more than {n} items", "它有超过 {n} 个元素"),
    (re.compile(r"it is bigger than (?P<n>\d+) MB"), "it is bigger than {n} MB", "它大于 {n} MB"),
    (re.compile(r"it is a number too big to check"), "it is a number too big to check", "它是一个大到没法检查的数字"),
    (
        re.compile(rf"a dictionary key is an? (?P<t>{_NAME}), not text"),
        "a dictionary key is {t}, not text",
        "字典里有一个键是{t}，不是文字",
    ),
    (re.compile(r"a dictionary key is not text"), "a dictionary key is not text", "字典里有一个键不是文字"),
    (
        re.compile(r"it is a dictionary that looks like the grader's own format"),
        "it is a dictionary that looks like the grader's own format",
        "它是一个看起来像评分程序自己格式的字典",
    ),
    (
        re.compile(rf"it is an? (?P<name>{_NAME}), made from an? (?P<kind>\w+) but not a plain (?P=kind)"),
        "it is an object of type `{name}`, made from {made} but not {plain}",
        "它是 `{name}` 类型的对象，基于{made}，但不是{plain}",
    ),
    (re.compile(r"it is an? (?P<t>set|frozenset) \(use a list\)"), "it is {t} (use a list)", "它是{t}，请用列表"),
    (re.compile(r"it is an array of containers"), "it is an array of containers", "它是一个装着容器的数组"),
    (
        re.compile(r"it is an array of (?P<dtype>\w+) values"),
        "it is an array of {dtype} values",
        "它是一个由 {dtype} 类型的值组成的数组",
    ),
    (
        re.compile(rf"a column is named by an? (?P<t>{_NAME}), not text"),
        "a column is named by {t}, not text",
        "表格有一列的名字是{t}，不是文字",
    ),
    (re.compile(rf"the answer holds an? (?P<t>{_NAME})"), "the answer holds {t}", "答案里有{t}"),
    (re.compile(rf"it is an? (?P<t>{_NAME})"), "it is {t}", "它是{t}"),
]

_ARTICLE = re.compile(r"\b([Aa]) (?=[AEIOUaeiou])")


def type_words(name: str, lang: str) -> str:
    """A Python type's name in words, with the right article: ``int`` → "a whole number (int)", ``Anything`` →
    "an object of type `Anything`"."""
    zh = language(lang) == "zh_CN"
    known = TYPE_WORDS.get(name)
    if known:
        return known[1] if zh else known[0]
    return f"`{name}` 类型的对象" if zh else f"an object of type `{name}`"


def not_data_reason(reason: str, lang: str) -> str:
    """data.py's reason why a value is not plain data (made in the sandbox, in English, with "a" before any type
    name) in ``lang``'s words, the articles right. A reason we do not know keeps its words, "a" before a vowel made
    "an" in English."""
    lang = language(lang)
    text = reason.strip()
    for pattern, en, zh in _REASONS:
        m = pattern.fullmatch(text)
        if not m:
            continue
        values = dict(m.groupdict())
        if "t" in values:
            words = type_words(values["t"], lang)
            values["t"] = f" {words}" if lang == "zh_CN" and words.startswith("`") else words
        if "kind" in values:
            made = _MADE_FROM[lang].get(values["kind"])
            if made is None:
                break
            values["made"], values["plain"] = made
        return (zh if lang == "zh_CN" else en).format(**values)
    return _ARTICLE.sub(lambda a: a.group(1) + "n ", text)


# --- cells and the session ------------------------------------------------------------------------------------------


def cells_of(notebook: Mapping[str, Any]) -> list[dict[str, str]]:
    """The code cells to run, in order: ``{"id": grade_id or "cell-<n>", "source"}`` (n counts from 1)."""
    cells = []
    for n, cell in enumerate(notebook.get("cells") or [], start=1):
        if not isinstance(cell, Mapping) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source") or ""
        source = "".join(source) if isinstance(source, list) else str(source)
        meta = (cell.get("metadata") or {}).get("nbgrader") if isinstance(cell.get("metadata"), Mapping) else None
        grade_id = meta.get("grade_id") if isinstance(meta, Mapping) else None
        cell_id = grade_id if isinstance(grade_id, str) and grade_id else f"cell-{n}"
        if any(c["id"] == cell_id for c in cells):
            cell_id = f"cell-{n}"
        cells.append({"id": cell_id, "source": source})
    return cells


class Session:
    """One submission in one sandbox at a time: the cells' outcomes, and a fresh sandbox (the cells run again, the
    one that killed the last sandbox left out) when a sandbox dies."""

    def __init__(
        self, start: StartFn, cells: list[dict[str, str]], settings: JudgeSettings, files: Optional[Path] = None
    ) -> None:
        self.start = start
        self.cells = cells
        self.settings = settings
        self.files = files
        self.outcomes: dict[str, dict[str, Any]] = {}
        self.skip: set[str] = set()
        self.sandbox: Optional[Sandbox] = None
        self.sandboxes = 0
        self.trust = "isolated"
        self.last_end: Optional[str] = None
        #: Where the last ``ask`` got no answer: ``"start"`` (no sandbox with the cells run) or ``"answer"``.
        self.failed_at: Optional[str] = None
        self.deadline = time.monotonic() + settings.wall_seconds

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def ready(self) -> bool:
        """A live sandbox with the cells run in it; False when no more may be started."""
        while True:
            if self.sandbox is not None and not self.sandbox.ended:
                return True
            if self.sandbox is not None:
                self.last_end = self.sandbox.ended
                self.sandbox.kill()
                self.sandbox = None
            if self.sandboxes > self.settings.max_restarts:
                return False
            if self._left() <= 0:
                self.last_end = "wall"
                return False
            self.sandboxes += 1
            try:
                box = self.start()
            except SandboxError:
                if self.sandboxes == 1:
                    raise  # no sandbox at all: grading fails (the service says so), it does not score 0
                self.last_end = "exited"
                return False
            self.sandbox = box
            self.trust = box.trust
            if self.files is not None:
                box.put_files(self.files)
            box.begin(self._left())
            cells = [c for c in self.cells if c["id"] not in self.skip]
            if not cells:
                continue
            timeout = self.settings.cell_timeout
            request = {"op": "run", "cells": cells, "cell_timeout": timeout}
            answers = box.ask(request, timeout + self.settings.grace, len(cells))
            ids = {c["id"] for c in cells}
            got: dict[str, dict[str, Any]] = {}
            for answer in answers:
                cell_id = answer.get("cell")
                if isinstance(cell_id, str) and cell_id in ids and cell_id not in got:
                    got[cell_id] = answer
            for cell in cells:
                if cell["id"] in got:
                    self.outcomes.setdefault(cell["id"], got[cell["id"]])
            if len(got) < len(cells):
                dead = next(c["id"] for c in cells if c["id"] not in got)
                ended = box.ended or "exited"
                status = "timeout" if ended in ("timeout", "wall") else "error"
                self.outcomes.setdefault(dead, {"cell": dead, "status": status, "ended": ended})
                self.skip.add(dead)

    def ask(self, request: dict[str, Any], timeout: float) -> Optional[dict[str, Any]]:
        """The runner's answer, or None (``last_end`` says why) when it gave none."""
        self.failed_at = None
        if not self.ready():
            self.failed_at = "start"
            return None
        assert self.sandbox is not None
        answers = self.sandbox.ask(request, timeout + self.settings.grace)
        if not answers:
            self.last_end = self.sandbox.ended or "exited"
            self.failed_at = "answer"
            return None
        return answers[0]

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.kill()
            self.sandbox = None


# --- one check ------------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    score: float
    output: str


def _fmt(number: float) -> str:
    return f"{number:.3f}".rstrip("0").rstrip(".") if isinstance(number, float) else str(number)


class Judge:
    def __init__(self, session: Session, spec_folder: Path, lang: str = "en") -> None:
        self.session = session
        self.spec_folder = spec_folder
        self.lang = language(lang)
        self.words = messages(lang)
        self.settings = session.settings
        self._missing = False

    def say(self, key: str, **values: Any) -> str:
        return self.words[key].format(**values)

    def _reason(self, detail: Any) -> str:
        """Why a value is not data (from the sandbox: capped), in the user's words."""
        return not_data_reason(str(detail or "")[:200], self.lang)

    # --- troubles -------------------------------------------------------------------------------------------------
    def _trouble_of(self, outcome: Mapping[str, Any], seconds: float) -> Optional[str]:
        """The words for a cell's (or an answer's) outcome that is not the student's ordinary mistake."""
        ended = outcome.get("ended")
        if ended == "wall":
            return self.say("wall", seconds=_fmt(self.settings.wall_seconds))
        if outcome.get("status") == "timeout" or outcome.get("error") == "timeout" or ended == "timeout":
            return self.say("timeout", seconds=_fmt(seconds))
        if ended:
            return self.say("exited")
        ename = outcome.get("ename")
        if ename == "MemoryError" or (isinstance(ename, str) and ename.endswith("MemoryError")):
            return self.say("memory")
        if ename == "StdinNotImplementedError":
            return self.say("input")
        if ename == "RecursionError":
            return self.say("recursion")
        return None

    def _cell_trouble(self, name: Optional[str]) -> Optional[str]:
        """The first cell trouble that explains a missing or wrong ``name``: a cell mentioning it that timed out, ran
        out of memory or stopped the sandbox (any such cell when ``name`` is None)."""
        word = re.compile(rf"\b{re.escape(name)}\b") if name else None
        for cell in self.session.cells:
            outcome = self.session.outcomes.get(cell["id"])
            if outcome is None or (word is not None and not word.search(cell["source"])):
                continue
            trouble = self._trouble_of(outcome, self.settings.cell_timeout)
            if trouble:
                return trouble
        return None

    def _cell_error(self, name: str) -> Optional[str]:
        """The error of the last cell mentioning ``name`` that stopped with one (why ``name`` was never made)."""
        word = re.compile(rf"\b{re.escape(name)}\b")
        for cell in reversed(self.session.cells):
            outcome = self.session.outcomes.get(cell["id"])
            if outcome and outcome.get("status") == "error" and word.search(cell["source"]):
                error = f"{outcome.get('ename') or 'Error'}: {outcome.get('evalue') or ''}".strip().rstrip(":")
                return self.say("cell_error", name=name, error=error[:300])
        return None

    def _no_answer(self, name: Optional[str], seconds: float) -> str:
        """Why an ``ask`` got no answer: its own request ran out of time or stopped the sandbox, or no sandbox could
        be had with the cells run (then what a cell did explains it)."""
        end = self.session.last_end
        if self.session.failed_at == "start":
            trouble = self._cell_trouble(name) or self._cell_trouble(None)
            if trouble:
                return trouble
        if end == "wall":
            return self.say("wall", seconds=_fmt(self.settings.wall_seconds))
        if end == "timeout":
            return self.say("timeout", seconds=_fmt(seconds))
        if end in ("exited", "killed"):
            return self.say("exited")
        return self.say("no_answer")

    def _mismatch(self, name: str, m: Mismatch, expected: Any, got: Any, hidden: bool) -> str:
        """Words for a wrong value: its kind, length, shape or keys where that helps (visible checks only), else
        just the student's value; never the expected value."""
        got = got.data[0] if type(got) is Array and not got.shape else got
        if not m.where:
            if m.what == "type" and not hidden:
                kinds = {"expected": self.say("kind_" + m.expected_kind), "got": self.say("kind_" + m.got_kind)}
                return self.say("wrong_type", name=name, **kinds)
            if m.what == "length" and type(got) is list:
                if hidden or type(expected) is not list:
                    return self.say("wrong_length_hidden", name=name, got=len(got))
                return self.say("wrong_length", name=name, got=len(got), expected=len(expected))
            if m.what == "shape" and type(got) is Array:
                return self.say("wrong_shape", name=name, got=str(tuple(got.shape)))
            if m.what == "keys" and not hidden:
                return self.say("wrong_keys", name=name)
        return self.say("wrong_value", name=name, got=describe(got))

    # --- kinds ----------------------------------------------------------------------------------------------------
    def value(self, check: Mapping[str, Any]) -> Verdict:
        name = str(check.get("name"))
        points = float(check.get("points") or 0)
        hidden = check.get("visibility") == "hidden"
        answer = self.session.ask({"op": "value", "name": name}, self.settings.value_timeout)
        if answer is None:
            return Verdict(0, self._no_answer(name, self.settings.value_timeout))
        if answer.get("ok") is not True:
            return Verdict(0, self._answer_failure(name, answer, self.settings.value_timeout))
        try:
            got = decode(answer.get("value"))
        except NotData as e:
            return Verdict(0, self.say("not_data", name=name, reason=self._reason(e.reason)))
        expected = decode(check.get("expected"))
        m = compare(expected, got, tolerance_of(check))
        if m is None:
            return Verdict(points, self.say("passed_value", name=name))
        return Verdict(0, self._cell_trouble(name) or self._mismatch(name, m, expected, got, hidden))

    def _answer_failure(self, name: str, answer: Mapping[str, Any], seconds: float) -> str:
        error = answer.get("error")
        if error == "not_defined":
            trouble = self._cell_trouble(name) or self._cell_trouble(None)
            return trouble or self._cell_error(name) or self.say("not_defined", name=name)
        if error == "not_data":
            return self.say("not_data", name=name, reason=self._reason(answer.get("detail")))
        if error == "not_callable":
            return self.say("not_callable", name=name)
        trouble = self._trouble_of(answer, seconds)
        return trouble or self.say("raised_value", name=name, ename=str(answer.get("ename") or error)[:100])

    def _call_text(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> str:
        def short(value: Any) -> str:
            try:
                return describe(decode(value), 30)
            except NotData:
                return "…"

        shown = [short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()]
        return f"{name}({', '.join(shown)})"

    def _call_failure(
        self, name: str, call: Mapping[str, Any], timeout: float, tol: tuple[float, float], hidden: bool
    ) -> Optional[str]:
        """None when one call of a function check gave the expected result; else why not, in words."""
        args, kwargs = list(call.get("args") or []), dict(call.get("kwargs") or {})
        shown = name if hidden else self._call_text(name, args, kwargs)
        request = {"op": "call", "name": name, "args": args, "kwargs": kwargs, "timeout": timeout}
        answer = self.session.ask(request, timeout)
        if answer is None:
            return self._no_answer(name, timeout)
        if answer.get("ok") is not True:
            error = answer.get("error")
            if error in ("not_defined", "not_callable"):
                self._missing = True
                return self._answer_failure(name, answer, timeout)
            trouble = self._trouble_of(answer, timeout)
            if trouble:
                return trouble
            if error == "not_data":
                return self.say("not_data_call", call=shown, reason=self._reason(answer.get("detail")))
            if hidden:
                return self.say("raised_call_hidden", name=name, ename=str(answer.get("ename") or error)[:100])
            text = f"{answer.get('ename') or error}: {answer.get('detail') or ''}".strip().rstrip(":")
            return self.say("raised_call", call=shown, error=text[:300])
        try:
            got = decode(answer.get("value"))
        except NotData as e:
            return self.say("not_data_call", call=shown, reason=self._reason(e.reason))
        if compare(decode(call.get("expected")), got, tol) is None:
            return None
        if hidden:
            return self.say("wrong_call_hidden", name=name)
        return self.say("wrong_call", call=shown, got=describe(got))

    def function(self, check: Mapping[str, Any]) -> Verdict:
        """Each call's result compared; the points shared equally among the calls (all of them to pass)."""
        name = str(check.get("name"))
        points = float(check.get("points") or 0)
        hidden = check.get("visibility") == "hidden"
        calls = [c for c in check.get("calls") or [] if isinstance(c, Mapping)]
        timeout = float(check.get("timeout") or self.settings.call_timeout)
        tol = tolerance_of(check)
        if not calls:
            return Verdict(0, self.say("no_answer"))
        self._missing = False
        failures: list[str] = []
        for call in calls:
            failure = self._call_failure(name, call, timeout, tol, hidden)
            if failure is not None:
                failures.append(failure)
                if self._missing:  # not there, or not a function: the other calls would say the same
                    failures += [failure] * (len(calls) - len(failures))
                    break
        passed = len(calls) - len(failures)
        if not failures:
            return Verdict(points, self.say("passed_function", name=name, n=len(calls)))
        head = self.say("partial_function", name=name, passed=passed, n=len(calls))
        return Verdict(points * passed / len(calls), f"{head} {failures[0]}")

    def ml(self, check: Mapping[str, Any]) -> Verdict:
        name = str(check.get("name"))
        method = str(check.get("method") or "predict")
        points = float(check.get("points") or 0)
        metric = str(check.get("metric") or "accuracy")
        threshold = float(check.get("threshold") or 0)
        X, y = load_dataset(self.spec_folder, str(check.get("dataset")))
        request = {"op": "predict", "name": name, "method": method, "X": X, "timeout": self.settings.predict_timeout}
        seconds = self.settings.predict_timeout
        answer = self.session.ask(request, seconds)
        if answer is None:
            return Verdict(0, self._no_answer(name, seconds))
        if answer.get("ok") is not True:
            if answer.get("error") == "no_method":
                return Verdict(0, self.say("no_method", name=name, method=method))
            return Verdict(0, self._answer_failure(name, answer, seconds))
        try:
            predictions = labels_of(decode(answer.get("value")))
        except NotData:
            return Verdict(0, self.say("ml_not_labels"))
        if len(predictions) != len(y):
            return Verdict(0, self.say("ml_count", got=len(predictions), expected=len(y)))
        metric_name = self.say("metric_" + metric)
        if metric == "mse":
            if not all(type(p) in (int, float) for p in predictions):
                return Verdict(0, self.say("ml_not_numbers", metric=metric_name))
            value = mse(y, predictions)
            passed = value <= threshold
            op = self.say("at_most")
        else:
            value = accuracy(y, predictions) if metric == "accuracy" else macro_f1(y, predictions)
            passed = value >= threshold
            op = self.say("at_least")
        score = points if passed else (ml_partial(metric, value, threshold, y) * points if check.get("partial") else 0)
        words = dict(metric=metric_name, score=_fmt(round(value, 3)), op=op, threshold=_fmt(threshold))
        return Verdict(score, self.say("passed_ml" if passed else "failed_ml", **words))

    def nbgrader(self, check: Mapping[str, Any]) -> Verdict:
        grade_id = str(check.get("grade_id"))
        points = float(check.get("points") or 0)
        hidden = check.get("visibility") == "hidden"
        self.session.ready()
        outcome = self.session.outcomes.get(grade_id)
        if outcome is None:
            return Verdict(0, self.say("not_run"))
        trouble = self._trouble_of(outcome, self.settings.cell_timeout)
        if trouble:
            return Verdict(0, trouble)
        if outcome.get("status") != "ok":
            ename = str(outcome.get("ename") or "Error")
            if hidden:
                return Verdict(0, self.say("nb_error_hidden", ename=ename))
            error = f"{ename}: {outcome.get('evalue') or ''}".strip().rstrip(":")
            return Verdict(0, self.say("nb_error", error=error[:300]))
        stderr = (str(outcome.get("stderr") or "") + str(outcome.get("stray_stderr") or "")).strip()
        if stderr:
            if hidden:
                return Verdict(0, self.say("nb_stderr_hidden"))
            return Verdict(0, self.say("nb_stderr", text=stderr[:300]))
        score = nbgrader_partial(outcome.get("result"), points)
        if score < points:
            return Verdict(score, self.say("partial_nbgrader", score=_fmt(score), points=_fmt(points)))
        return Verdict(points, self.say("passed_nbgrader"))

    # --- the entry ------------------------------------------------------------------------------------------------
    def check(self, question: str, number: int, check: Mapping[str, Any]) -> dict[str, Any]:
        kind = str(check.get("kind"))
        started = time.monotonic()
        known = kind in ("value", "function", "ml", "nbgrader")
        verdict = getattr(self, kind)(check) if known else Verdict(0, self.say("no_answer"))
        max_score = float(check.get("points") or 0)
        score = round(min(max(verdict.score, 0.0), max_score), 4)
        passed = score >= max_score
        teacher = local((check.get("messages") or {}).get("pass" if passed else "fail"), self.lang)
        output = f"{teacher}\n{verdict.output}" if teacher and not passed else (teacher or verdict.output)
        trust = TRUST_IN_SANDBOX if kind == "nbgrader" and self.session.trust == "isolated" else self.session.trust
        return {
            "name": str(check.get("id")),
            "number": f"{question}.{number}",
            "score": score,
            "max_score": max_score,
            "status": "passed" if passed else "failed",
            "output": output,
            "visibility": "hidden" if check.get("visibility") == "hidden" else "visible",
            "extra_data": {
                "question": question,
                "kind": kind,
                "trust": trust,
                "hint": check.get("hint"),
                "seconds": round(time.monotonic() - started, 3),
            },
        }


# --- metrics and partial credit -------------------------------------------------------------------------------------


def labels_of(value: Any) -> list[Any]:
    """Predictions as a flat list: a 1-d array, an (n, 1) array, a list (of scalars or one-item lists), a series."""
    if type(value) is Array:
        if len(value.shape) == 1 or (len(value.shape) == 2 and value.shape[1] == 1):
            return list(value.data)
        raise NotData("not one answer per example")
    if type(value) is Series:
        return list(value.data)
    if type(value) is list:
        out = []
        for item in value:
            if type(item) is list and len(item) == 1:
                item = item[0]
            if item is not None and type(item) not in (bool, int, float, str):
                raise NotData("not plain answers")
            out.append(item)
        return out
    raise NotData("not a list of answers")


def accuracy(truth: list[Any], predicted: list[Any]) -> float:
    return sum(1 for t, p in zip(truth, predicted) if t == p) / len(truth) if truth else 0.0


def macro_f1(truth: list[Any], predicted: list[Any]) -> float:
    """F1 averaged over every label seen in either list (scikit-learn's ``f1_score(average="macro")``, an undefined
    precision or recall counting 0)."""
    labels = list(dict.fromkeys([*truth, *predicted]))
    if not labels:
        return 0.0
    total = 0.0
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        total += 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return total / len(labels)


def mse(truth: list[Any], predicted: list[Any]) -> float:
    if not truth:
        return math.inf
    try:
        return sum((float(p) - float(t)) ** 2 for t, p in zip(truth, predicted)) / len(truth)
    except OverflowError:
        return math.inf


def ml_partial(metric: str, value: float, threshold: float, truth: list[Any]) -> float:
    """The share of points for a model short of the threshold: linear from 0 up to the threshold for accuracy and
    F1; for MSE linear from the error of always guessing the mean (0 points) down to the threshold (all)."""
    if math.isnan(value):
        return 0.0
    if metric == "mse":
        mean = sum(float(t) for t in truth) / len(truth) if truth else 0.0
        baseline = sum((float(t) - mean) ** 2 for t in truth) / len(truth) if truth else 0.0
        if baseline <= threshold:
            return 0.0
        return min(1.0, max(0.0, (baseline - value) / (baseline - threshold)))
    return min(1.0, max(0.0, value / threshold)) if threshold > 0 else 1.0


def nbgrader_partial(result: Any, points: float) -> float:
    """nbgrader's rule for a tests cell's ``execute_result``: a number in (0, points] is the score; anything else
    (no result, not a number, 0 or less) full points; above ``points`` capped (nbgrader stops with an error)."""
    if not isinstance(result, str) or not result.strip():
        return points
    try:
        value = float(result)
    except ValueError:
        return points
    if not math.isfinite(value) or value <= 0:
        return points
    return min(value, points)


def load_dataset(spec_folder: Path, name: str) -> tuple[Any, list[Any]]:
    """(features as sent to the runner, labels) of ``<spec folder>/datasets/<name>.json`` or ``.npz``. The labels stay
    here; the features go into the sandbox (an ``.npz``'s as an array)."""
    folder = spec_folder / "datasets"
    path = folder / f"{name}.json"
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["X"], list(data["y"])
    path = folder / f"{name}.npz"
    import numpy  # an .npz needs numpy on the grading side (release.py only accepts one where numpy is)

    with numpy.load(path, allow_pickle=False) as npz:
        X, y = npz["X"], npz["y"]
        return Encoder().encode(X), y.tolist()


# --- a whole submission ---------------------------------------------------------------------------------------------


def select_checks(
    spec: Mapping[str, Any], mode: str = "submit", question: Optional[str] = None
) -> list[tuple[str, int, dict[str, Any]]]:
    """(question id, number within the question from 1, check) to judge: all of them on submit, the visible ones on
    check; one question's when ``question`` is given. Numbers count every check, so they stay the same in both."""
    chosen = []
    for q in spec.get("questions") or []:
        if question is not None and q.get("id") != question:
            continue
        for number, check in enumerate(q.get("checks") or [], start=1):
            if mode == "check" and check.get("visibility") == "hidden":
                continue
            chosen.append((str(q.get("id")), number, check))
    return chosen


def judge(
    spec: Mapping[str, Any],
    spec_folder: Path,
    cells: list[dict[str, str]],
    start: StartFn,
    mode: str = "submit",
    question: Optional[str] = None,
    lang: str = "en",
    settings: Optional[JudgeSettings] = None,
    files: Optional[Path] = None,
) -> list[dict[str, Any]]:
    """The ``tests`` entries of a submission's results (PROTOCOL.md "Results"). ``cells``: the repaired notebook's
    code cells (``cells_of``); an nbgrader tests cell whose check is not judged this time is not run at all (its
    hidden tests stay out of the sandbox on Check). ``start`` gives a fresh sandbox (a pool's ``take``)."""
    chosen = select_checks(spec, mode, question)
    if not chosen:
        return []
    tests_cells = {
        c.get("grade_id")
        for q in spec.get("questions") or []
        for c in q.get("checks") or []
        if c.get("kind") == "nbgrader"
    }
    wanted = {c.get("grade_id") for _, _, c in chosen if c.get("kind") == "nbgrader"}
    run = [c for c in cells if c["id"] not in tests_cells or c["id"] in wanted]
    session = Session(start, run, settings or JudgeSettings(), files)
    try:
        judge_ = Judge(session, spec_folder, lang)
        session.ready()  # the cells run first, so a check's seconds are its own
        return [judge_.check(q, n, c) for q, n, c in chosen]
    finally:
        session.close()
