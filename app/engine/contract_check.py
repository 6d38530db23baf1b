"""The lint's check of a process against the data contract (app/domain/data_contract.py).

What a process provides: the fields of its forms (`properties`, also inside `allOf`/`if`/`then`, and the
keys `x-penandatangan` fills), every name its scripts assign, the data items of its multi-instance
activities, what the processes it calls provide, and the keys the server sets itself. A key the code
reads that one of our processes must provide, or that a mail the process sends reads, and that the
process does not provide is a warning naming what would be blank; when the law needs it (and the
process is the one of ours that must provide it), the import is refused.
"""
from __future__ import annotations

import ast
from typing import Iterable

from lxml import etree

from app.domain import data_contract as contract

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
_SCRIPTS = "//bpmn:script | //spiffworkflow:preScript | //spiffworkflow:postScript"
_COMBINATORS = ("allOf", "anyOf", "oneOf")
#: keys the server writes into every case that needs them (the start's registration number, a withdrawal's reason)
SERVER_KEYS = frozenset(k.name for k in contract.REGISTRY.values() if k.source == contract.SERVER)


def form_fields(schema: object) -> set[str]:
    """The case-data keys one form writes: its properties (in any branch) and the keys of `x-penandatangan`."""
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties") or {}) if isinstance(schema.get("properties"), dict) else set()
    signer = schema.get("x-penandatangan")
    if isinstance(signer, dict):
        names |= {v for v in signer.values() if isinstance(v, str)}
    for word in ("if", "then", "else"):
        names |= form_fields(schema.get(word))
    for word in _COMBINATORS:
        branches = schema.get(word)
        for branch in branches if isinstance(branches, list) else ():
            names |= form_fields(branch)
    return names


def assigned_names(source: str) -> set[str]:
    """The names a script assigns (nothing when it does not parse: the lint reports that on its own)."""
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def sent_templates(source: str) -> set[str]:
    """The mail templates a script sends (`kirim_pemberitahuan(kepada, "templat")`, written as a literal)."""
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "kirim_pemberitahuan":
            template = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "templat"), None)
            if isinstance(template, ast.Constant) and isinstance(template.value, str):
                found.add(template.value)
    return found


def _scripts(root: etree._Element) -> list[str]:
    return [el.text for el in root.xpath(_SCRIPTS, namespaces=NS) if (el.text or "").strip()]


def provided_keys(root: etree._Element, forms: Iterable[dict], also: Iterable[str] = ()) -> set[str]:
    """Every key the model in `root` (the whole file) and its forms write, with `also` and the server's own."""
    names = set(SERVER_KEYS) | set(also)
    for schema in forms:
        names |= form_fields(schema)
    for source in _scripts(root):
        names |= assigned_names(source)
    for item in root.xpath("//bpmn:multiInstanceLoopCharacteristics/*[@name]", namespaces=NS):
        names.add(item.get("name"))
    return names


def provided_by_called(spec_dicts: dict, forms: Iterable[dict]) -> set[str]:
    """What called processes (deployed, serialized specs) write: their forms' fields and their scripts' names."""
    names = set()
    for schema in forms:
        names |= form_fields(schema)
    todo: list = [spec_dicts]
    while todo:
        value = todo.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("script", "prescript", "postscript") and isinstance(item, str):
                    names |= assigned_names(item)
                else:
                    todo.append(item)
        elif isinstance(value, list):
            todo.extend(value)
    return names


def _readers(key: contract.DataKey, process_id: str, sends: set[str]) -> str:
    documents = [r for r in key.readers if r != contract.SUREL] if process_id in key.processes else []
    mails = sorted(set(key.mails) & sends)
    if mails:
        documents.append("surel " + ", ".join(mails))
    return ", ".join(documents)


def contract_findings(process: etree._Element, forms: Iterable[dict],
                      also_provided: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(refusals, warnings) of one executable process: the keys the code reads that the process does not write."""
    root = process.getroottree().getroot()
    forms = list(forms)
    provided = provided_keys(root, forms, also_provided)
    sends = set().union(*(sent_templates(s) for s in _scripts(root)))
    process_id = process.get("id") or ""
    refusals, warnings = [], []
    for key in contract.needed_by(process_id, sends):
        if key.name in provided:
            continue
        readers = _readers(key, process_id, sends)
        if key.law and process_id in key.processes:
            refusals.append(f"data '{key.name}' wajib menurut {key.law} dan dibaca oleh {readers}, tetapi tidak diisi "
                            "oleh isian formulir atau skrip mana pun di proses ini: bagian itu akan kosong. Isi "
                            f"'{key.name}' dengan isian formulir atau skrip (bila namanya diganti di editor, "
                            "kembalikan namanya)")
        else:
            warnings.append(f"data '{key.name}' dibaca oleh {readers}, tetapi tidak diisi oleh isian formulir atau "
                            "skrip mana pun di proses ini: bagian itu akan kosong (bila namanya diganti di editor, "
                            f"kembalikan namanya '{key.name}')")
    return refusals, warnings
