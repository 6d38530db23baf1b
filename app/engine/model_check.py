"""Stage "model" of an import: the XML read before SpiffWorkflow's parser, where the parser would be vague.

SpiffWorkflow stops at the first thing it cannot build and words it for its own developers
("A Service Task must have an operator", "Unknown Time Specification", an lxml repr). The
checks here look at the whole process first and say, for every element, what this product
cannot run and what the process owner can do instead. What they miss is still caught by
the parser and worded by `parser_message` (app.engine.definition maps it).

The stage also picks the process to run: exactly one `bpmn:process` marked
isExecutable="true" (normalization marks the only process of a file that says nothing).
"""
from __future__ import annotations

from lxml import etree

from .problems import Problem, flatten

STAGE = "model"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
BPMN = f"{{{NS['bpmn']}}}"

#: how a process owner marks a process executable in the editors the product supports
HOW_TO_MARK_EXECUTABLE = ("di Camunda Modeler (atau bpmn.io dengan panel properti) klik bagian kosong kanvas, atau "
                          "kepala pool bila proses digambar dalam pool, lalu centang \u201cExecutable\u201d di bagian "
                          "General; di SpiffArena proses selalu dapat dijalankan; atau tulis isExecutable=\"true\" "
                          "pada elemen bpmn:process di berkasnya")

#: BPMN element kinds in the process owner's words
KINDS = {
    "task": "tugas", "userTask": "tugas pengguna", "manualTask": "tugas manual", "scriptTask": "tugas skrip",
    "serviceTask": "tugas layanan (service task)", "sendTask": "tugas kirim (send task)",
    "receiveTask": "tugas terima (receive task)", "businessRuleTask": "tugas aturan bisnis (business rule task)",
    "subProcess": "subproses", "transaction": "transaksi", "adHocSubProcess": "subproses ad hoc",
    "callActivity": "pemanggilan proses (call activity)", "startEvent": "peristiwa awal",
    "endEvent": "peristiwa akhir", "intermediateCatchEvent": "peristiwa tunggu",
    "intermediateThrowEvent": "peristiwa antara", "boundaryEvent": "peristiwa batas",
    "exclusiveGateway": "gerbang eksklusif", "parallelGateway": "gerbang paralel",
    "inclusiveGateway": "gerbang inklusif", "eventBasedGateway": "gerbang berbasis peristiwa",
    "complexGateway": "gerbang kompleks", "process": "proses", "sequenceFlow": "alur",
}
ACTIVITIES = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                        "businessRuleTask", "subProcess", "transaction", "adHocSubProcess", "callActivity"})
CONTAINERS = frozenset({"subProcess", "transaction"})
FLOW_NODES = ACTIVITIES | {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                           "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
                           "complexGateway"}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def kind_words(el: etree._Element) -> str:
    """The element's kind in the process owner's words ('tugas pengguna'), else its BPMN tag."""
    return KINDS.get(_local(el), f"elemen bpmn:{_local(el)}")


def label(el: etree._Element) -> str:
    """id 'name' (name on one line), or the id alone."""
    name = flatten(el.get("name"))
    return f"{el.get('id')} '{name}'" if name else str(el.get("id"))


def problem(el: etree._Element | None, message: str, stage: str = STAGE) -> Problem:
    """A problem located at `el` (its id, name and line), or at no element."""
    if el is None:
        return Problem(stage, None, None, None, message)
    return Problem(stage, el.get("id"), el.get("name"), el.sourceline, message)


def _listed(processes: list[etree._Element]) -> str:
    shown = ", ".join(label(p) for p in processes[:8])
    return shown + (f", dan {len(processes) - 8} lagi" if len(processes) > 8 else "")


