"""Issue 15 item 6 (ASVS 5.3.10, OWASP "CSV injection"): text an applicant (or anyone) types that a
spreadsheet would run as a formula comes out of every CSV and XLSX export with a leading quote, and
XLSX cells holding text are string cells, never formulas. Numbers and dates stay typed."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
import time_machine
from click.testing import CliRunner
from openpyxl import load_workbook

from app.cli import main as ppid
from app.persistence.models import Opd, User, db
from app.services.records import registers, reports
from app.services.records.exports import csv_text, safe_cell
from app.services.records.lapor import export_complaints

from tests.support import REFUSAL, ComplaintDriver, Driver, sign_in, wib

START = wib(2026, 3, 2)
PAYLOADS = ('=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\uff1dSUM(A1)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutral(value: str, payload: str) -> bool:
    return value == "'" + payload


@pytest.fixture
def hostile(app):
    """One request per payload (the request text is the payload), one refused and objected to,
    an officer and an OPD named like a formula, and a complaint whose description is a payload."""
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        regs = {payload: drive.start(rincian_informasi=payload) for payload in PAYLOADS}
        first = regs[PAYLOADS[0]]
        db.session.scalar(db.select(User).filter_by(username="petugas")).full_name = "=1+1"
        db.session.scalar(db.select(Opd).filter_by(code="DISDIK")).name = "@SUM(A1)"
        db.session.commit()
        drive.walk(first, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(first, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        drive.do(first, "Activity_AjukanKeberatan", uraian_keberatan='=HYPERLINK("http://evil","x")')
        complaints = ComplaintDriver(traveller)
        complaint = complaints.start(uraian_pengaduan="-2+3")
        complaints.do(complaint, "Activity_TerimaPengaduan")
    db.session.remove()
    return {"regs": regs, "first": first, "complaint": complaint}


def test_safe_cell_quotes_formula_text_and_leaves_typed_values():
    for payload in PAYLOADS + ("\n=1", "\uff0b1", "\uff0d1", "\uff201"):
        assert neutral(safe_cell(payload), payload)
    for harmless in ("Daftar penerima", "", "-", "-5", "+3", "12%", "2.5", "a=b"):
        assert safe_cell(harmless) == harmless
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(date(2026, 3, 2)) == date(2026, 3, 2)


def _requests_by_reg(text: str) -> dict[str, dict]:
    return {row["Nomor Pendaftaran"]: row for row in csv.DictReader(io.StringIO(text))}


def test_the_request_register_csv_neutralises_the_request_text(app, hostile):
    text = registers.to_csv(registers.request_register())
    rows = _requests_by_reg(text)
    for payload, reg in hostile["regs"].items():
        assert neutral(rows[reg]["Informasi yang Diminta"], payload), rows[reg]


def _no_formula_in(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in book.read(name) and b"<f " not in book.read(name)


def test_the_request_register_xlsx_has_string_cells_and_typed_dates(app, hostile):
    content = registers.to_xlsx(registers.request_register())
    _no_formula_in(content)
    sheet = load_workbook(io.BytesIO(content)).active
    heads = [c.value for c in sheet[1]]
    text_col, date_col = heads.index("Informasi yang Diminta"), heads.index("Tanggal Permohonan")
    found = {}
    for row in sheet.iter_rows(min_row=2):
        found[row[text_col].value] = row[text_col].data_type
        assert row[date_col].is_date  # dates stay date cells
    for payload in PAYLOADS:  # (openpyxl keeps a leading CR as "_x000D_")
        assert found.get("'" + payload.replace("\r", "_x000D_")) == "s" or found.get("'" + payload) == "s", (
            payload, sorted(found))


def test_the_downloads_of_the_web_are_neutralised(client, hostile):
    sign_in(client, "petugas")
    response = client.get("/audit/register/permohonan?format=csv")
    rows = _requests_by_reg(response.get_data(as_text=True))
    for payload, reg in hostile["regs"].items():
        assert neutral(rows[reg]["Informasi yang Diminta"], payload)
    response = client.get("/audit/register/permohonan?format=xlsx")
    assert response.mimetype == XLSX
    _no_formula_in(response.get_data())
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    response = client.get("/audit/register/keberatan?format=xlsx")
    _no_formula_in(response.get_data())
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert len(list(sheet.iter_rows())) == 2


def test_the_event_log_csv_and_the_annual_report_neutralise_names(app, client, hostile):
    rows = list(csv.DictReader(io.StringIO(csv_text())))
    resources = {r["resource"] for r in rows}
    assert "'=1+1" in resources and "=1+1" not in resources
    assert all(r["seq"].isdigit() for r in rows)
    text = reports.report_csv(reports.annual_report(2026))
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert "-" in cells  # a bare dash (no figure) stays as it is
    assert not [c for c in cells if c.startswith(("=", "+", "@")) or (c.startswith("-") and c != "-")], cells
    sign_in(client, "auditor")
    body = client.get("/audit/ekspor.csv").get_data(as_text=True)
    assert "'=1+1" in body and ",=1+1" not in body


def test_the_lapor_export_neutralises_the_complaint_text(app, hostile, tmp_path):
    rows = {r["Nomor pengaduan"]: r for r in csv.DictReader(io.StringIO(export_complaints()))}
    assert rows[hostile["complaint"]]["Uraian"] == "'-2+3"
    assert rows[hostile["complaint"]]["Unit tujuan"] == "'@SUM(A1)"
    out = tmp_path / "lapor.csv"
    result = CliRunner().invoke(ppid, ["lapor", "export", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "'-2+3" in out.read_text(encoding="utf-8-sig")


def test_the_register_command_writes_neutral_csv_and_xlsx(app, hostile, tmp_path):
    out = tmp_path / "register.csv"
    result = CliRunner().invoke(ppid, ["export", "register", "permohonan", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = _requests_by_reg(out.read_bytes().decode("utf-8-sig"))
    for payload, reg in hostile["regs"].items():
        assert neutral(rows[reg]["Informasi yang Diminta"], payload)
    out = tmp_path / "register.xlsx"
    result = CliRunner().invoke(ppid, ["export", "register", "permohonan", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    _no_formula_in(out.read_bytes())
