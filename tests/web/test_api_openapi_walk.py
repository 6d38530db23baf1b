"""A whole request, granted and delivered, walked through the API using nothing but its OpenAPI document.

Operations are found by operationId, URLs built from the server URL and the path template, and every
request body and every response is validated against the schemas in the document, so the document
cannot drift from the API.
"""
import base64
import re
from urllib.parse import quote

import pytest
import time_machine
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import PASSWORD
from tests.support import REQUEST, wib

DOCUMENT_URL = "/api/v1/openapi.json"
PDF = b"%PDF-1.4\n% KTP uji\n"


def _pointer(*parts: str) -> str:
    return "".join("/" + quote(p.replace("~", "~0").replace("/", "~1"), safe="") for p in parts)


class Api:
    """A client that knows the API only through its OpenAPI document."""

    def __init__(self, client, document: dict):
        self.client = client
        self.document = document
        self.server = document["servers"][0]["url"]
        self.operations = {}
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "operationId" in operation:
                    self.operations[operation["operationId"]] = (path, method, operation, item.get("parameters", []))
        self.registry = Registry().with_resource("urn:api", Resource.from_contents(
            document, default_specification=DRAFT202012))
        self.used: set[str] = set()

    def _check(self, pointer: str, instance, what: str) -> None:
        validator = Draft202012Validator({"$ref": "urn:api#" + pointer}, registry=self.registry,
                                         format_checker=FormatChecker())
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        assert not errors, f"{what}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])

    def _resolve(self, node: dict) -> tuple[dict, str | None]:
        """A response object, following a components $ref; with the pointer it lives at."""
        if "$ref" in node:
            pointer = node["$ref"].removeprefix("#")
            found = self.document
            for part in pointer.strip("/").split("/"):
                found = found[part.replace("~1", "/").replace("~0", "~")]
            return found, pointer
        return node, None

    def call(self, operation_id: str, token: str | None = None, path_params: dict | None = None,
             query: dict | None = None, body=None, expect: int | None = None):
        path, method, operation, shared_params = self.operations[operation_id]
        self.used.add(operation_id)
        params = {p["name"]: p for p in [*shared_params, *operation.get("parameters", [])]}
        names = set(re.findall(r"{(\w+)}", path))
        assert names == {n for n, p in params.items() if p["in"] == "path"} == set(path_params or {})
        assert set(query or {}) <= {n for n, p in params.items() if p["in"] == "query"}
        url = self.server + path.format(**{k: quote(str(v), safe="") for k, v in (path_params or {}).items()})
        security = operation.get("security", self.document.get("security", []))
        headers = {}
        if security:
            assert token, f"{operation_id} needs a bearer token"
            headers["Authorization"] = f"Bearer {token}"
        if "requestBody" in operation:
            assert body is not None or not operation["requestBody"].get("required")
            if body is not None:
                self._check(_pointer("paths", path, method, "requestBody", "content", "application/json", "schema"),
                            body, f"{operation_id} request body")
        else:
            assert body is None, f"{operation_id} takes no body"
        response = self.client.open(url, method=method.upper(), json=body, query_string=query, headers=headers)
        status = str(response.status_code)
        assert status in operation["responses"], f"{operation_id}: undocumented status {status}"
        spec, base = self._resolve(operation["responses"][status])
        if expect is not None:
            assert response.status_code == expect, response.get_data(as_text=True)
        for header in spec.get("headers", {}):
            assert header in response.headers, f"{operation_id}: documented header {header} missing"
        if "content" not in spec:
            assert response.data == b""
            return None
        assert response.mimetype in spec["content"], f"{operation_id}: undocumented type {response.mimetype}"
        payload = response.get_json(force=True)
        where = _pointer("paths", path, method, "responses", status) if base is None else base
        self._check(where + _pointer("content", response.mimetype, "schema"), payload, f"{operation_id} {status}")
        return payload


@pytest.fixture
def api(client):
    response = client.get(DOCUMENT_URL)
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    walker = Api(client, document)
    path, method, _, _ = walker.operations["getOpenApi"]
    assert walker.server + path == DOCUMENT_URL and method == "get"
    return walker


def only_task(api, token, registration_number, title):
    page = api.call("listTasks", token, query={"page": 1, "per_page": 100})
    mine = [t for t in page["items"] if t["registration_number"] == registration_number]
    assert [t["title"] for t in mine] == [title]
    return mine[0]["id"]


def work(api, token, task_id, data, lampiran=None, claim=True):
    """Read the task, check the answer against its own form, claim it and complete it."""
    task = api.call("getTask", token, {"task_id": task_id}, expect=200)
    form = task["form"]["schema"]
    Draft202012Validator(form, format_checker=FormatChecker()).validate({**task["defaults"], **data, **(
        {k: "lampiran:x" for k in lampiran} if lampiran else {})})
    if claim:
        claimed = api.call("claimTask", token, {"task_id": task_id}, expect=200)
        assert claimed["claimed_by"]
    body = {"data": data, **({"lampiran": lampiran} if lampiran else {})}
    return api.call("completeTask", token, {"task_id": task_id}, body=body, expect=200)


