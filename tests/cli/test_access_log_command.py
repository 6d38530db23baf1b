"""`ppid audit access`: the personal data access log for auditors at the command line; `ppid data export`
is itself recorded (an operator's export of an account carries its NIK and scans)."""
import json

import time_machine
from click.testing import CliRunner

from app.cli import main as ppid
from app.persistence.models import db
from app.services.records import access_log

from tests.support import Driver, actor, wib


def invoke(*args):
    db.session.remove()
    result = CliRunner().invoke(ppid, list(args), catch_exceptions=False)
    db.session.remove()
    return result.exit_code, result.output


def test_audit_access_lists_and_filters_the_log(app, tmp_path):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        first, second = drive.start(), drive.start()
    access_log.record_case_view(actor("petugas"), first, access_log.HALAMAN, f"/staf/kasus/{first}", wib(2026, 3, 3))
    access_log.record_case_view(actor("kepala"), second, access_log.API, f"/api/v1/requests/{second}",
                                wib(2026, 3, 5))
    code, output = invoke("audit", "access")
    assert code == 0 and output.index(second) < output.index(first) and "2 of 2 view(s)" in output
    assert "Selasa, 3 Maret 2026 09:00 WIB" in output

    code, output = invoke("audit", "access", "--user", "petugas", "--json")
    [line] = output.splitlines()
    assert json.loads(line) == {"at": "2026-03-03T02:00:00+00:00", "username": "petugas", "role": "diskominfo",
                                "case": first, "kind": "halaman", "what": "nik", "path": f"/staf/kasus/{first}"}
    assert "1 of 1" in invoke("audit", "access", "--case", second.lower())[1]
    assert "1 of 1" in invoke("audit", "access", "--since", "2026-03-04")[1]

    code, output = invoke("data", "export", "pemohon", "--out", str(tmp_path / "data.zip"), "--by", "admin")
    assert code == 0, output
    code, output = invoke("audit", "access", "--user", "admin", "--json")
    assert {json.loads(line)["case"] for line in output.splitlines()} == {first, second}
    assert all(json.loads(line)["kind"] == "ekspor" for line in output.splitlines())
