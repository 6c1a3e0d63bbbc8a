"""A small slurmrestd client: the calls the Slurm backend makes, behind one adapter per REST version.

slurmrestd changes its paths and JSON with every Slurm release (v0.0.38 is 22.05, Debian 12's); everything
version-specific lives in an adapter class, which turns Slurm's JSON into ``SlurmJob``. ``version = "auto"`` picks the
newest adapter whose paths the server's ``GET /openapi`` lists.

Errors are ``SlurmRestError`` with a ``kind``: ``unreachable`` (no answer: the daemon is down or the network is),
``auth`` (the token was refused; 22.05 answers an expired token or a user/token mismatch with HTTP 500 "slurmctld
config is unable to load", so a 5xx is retried once with a fresh token before it counts), ``not_found`` (no such job)
or ``refused`` (Slurm said no: its ``errors[]`` message is kept for the admin).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .tokens import TokenError, TokenSource

#: Slurm job states after which nothing changes.
SLURM_TERMINAL = frozenset(
    {
        "COMPLETED",
        "FAILED",
        "CANCELLED",
        "TIMEOUT",
        "NODE_FAIL",
        "OUT_OF_MEMORY",
        "PREEMPTED",
        "BOOT_FAIL",
        "DEADLINE",
        "REVOKED",
        "SPECIAL_EXIT",
    }
)


class SlurmRestError(Exception):
    def __init__(self, kind: str, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


@dataclass
class SlurmJob:
    """What the backend needs of one Slurm job, whatever the REST version said."""

    id: int
    state: str  # PENDING, RUNNING, COMPLETED, … (upper case, as Slurm names them)
    reason: str = ""  # state_reason: Resources, Priority, AssocGrpGRESMinutes, …
    user: str = ""
    partition: str = ""
    priority: int = 0
    submit_time: Optional[int] = None
    start_time: Optional[int] = None  # for a pending job Slurm's expected start (0/None: unknown)
    end_time: Optional[int] = None
    time_limit_minutes: Optional[int] = None
    gpus: int = 0
    gpu_indexes: list[int] = field(default_factory=list)
    comment: str = ""
    exit_code: Optional[int] = None
    nodes: str = ""

    @property
    def terminal(self) -> bool:
        return self.state in SLURM_TERMINAL


class V0038:
    """slurmrestd of Slurm 22.05 (``openapi/v0.0.38``, ``openapi/dbv0.0.38``)."""

    name = "v0.0.38"
    slurm = "/slurm/v0.0.38"
    slurmdb = "/slurmdb/v0.0.38"

    @staticmethod
    def submit_body(script: str, props: dict[str, Any]) -> dict[str, Any]:
        # time_limit is in minutes; environment is mandatory (an empty object is refused by some builds).
        return {"script": script, "job": props}

    @staticmethod
    def _time(value: Any) -> Optional[int]:
        return int(value) if isinstance(value, int) and value > 0 else None

    @classmethod
    def job(cls, raw: dict[str, Any]) -> SlurmJob:
        gres = str(raw.get("tres_per_node") or raw.get("tres_per_job") or "")
        count = re.search(r"gpu(?::[^:,]+)?:(\d+)", gres)
        indexes: list[int] = []
        for detail in raw.get("gres_detail") or []:  # e.g. "gpu:1(IDX:0)" or "gpu:2(IDX:0-1)"
            found = re.search(r"IDX:([0-9,\-]+)", str(detail))
            for part in found.group(1).split(",") if found else []:
                lo, _, hi = part.partition("-")
                if lo.isdigit():
                    indexes.extend(range(int(lo), int(hi or lo) + 1))
        return SlurmJob(
            id=int(raw["job_id"]),
            state=str(raw.get("job_state") or "").upper(),
            reason=str(raw.get("state_reason") or ""),
            user=str(raw.get("user_name") or ""),
            partition=str(raw.get("partition") or ""),
            priority=int(raw.get("priority") or 0),
            submit_time=cls._time(raw.get("submit_time")),
            start_time=cls._time(raw.get("start_time")),
            end_time=cls._time(raw.get("end_time")),
            time_limit_minutes=raw.get("time_limit") if isinstance(raw.get("time_limit"), int) else None,
            gpus=int(count.group(1)) if count else 0,
            gpu_indexes=indexes,
            comment=str(raw.get("comment") or ""),
            exit_code=raw.get("exit_code") if isinstance(raw.get("exit_code"), int) else None,
            nodes=str(raw.get("nodes") or ""),
        )

    @staticmethod
    def db_gpu_minutes(raw_jobs: list[dict[str, Any]]) -> float:
        """GPU-minutes of slurmdbd's job records: allocated gres/gpu × elapsed seconds / 60."""
        total = 0.0
        for raw in raw_jobs:
            gpus = 0
            for tres in (raw.get("tres") or {}).get("allocated") or []:
                if tres.get("type") == "gres" and tres.get("name") == "gpu":
                    gpus += int(tres.get("count") or 0)
            times = raw.get("time") or {}
            if not times.get("end"):
                continue  # still running: the queue counts running jobs from its own records
            total += gpus * float(times.get("elapsed") or 0) / 60.0
        return total

    @staticmethod
    def gpu_limit_minutes(raw_assocs: list[dict[str, Any]], user: str, account: Optional[str]) -> Optional[int]:
        """The user's association limit ``GrpTRESMins=gres/gpu=N`` (None: no limit set)."""
        for assoc in raw_assocs:
            if assoc.get("user") != user or (account and assoc.get("account") != account):
                continue
            for tres in (((assoc.get("max") or {}).get("tres") or {}).get("group") or {}).get("minutes") or []:
                if tres.get("type") == "gres" and tres.get("name") == "gpu":
                    return int(tres.get("count"))
        return None