def select_process(root: etree._Element) -> tuple[etree._Element | None, list[Problem]]:
    """The one process marked isExecutable="true", or why there is not exactly one."""
    processes = root.findall("bpmn:process", NS)
    marked = [p for p in processes if p.get("isExecutable") == "true"]
    if len(marked) == 1:
        return marked[0], []
    if not processes:
        return None, [problem(None, "berkas tidak berisi proses (bpmn:process) sama sekali: ekspor diagram proses, "
                                    "bukan hanya kolaborasi atau tabel keputusan")]
    if len(marked) > 1:
        return None, [Problem(STAGE, None, None, marked[0].sourceline,
                              f"{len(marked)} proses ditandai dapat dijalankan (isExecutable=\"true\"): "
                              f"{_listed(marked)} \u2014 satu berkas hanya boleh berisi satu proses yang dijalankan: "
                              "hapus centang \u201cExecutable\u201d pada proses lainnya, atau simpan setiap proses "
                              "dalam berkasnya sendiri")]
    if len(processes) == 1:
        process = processes[0]
        return None, [problem(process, "proses ini ditandai tidak untuk dijalankan (isExecutable=\"false\") oleh "
                                       "pembuatnya, dan produk ini hanya menjalankan proses yang ditandai dapat "
                                       f"dijalankan. Bila proses ini memang akan dijalankan, tandai: "
                                       f"{HOW_TO_MARK_EXECUTABLE}")]
    return None, [Problem(STAGE, None, None, processes[0].sourceline,
                          f"{len(processes)} proses, tidak satu pun ditandai dapat dijalankan "
                          f"(isExecutable=\"true\"): {_listed(processes)} \u2014 tandai satu yang akan dijalankan: "
                          f"{HOW_TO_MARK_EXECUTABLE}")]


# -- elements this product has nothing to run with -------------------------------------------

def _service_task(el: etree._Element) -> str | None:
    return ("tugas layanan (service task) tidak dapat dijalankan di produk ini: tidak ada yang menjalankannya "
            "(produk ini tidak memanggil layanan atau sistem lain). Gunakan tugas skrip (script task) bila hasilnya "
            "dapat dihitung dari data kasus, atau tugas pengguna (user task) bila seorang petugas mengerjakannya")


def _several_outgoing(el: etree._Element, flows: dict[str, list[etree._Element]]) -> str | None:
    outgoing = flows.get(el.get("id"), [])
    if len(outgoing) < 2:
        return None
    return (f"{kind_words(el)} ini punya {len(outgoing)} alur keluar ({', '.join(f.get('id') for f in outgoing)}) "
            "langsung dari dirinya; mesin proses hanya mengikuti satu alur keluar dari sebuah tugas. Gambar sebuah "
            "gerbang setelah tugas ini: gerbang paralel untuk menjalankan semua cabang, atau gerbang eksklusif "
            "dengan syarat pada tiap alur untuk memilih satu")


def _subprocess_shape(el: etree._Element) -> str | None:
    inner = [c for c in el if _local(c) in FLOW_NODES]
    starts = [c for c in inner if _local(c) == "startEvent"]
    if not inner:
        return (f"{kind_words(el)} ini kosong (tidak berisi langkah apa pun), sehingga tidak ada yang dapat "
                "dijalankan di dalamnya: isi dengan peristiwa awal, langkah-langkahnya dan peristiwa akhir (buka "
                "subproses yang diciutkan di editor), atau ganti dengan tugas biasa")
    if len(starts) != 1:
        return (f"{kind_words(el)} ini punya {len(starts)} peristiwa awal di dalamnya; mesin proses memerlukan tepat "
                "satu peristiwa awal (start event) di dalam subproses untuk tahu dari mana memulai")
    if not any(_local(c) == "endEvent" for c in inner):
        return f"{kind_words(el)} ini tidak punya peristiwa akhir (end event) di dalamnya: gambar satu"
    return None


def _multi_instance(el: etree._Element) -> str | None:
    loop = el.find("bpmn:multiInstanceLoopCharacteristics", NS)
    if loop is None:
        return None
    cardinality = loop.find("bpmn:loopCardinality", NS) is not None
    data_input = loop.find("bpmn:loopDataInputRef", NS) is not None
    if cardinality != data_input:
        return None
    camunda = loop.get(f"{{{NS['camunda']}}}collection")
    if cardinality:
        return (f"{kind_words(el)} berulang (multi-instance) ini menyebut jumlah ulangan (loopCardinality) dan "
                "data yang diulang (loopDataInputRef) sekaligus: pilih salah satu")
    hint = f" (camunda:collection '{camunda}' milik Camunda tidak dibaca produk ini)" if camunda else ""
    return (f"{kind_words(el)} berulang (multi-instance) ini tidak menyebut berapa kali ia diulang{hint}: isi "
            "jumlah ulangan (loopCardinality, mis. 3 atau len(daftar_opd)) atau data yang diulang "
            "(loopDataInputRef)")


def _data_associations(el: etree._Element, references: set[str]) -> str | None:
    ends = [(ref.text or "").strip() for path in ("bpmn:dataInputAssociation/bpmn:sourceRef",
                                                  "bpmn:dataOutputAssociation/bpmn:targetRef")
            for ref in el.iterfind(path, NS)]
    unknown = list(dict.fromkeys(end for end in ends if end not in references))
    if not unknown:
        return None
    return (f"asosiasi data dari/ke {', '.join(repr(u) for u in unknown)} tidak dapat dibaca mesin proses: "
            f"{'itu bukan' if len(unknown) == 1 else 'semuanya bukan'} objek data yang digambar di proses ini (data "
            "object reference), melainkan mis. input/output tugas, penyimpanan data, atau objek data yang tidak "
            "digambar. Hapus asosiasi itu (data kasus tetap tersimpan) atau hubungkan ke objek data yang digambar")


