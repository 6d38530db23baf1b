"""The process modeler in the page (issue 17): /proses/<process_id>/ubah opens the newest version in bpmn-js,
served from our own static files."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

from lxml import html as lhtml

from app.services.processes import latest_version

from tests.support import PROCESS, page, sign_in

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "app" / "static" / "vendor"


def test_the_modeler_opens_the_newest_version_of_the_process(client, owner):
    sign_in(client, "pemilik")
    body = page(client, f"/proses/{PROCESS}/ubah")
    tree = lhtml.fromstring(body)
    xml = tree.get_element_by_id("bpmn-xml").text
    assert xml == latest_version(PROCESS).bpmn_xml.decode("utf-8")
    assert json.loads(tree.get_element_by_id("modeler-data").text)["problems"] == []
    scripts = [s.get("src") for s in tree.xpath("//script[@src]")]
    assert "/static/vendor/bpmn-js/bpmn-modeler.production.min.js" in scripts and "/static/modeler.js" in scripts
    assert not [s for s in scripts + tree.xpath("//link/@href") if s.startswith(("http:", "https:", "//"))]


def test_the_process_list_links_each_process_to_its_modeler(client, owner):
    sign_in(client, "pemilik")
    assert f'href="/proses/{PROCESS}/ubah"' in page(client, "/proses")


def test_an_unknown_process_has_no_modeler(client, owner):
    sign_in(client, "pemilik")
    page(client, "/proses/tidak_ada/ubah", status=404)


def test_the_vendored_bundle_is_served_with_its_version_and_licence(client, owner):
    readme = (VENDOR / "README").read_text()
    assert "bpmn-js 18.31.1" in readme
    licence = (VENDOR / "bpmn-js" / "LICENSE").read_text()
    assert "watermark" in licence and "MUST NOT be" in licence
    bundle = client.get("/static/vendor/bpmn-js/bpmn-modeler.production.min.js")
    assert bundle.status_code == 200 and b"bpmn-js - bpmn-modeler v18.31.1" in bundle.data[:200]
    assert len(gzip.compress(bundle.data)) < 200_000
    for asset in ("assets/diagram-js.css", "assets/bpmn-js.css", "assets/bpmn-font/css/bpmn.css",
                  "assets/bpmn-font/font/bpmn.woff2"):
        assert client.get(f"/static/vendor/bpmn-js/{asset}").status_code == 200, asset