ADAPTERS = {V0038.name: V0038}


class SlurmRest:
    def __init__(self, url: str, tokens: TokenSource, version: str = "auto", timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.tokens = tokens
        self.timeout = timeout
        if version != "auto" and version not in ADAPTERS:
            raise ValueError(f"no slurmrestd adapter for {version!r}; known: {', '.join(ADAPTERS)}")
        self.api: Optional[type[V0038]] = ADAPTERS[version] if version != "auto" else None

    async def adapter(self, user: str) -> type[V0038]:
        """The adapter for the server's REST version (asked once, from ``GET /openapi``)."""
        if self.api is None:
            spec = await self._call("GET", "/openapi", user, check_errors=False)
            paths = spec.get("paths") or {}
            for name in sorted(ADAPTERS, reverse=True):
                if f"{ADAPTERS[name].slurm}/job/submit" in paths:
                    self.api = ADAPTERS[name]
                    break
            else:
                served = sorted({p.split("/")[2] for p in paths if p.startswith("/slurm/") and p.count("/") > 2})
                raise SlurmRestError(
                    "refused",
                    f"slurmrestd serves REST versions {served or 'unknown'}; ClassLab speaks {', '.join(ADAPTERS)}.",
                )
        return self.api

    async def _call(
        self, method: str, path: str, user: str, body: Any = None, check_errors: bool = True, retry: bool = True
    ) -> dict[str, Any]:
        try:
            token = await self.tokens.token(user)
        except TokenError as e:
            raise SlurmRestError("auth", e.message) from None
        request = HTTPRequest(
            self.url + path,
            method=method,
            headers={
                "X-SLURM-USER-NAME": user,
                "X-SLURM-USER-TOKEN": token,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            body=json.dumps(body) if body is not None else None,
            allow_nonstandard_methods=True,
            request_timeout=self.timeout,
            connect_timeout=min(self.timeout, 5.0),
        )
        try:
            response = await AsyncHTTPClient().fetch(request)
            answer = response.body
        except HTTPClientError as e:
            if e.code == 599 or e.response is None:
                raise SlurmRestError("unreachable", f"slurmrestd at {self.url} does not answer ({e}).") from None
            if e.code in (401, 403) or (e.code >= 500 and retry):
                self.tokens.forget(user)
                if retry:
                    return await self._call(method, path, user, body, check_errors, retry=False)
                raise SlurmRestError(
                    "auth", f"slurmrestd refused the token for {user!r} (HTTP {e.code}).", e.code
                ) from None
            message = self._errors(e.response.body) or f"HTTP {e.code}"
            kind = "not_found" if e.code == 404 or "invalid job id" in message.lower() else "refused"
            if e.code >= 500:
                # Twice, with a fresh token: slurmctld itself is away, or (22.05 gives no better sign) the token
                # does not belong to the user it is sent for.
                lowered = message.lower()
                unreachable = any(w in lowered for w in ("contact", "connect", "timed out", "communication"))
                kind = "unreachable" if unreachable else "auth"
            raise SlurmRestError(kind, message, e.code) from None
        except OSError as e:
            raise SlurmRestError("unreachable", f"slurmrestd at {self.url} cannot be reached ({e}).") from None
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            raise SlurmRestError("refused", "slurmrestd answered something that is not JSON.") from None
        if check_errors:
            message = self._errors(answer)
            if message:
                kind = "not_found" if "invalid job id" in message.lower() else "refused"
                raise SlurmRestError(kind, message)
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _errors(body: Optional[bytes]) -> str:
        try:
            errors = json.loads(body or b"{}").get("errors") or []
        except (ValueError, AttributeError):
            return ""
        texts = [str(e.get("error") or e.get("description") or e) for e in errors if isinstance(e, dict)]
        return "; ".join(t for t in texts if t)

    # --- calls --------------------------------------------------------------------------------------------------
    async def ping(self, user: str) -> dict[str, Any]:
        api = await self.adapter(user)
        return await self._call("GET", f"{api.slurm}/ping", user)

    async def submit(self, user: str, script: str, props: dict[str, Any]) -> int:
        api = await self.adapter(user)
        answer = await self._call("POST", f"{api.slurm}/job/submit", user, api.submit_body(script, props))
        job_id = answer.get("job_id")
        if not isinstance(job_id, int):
            raise SlurmRestError("refused", "slurmrestd did not say which job it made.")
        return job_id

    async def jobs(self, user: str) -> list[SlurmJob]:
        api = await self.adapter(user)
        answer = await self._call("GET", f"{api.slurm}/jobs", user)
        return [api.job(raw) for raw in answer.get("jobs") or [] if isinstance(raw, dict) and "job_id" in raw]

    async def job(self, user: str, job_id: int) -> Optional[SlurmJob]:
        api = await self.adapter(user)
        try:
            answer = await self._call("GET", f"{api.slurm}/job/{job_id}", user)
        except SlurmRestError as e:
            if e.kind == "not_found":
                return None
            raise
        found = [api.job(raw) for raw in answer.get("jobs") or [] if isinstance(raw, dict) and "job_id" in raw]
        return found[0] if found else None

    async def cancel(self, user: str, job_id: int) -> None:
        api = await self.adapter(user)
        try:
            await self._call("DELETE", f"{api.slurm}/job/{job_id}", user)
        except SlurmRestError as e:
            if e.kind != "not_found" and "already completed" not in e.message.lower():
                raise

    async def gpu_limit_minutes(self, user: str, account: Optional[str]) -> Optional[int]:
        api = await self.adapter(user)
        answer = await self._call("GET", f"{api.slurmdb}/associations?user={user}", user)
        return api.gpu_limit_minutes(answer.get("associations") or [], user, account)

    async def gpu_used_minutes(self, user: str, since: str = "2000-01-01") -> float:
        """GPU-minutes of the user's ended jobs since ``since`` (YYYY-MM-DD), from slurmdbd. v0.0.38 has no user
        filter on /slurmdb/jobs (it would refuse ``users=``): the records are filtered here."""
        api = await self.adapter(user)
        answer = await self._call("GET", f"{api.slurmdb}/jobs?start_time={since}", user)
        mine = [j for j in answer.get("jobs") or [] if isinstance(j, dict) and j.get("user") == user]
        return api.db_gpu_minutes(mine)
