"""The import's simulation stage runs DMN decisions and call activities like any other step."""
import pytest

from app.engine import ImportRefused, check_import, form_reader

from tests.engine.test_calls import CALLEE, Library
from tests.small_models import FIXTURES, dmn_bpmn, dmn_table, process_bpmn


def test_the_simulation_reaches_every_end_through_the_decision_and_the_call():
    checked = check_import(dmn_bpmn(), form_reader(FIXTURES), decisions={"kelas_tenggat.dmn": dmn_table()})
    assert set(checked.simulation.ends) == {"EndEvent_Cepat", "EndEvent_Biasa"}
    assert checked.simulation.paths >= 3 and not checked.simulation.problems
    library = Library()
    library.deploy(process_bpmn(CALLEE, "Verifikasi identitas"))
    caller = check_import(process_bpmn("layanan_berjenjang", "Layanan", call=CALLEE), form_reader(FIXTURES),
                          library=library)
    assert set(caller.simulation.ends) == {"End_VerifikasiIdentitas", "End_LayananBerjenjang"}


def test_the_simulation_refuses_a_collect_table_whose_list_a_gateway_compares_with_one_value():
    collect = dmn_table().replace(b'hitPolicy="UNIQUE"', b'hitPolicy="COLLECT"')
    with pytest.raises(ImportRefused) as caught:
        check_import(dmn_bpmn(), form_reader(FIXTURES), decisions={"kelas_tenggat.dmn": collect})
    assert caught.value.stage == "simulate"
    assert "Gateway_Kelas" in caught.value.lines()[0]
