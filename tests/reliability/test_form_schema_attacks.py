"""Issue 15 items 2 and 4: a form (written by a process owner) cannot make the server fetch a URL or
read a file through `$ref`, nor spend hours on a catastrophic `pattern`.

The URL a hostile `$ref` names is served by a real HTTP server on 127.0.0.1 that counts its requests
(jsonschema's default resolution would fetch it on every submission); patterns run on RE2
(app/engine/formschema.py), shown by a pattern only RE2 can read (`\\p{L}`) and by RE2's compile cache.
"""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.domain.errors import ValidationFailed
from app.engine import ImportRefused
from app.engine.formschema import compile_pattern
from app.persistence.models import HumanTask, ProcessVersion, db
from app.services.casework.forms import clean_submission
from app.services.modelling.processes import definition_of, import_process, latest_version
from tests.support import PROCESS, Driver, actor, now, sign_in

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "tests" / "engine" / "fixtures" / "kecil.bpmn").read_text()
FORM = "periksa_kelengkapan.schema.json"
CATASTROPHIC = "^(a+)+$"
REFUSED_FORM = "Formulir ini tidak dapat diperiksa"


class _Counting(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.hits.append(self.path)
        body = b'{"type": "string"}'  # a valid schema: fetching it would "work"
        self.send_response(200)
        self.send_header("Content-Type", "application/schema+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def schema_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/skema.json"


def _with_field(field: dict, **extra) -> dict:
    return {"type": "object", "properties": {"kode": field}, **extra}


def _hostile_refs(server) -> dict[str, dict]:
    return {
        "http": _with_field({"$ref": _url(server)}),
        "http behind a local ref": _with_field({"$ref": "#/$defs/kode"}, **{"$defs": {"kode": {"$ref": _url(server)}}}),
        "dynamicRef": _with_field({"$dynamicRef": _url(server)}),
        "file": _with_field({"$ref": "file:///etc/passwd"}),
    }


# ---------------------------------------------------------------- $ref: submitting never fetches

@pytest.mark.parametrize("case", ["http", "http behind a local ref", "dynamicRef", "file"])
def test_a_submission_to_a_form_with_a_remote_ref_fetches_nothing_and_is_refused(app, schema_server, case):
    schema = _hostile_refs(schema_server)[case]
    with pytest.raises(ValidationFailed) as refused:
        clean_submission(schema, {"kode": "abc"}, sources={})
    assert refused.value.errors[""][0].startswith(REFUSED_FORM), refused.value.errors
    assert schema_server.hits == []


def test_the_task_page_refuses_a_stored_form_with_a_remote_ref_without_fetching(app, client, schema_server):
    """A version stored before the import refused such forms: the task page answers 422 with the reason."""
    reg = Driver(None).start()
    db.session.rollback()
    task_id = db.session.scalar(db.select(HumanTask.task_id).filter_by(
        registration_number=reg, spec_id="Activity_PeriksaKelengkapan"))
    forms = definition_of(latest_version(PROCESS)).forms
    original = forms[FORM]
    forms[FORM] = {**copy.deepcopy(original), "allOf": [{"$ref": _url(schema_server)}]}
    try:
        sign_in(client, "petugas")
        response = client.post(f"/tugas/{task_id}", data={"kelengkapan": "lengkap"})
    finally:
        forms[FORM] = original
    assert response.status_code == 422
    assert REFUSED_FORM in response.get_data(as_text=True)
    assert schema_server.hits == []
    db.session.rollback()
    assert db.session.scalar(db.select(HumanTask).filter_by(task_id=task_id)) is not None  # still open


# ---------------------------------------------------------------- the import refuses such forms

def _import_with(form: dict):
    """Import tests/engine/fixtures/kecil.bpmn with its check step's form replaced by `form`."""
    text = BASE.replace(f'value="{FORM}"', 'value="periksa_baru.schema.json"', 1)
    return import_process(actor("pemilik"), text.encode(), now(),
                          extra_forms={"periksa_baru.schema.json": json.dumps(form).encode()})


def _refusal(form: dict) -> list[str]:
    before = db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))
    with pytest.raises(ImportRefused) as refused:
        _import_with(form)
    assert refused.value.stage == "lint", refused.value.lines()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == before
    assert {p.element_id for p in refused.value.problems} == {"Activity_Periksa"}
    return [p.message for p in refused.value.problems]


