/* The modeler's properties panel (#modeler-panel): only what our conventions use (docs/MODELER.md).
   A lane's role, a user task's form, a timer in working days (with the date it gives a request received
   today), a gateway flow's condition (checked by the server's sandbox compiler as it is typed) and a script
   task's notifications. Every change is written into the diagram through the bpmn-js modeling API, so it
   can be undone (Ctrl+Z) and is saved with the draft. Starts on "ppid:modeler-ready" (modeler.js). */
(function () {
  "use strict";
  var KINDS = {
    "bpmn:Lane": "Jalur (peran)", "bpmn:Participant": "Pool", "bpmn:UserTask": "Tugas pengguna",
    "bpmn:ScriptTask": "Tugas skrip", "bpmn:SequenceFlow": "Alur", "bpmn:ExclusiveGateway": "Gerbang eksklusif",
    "bpmn:InclusiveGateway": "Gerbang inklusif", "bpmn:ParallelGateway": "Gerbang paralel",
    "bpmn:BoundaryEvent": "Peristiwa batas", "bpmn:IntermediateCatchEvent": "Peristiwa tunggu",
    "bpmn:StartEvent": "Peristiwa awal", "bpmn:EndEvent": "Peristiwa akhir", "bpmn:SubProcess": "Subproses",
    "bpmn:Task": "Tugas"
  };
  var TASK_TYPES = [{value: "bpmn:Task", label: "Tugas (belum ditentukan)"}, {value: "bpmn:UserTask", label: "Tugas pengguna (formulir)"},
                    {value: "bpmn:ScriptTask", label: "Tugas skrip (otomatis)"}];
  var NOTIFY = /kirim_pemberitahuan\(\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']\s*\)[ \t]*\n?/g;
  var DAYS_IN_NAME = /\d+(\s+hari\s+kerja)/;

  function node(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function field(box, id, label, control) {
    box.appendChild(node("label", {"for": id}, label));
    control.id = id;
    box.appendChild(control);
    return control;
  }

  function select(options, current) {
    var s = node("select");
    options.forEach(function (o) {
      var opt = node("option", {value: o.value}, o.label);
      if (o.value === current) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function ask(url, params) {
    return fetch(url + "?" + new URLSearchParams(params), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.json(); });
  }

  function Panel(modeler, data) {
    this.modeler = modeler;
    this.data = data;
    this.box = document.getElementById("modeler-panel");
    this.modeling = modeler.get("modeling");
    this.moddle = modeler.get("moddle");
    this.writing = false;
    this.element = null;
    var self = this;
    modeler.on("selection.changed", function (e) { self.show(e.newSelection.length === 1 ? e.newSelection[0] : null); });
    modeler.on("commandStack.changed", function () { if (!self.writing && self.element) self.show(self.element); });
  }

  /* Run a change of the diagram without redrawing the panel the person is typing in. */
  Panel.prototype.write = function (change) {
    this.writing = true;
    try { change(); } finally { this.writing = false; }
  };

  Panel.prototype.show = function (element) {
    if (element && element.type === "label") element = element.labelTarget;
    this.element = element;
    var box = this.box;
    box.textContent = "";
    if (!element || !element.businessObject || element.type === "bpmn:Process") {
      box.appendChild(node("p", {"class": "muted"}, "Pilih sebuah elemen pada diagram untuk melihat dan mengubah propertinya."));
      return;
    }
    var bo = element.businessObject;
    box.appendChild(node("h2", {}, KINDS[element.type] || element.type.replace("bpmn:", "")));
    box.appendChild(node("p", {"class": "help"}, "id: " + bo.id));
    box.setAttribute("data-element-id", bo.id);
    if (element.type === "bpmn:Lane") this.lane(box, element);
    else this.name(box, element);
    if (TASK_TYPES.some(function (t) { return t.value === element.type; })) this.taskType(box, element);
    if (element.type === "bpmn:UserTask") this.form(box, element);
    if (this.timerDefinition(bo)) this.timer(box, element);
    if (element.type === "bpmn:SequenceFlow" && /Gateway$/.test(bo.sourceRef && bo.sourceRef.$type || "")
        && bo.sourceRef.$type !== "bpmn:ParallelGateway") this.condition(box, element);
    if (element.type === "bpmn:ScriptTask") this.script(box, element);
  };

  Panel.prototype.name = function (box, element) {
    var self = this, input = field(box, "prop-name", "Nama", node("input", {value: element.businessObject.name || ""}));
    this.nameInput = input;
    input.addEventListener("change", function () { self.write(function () { self.modeling.updateLabel(element, input.value); }); });
  };

  /* ---- a task's kind: a person's task with a form, or a script that runs by itself ---- */
  Panel.prototype.taskType = function (box, element) {
    var self = this, s = field(box, "prop-task-type", "Jenis tugas", select(TASK_TYPES, element.type));
    s.addEventListener("change", function () {
      var replaced = self.modeler.get("bpmnReplace").replaceElement(element, {type: s.value});
      self.modeler.get("selection").select(replaced);
    });
  };

  /* ---- lanes: the lane's name is the key of the role whose holders work its tasks ---- */
  Panel.prototype.lane = function (box, element) {
    var self = this, current = element.businessObject.name || "";
    var options = [{value: "", label: "(pilih peran)"}].concat(this.data.roles.map(function (r) {
      return {value: r.key, label: r.label + " (" + r.key + ")"};
    }));
    if (current && !this.data.roles.some(function (r) { return r.key === current; })) {
      options.push({value: current, label: current + " (bukan peran yang dikenal)"});
    }
    var s = field(box, "prop-role", "Peran yang mengerjakan jalur ini", select(options, current));
    box.appendChild(node("p", {"class": "help"}, "Peran diambil dari daftar peran; peran baru ditambahkan pengelola " +
      "(ppid role add) sebelum dipakai."));
    s.addEventListener("change", function () {
      self.write(function () { self.modeling.updateProperties(element, {name: s.value}); });
    });
  };

  /* ---- user tasks: spiffworkflow:properties formJsonSchemaFilename / formUiSchemaFilename ---- */
  Panel.prototype.properties = function (bo) {
    var ext = bo.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
  };

  Panel.prototype.property = function (bo, name) {
    var props = this.properties(bo), found = props && (props.values || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value : "";
  };

  Panel.prototype.setProperty = function (element, name, value) {
    var bo = element.businessObject, moddle = this.moddle, modeling = this.modeling;
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", {values: []});
      modeling.updateProperties(element, {extensionElements: ext});
    }
    var props = this.properties(bo);
    if (!props) {
      props = moddle.create("spiffworkflow:Properties", {values: []});
      modeling.updateModdleProperties(element, ext, {values: (ext.values || []).concat([props])});
    }
    var list = props.values || [], found = list.filter(function (p) { return p.name === name; })[0];
    if (found && value) modeling.updateModdleProperties(element, found, {value: value});
    else if (found) modeling.updateModdleProperties(element, props, {values: list.filter(function (p) { return p !== found; })});
    else if (value) modeling.updateModdleProperties(element, props, {values: list.concat([moddle.create("spiffworkflow:Property", {name: name, value: value})])});
  };

  Panel.prototype.useForm = function (element, name) {
    var self = this, ui = this.data.with_ui.indexOf(name) >= 0 || this.data.forms.indexOf(name) < 0;
    this.write(function () {
      self.setProperty(element, "formJsonSchemaFilename", name ? name + ".schema.json" : "");
      self.setProperty(element, "formUiSchemaFilename", name && ui ? name + ".uischema.json" : "");
    });
  };

  Panel.prototype.form = function (box, element) {
    var self = this, file = this.property(element.businessObject, "formJsonSchemaFilename");
    var current = file.replace(/\.schema\.json$/, "");
    var options = [{value: "", label: "(belum ada formulir)"}].concat(this.data.forms.map(function (n) { return {value: n, label: n}; }));
    if (current && this.data.forms.indexOf(current) < 0) options.push({value: current, label: current + " (baru)"});
    var s = field(box, "prop-form", "Formulir", select(options, current));
    var link = node("p", {"class": "help"});
    box.appendChild(link);
    var showLink = function (name) {
      link.textContent = "";
      if (!name) return;
      if (self.data.urls.form) {
        link.appendChild(node("a", {href: self.data.urls.form.replace("__NAME__", name), target: "_blank", rel: "noopener",
                                    "data-form-editor": name}, "Ubah formulir " + name + " (tab baru)"));
      } else {
        link.textContent = "Simpan draf dulu untuk membuat atau mengubah formulir.";
      }
    };
    showLink(current);
    s.addEventListener("change", function () { self.useForm(element, s.value); showLink(s.value); });
    var fresh = field(box, "prop-form-new", "Atau formulir baru (nama: huruf kecil, angka, _)",
                      node("input", {pattern: "[a-z0-9][a-z0-9_]*", placeholder: "mis. telaah_hukum"}));
    var button = node("button", {type: "button", "class": "btn btn-secondary"}, "Pakai formulir baru");
    box.appendChild(button);
    button.addEventListener("click", function () {
      var name = fresh.value.trim();
      if (!/^[a-z0-9][a-z0-9_]{0,79}$/.test(name)) { fresh.setCustomValidity("Huruf kecil, angka dan _ saja."); fresh.reportValidity(); return; }
      fresh.setCustomValidity("");
      if (self.data.forms.indexOf(name) < 0) s.appendChild(node("option", {value: name}, name + " (baru)"));
      s.value = name;
      self.useForm(element, name);
      showLink(name);
    });
  };

  /* ---- timers: "5 hari kerja" becomes hari_kerja(5, sejak=tanggal_diterima) ---- */
  Panel.prototype.timerDefinition = function (bo) {
    return (bo.eventDefinitions || []).filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0];
  };

  Panel.prototype.writeTimer = function (element, expression) {
    var def = this.timerDefinition(element.businessObject), kind = def.timeDuration ? "timeDuration" : def.timeCycle ? "timeCycle" : "timeDate";
    var changes = {timeDate: undefined, timeDuration: undefined, timeCycle: undefined};
    changes[/^hari_kerja/.test(expression) ? "timeDate" : kind] = this.moddle.create("bpmn:FormalExpression", {body: expression});
    this.modeling.updateModdleProperties(element, def, changes);
  };

  Panel.prototype.timer = function (box, element) {
    var self = this, def = this.timerDefinition(element.businessObject);
    var body = (def.timeDate || def.timeDuration || def.timeCycle || {}).body || "";
    box.appendChild(node("h3", {}, "Waktu"));
    var days = field(box, "prop-timer-days", "Batas waktu (hari kerja)", node("input", {placeholder: "mis. 5 hari kerja", inputmode: "numeric"}));
    var since = field(box, "prop-timer-since", "Dihitung sejak", select(this.data.since.map(function (o) {
      return {value: o.key, label: o.label};
    }), ""));
    var expression = field(box, "prop-timer-expression", "Ekspresi timer", node("textarea", {rows: "2"}));
    expression.value = body;
    var due = node("p", {"class": "help", id: "prop-timer-due", "aria-live": "polite"});
    box.appendChild(due);
    var shown = function (answer) {
      due.className = answer.ok ? "help check-ok" : "help check-bad";
      due.textContent = answer.ok ? "Untuk permohonan yang diterima sekarang: " + answer.due_text : answer.message;
      if (answer.ok && answer.days) days.value = answer.days + " hari kerja";
      if (answer.ok && answer.since !== null && answer.since !== undefined) {
        if (!Array.prototype.some.call(since.options, function (o) { return o.value === answer.since; })) {
          since.appendChild(node("option", {value: answer.since}, answer.since));
        }
        since.value = answer.since;
      }
    };
    if (body) ask(this.data.urls.timer, {ekspresi: body}).then(shown);
    var fromDays = debounce(function () {
      ask(self.data.urls.timer, {teks: days.value, sejak: since.value}).then(function (answer) {
        if (answer.ok) {
          expression.value = answer.expression;
          self.write(function () {
            self.writeTimer(element, answer.expression);
            var name = element.businessObject.name || "";
            if (answer.days && DAYS_IN_NAME.test(name)) {
              self.modeling.updateLabel(element, name.replace(DAYS_IN_NAME, answer.days + "$1"));
              self.nameInput.value = element.businessObject.name;
            }
          });
        }
        shown(answer);
      });
    }, 350);
    days.addEventListener("input", fromDays);
    since.addEventListener("change", fromDays);
    expression.addEventListener("change", function () {
      self.write(function () { self.writeTimer(element, expression.value.trim()); });
      ask(self.data.urls.timer, {ekspresi: expression.value}).then(shown);
    });
  };

  /* ---- gateway flows: the condition, checked by the server as it is typed ---- */
  Panel.prototype.condition = function (box, element) {
    var self = this, bo = element.businessObject, gateway = this.modeler.get("elementRegistry").get(bo.sourceRef.id);
    box.appendChild(node("h3", {}, "Syarat"));
    var text = field(box, "prop-condition", "Syarat (atas isian formulir, mis. kelengkapan == \"lengkap\")", node("textarea", {rows: "3"}));
    text.value = bo.conditionExpression ? bo.conditionExpression.body || "" : "";
    var isDefault = node("input", {type: "checkbox", id: "prop-default"});
    isDefault.checked = gateway && gateway.businessObject.default === bo;
    var label = node("label", {"for": "prop-default", "class": "check"});
    label.appendChild(isDefault);
    label.appendChild(document.createTextNode(" Alur bawaan (dilalui bila tidak ada syarat lain yang benar)"));
    box.appendChild(label);
    var verdict = node("div", {"class": "help", id: "prop-condition-check", "aria-live": "polite"});
    box.appendChild(verdict);
    var check = function () {
      if (!text.value.trim()) { verdict.textContent = ""; return; }
      ask(self.data.urls.condition, {teks: text.value, proses: self.data.process_id, draf: self.data.draft_id || ""})
        .then(function (answer) {
          verdict.textContent = "";
          verdict.className = answer.ok ? "help check-ok" : "help check-bad";
          verdict.setAttribute("data-ok", answer.ok ? "1" : "0");
          var list = node("ul");
          (answer.ok ? ["Syarat dapat dijalankan."] : answer.messages).forEach(function (m) { list.appendChild(node("li", {}, m)); });
          (answer.warnings || []).forEach(function (m) { list.appendChild(node("li", {"class": "check-warn"}, m)); });
          verdict.appendChild(list);
        });
    };
    var writeAndCheck = debounce(function () {
      var value = text.value.trim();
      self.write(function () {
        self.modeling.updateProperties(element, {conditionExpression: value ? self.moddle.create("bpmn:FormalExpression", {body: value}) : undefined});
      });
      check();
    }, 400);
    text.addEventListener("input", writeAndCheck);
    isDefault.addEventListener("change", function () {
      self.write(function () { self.modeling.updateProperties(gateway, {"default": isDefault.checked ? bo : undefined}); });
    });
    check();
  };

  /* ---- script tasks: the script, and its kirim_pemberitahuan(kepada, templat) lines ---- */
  Panel.prototype.script = function (box, element) {
    var self = this, bo = element.businessObject;
    var setScript = function (value) { self.write(function () { self.modeling.updateProperties(element, {script: value}); }); };
    box.appendChild(node("h3", {}, "Pemberitahuan"));
    var list = node("ul", {id: "prop-notifications"});
    box.appendChild(list);
    var script = field(box, "prop-script", "Skrip", node("textarea", {rows: "6"}));
    var redraw = function () {
      list.textContent = "";
      script.value = bo.script || "";
      (bo.script || "").replace(NOTIFY, function (line, to, template) {
        var item = node("li", {}, template + " \u2192 " + to + " ");
        var remove = node("button", {type: "button", "class": "btn btn-secondary"}, "Hapus");
        remove.addEventListener("click", function () { setScript((bo.script || "").replace(line, "")); redraw(); });
        item.appendChild(remove);
        list.appendChild(item);
        return line;
      });
      if (!list.children.length) list.appendChild(node("li", {"class": "muted"}, "Belum ada pemberitahuan."));
    };
    script.addEventListener("change", function () { setScript(script.value); redraw(); });
    var lanes = this.modeler.get("elementRegistry").filter(function (e) { return e.type === "bpmn:Lane"; })
      .map(function (e) { return e.businessObject.name; }).filter(Boolean);
    var recipients = ["pemohon"].concat(lanes, this.data.roles.map(function (r) { return r.key; }))
      .filter(function (v, i, all) { return all.indexOf(v) === i; }).map(function (v) { return {value: v, label: v}; });
    var to = field(box, "prop-notify-to", "Kirim kepada", select(recipients, "pemohon"));
    var template = field(box, "prop-notify-template", "Templat surat", select(this.data.templates.map(function (t) {
      return {value: t.key, label: t.label + " (" + t.key + ")"};
    }), ""));
    var add = node("button", {type: "button", "class": "btn btn-secondary"}, "Tambah pemberitahuan");
    box.appendChild(add);
    add.addEventListener("click", function () {
      var current = (bo.script || "").replace(/\s*$/, "");
      setScript((current ? current + "\n" : "") + "kirim_pemberitahuan(\"" + to.value + "\", \"" + template.value + "\")");
      redraw();
    });
    redraw();
  };

  document.addEventListener("ppid:modeler-ready", function (event) {
    window.ppidPanel = new Panel(event.detail.modeler, event.detail.data);
  });
}());
