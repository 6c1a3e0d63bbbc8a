"""The strict data codec between the runner and the judge (PROTOCOL.md "Sandbox and runner", ``V``).

The runner side (``Encoder``) turns a student's value into JSON-able data, or refuses with ``NotData(reason)``: exact
types only (an ``int`` subclass whose ``__eq__`` lies is not an ``int``), numpy arrays and scalars as
``{"__ndarray__": {"dtype", "shape", "data"}}`` (``data`` flat, in C order), pandas DataFrames as
``{"__dataframe__": records}`` and Series as ``{"__series__": {"name", "index", "data"}}``, with caps on nesting, items
and size. The judge side (``decode``) trusts nothing it receives: it checks the same rules again and turns markers into
``Array``/``Frame``/``Series`` objects, which ``compare`` holds against a check's expected value with tolerances.

This module is imported inside the sandbox: the standard library only (numpy and pandas are used when the student's
code has them, never imported here).
"""

from __future__ import annotations

import builtins
import math
import sys
from dataclasses import dataclass
from typing import Any, Optional

MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
MAX_BYTES = 16 * 1024 * 1024
MARKERS = ("__ndarray__", "__dataframe__", "__series__")
#: numpy dtype kinds that travel: bool, signed/unsigned int, float, unicode text.
DTYPE_KINDS = {"b": "bool", "i": "int", "u": "uint", "f": "float", "U": "str"}
#: Default tolerance for numbers: float round-off passes (0.1 + 0.2 == 0.3), anything visible does not.
DEFAULT_TOLERANCE = {"abs": 0.0, "rel": 1e-9}

# Imported by the runner before any student code: this module's functions use a private copy of the builtins (a
# function takes its builtins from its module when it is made), so ``builtins.type = …`` in a cell changes nothing here.
globals()["__builtins__"] = dict(vars(builtins))
_type, _len, _str, _float, _int = type, len, str, float, int


