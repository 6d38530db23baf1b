"""Two processes side by side, run by the same code: a request (permohonan informasi) and a complaint
(pengaduan layanan) share the worklist, the case history and the export of events, and the code
in app/ does not name either process."""
import csv
import io
import re
from pathlib import Path

import pytest
import time_machine

from app.persistence.models import ProcessVersion, db
from app.services.records import exports
from app.services.casework.cases import get_case, my_cases
from app.services.casework.tasks import list_tasks

from tests.support import ComplaintDriver, Driver, actor, now, wib

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
PROCESS_IDS = ("pengaduan_layanan", "permohonan_informasi")
#: what is not "code" for this check: the mail and page texts; app/bench, the benchmark's workload
#: (a copy of the test data in tests/support.py that drives the request model on purpose); and the
#: LAPOR! boundary, which exists to know which process holds the complaints; and the data contract, which says which
#: of our processes must keep providing each key the code reads (the import checks it, the code does not branch on it)
NOT_CODE = ("templates", "bench")
BOUNDARY = (APP / "services" / "records" / "lapor.py", APP / "domain" / "data_contract.py")
#: tolerated: a web page's default process for the applicant's "new request" button (one constant)
DEFAULT_START = re.compile(r'^\s*[A-Z_]*PROCESS(_ID)?\s*=\s*"permohonan_informasi"\s*(#.*)?$')


@pytest.fixture
def both(app):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        request, complaint = Driver(traveller), ComplaintDriver(traveller)
        yield request.start(), complaint.start(), request, complaint


def test_both_processes_are_deployed_from_the_folder(app):
    deployed = {v.process_id: v.name for v in db.session.scalars(db.select(ProcessVersion))}
    assert deployed == {"permohonan_informasi": "Permohonan Informasi Publik", "pengaduan_layanan": "Pengaduan Layanan",
                        "keberatan_informasi_berkala": "Keberatan Informasi Berkala"}


def test_worklist_shows_tasks_of_both_processes(both):
    request, complaint, *_ = both
    rows = list_tasks(actor("petugas"), now()).rows
    by_case = {r.registration_number: (r.process_id, r.spec_id, r.case_status) for r in rows}
    assert by_case[request] == ("permohonan_informasi", "Activity_PeriksaKelengkapan", "Diajukan")
    assert by_case[complaint] == ("pengaduan_layanan", "Activity_TerimaPengaduan", "Diterima")
    # both carry their legal limit as the due date, so one sort order serves both
    assert all(r.due_at is not None for r in rows)
    assert {c.registration_number for c in my_cases(actor("pemohon"))} == {request, complaint}


def test_history_of_both(both):
    request, complaint, request_driver, complaint_driver = both
    request_driver.do(request, "Activity_PeriksaKelengkapan")
    complaint_driver.do(complaint, "Activity_TerimaPengaduan")
    for reg, process, steps in ((request, "permohonan_informasi", ["Catat penerimaan", "Periksa kelengkapan permohonan"]),
                                (complaint, "pengaduan_layanan", ["Catat pengaduan diterima", "Catat pengaduan diteruskan"])):
        view = get_case(actor("petugas"), reg)
        assert view.process_id == process and view.chain_ok
        assert [e.event_type for e in view.history][:2] == ["case_started", "task_completed"]
        names = [s["name"] for e in view.history for s in e.payload.get("steps", [])]
        assert all(step in names for step in steps), names


def test_export_of_events_includes_both(both):
    request, complaint, request_driver, complaint_driver = both
    request_driver.do(request, "Activity_PeriksaKelengkapan")
    complaint_driver.do(complaint, "Activity_TerimaPengaduan")
    rows = list(csv.DictReader(io.StringIO(exports.csv_text())))
    assert {r["case"] for r in rows} == {request, complaint}
    assert {r["process"] for r in rows} == set(PROCESS_IDS)
    assert [r["event"] for r in rows if r["case"] == complaint] == ["Ajukan pengaduan", "Terima dan teruskan pengaduan"]
    assert [r["event"] for r in rows if r["case"] == request] == ["Ajukan permohonan informasi",
                                                                  "Periksa kelengkapan permohonan"]
    xes = exports.xes_bytes().decode()
    assert request in xes and complaint in xes


def _occurrences() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(APP.rglob("*")):
        if not path.is_file() or path.suffix not in (".py", ".html", ".txt", ".js", ".json"):
            continue
        rel = path.relative_to(APP)
        if rel.parts[0] in NOT_CODE or path in BOUNDARY:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(pid in line for pid in PROCESS_IDS):
                found.append((str(rel), number, line.strip()))
    return found


def test_no_code_names_either_process():
    """grep app/ (not processes/, forms/, templates or the LAPOR! boundary) for the process ids.

    The only tolerated occurrence is a web page's default process id for the applicant's
    "new request" button (`PROCESS_ID = "permohonan_informasi"`); the engine, the services and the
    worklist never name a process.
    """
    occurrences = _occurrences()
    tolerated = [o for o in occurrences if o[0].startswith("web/") and DEFAULT_START.match(o[2])]
    assert [o for o in occurrences if o not in tolerated] == []
    assert all("pengaduan_layanan" not in o[2] for o in occurrences)