def test_a_request_granted_in_full_walked_through_the_openapi_document(api):
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        tokens = {who: api.call("createToken", body={"username": who, "password": PASSWORD}, expect=201)["token"]
                  for who in ("pemohon", "petugas", "opd")}

        # the applicant reads the form and sends the request with a KTP scan
        form = api.call("getRequestForm", tokens["pemohon"], expect=200)
        uploads = [name for name, prop in form["schema"]["properties"].items() if prop.get("format") == "data-url"]
        assert uploads == ["lampiran_identitas", "lampiran_kuasa"]  # the power of attorney: groups and legal entities
        body = {k: v for k, v in REQUEST.items() if k in form["schema"]["properties"] and k not in uploads}
        body["lampiran"] = {"lampiran_identitas": {"filename": "ktp.pdf",
                                                   "content_base64": base64.b64encode(PDF).decode()}}
        created = api.call("createRequest", tokens["pemohon"], body=body, expect=201)
        reg = created["registration_number"]
        assert created["status"] == "Diajukan" and created["links"]["self"].endswith(reg)

        # the desk checks completeness (claiming, letting go, claiming again) and dispatches to DISDIK
        petugas = tokens["petugas"]
        check = only_task(api, petugas, reg, "Periksa kelengkapan permohonan")
        api.call("claimTask", petugas, {"task_id": check}, expect=200)
        assert api.call("unclaimTask", petugas, {"task_id": check}, expect=200)["claimed_by"] is None
        work(api, petugas, check, {"kelengkapan": "lengkap"})
        dispatch = only_task(api, petugas, reg, "Teruskan ke OPD")
        task = api.call("getTask", petugas, {"task_id": dispatch}, expect=200)
        assert "DISDIK" in [o["const"] for o in task["form"]["schema"]["properties"]["opd"]["oneOf"]]
        work(api, petugas, dispatch, {"opd": "DISDIK", "catatan_disposisi": "Mohon disiapkan datanya."})

        # the OPD answers; the desk issues the written notice and hands the information over
        opd = tokens["opd"]
        answer = only_task(api, opd, reg, "Jawab permohonan")
        work(api, opd, answer, {"informasi_dikuasai": "ya", "usulan_keputusan": "diterima_seluruhnya",
                                "jawaban_opd": "Daftar penerima beasiswa terlampir."},
             lampiran={"lampiran_jawaban": {"filename": "beasiswa.pdf",
                                            "content_base64": base64.b64encode(b"%PDF-1.4\n").decode()}})
        notice = only_task(api, petugas, reg, "Terbitkan pemberitahuan tertulis")
        done = work(api, petugas, notice, {"keputusan": "diterima_seluruhnya", "bentuk_informasi": "Salinan PDF",
                                           "rencana_tanggal_penyampaian": "2026-03-20", "rencana_cara_penyampaian": "email",
                                           "isi_pemberitahuan": "Informasi diberikan seluruhnya."})
        assert done["status"] == "Diterima Seluruhnya" and done["finished"] is False
        deliver = only_task(api, petugas, reg, "Serahkan informasi")
        done = work(api, petugas, deliver, {"tanggal_penyerahan": "2026-03-04", "cara_penyerahan": "email"},
                    claim=False)
        assert done == {"registration_number": reg, "status": "Selesai", "finished": False, "links": done["links"]}
        # the applicant lets the objection right go (it opened with the notice)
        objection = only_task(api, tokens["pemohon"], reg, "Ajukan keberatan")
        done = work(api, tokens["pemohon"], objection, {"ajukan_keberatan": "tidak"}, claim=False)
        assert done == {"registration_number": reg, "status": "Selesai", "finished": True, "links": done["links"]}

        # the applicant reads the finished request and its history
        case = api.call("getRequest", tokens["pemohon"], {"registration_number": reg}, expect=200)
        assert case["status"] == "Selesai" and case["finished"] and case["open_tasks"] == [] and case["timers"] == []
        assert case["data"]["opd"] == "DISDIK" and case["data"]["nik"] == REQUEST["nik"]
        history = api.call("getRequestHistory", tokens["pemohon"], {"registration_number": reg}, expect=200)
        assert history["chain_ok"] is True
        completed = [e["task_name"] for e in history["entries"] if e["event_type"] == "task_completed"]
        assert completed == ["Ajukan permohonan informasi", "Periksa kelengkapan permohonan", "Teruskan ke OPD",
                             "Jawab permohonan", "Terbitkan pemberitahuan tertulis", "Serahkan informasi",
                             "Ajukan keberatan"]

        # errors are documented too
        api.call("getRequest", petugas, {"registration_number": "PPID-2026-99999"}, expect=404)
        api.call("getTask", tokens["pemohon"], {"task_id": 999999}, expect=404)
        problem = api.call("completeTask", petugas, {"task_id": deliver}, body={"data": {}}, expect=409)
        assert problem["status"] == 409 and problem["detail"]
        for who, tok in tokens.items():
            api.call("revokeToken", tok, expect=204)
        api.call("listTasks", petugas, expect=401)

    assert api.used == set(api.operations) - {"getOpenApi"}