class NotData(Exception):
    """A value that is not strict data; ``reason`` is short words for the student (English, technical)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- runner side ---------------------------------------------------------------------------------------------------


class _Budget:
    def __init__(self, items: int, size: int) -> None:
        self.items = items
        self.size = size

    def take(self, items: int = 1, size: int = 8) -> None:
        self.items -= items
        self.size -= size
        if self.items < 0:
            raise NotData(f"it has more than {MAX_ITEMS:,} items")
        if self.size < 0:
            raise NotData(f"it is bigger than {MAX_BYTES // 1048576} MB")


class Encoder:
    """Encodes values inside the runner. Made before student code runs, so numpy's classes are the real ones."""

    def __init__(self) -> None:
        self._np: Any = None
        self._np_scalars: frozenset[type] = frozenset()
        self._capture_numpy()

    def _capture_numpy(self) -> None:
        np = sys.modules.get("numpy")
        if np is None or self._np is not None:
            return
        self._np = np
        self._ndarray = np.ndarray
        self._np_scalars = frozenset(t for t in set(np.sctypeDict.values()) if _type(t) is type)

    def encode(self, value: Any) -> Any:
        """JSON-able data for ``value``; NotData when it is not plain data or too big."""
        self._capture_numpy()  # the student may have imported numpy after we started
        try:
            return self._enc(value, 0, _Budget(MAX_ITEMS, MAX_BYTES))
        except RecursionError:
            raise NotData("it is nested too deeply") from None

    def _enc(self, v: Any, depth: int, budget: _Budget) -> Any:
        if depth > MAX_DEPTH:
            raise NotData(f"it is nested more than {MAX_DEPTH} levels deep")
        t = _type(v)
        if v is None or t is bool or t is int:
            if t is int and int.bit_length(v) > 256:
                raise NotData("it is a number too big to check")
            budget.take()
            return v
        if t is float:
            budget.take()
            return v
        if t is str:
            budget.take(size=_len(v) + 2)
            return v
        if t is list or t is tuple:  # a tuple travels as a list: JSON has no tuples, and kids return ``a, b``
            budget.take(items=_len(v))
            items = list.__iter__(v) if t is list else tuple.__iter__(v)
            return [self._enc(x, depth + 1, budget) for x in items]
        if t is dict:
            budget.take(items=_len(v))
            out = {}
            for k, x in dict.items(v):
                if _type(k) is not str:
                    raise NotData(f"a dictionary key is a {_type(k).__name__}, not text")
                budget.take(size=_len(k))
                out[k] = self._enc(x, depth + 1, budget)
            if _len(out) == 1 and next(iter(out)) in MARKERS:
                raise NotData("it is a dictionary that looks like the grader's own format")
            return out
        if self._np is not None:
            if t is self._ndarray:
                return {"__ndarray__": self._array(v, budget)}
            if t in self._np_scalars:
                return {"__ndarray__": self._array(self._np.asarray(v), budget)}
        frame = self._pandas(v, t, depth, budget)
        if frame is not None:
            return frame
        raise NotData(f"it is a {_kind_name(t)}")

    def _array(self, arr: Any, budget: _Budget) -> dict[str, Any]:
        kind = arr.dtype.kind
        shape = [_int(n) for n in arr.shape]
        size = _int(arr.size)
        budget.take(items=size, size=size * 8)
        if kind in DTYPE_KINDS:
            dtype = "str" if kind == "U" else _str(arr.dtype.name)
            data = arr.ravel().tolist()
            if kind == "U":
                budget.take(size=sum(_len(s) for s in data))
            return {"dtype": dtype, "shape": shape, "data": data}
        if kind == "O":
            data = [self._enc(x, MAX_DEPTH, budget) for x in arr.ravel().tolist()]
            if any(_type(x) in (list, dict) for x in data):
                raise NotData("it is an array of containers")
            return {"dtype": "object", "shape": shape, "data": data}
        raise NotData(f"it is an array of {arr.dtype.name} values")

    def _pandas(self, v: Any, t: type, depth: int, budget: _Budget) -> Optional[dict[str, Any]]:
        pd = sys.modules.get("pandas")
        if pd is None:
            return None
        if t is getattr(pd, "DataFrame", None):
            budget.take(items=_int(v.size))
            records = []
            for row in v.to_dict("records"):
                records.append({_label(k): self._enc(_native(x), depth + 2, budget) for k, x in row.items()})
            return {"__dataframe__": records}
        if t is getattr(pd, "Series", None):
            budget.take(items=_int(v.size))
            name = v.name if v.name is None or _type(v.name) is str else _label(v.name)
            index = [self._enc(_native(x), depth + 2, budget) for x in v.index.tolist()]
            data = [self._enc(_native(x), depth + 2, budget) for x in v.tolist()]
            return {"__series__": {"name": name, "index": index, "data": data}}
        return None

    def to_python(self, value: Any) -> Any:
        """A check's input (decoded JSON from the judge) as the student's code expects it: arrays as numpy arrays
        when numpy is there, tables as pandas objects when pandas is."""
        self._capture_numpy()
        t = _type(value)
        if t is list:
            return [self.to_python(x) for x in value]
        if t is dict:
            if _len(value) == 1:
                key = next(iter(value))
                if key == "__ndarray__" and self._np is not None:
                    spec = value[key]
                    dtype = None if spec["dtype"] == "str" else spec["dtype"]
                    return self._np.array(spec["data"], dtype=dtype).reshape(spec["shape"])
                pd = sys.modules.get("pandas")
                if key == "__dataframe__" and pd is not None:
                    return pd.DataFrame.from_records(value[key])
                if key == "__series__" and pd is not None:
                    spec = value[key]
                    return pd.Series(spec["data"], index=spec["index"], name=spec.get("name"))
            return {k: self.to_python(x) for k, x in value.items()}
        return value