def test_the_import_refuses_every_non_local_ref_naming_the_form_and_the_pointer(folders, schema_server):
    forms = _hostile_refs(schema_server)
    url = _url(schema_server)
    expected = {
        "http": f"$ref '{url}' di /properties/kode/$ref merujuk ke luar formulir",
        "http behind a local ref": f"$ref '{url}' di /$defs/kode/$ref merujuk ke luar formulir",
        "dynamicRef": f"$dynamicRef '{url}' di /properties/kode/$dynamicRef merujuk ke luar formulir",
        "file": "$ref 'file:///etc/passwd' di /properties/kode/$ref merujuk ke luar formulir",
    }
    for case, fragment in expected.items():
        messages = _refusal(forms[case])
        assert len(messages) == 1 and messages[0].startswith("formulir 'periksa_baru.schema.json': "), messages
        assert fragment in messages[0], messages
    assert schema_server.hits == []
    assert not (folders[1] / "periksa_baru.schema.json").exists()


def test_a_form_with_only_local_refs_imports(folders):
    form = {**json.loads((ROOT / "forms" / FORM).read_text()), "$defs": {"catatan": {"type": "string", "maxLength": 2000}}}
    form["properties"]["catatan_kelengkapan"] = {"$ref": "#/$defs/catatan", "title": "Catatan kelengkapan"}
    assert _import_with(form).created
    with pytest.raises(ValidationFailed) as refused:
        clean_submission(form, {"kelengkapan": "tidak_lengkap", "catatan_kelengkapan": "x" * 2001}, sources={})
    assert refused.value.errors == {"catatan_kelengkapan": ["Paling banyak 2000 karakter."]}


# ---------------------------------------------------------------- patterns run on RE2

def test_patterns_run_on_re2_so_a_catastrophic_pattern_answers_at_once(app):
    # \p{L} is RE2 syntax that Python's re cannot compile: accepted here only because RE2 matches
    letters = _with_field({"type": "string", "pattern": r"^\p{L}+$"})
    assert clean_submission(letters, {"kode": "Ärzte"}, sources={}) == {"kode": "Ärzte"}

    schema = _with_field({"type": "string", "pattern": CATASTROPHIC, "x-pesan": "Hanya huruf a."})
    compile_pattern.cache_clear()
    assert clean_submission(schema, {"kode": "a" * 40}, sources={}) == {"kode": "a" * 40}
    with pytest.raises(ValidationFailed) as refused:  # Python's re: hours (2^40 ways to split the a's)
        clean_submission(schema, {"kode": "a" * 40 + "!"}, sources={})
    assert refused.value.errors == {"kode": ["Hanya huruf a."]}
    assert compile_pattern.cache_info().misses == 1  # the pattern was compiled by RE2, once


def test_pattern_properties_and_additional_properties_match_keys_with_re2(app):
    schema = _with_field({"type": "object", "patternProperties": {CATASTROPHIC: {"type": "string"}},
                          "additionalProperties": False})
    compile_pattern.cache_clear()
    assert clean_submission(schema, {"kode": {"a" * 40: "x"}}, sources={})
    with pytest.raises(ValidationFailed) as refused:
        clean_submission(schema, {"kode": {"a" * 40 + "!": "x"}}, sources={})
    assert list(refused.value.errors) == ["kode"]
    assert compile_pattern.cache_info().misses == 1


@pytest.mark.parametrize("pattern,reason", [
    (r"^(a)\1$", "rujukan balik (\\1, \\2, …) tidak didukung"),
    (r"^(?=.*[0-9]).{8,}$", "lookahead/lookbehind ((?=, (?!, (?<=, (?<!) tidak didukung"),
])
def test_the_import_refuses_a_pattern_re2_cannot_run_naming_form_and_field(folders, pattern, reason):
    messages = _refusal(_with_field({"type": "string", "pattern": pattern}))
    assert messages == [f"formulir 'periksa_baru.schema.json': pola (pattern) '{pattern}' pada isian 'kode' "
                        f"(/properties/kode/pattern) tidak dapat dipakai: {reason}. Pola diperiksa dengan mesin RE2 "
                        "yang waktunya sebanding dengan panjang isian; tulis ulang tanpa fitur itu"]


def test_the_import_refuses_pattern_property_keys_re2_cannot_run_and_unevaluated_properties_beside_them(folders):
    messages = _refusal(_with_field({"type": "object", "patternProperties": {"^(?!x)": {}},
                                     "unevaluatedProperties": False}))
    assert len(messages) == 2
    assert "pola (pattern) '^(?!x)' pada isian 'kode' (/properties/kode/patternProperties/^(?!x))" in messages[0]
    assert "unevaluatedProperties tidak dapat dipakai bersama patternProperties" in messages[1]


def test_a_stored_form_with_a_pattern_re2_cannot_run_is_refused_clearly(app):
    schema = _with_field({"type": "string", "pattern": r"^(a)\1$"})
    with pytest.raises(ValidationFailed) as refused:
        clean_submission(schema, {"kode": "aa"}, sources={})
    assert refused.value.errors[""][0].startswith(REFUSED_FORM)
    assert "rujukan balik" in refused.value.errors[""][0]
