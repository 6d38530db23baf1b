"""Row 3: the same cases through the JSON API (/api/v1) of a real server, by two concurrent clients.

Each client is a thread with its own keep-alive connection. It signs in once per account
(POST /api/v1/auth/token), files requests (POST /api/v1/requests, with the KTP scan as base64),
and works every task the way an officer's program would: read its worklist (GET /api/v1/tasks),
pick the case's task, complete it (POST /api/v1/tasks/{task_id}/complete).
"""
from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from dataclasses import dataclass, field

from app.engine import ProcessDefinition

from .server import ServerProcess
from .service_row import USERNAMES
from .stats import cpu_seconds
from .workload import KTP_PDF, REQUEST, plan

CLIENTS = 2
MAX_PAGES = 20  # bounded search of a worklist for one case's task


class ApiError(RuntimeError):
    pass


def api_available(app) -> bool:
    """Whether the app has the four endpoints the row uses."""
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods}
    return {("/api/v1/auth/token", "POST"), ("/api/v1/requests", "POST"), ("/api/v1/tasks", "GET"),
            ("/api/v1/tasks/<uuid:task_id>/complete", "POST")} <= rules


@dataclass
class Forms:
    """What a client needs to know of the process: task titles and each form's fields."""

    titles: dict[str, str]
    fields: dict[str, set[str]]
    request_fields: set[str]

    @classmethod
    def of(cls, definition: ProcessDefinition) -> "Forms":
        titles, fields = {}, {}
        for spec_id, meta in definition.user_tasks.items():
            titles[spec_id] = meta.name
            fields[spec_id] = set(definition.forms.get(meta.form or "", {}).get("properties", {}))
        start = definition.forms["permohonan_informasi.schema.json"]
        return cls(titles, fields, set(start.get("properties", {})))


@dataclass
class Client:
    port: int
    password: str
    forms: Forms
    tokens: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None,
             expect: int = 200) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()  # a keep-alive connection the server closed: reconnect once
                if attempt == 2:
                    raise
        if response.status != expect:
            raise ApiError(f"{method} {path}: HTTP {response.status}: {data[:400]!r}")
        return json.loads(data) if data else {}

    def sign_in(self) -> None:
        for username in USERNAMES:
            answer = self.call("POST", "/api/v1/auth/token", {"username": username, "password": self.password},
                               expect=201)
            self.tokens[username] = answer["token"]

    def find_task(self, username: str, registration_number: str, spec_id: str) -> int:
        title = self.forms.titles[spec_id]
        for page in range(1, MAX_PAGES + 1):
            answer = self.call("GET", f"/api/v1/tasks?per_page=100&page={page}", token=self.tokens[username])
            for item in answer["items"]:
                if item["registration_number"] == registration_number and item["title"] == title:
                    return item["id"]
            if page * 100 >= answer["total"]:
                break
        raise ApiError(f"{spec_id} of {registration_number} is not in {username}'s worklist")

    def run_case(self, index: int) -> None:
        body = {k: v for k, v in REQUEST.items() if k in self.forms.request_fields and k != "lampiran_identitas"}
        body["lampiran"] = {"lampiran_identitas": {"filename": "ktp.pdf",
                                                   "content_base64": base64.b64encode(KTP_PDF).decode()}}
        reg = self.call("POST", "/api/v1/requests", body, token=self.tokens["pemohon"],
                        expect=201)["registration_number"]
        for step in plan(index).steps:
            task_id = self.find_task(step.username, reg, step.spec_id)
            data = {k: v for k, v in step.data.items() if k in self.forms.fields[step.spec_id]}
            self.call("POST", f"/api/v1/tasks/{task_id}/complete", {"data": data}, token=self.tokens[step.username])

    def close(self) -> None:
        self.conn.close()


class HttpBench:
    """Two clients against one running server."""

    def __init__(self, server: ServerProcess, password: str, definition: ProcessDefinition):
        self.server = server
        self.clients = [Client(server.port, password, Forms.of(definition)) for _ in range(CLIENTS)]
        for client in self.clients:
            client.sign_in()

    def repeat(self, cases: int, offset: int = 0) -> dict:
        """`cases` cases in all, split between the clients, run at the same time."""
        errors: list[BaseException] = []
        start = threading.Barrier(CLIENTS + 1)

        def work(client: Client, indices: list[int]) -> None:
            start.wait()
            try:
                for index in indices:
                    client.run_case(index)
            except BaseException as exc:  # reported by the caller
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(client, list(range(offset + n, offset + cases, CLIENTS))),
                                    daemon=True) for n, client in enumerate(self.clients)]
        for thread in threads:
            thread.start()
        cpu_before = cpu_seconds(self.server.pid)
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join(timeout=3600)
        wall = time.perf_counter() - began
        if errors:
            raise errors[0]
        if any(thread.is_alive() for thread in threads):
            raise RuntimeError("HTTP row: a client did not finish within an hour")
        return {"cases": cases, "wall_s": wall, "server_cpu_s": cpu_seconds(self.server.pid) - cpu_before}

    def close(self) -> None:
        for client in self.clients:
            client.close()