def _label(k: Any) -> str:
    if _type(k) is str:
        return k
    if _type(k) in (int, bool) or _type(k).__name__.startswith(("int", "uint")):
        return _str(k)
    raise NotData(f"a column is named by a {_type(k).__name__}, not text")


def _native(x: Any) -> Any:
    """numpy scalars inside pandas objects as Python values (pandas' own boxing varies by version)."""
    item = getattr(x, "item", None) if _type(x).__module__ == "numpy" else None
    return item() if item is not None else x


def _kind_name(t: type) -> str:
    name = _str(getattr(t, "__qualname__", None) or "object")
    plain = {int: "number", float: "number", str: "text", list: "list", dict: "dictionary", tuple: "tuple"}
    for base, what in plain.items():
        if base in getattr(t, "__mro__", ()):
            return f"{name}, made from a {what} but not a plain {what}"
    if name in ("set", "frozenset"):
        return f"{name} (use a list)"
    return name


# --- judge side ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Array:
    dtype: str
    shape: tuple[int, ...]
    data: tuple[Any, ...]

    @property
    def kind(self) -> str:
        if self.dtype == "bool":
            return "bool"
        if self.dtype == "str":
            return "str"
        if self.dtype == "object":
            return "object"
        return "number"

    def nested(self) -> Any:
        """The array as nested lists (a 0-d array as its one value)."""

        def build(dims: tuple[int, ...], flat: list[Any]) -> Any:
            if not dims:
                return flat[0]
            step = math.prod(dims[1:]) if len(dims) > 1 else 1
            return [build(dims[1:], flat[i * step : (i + 1) * step]) for i in range(dims[0])]

        return build(self.shape, list(self.data))


@dataclass(frozen=True)
class Frame:
    records: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Series:
    name: Optional[str]
    index: tuple[Any, ...]
    data: tuple[Any, ...]


_DTYPE_NAMES = {"bool", "str", "object"} | {f"{k}{n}" for k in ("int", "uint") for n in (8, 16, 32, 64)}
_DTYPE_NAMES |= {f"float{n}" for n in (16, 32, 64, 128)}


def decode(value: Any) -> Any:
    """Validates data that came out of the sandbox (already ``json.loads``-ed) and turns markers into Array, Frame
    and Series; NotData when it breaks the rules. Never trusts the runner's checks."""
    try:
        return _dec(value, 0, _Budget(MAX_ITEMS, MAX_BYTES))
    except RecursionError:
        raise NotData("it is nested too deeply") from None


def _scalar(v: Any) -> bool:
    return v is None or type(v) in (bool, int, float, str)


def _dec(v: Any, depth: int, budget: _Budget) -> Any:
    if depth > MAX_DEPTH + 3:
        raise NotData("it is nested too deeply")
    t = type(v)
    if _scalar(v):
        budget.take(size=len(v) if t is str else 8)
        return v
    if t is list:
        budget.take(items=len(v))
        return [_dec(x, depth + 1, budget) for x in v]
    if t is not dict:
        raise NotData(f"the answer holds a {t.__name__}")
    if len(v) == 1 and next(iter(v)) in MARKERS:
        key, spec = next(iter(v.items()))
        if key == "__ndarray__":
            return _dec_array(spec, budget)
        if key == "__dataframe__":
            if type(spec) is not list or not all(type(r) is dict for r in spec):
                raise NotData("a malformed table")
            rows = [_dec(r, depth + 1, budget) for r in spec]
            if any(not _scalar(x) for r in rows for x in r.values()):
                raise NotData("a table with containers in its cells")
            return Frame(tuple(rows))
        if type(spec) is not dict or set(spec) - {"name", "index", "data"}:
            raise NotData("a malformed series")
        index, data, name = spec.get("index"), spec.get("data"), spec.get("name")
        if type(index) is not list or type(data) is not list or len(index) != len(data):
            raise NotData("a malformed series")
        if not (name is None or type(name) is str) or not all(_scalar(x) for x in index + data):
            raise NotData("a malformed series")
        budget.take(items=2 * len(data))
        return Series(name, tuple(index), tuple(data))
    budget.take(items=len(v))
    out = {}
    for k, x in v.items():
        if type(k) is not str:
            raise NotData("a dictionary key is not text")
        out[k] = _dec(x, depth + 1, budget)
    return out