def _unknown_messages(root: etree._Element, process: etree._Element) -> list[Problem]:
    """Message events and tasks naming a message the file does not define (SpiffWorkflow fails on them obscurely)."""
    defined = {el.get("id") for el in root.iterfind("bpmn:message", NS)}
    found = []
    for el in process.iter():
        ref = el.get("messageRef") if _local(el) in ("messageEventDefinition", "sendTask", "receiveTask") else None
        if ref and ref.split(":")[-1] not in defined:
            owner = el if el.get("id") and _local(el) != "messageEventDefinition" else el.getparent()
            found.append(problem(owner, f"{kind_words(owner)} ini merujuk pesan (message) '{ref}' yang tidak ada di "
                                        "berkas: pilih pesan yang ada di editor, atau buat pesannya"))
    return found


def _reserved_ids(process: etree._Element) -> list[Problem]:
    """Flow elements whose id is a name SpiffWorkflow gives its own steps: the process would silently lose them."""
    containers = [process, *(el for el in process.iter() if _local(el) in CONTAINERS | {"adHocSubProcess"})]
    reserved = {"Start", "End"} | {f"{c.get('id')}.EndJoin" for c in containers}
    return [problem(el, f"id '{el.get('id')}' dipakai mesin proses untuk langkahnya sendiri, sehingga elemen ini "
                        "akan hilang dari proses yang dijalankan: ganti id-nya di editor (mis. StartEvent_1)")
            for el in process.iter() if el.get("id") in reserved and el is not process]


def model_problems(root: etree._Element, process: etree._Element) -> list[Problem]:
    """Every element of `process` (and every data store of the file) that SpiffWorkflow would refuse vaguely."""
    from .lint import preparse_problems

    found = [problem(store, "penyimpanan data (data store) tidak dapat dipakai: produk ini tidak menyediakan "
                            "penyimpanan data untuk proses (data kasus disimpan otomatis). Hapus data store beserta "
                            "asosiasinya, atau ganti dengan anotasi teks")
             for store in root.iterfind(".//bpmn:dataStore", NS)]
    flows: dict[str, list[etree._Element]] = {}
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        flows.setdefault(flow.get("sourceRef"), []).append(flow)
    # SpiffWorkflow follows an association only through a data object reference (never to a data object itself)
    references = {el.get("id") for el in root.iterfind(".//bpmn:dataObjectReference", NS)}
    for el in process.iter():
        kind = _local(el)
        if kind not in ACTIVITIES:
            continue
        messages = [_service_task(el) if kind == "serviceTask" else None,
                    _several_outgoing(el, flows),
                    _subprocess_shape(el) if kind in CONTAINERS else None,
                    _multi_instance(el), _data_associations(el, references)]
        found += [problem(el, m) for m in messages if m]
    return _reserved_ids(process) + found + _unknown_messages(root, process) + preparse_problems(process, STAGE)


# -- SpiffWorkflow's parser messages, in the process owner's words -------------------------------

def _dmn(el: etree._Element, found: str) -> str:
    ref = found if found and found != "None" else (el.get(f"{{{NS['camunda']}}}decisionRef") or "")
    if not ref:
        return ("tugas aturan bisnis ini tidak menyebut tabel DMN yang dipakainya: isi Called decision id "
                "(spiffworkflow:calledDecisionId) di editor, atau gunakan tugas skrip (script task)")
    return f"tabel DMN '{ref}' dirujuk tetapi tidak disertakan: impor berkas DMN-nya bersama BPMN ini dengan --dmn"


