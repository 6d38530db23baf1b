"""A form is a file: editing it changes the page and the validation, with no code change."""
import io
import json
import shutil
from pathlib import Path

import pytest

from app.persistence.models import ProcessInstance, db
from app.services.infrastructure.context import SYSTEM
from app.services.modelling.processes import deploy_processes_folder, latest_version

from tests.conftest import PASSWORD, build_app
from tests.support import now
from tests.web.test_portal import field_error, form_token, png_bytes, request_form

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def editable(tmp_path, _template_db):
    """An app whose processes/ and forms/ are copies the test may edit."""
    if not isinstance(_template_db, Path):
        pytest.skip("runs on the SQLite template")
    shutil.copytree(ROOT / "processes", tmp_path / "processes")
    shutil.copytree(ROOT / "forms", tmp_path / "forms")
    shutil.copy(_template_db, tmp_path / "db.sqlite3")
    app = build_app(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite3'}",
                    PPID_PROCESSES_DIR=str(tmp_path / "processes"), PPID_FORMS_DIR=str(tmp_path / "forms"))
    with app.app_context():
        yield app, tmp_path / "forms" / "permohonan_informasi.schema.json"
        db.session.remove()
        db.engine.dispose()


def _edit(path: Path, change) -> None:
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2))


def _submit(client, **changes):
    data = request_form(form_token(client), (io.BytesIO(png_bytes()), "ktp.png"), **changes)
    return client.post("/permohonan/baru", data=data, content_type="multipart/form-data")


def test_an_added_field_and_a_changed_pattern_change_page_and_validation(editable):
    app, form_file = editable
    client = app.test_client()
    client.post("/masuk", data={"username": "pemohon", "password": PASSWORD})
    assert "Nomor WhatsApp" not in client.get("/permohonan/baru").get_data(as_text=True)

    def change(schema):
        schema["properties"]["nomor_whatsapp"] = {"type": "string", "title": "Nomor WhatsApp",
                                                  "description": "Untuk kabar singkat", "pattern": "^08[0-9]{8,11}$"}
        schema["required"].append("nomor_whatsapp")
        schema["properties"]["telepon"]["pattern"] = "^08[0-9]{8,11}$"

    _edit(form_file, change)
    old = latest_version("permohonan_informasi").id
    deploy_processes_folder(SYSTEM, now())  # what start-up and `ppid init-db` do with changed files
    assert latest_version("permohonan_informasi").id != old
    page = client.get("/permohonan/baru").get_data(as_text=True)
    assert "Nomor WhatsApp" in page and 'pattern="^08[0-9]{8,11}$"' in page

    refused = _submit(client, telepon="+6281234567890", nomor_whatsapp="")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert field_error(html, "telepon") and field_error(html, "nomor_whatsapp")
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == 0

    accepted = _submit(client, telepon="081234567890", nomor_whatsapp="081298765432")
    assert accepted.status_code == 302
    case = db.session.scalar(db.select(ProcessInstance))
    assert case.case_data["nomor_whatsapp"] == "081298765432"


def test_a_removed_field_is_dropped_from_submissions(editable):
    app, form_file = editable
    _edit(form_file, lambda schema: schema["properties"].pop("pekerjaan"))
    _edit(form_file, lambda schema: schema["required"].remove("pekerjaan"))
    deploy_processes_folder(SYSTEM, now())
    client = app.test_client()
    client.post("/masuk", data={"username": "pemohon", "password": PASSWORD})
    assert "Pekerjaan" not in client.get("/permohonan/baru").get_data(as_text=True)
    assert _submit(client, pekerjaan="Wiraswasta").status_code == 302
    assert "pekerjaan" not in db.session.scalar(db.select(ProcessInstance)).case_data