def _dec_array(spec: Any, budget: _Budget) -> Array:
    if type(spec) is not dict or set(spec) != {"dtype", "shape", "data"}:
        raise NotData("a malformed array")
    dtype, shape, data = spec["dtype"], spec["shape"], spec["data"]
    if type(dtype) is not str or dtype not in _DTYPE_NAMES:
        raise NotData("an array of an unknown type")
    if type(shape) is not list or len(shape) > MAX_DEPTH or not all(type(n) is int and n >= 0 for n in shape):
        raise NotData("an array with a malformed shape")
    if type(data) is not list or len(data) != math.prod(shape):
        raise NotData("an array whose data does not fit its shape")
    budget.take(items=len(data), size=8 * len(data))
    ok = {
        "bool": lambda x: type(x) is bool,
        "str": lambda x: type(x) is str,
        "object": _scalar,
    }.get(dtype, lambda x: type(x) in (int, float) if dtype.startswith("float") else type(x) is int)
    if not all(ok(x) for x in data):
        raise NotData("an array whose values do not match its type")
    return Array(dtype, tuple(shape), tuple(data))


# --- comparison ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """Why a value is not the expected one. ``what``: ``type`` | ``length`` | ``shape`` | ``keys`` | ``value``;
    ``where``: a path inside the value ("" at the top, "[2]", "['a']"); kinds are words from ``kind_of``."""

    what: str
    where: str = ""
    expected_kind: str = ""
    got_kind: str = ""


def kind_of(v: Any) -> str:
    """``number`` | ``bool`` | ``text`` | ``none`` | ``list`` | ``dict`` | ``array`` | ``table`` | ``series``."""
    if v is None:
        return "none"
    t = type(v)
    if t is bool:
        return "bool"
    if t in (int, float):
        return "number"
    if t is str:
        return "text"
    if t is list:
        return "list"
    if t is dict:
        return "dict"
    if t is Array:
        return "array" if v.shape else {"number": "number", "bool": "bool", "str": "text"}.get(v.kind, "array")
    if t is Frame:
        return "table"
    if t is Series:
        return "series"
    return "unknown"


def tolerance_of(check: dict[str, Any]) -> tuple[float, float]:
    tol = check.get("tolerance")
    tol = tol if isinstance(tol, dict) else {}
    return float(tol.get("abs", DEFAULT_TOLERANCE["abs"])), float(tol.get("rel", DEFAULT_TOLERANCE["rel"]))


def numbers_close(expected: float, got: float, tol: tuple[float, float]) -> bool:
    """|got - expected| <= abs + rel * |expected| (relative to the expected value, which the student cannot pick);
    NaN equals NaN, infinities only themselves. Two ints compare exactly apart from the tolerance."""
    if type(expected) is float and math.isnan(expected) or type(got) is float and math.isnan(got):
        return type(expected) is float and math.isnan(expected) and type(got) is float and math.isnan(got)
    if type(expected) is float and math.isinf(expected) or type(got) is float and math.isinf(got):
        return expected == got
    try:
        return abs(got - expected) <= tol[0] + tol[1] * abs(expected)
    except OverflowError:
        return False


def _unbox(v: Any) -> Any:
    """A 0-d array as its value (``np.int64(55)`` is the number 55 for checking)."""
    if type(v) is Array and not v.shape:
        return v.data[0]
    return v


def compare(expected: Any, got: Any, tol: tuple[float, float] = (0.0, 1e-9), where: str = "") -> Optional[Mismatch]:
    """None when ``got`` (decoded) is ``expected`` (decoded from the spec), within ``tol`` for numbers."""
    got = _unbox(got)
    te = type(expected)
    if te is Array and expected.shape:
        if type(got) is not Array:
            return Mismatch("type", where, "array", kind_of(got))
        if got.shape != expected.shape:
            return Mismatch("shape", where, "array", "array")
        if expected.kind != "object" and got.kind != "object" and expected.kind != got.kind:
            return Mismatch("type", where, "array", "array")
        for i, (e, g) in enumerate(zip(expected.data, got.data)):
            m = compare(e, g, tol, f"{where}[{i}]")
            if m is not None:
                return Mismatch("value", where, "array", "array")
        return None
    expected = _unbox(expected)
    te = type(expected)
    if expected is None:
        return None if got is None else Mismatch("type", where, "none", kind_of(got))
    if te is bool:
        if type(got) is not bool:
            return Mismatch("type", where, "bool", kind_of(got))
        return None if got == expected else Mismatch("value", where, "bool", "bool")
    if te in (int, float):
        if type(got) not in (int, float):
            return Mismatch("type", where, "number", kind_of(got))
        return None if numbers_close(expected, got, tol) else Mismatch("value", where, "number", "number")
    if te is str:
        if type(got) is not str:
            return Mismatch("type", where, "text", kind_of(got))
        return None if got == expected else Mismatch("value", where, "text", "text")
    if te is list:
        if type(got) is Array:
            got = got.nested()
        elif type(got) is Series:
            got = list(got.data)
        elif type(got) is Frame:
            got = [dict(r) for r in got.records]
        if type(got) is not list:
            return Mismatch("type", where, "list", kind_of(got))
        if len(got) != len(expected):
            return Mismatch("length", where, "list", "list")
        for i, (e, g) in enumerate(zip(expected, got)):
            m = compare(e, g, tol, f"{where}[{i}]")
            if m is not None:
                return m
        return None
    if te is dict:
        if type(got) is Series and all(type(k) is str for k in got.index):
            got = dict(zip(got.index, got.data))
        if type(got) is not dict:
            return Mismatch("type", where, "dict", kind_of(got))
        if set(got) != set(expected):
            return Mismatch("keys", where, "dict", "dict")
        for k in expected:
            m = compare(expected[k], got[k], tol, f"{where}[{k!r}]")
            if m is not None:
                return m
        return None
    if te is Frame:
        if type(got) is not Frame:
            return Mismatch("type", where, "table", kind_of(got))
        if len(got.records) != len(expected.records):
            return Mismatch("length", where, "table", "table")
        return compare([dict(r) for r in expected.records], [dict(r) for r in got.records], tol, where)
    if te is Series:
        if type(got) is not Series:
            return Mismatch("type", where, "series", kind_of(got))
        if len(got.data) != len(expected.data):
            return Mismatch("length", where, "series", "series")
        m = compare(list(expected.index), list(got.index), (0.0, 0.0), where)
        return m or compare(list(expected.data), list(got.data), tol, where)
    return Mismatch("type", where, kind_of(expected), kind_of(got))


def describe(v: Any, limit: int = 60) -> str:
    """A short rendering of a decoded value for a message ("54", "'cat'", "a list of 3 items", …)."""
    v = _unbox(v)
    t = type(v)
    if t is Array:
        text = f"an array of shape {tuple(v.shape)}"
    elif t is Frame:
        text = f"a table with {len(v.records)} rows"
    elif t is Series:
        text = f"a series of {len(v.data)} values"
    else:
        text = repr(v)
    if len(text) > limit:
        if t is list:
            return f"a list of {len(v)} items"
        if t is dict:
            return f"a dictionary with {len(v)} keys"
        return text[: limit - 1] + "…"
    return text
