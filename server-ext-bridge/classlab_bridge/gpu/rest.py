"""The GPU queue's REST calls of PROTOCOL.md, written once for the bridge (handlers.py) and the Hub service
(service_app.py). Each mixes ``GpuRest`` into its own Tornado handler base, which says who the caller is (``caller``:
from the server's identity, or from the Hub for the token), which queue answers (``gpu_queue``) and how a new job's
bundle is made (``bundle_for``: the notebook's folder here, a scratch folder from the upload there); ``rest_routes``
then gives the routes. No jupyter_server here: the Hub service imports it."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Callable

from tornado import web

from ..apibase import JsonAPIMixin
from .queue import GpuError, GpuQueue, GpuUser


class GpuRest(JsonAPIMixin):
    """What the REST handlers need of their base."""

    error_class = GpuError
    #: ``GET info`` defaults the queue's answer may override (e.g. ``max_bundle_bytes``).
    info_defaults: dict[str, Any] = {}
    get_argument: Callable[..., Any]

    def caller(self) -> GpuUser:
        raise NotImplementedError

    def gpu_queue(self) -> GpuQueue:
        raise NotImplementedError

    async def submit(self, queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
        """The new job (J) from this request's body."""
        raise NotImplementedError

    async def answer(self, work: Callable[[GpuQueue, GpuUser], Awaitable[Any]], status: int = 200) -> None:
        """Replies with what ``work(queue, caller)`` returns, or with its GpuError."""
        try:
            self.reply(await work(self.gpu_queue(), self.caller()), status)
        except GpuError as e:
            self.fail(e)


class InfoRoute(GpuRest):
    @web.authenticated
    async def get(self) -> None:
        async def info(queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
            return {"reachable": True, **self.info_defaults, **await queue.info()}

        await self.answer(info)


class QuotaRoute(GpuRest):
    @web.authenticated
    async def get(self) -> None:
        await self.answer(lambda queue, user: queue.quota(user))


class JobsRoute(GpuRest):
    @web.authenticated
    async def get(self) -> None:
        all_users = self.get_argument("all", "") in ("1", "true")

        async def jobs(queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
            return {"jobs": await queue.list(user, all_users=all_users)}

        await self.answer(jobs)

    @web.authenticated
    async def post(self) -> None:
        async def submit(queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
            return {"job": await self.submit(queue, user)}

        await self.answer(submit, 201)


class JobRoute(GpuRest):
    @web.authenticated
    async def get(self, job_id: str) -> None:
        async def job(queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
            found, outputs = await queue.get(user, job_id)
            return {"job": found, "outputs": outputs}

        await self.answer(job)

    @web.authenticated
    async def delete(self, job_id: str) -> None:
        async def cancel(queue: GpuQueue, user: GpuUser) -> dict[str, Any]:
            return {"job": await queue.cancel(user, job_id)}

        await self.answer(cancel)


def rest_routes(base: type, kwargs: dict[str, Any]) -> list[tuple[str, type, dict[str, Any]]]:
    """``(path under .../gpu/, handler, initialize kwargs)`` for each REST call, its handler made from ``base``."""
    routes = [("info", InfoRoute), ("quota", QuotaRoute), ("jobs", JobsRoute), ("jobs/([^/]+)", JobRoute)]
    return [
        (path, type(route.__name__.replace("Route", "Handler"), (route, base), {"__module__": base.__module__}), kwargs)
        for path, route in routes
    ]
