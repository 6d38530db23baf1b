"""`ppid process import` with DMN tables: --dmn FILE, a --decisions folder, or the .dmn files in --forms."""
import shutil

import pytest

from app.persistence.models import ProcessVersion, db

from tests.cli.test_process_commands import invoke
from tests.small_models import FIXTURES, FORM_NAMES


@pytest.fixture
def forms_only(tmp_path):
    """The small model's forms in a folder without its DMN file."""
    folder = tmp_path / "formulir_saja"
    folder.mkdir()
    for name in FORM_NAMES:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def stored_decisions() -> dict:
    db.session.expire_all()
    version = db.session.scalar(db.select(ProcessVersion).filter_by(process_id="layanan_kelas")
                                .order_by(ProcessVersion.id.desc()))
    return version.decisions if version else None


def test_without_its_table_the_import_is_refused_naming_the_decision(folders, forms_only):
    code, out = invoke("process", "import", FIXTURES / "layanan_kelas.bpmn", "--forms", forms_only)
    assert code == 1 and "refused at stage parse" in out and "keputusan 'kelas_tenggat' tidak ada" in out
    assert stored_decisions() is None


@pytest.mark.parametrize("how", ["--dmn", "--decisions", "--forms"])
def test_the_table_comes_with_the_import(folders, forms_only, tmp_path, how):
    if how == "--dmn":
        extra = ["--forms", forms_only, "--dmn", FIXTURES / "kelas_tenggat.dmn"]
    elif how == "--decisions":
        tables = tmp_path / "keputusan"
        tables.mkdir()
        shutil.copy(FIXTURES / "kelas_tenggat.dmn", tables / "kelas_tenggat.dmn")
        extra = ["--forms", forms_only, "--decisions", tables]
    else:
        extra = ["--forms", FIXTURES]  # the folder holds the forms and the .dmn file
    code, out = invoke("process", "import", FIXTURES / "layanan_kelas.bpmn", *extra)
    assert code == 0, out
    assert list(stored_decisions()) == ["kelas_tenggat.dmn"]
    assert (folders[0] / "kelas_tenggat.dmn").read_bytes() == (FIXTURES / "kelas_tenggat.dmn").read_bytes()
