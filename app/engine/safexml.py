"""Stage a of an import: read untrusted XML without resolving anything.

A BPMN file needs no DOCTYPE, so any DOCTYPE is refused. Before refusing, its internal
subset is read by lxml (entities listed, never expanded: no DTD loading, no network, no
entity substitution) so that each hostile kind gets its own message: an external entity
(XXE), entities built from other entities (billion laughs), an external DTD, a plain DOCTYPE.
"""
from __future__ import annotations

import re

from lxml import etree

from .problems import ImportRefused, Problem

MAX_BPMN_BYTES = 2 * 1024 * 1024
STAGE = "xml"

_DOCTYPE = re.compile(rb"<!DOCTYPE\s+([^\s\[>]+)[^\[>]*(\[.*?\]\s*)?>", re.DOTALL)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_ENTITY_REF = re.compile(r"[&%]([A-Za-z_:][\w.:-]*);")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=False, remove_pis=False)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _problem(message: str, line: int | None = None, element_id: str | None = None) -> Problem:
    return Problem(STAGE, element_id, None, line, message)


def _doctype_problems(data: bytes, start: int) -> list[Problem]:
    """Every problem of a DOCTYPE found at `start` (inspected, never expanded)."""
    line = _line_of(data, start)
    match = _DOCTYPE.match(data, start)
    if match is None:
        return [_problem("XML rusak/malformed: deklarasi DOCTYPE tidak dapat dibaca; DOCTYPE tidak diizinkan "
                         f"dalam berkas BPMN (baris {line})", line)]
    root_name = match.group(1).decode("ascii", "replace")
    declaration = match.group(0)
    problems: list[Problem] = []
    external_id = re.match(rb"<!DOCTYPE\s+\S+\s+(SYSTEM|PUBLIC)\s", declaration)
    mini = b'<?xml version="1.0"?>\n' + declaration + b"<r/>"  # an empty body: nothing is referenced
    try:
        doc = etree.fromstring(mini, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        return [_problem(f"XML rusak/malformed: DOCTYPE '{root_name}' tidak dapat dibaca ({exc.msg}); DOCTYPE "
                         f"tidak diizinkan dalam berkas BPMN (baris {line})", line)]
    if external_id:
        problems.append(_problem(
            f"DOCTYPE merujuk DTD eksternal '{doc.docinfo.system_url or doc.docinfo.public_id}': DTD eksternal "
            "tidak pernah dimuat dan tidak diizinkan", line))
    dtd = doc.docinfo.internalDTD
    entities = list(dtd.iterentities()) if dtd is not None else []
    names = {e.name for e in entities}
    for entity in entities:
        found = re.search(rb"<!ENTITY\s+(%\s+)?" + re.escape(entity.name.encode()) + rb"\s", declaration)
        entity_line = _line_of(data, start + found.start()) if found else line
        if entity.system_url:
            problems.append(_problem(
                f"entitas eksternal '{entity.name}' merujuk {entity.system_url}: entitas eksternal (XXE) tidak "
                "diizinkan", entity_line))
            continue
        refs = sorted(set(_ENTITY_REF.findall(entity.content or "")) - {"lt", "gt", "amp", "apos", "quot"})
        if refs:
            nested = [r for r in refs if r in names] or refs
            problems.append(_problem(
                f"entitas '{entity.name}' merujuk entitas lain ({', '.join(nested)}): pengembangan entitas "
                "(billion laughs) tidak diizinkan", entity_line))
        else:
            problems.append(_problem(f"entitas '{entity.name}' dideklarasikan: entitas tidak diizinkan dalam berkas "
                                     "BPMN", entity_line))
    if not problems:
        problems.append(_problem(f"DOCTYPE '{root_name}' dideklarasikan: deklarasi DOCTYPE tidak diizinkan dalam "
                                 "berkas BPMN", line))
    return problems


def parse_xml_safely(data: bytes) -> etree._Element:
    """Parse untrusted XML: bounded size, no DOCTYPE, no entities, no network; ImportRefused('xml') otherwise."""
    if not isinstance(data, bytes):
        raise TypeError("BPMN content must be bytes")
    if len(data) > MAX_BPMN_BYTES:
        raise ImportRefused(STAGE, [_problem(
            f"berkas berukuran {len(data) // 1024} KiB, lebih dari batas {MAX_BPMN_BYTES // 1024} KiB")])
    if not data.strip():
        raise ImportRefused(STAGE, [_problem("XML rusak/malformed: berkas kosong")])
    root_start = _ROOT_START.search(data)
    doctype = data.find(b"<!DOCTYPE", 0, root_start.start() if root_start else len(data))
    if doctype >= 0:
        raise ImportRefused(STAGE, _doctype_problems(data, doctype))
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        raise ImportRefused(STAGE, [_problem(f"XML rusak/malformed di baris {line}: {exc.msg}", line)]) from None
    if root.getroottree().docinfo.doctype:  # e.g. written with different spacing; never accepted
        raise ImportRefused(STAGE, [_problem("deklarasi DOCTYPE tidak diizinkan dalam berkas BPMN")])
    problems = [_problem(f"rujukan entitas '&{node.name};' tidak diizinkan", node.sourceline)
                for node in root.iter(etree.Entity)]
    if problems:
        raise ImportRefused(STAGE, problems)
    return root