#: (pattern of SpiffWorkflow's message, the message for the element it names)
_PARSER_MESSAGES: list[tuple[str, object]] = [
    (r'No DMN Diagram available with id "([^"]*)"', lambda el, m: _dmn(el, m.group(1))),
    (r"A Service Task must have an operator", lambda el, m: _service_task(el)),
    (r"Multiple outgoing flows are not supported", lambda el, m: _several_outgoing(
        el, {el.get("id"): el.getroottree().getroot().xpath(
            "//*[local-name()='sequenceFlow'][@sourceRef=$id]", id=el.get("id"))})),
    (r"Exactly one start event is required in a SubWorkflow|A SubWorkflow Must contain an End event",
     lambda el, m: _subprocess_shape(el)),
    (r"A multiinstance task must specify", lambda el, m: _multi_instance(el)),
    (r"Non-default exclusive outgoing sequence flow without condition",
     lambda el, m: "alur ini keluar dari gerbang eksklusif tanpa syarat dan bukan alur bawaan (default): beri alur "
                   "ini syarat, atau tandai satu alur keluar gerbang sebagai alur bawaan"),
    (r"Unknown Time Specification|Time Specification Error",
     lambda el, m: "timer ini tidak menyebut waktunya: isi timeDate (tanggal), timeDuration (lama) atau timeCycle "
                   "(berulang), mis. hari_kerja(5, sejak=tanggal_diterima) atau \"P5D\""),
    (r"Cannot resolve data(Input|Output)Association",
     lambda el, m: f"asosiasi data {'masuk' if m.group(1) == 'Input' else 'keluar'} pada {kind_words(el)} ini tidak "
                   "dapat dibaca mesin proses: ujungnya bukan objek data yang digambar di proses ini (data object "
                   "reference). Hapus asosiasi itu (data kasus tetap tersimpan) atau hubungkan ke objek data yang "
                   "digambar"),
    (r"Data Store with name (.*) has no implementation",
     lambda el, m: f"penyimpanan data (data store) '{m.group(1)}' tidak dapat dipakai: produk ini tidak menyediakan "
                   "penyimpanan data untuk proses. Hapus data store beserta asosiasinya"),
    (r'No "calledElement" attribute',
     lambda el, m: "pemanggilan proses ini tidak menyebut proses yang dipanggil (calledElement): pilih prosesnya di "
                   "editor"),
    (r"The process '([^']*)' was not found",
     lambda el, m: f"proses '{m.group(1)}' yang dipanggil tidak ditemukan: gambar proses itu di berkas yang sama atau "
                   "pasang proses itu lebih dahulu"),
    (r"There is no support implemented for this task type",
     lambda el, m: f"{kind_words(el)} tidak dapat dijalankan mesin proses: ganti dengan tugas, subproses, peristiwa "
                   "atau gerbang yang didukung (lihat docs/PROCESS_CONVENTIONS.md)"),
    (r"No start event found",
     lambda el, m: "proses ini tidak punya peristiwa awal (start event): gambar satu, dari situ setiap kasus dimulai"),
    (r"Conditional event definition with missing condition",
     lambda el, m: "peristiwa bersyarat ini tidak berisi syaratnya: isi syarat (condition) di editor"),
    (r"A loopMaximum or loopCondition must be specified",
     lambda el, m: f"{kind_words(el)} berulang (loop) ini tidak menyebut batas ulangan (loopMaximum) atau syarat "
                   "berhenti (loopCondition): isi salah satu"),
    (r"Ad hoc subprocesses may not contain start or end events",
     lambda el, m: "subproses ad hoc tidak boleh berisi peristiwa awal atau akhir: hapus keduanya"),
    (r"Sequential ordering for ad hoc subprocesses not supported",
     lambda el, m: "subproses ad hoc berurutan (ordering=\"Sequential\") tidak didukung: pakai urutan paralel atau "
                   "gambar langkahnya sebagai subproses biasa"),
    (r"Invalid Script Task", lambda el, m: "tugas skrip tidak berisi skrip"),
    (r"Duplicate process ID: (.*)",
     lambda el, m: f"id proses '{m.group(1)}' dipakai lebih dari sekali: id harus unik"),
]


def parser_problem(exc: Exception, root: etree._Element, process: etree._Element) -> Problem:
    """SpiffWorkflow's refusal as a parse-stage Problem: the element it names, in plain words."""
    import re

    raw = str(exc.args[0]) if exc.args else ""
    element_id = getattr(exc, "id", "") or ""
    found = root.xpath("//*[@id=$id]", id=element_id) if element_id else []
    el = found[0] if found else process
    for pattern, words in _PARSER_MESSAGES:
        match = re.search(pattern, raw)
        message = words(el, match) if match else None
        if message:
            return problem(el, message, "parse")
    if hasattr(exc, "tag"):  # a ValidationException this product has no words for: say so, keep its text
        return problem(el, f"mesin proses tidak dapat membaca {kind_words(el)} ini (pesan mesin proses: {raw})",
                       "parse")
    return problem(el, f"mesin proses tidak dapat membangun proses ini (pesan mesin proses: "
                       f"{type(exc).__name__}: {raw})", "parse")
