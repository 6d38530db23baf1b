"""Every diagram of a BPMN file: `ppid process draw --diagram N | --all`, and the version page shows each one.

tests/engine/fixtures/kecil_subproses.bpmn is the small process with its recording step as a
collapsed subprocess: diagram 1 draws the pool, diagram 2 what is inside the subprocess.
"""
import io
from pathlib import Path

from click.testing import CliRunner
from lxml import etree
from lxml import html as lhtml

from app.cli import main as ppid
from app.engine.diagram import diagram_planes
from app.persistence.models import db
from app.services.modelling.processes import latest_version

from tests.support import page, sign_in

FIXTURE = Path(__file__).resolve().parents[1] / "engine" / "fixtures" / "kecil_subproses.bpmn"
SVG = "{http://www.w3.org/2000/svg}"


def draw(*args):
    result = CliRunner().invoke(ppid, ["process", "draw", *map(str, args)], catch_exceptions=False)
    return result.exit_code, result.output


def drawn_ids(svg_text: str) -> set[str]:
    return {g.get("data-element-id") for g in etree.fromstring(svg_text.encode()).iter(f"{SVG}g")
            if g.get("data-element-id")}


def test_each_diagram_says_what_it_draws():
    planes = diagram_planes(FIXTURE.read_bytes())
    assert [(p.index, p.element_kind, p.element_id, p.element_name) for p in planes] == [
        (0, "collaboration", "Collaboration_Kecil", ""), (1, "subProcess", "Sub_Catat", "Catat penerimaan")]
    assert planes[1].label == "subproses 'Catat penerimaan' (Sub_Catat)"


def test_draw_all_writes_one_svg_per_diagram_and_names_each(app, tmp_path):
    code, out = draw(FIXTURE, "--out", tmp_path / "kecil.svg", "--all")
    assert code == 0, out
    assert out.splitlines() == [
        f"written {tmp_path / 'kecil-1.svg'}: diagram 1 of 2, collaboration (Collaboration_Kecil)",
        f"written {tmp_path / 'kecil-2.svg'}: diagram 2 of 2, subProcess 'Catat penerimaan' (Sub_Catat)"]
    first, second = ((tmp_path / f"kecil-{n}.svg").read_text() for n in (1, 2))
    assert {"Sub_Catat", "Activity_Periksa"} <= drawn_ids(first) and "Activity_Catat" not in drawn_ids(first)
    assert drawn_ids(second) == {"Sub_Mulai", "Activity_Catat", "Sub_Selesai", "Flow_Sub_1", "Flow_Sub_2"}


def test_draw_one_diagram_by_its_number(app, tmp_path):
    code, out = draw(FIXTURE, "--out", tmp_path / "dalam.svg", "--diagram", 2)
    assert code == 0 and "diagram 2 of 2, subProcess 'Catat penerimaan'" in out
    assert "Activity_Catat" in drawn_ids((tmp_path / "dalam.svg").read_text())
    # without a choice the first is drawn, and the owner is told there are more
    code, out = draw(FIXTURE, "--out", tmp_path / "luar.svg")
    assert code == 0 and "the file has 2 diagrams: --diagram N draws one, --all draws every one" in out
    assert "Sub_Catat" in drawn_ids((tmp_path / "luar.svg").read_text())


def test_a_diagram_number_the_file_does_not_have_is_refused(app, tmp_path):
    code, out = draw(FIXTURE, "--out", tmp_path / "x.svg", "--diagram", 3)
    assert code == 1 and "the file has 2 diagram(s); --diagram takes 1 to 2" in out
    code, out = draw(FIXTURE, "--out", tmp_path / "x.svg", "--diagram", 1, "--all")
    assert code == 2 and "use --diagram N or --all, not both" in out
    assert not list(tmp_path.glob("*.svg"))


def test_the_version_page_shows_every_diagram_of_the_file(client, owner):
    sign_in(client, "pemilik")
    response = client.post("/proses/impor", content_type="multipart/form-data",
                           data={"note": "", "bpmn": (io.BytesIO(FIXTURE.read_bytes()), "kecil_subproses.bpmn")})
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    version = latest_version("layanan_subproses")

    tree = lhtml.fromstring(page(client, f"/proses/{version.id}"))

    headings = [" ".join(h.text_content().split()) for h in tree.xpath("//h3[starts-with(@id, 'diagram-')]")]
    assert headings == ["Diagram 1: kolaborasi Collaboration_Kecil",
                        "Diagram 2: subproses \u201cCatat penerimaan\u201d Sub_Catat"]
    boxes = tree.xpath("//div[contains(@class, 'diagram-scroll')]")
    assert len(boxes) == 2
    inside = {g.get("data-element-id") for g in boxes[1].xpath(".//*[local-name()='g']") if g.get("data-element-id")}
    assert inside == {"Sub_Mulai", "Activity_Catat", "Sub_Selesai", "Flow_Sub_1", "Flow_Sub_2"}
    assert [a.get("href") for a in tree.xpath("//ul[@class='diagram-list']//a")] == ["#diagram-1", "#diagram-2"]


def test_a_file_with_one_diagram_shows_it_without_numbering(client, owner):
    sign_in(client, "pemilik")
    version = latest_version("permohonan_informasi")
    tree = lhtml.fromstring(page(client, f"/proses/{version.id}"))
    assert len(tree.xpath("//div[contains(@class, 'diagram-scroll')]")) == 1
    assert not tree.xpath("//h3[starts-with(@id, 'diagram-')]")
