"""What every ClassLab API handler shares, in the bridge and in the Hub services: JSON answers and errors
(``{"error": {"code", "message"}}``) and who is a teacher. No jupyter_server here: the Hub services import it."""

from __future__ import annotations

import json
from typing import Any, Callable, Protocol


class APIErrorLike(Protocol):
    status: int
    code: str
    message: str


class APIError(Exception):
    """A refusal with an HTTP status and a stable code; each feature's own error (GpuError, GraderError, HelpError)
    is one, so every handler answers them alike."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class JsonAPIMixin:
    """``reply``/``fail``/``body`` for a ``tornado.web.RequestHandler``; ``error_class(status, code, message)`` is
    the feature's own error (HelpError, GpuError), raised for a body that is not JSON."""

    error_class: Callable[[int, str, str], Exception]
    request: Any
    set_status: Callable[..., Any]
    finish: Callable[..., Any]

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(payload))

    def fail(self, error: APIErrorLike) -> None:
        self.set_status(error.status)
        self.finish(json.dumps({"error": {"code": error.code, "message": error.message}}))

    def body(self) -> Any:
        if not self.request.body:
            return {}
        try:
            value = json.loads(self.request.body)
        except ValueError as e:
            raise self.error_class(400, "bad_json", "The body is not JSON.") from e
        return {} if value is None else value


def hub_teacher(model: dict[str, Any], teachers_group: str) -> bool:
    """A Hub admin or a member of ``teachers_group``, from the Hub's user model."""
    return bool(model.get("admin")) or teachers_group in (model.get("groups") or [])


__all__ = ["APIError", "JsonAPIMixin", "hub_teacher"]
