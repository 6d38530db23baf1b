/* The process modeler (/proses/<process_id>/ubah): opens the BPMN text of #bpmn-xml (a JSON string) in bpmn-js
   (app/static/vendor/bpmn-js), puts the edited text back into every form marked data-modeler-save
   before it is sent, and marks the problems the server's check found (#modeler-data) on the diagram.
   The properties panel is app/static/modeler_panel.js; it starts on the event "ppid:modeler-ready". */
(function () {
  "use strict";

  function body(name) {
    return {name: name, superClass: ["Element"], properties: [{name: "value", type: "String", isBody: true}]};
  }

  /* The spiffworkflow extension elements our models use (docs/PROCESS_CONVENTIONS.md), so that bpmn-js
     reads, keeps and writes them: <spiffworkflow:properties><spiffworkflow:property name= value=/>. */
  var SPIFFWORKFLOW = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: {tagAlias: "lowerCase"}, associations: [],
    types: [
      {name: "Properties", superClass: ["Element"], meta: {allowedIn: ["*"]},
       properties: [{name: "values", type: "Property", isMany: true}]},
      {name: "Property", superClass: ["Element"],
       properties: [{name: "name", type: "String", isAttr: true}, {name: "value", type: "String", isAttr: true}]},
      body("PreScript"), body("PostScript"), body("CalledDecisionId"), body("InstructionsForEndUser")
    ]
  };

  var BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
  var LOOP_REFS = ["loopDataInputRef", "loopDataOutputRef"];

  function children(parent, name) {
    return Array.prototype.filter.call(parent.childNodes, function (n) { return n.namespaceURI === BPMN && n.localName === name; });
  }

  /* SpiffWorkflow reads a multi-instance's loopDataInputRef/loopDataOutputRef as the name of a case data list
     (opd_tambahan); bpmn-js drops such a reference because no BPMN element has that id. Remember them per
     activity as the file had them, and put back the ones the saved text lost. */
  function loopRefs(xml) {
    var doc = new DOMParser().parseFromString(xml, "application/xml"), found = {};
    Array.prototype.forEach.call(doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics"), function (mi) {
      LOOP_REFS.forEach(function (name) {
        var ref = children(mi, name)[0], owner = mi.parentNode.getAttribute("id");
        if (ref && owner) (found[owner] = found[owner] || {})[name] = ref.textContent.trim();
      });
    });
    return found;
  }

  function restoreLoopRefs(xml, refs) {
    if (!Object.keys(refs).length) return xml;
    var doc = new DOMParser().parseFromString(xml, "application/xml"), changed = false;
    Array.prototype.forEach.call(doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics"), function (mi) {
      var wanted = refs[mi.parentNode.getAttribute("id")] || {}, after = children(mi, "loopCardinality")[0] || null;
      LOOP_REFS.forEach(function (name) {
        var present = children(mi, name)[0];
        if (!present && wanted[name]) {
          present = doc.createElementNS(BPMN, (mi.prefix ? mi.prefix + ":" : "") + name);
          present.textContent = wanted[name];
          mi.insertBefore(present, after ? after.nextSibling : mi.firstChild);
          changed = true;
        }
        after = present || after;
      });
    });
    if (!changed) return xml;
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc.documentElement);
  }

  function data() {
    var node = document.getElementById("modeler-data");
    return node ? JSON.parse(node.textContent) : {};
  }

  function say(text) {
    var node = document.getElementById("modeler-status");
    if (node) node.textContent = text;
  }

  /* An element at full size in the middle of the canvas. */
  function showElement(modeler, element) {
    var canvas = modeler.get("canvas");
    canvas.zoom(1);
    canvas.scrollToElement(element);
  }

  /* Each problem of the check: the element outlined in red with its message beside it. */
  function showProblems(modeler, problems) {
    var registry = modeler.get("elementRegistry"), canvas = modeler.get("canvas"), overlays = modeler.get("overlays");
    var shown = 0;
    (problems || []).forEach(function (problem) {
      var element = problem.element_id && registry.get(problem.element_id);
      if (!element) return;
      canvas.addMarker(element.id, "ppid-problem");
      var note = document.createElement("div");
      note.className = "ppid-problem-note";
      note.setAttribute("data-problem-for", element.id);
      note.textContent = problem.message;
      overlays.add(element.id, "ppid-problem", {position: {bottom: -4, left: 0}, html: note});
      shown += 1;
    });
    document.querySelectorAll("[data-show-element]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var element = registry.get(link.getAttribute("data-show-element"));
        if (!element) return;
        event.preventDefault();
        showElement(modeler, element);
        modeler.get("selection").select(element);
        document.getElementById("modeler-canvas").scrollIntoView({block: "center"});
      });
    });
    var first = (problems || []).map(function (p) { return p.element_id && registry.get(p.element_id); }).filter(Boolean)[0];
    if (first) showElement(modeler, first);
    return shown;
  }

  /* Work not yet saved outlives an ended session in this tab: every change is kept in sessionStorage
     with the text it started from; opening the same text again (after signing in) offers it back. */
  function keepWork(modeler, xml, refs) {
    var key = "ppid-modeler:" + location.pathname, kept = null, offer = document.getElementById("modeler-restore");
    try { kept = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    modeler.on("commandStack.changed", function () {
      modeler.saveXML({format: true}).then(function (result) {
        try { sessionStorage.setItem(key, JSON.stringify({base: xml, xml: restoreLoopRefs(result.xml, refs)})); }
        catch (e) { /* storage full: nothing kept */ }
      });
    });
    if (!offer || !kept || kept.base !== xml || kept.xml === xml) return;
    offer.hidden = false;
    offer.querySelector("[data-restore]").addEventListener("click", function () {
      offer.hidden = true;
      modeler.importXML(kept.xml).then(function () {
        say("Perubahan yang belum disimpan telah dipulihkan. Simpan sebagai draf agar tidak hilang.");
      });
    });
    offer.querySelector("[data-discard]").addEventListener("click", function () {
      offer.hidden = true;
      sessionStorage.removeItem(key);
    });
  }

  /* Forms that send the diagram: the current XML goes into their bpmn_xml field first. */
  function wireForms(modeler, refs) {
    document.querySelectorAll("form[data-modeler-save]").forEach(function (form) {
      var action = form.action;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var submitter = event.submitter;
        modeler.saveXML({format: true}).then(function (result) {
          form.querySelector("[name=bpmn_xml]").value = restoreLoopRefs(result.xml, refs);
          form.action = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : action;
          form.submit();  // no second submit event; the buttons carry no value of their own
        }).catch(function (error) { say("Diagram tidak dapat disimpan: " + error.message); });
      });
    });
  }

  function init() {
    var container = document.getElementById("modeler-canvas"), source = document.getElementById("bpmn-xml");
    if (!container || !source) return;
    var xml = JSON.parse(source.textContent);  // JSON inside a script element: no markup, never shown as text
    if (!window.BpmnJS) { say("Pengubah diagram tidak dapat dimuat."); return; }
    var settings = data();
    var modeler = new window.BpmnJS({container: container, moddleExtensions: {spiffworkflow: SPIFFWORKFLOW}});
    window.ppidModeler = modeler;
    modeler.importXML(xml).then(function (result) {
      modeler.get("canvas").zoom("fit-viewport");  // showProblems then brings the first problem into view
      var marked = showProblems(modeler, settings.problems);
      var warnings = (result.warnings || []).length;
      say((marked ? marked + " elemen bermasalah ditandai merah pada diagram. " : "") +
          (warnings ? warnings + " rujukan dalam berkas tidak dikenali pengubah diagram (rujukan data " +
           "multi-instance tetap disimpan); Periksa menunjukkan bila ada yang hilang." : ""));
      container.setAttribute("data-ready", "1");
      document.dispatchEvent(new CustomEvent("ppid:modeler-ready", {detail: {modeler: modeler, data: settings}}));
    }).catch(function (error) { say("Diagram tidak dapat dibuka: " + error.message); });
    wireForms(modeler, loopRefs(xml));
    keepWork(modeler, xml, loopRefs(xml));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
}());
