"""Incidents on the pages: the person whose step failed reads a clear message (no 500), the staff case file shows
the open incident, process owners list and retry incidents at /proses/insiden, and the CLI does the same."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import time_machine
from click.testing import CliRunner

from app.cli import main as ppid
from app.persistence.models import HumanTask, Incident, ProcessInstance, db
from app.services.casework.cases import start_case
from app.services.modelling.processes import migrate_cases

from tests.conftest import PASSWORD
from tests.incident_models import CHECK, PROCESS_ID, REQUEST, broken, definition, deploy
from tests.support import actor, now, page, sign_in, wib

INCIDENT = re.compile(r"insiden #(\d+)")


@pytest.fixture
def failing_case(app):
    """A case of the small model whose script after "Periksa permohonan" divides by zero."""
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        deploy(broken("Activity_Tutup", "status = 1 / 0"), note="skrip rusak")
        reg = start_case(actor("pemohon"), PROCESS_ID, REQUEST, now()).registration_number
        task = db.session.scalar(sa.select(HumanTask.task_id).filter_by(registration_number=reg,
                                                                         spec_id="Activity_Periksa"))
        yield reg, task


def fix(reg: str) -> None:
    fixed = deploy(definition(), note="perbaikan skrip")
    [outcome] = migrate_cases(actor("pemilik"), [reg], fixed.id, now())
    assert outcome.moved, outcome.reasons


def fail_on_the_page(client, reg: str, task: str) -> int:
    sign_in(client, "petugas")
    response = client.post(f"/tugas/{task}", data={**CHECK, "_nomor_pendaftaran": reg})
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body
    assert "Langkah belum dapat dijalankan" in body and "Data kasus tidak berubah" in body
    return int(INCIDENT.search(body).group(1))


def test_the_officer_is_told_the_step_failed_and_the_case_file_shows_the_incident(client, failing_case):
    reg, task = failing_case
    number = fail_on_the_page(client, reg, task)

    assert db.session.scalar(sa.select(HumanTask.task_id).filter_by(registration_number=reg)) == task
    html = page(client, f"/staf/kasus/{reg}")
    block = html.split("Ada langkah yang gagal dijalankan", 1)[1].split("</div>", 1)[0]
    assert f"Insiden #{number}" in block and "Tutup permohonan" in block
    assert "Insiden: langkah gagal dijalankan" in html  # the history line
    assert "ZeroDivisionError" not in html  # the error's text stays on the process owners' list


def test_the_api_answers_a_problem_with_the_incident_number(client, failing_case):
    reg, task = failing_case
    token = client.post("/api/v1/auth/token", json={"username": "petugas", "password": PASSWORD}).get_json()["token"]

    response = client.post(f"/api/v1/tasks/{task}/complete", json={"data": CHECK, "registration_number": reg},
                           headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    body = response.get_json()
    number = int(INCIDENT.search(body["detail"]).group(1))
    assert db.session.get(Incident, number).registration_number == reg
    described = client.get("/api/v1/openapi.json").get_json()["paths"]["/tasks/{task_id}/complete"]["post"]
    assert "503" in described["responses"]


def test_process_owners_list_and_retry_incidents(client, failing_case):
    reg, task = failing_case
    number = fail_on_the_page(client, reg, task)

    sign_in(client, "pemilik")
    html = page(client, "/proses/insiden")
    row = html.split(f'data-incident="{number}"', 1)[1].split("</tr>", 1)[0]
    assert reg in row and "Activity_Tutup" in row and "ZeroDivisionError: division by zero" in row
    assert "Coba lagi" in row and "Rincian teknis" not in row  # the traceback is for administrators
    assert "Rincian teknis" in page(sign_in(client, "admin"), "/proses/insiden")

    sign_in(client, "pemilik")
    response = client.post(f"/proses/insiden/{number}/coba-lagi", follow_redirects=True)
    assert response.status_code == 200 and "Masih gagal" in response.get_data(as_text=True)

    fix(reg)
    response = client.post(f"/proses/insiden/{number}/coba-lagi", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f"Insiden #{number}: Langkah selesai dijalankan" in html
    assert "Tidak ada insiden terbuka." in html
    assert "Sudah selesai" in html and f'data-incident="{number}" data-status="resolved"' in html
    db.session.expire_all()
    assert db.session.scalar(sa.select(ProcessInstance.status).filter_by(registration_number=reg)) == "Selesai"
    assert "Ada langkah yang gagal dijalankan" not in page(sign_in(client, "petugas"), f"/staf/kasus/{reg}")


def test_ppid_incident_list_and_retry(client, failing_case):
    reg, task = failing_case
    number = fail_on_the_page(client, reg, task)
    db.session.remove()
    runner = CliRunner()

    listed = runner.invoke(ppid, ["incident", "list"], catch_exceptions=False)
    assert listed.exit_code == 0 and f"#{number}" in listed.output and reg in listed.output
    assert "ZeroDivisionError: division by zero" in listed.output and "1 open" in listed.output

    still = runner.invoke(ppid, ["incident", "retry", str(number)], catch_exceptions=False)
    assert still.exit_code == 1 and "still open" in still.output

    with time_machine.travel(wib(2026, 3, 3), tick=False):
        fix(reg)
        db.session.remove()
        done = runner.invoke(ppid, ["incident", "retry", str(number), "--by", "pemilik"], catch_exceptions=False)
    assert done.exit_code == 0 and "resolved" in done.output
    everything = runner.invoke(ppid, ["incident", "list", "--all"], catch_exceptions=False)
    assert "resolved" in everything.output and "0 open" in everything.output


def test_the_applicant_is_told_when_a_request_or_a_withdrawal_cannot_be_recorded(client, app):
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        deploy(broken("Activity_Terima", "status = 1 / 0"), note="skrip penerimaan rusak")
        sign_in(client, "pemohon")
        response = client.post(f"/ajukan/{PROCESS_ID}", data=REQUEST)
        body = response.get_data(as_text=True)
        assert response.status_code == 503 and "Permohonan belum dapat dicatat" in body
        assert db.session.scalar(sa.select(Incident.kind).filter_by(
            id=int(INCIDENT.search(body).group(1)))) == "start"

        deploy(broken("Activity_Cabut", "status = 1 / 0"), note="skrip pencabutan rusak")
        reg = start_case(actor("pemohon"), PROCESS_ID, REQUEST, now()).registration_number
        response = client.post(f"/permohonan/{reg}/cabut", data={"alasan_pencabutan": "Tidak jadi"})
        body = response.get_data(as_text=True)
        assert response.status_code == 503 and "Data kasus tidak berubah" in body
        db.session.expire_all()
        assert db.session.scalar(sa.select(ProcessInstance.status).filter_by(registration_number=reg)) == "Diajukan"


def test_a_start_form_gone_from_the_version_is_an_incident_not_a_500(client, app):
    from dataclasses import replace

    from app.engine.definition import content_hash
    from app.services.casework.incidents import retry_incident

    good = definition()
    forms = {name: form for name, form in good.forms.items() if name != "uji_ajukan.schema.json"}
    deploy(replace(good, forms=forms, content_hash=content_hash(good.bpmn_xml, forms)), note="formulir hilang")
    sign_in(client, "pemohon")

    response = client.get(f"/ajukan/{PROCESS_ID}")

    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "Formulir ini belum dapat dibuka" in body
    number = int(INCIDENT.search(body).group(1))
    row = db.session.get(Incident, number)
    assert (row.kind, row.instance_id, row.status) == ("start", None, "open")
    assert "uji_ajukan.schema.json" in row.error

    deploy(good, note="formulir kembali")
    outcome = retry_incident(actor("pemilik"), number, now())
    assert outcome.resolved and client.get(f"/ajukan/{PROCESS_ID}").status_code == 200
