// dockyard dashboard: the few behaviours htmx does not give declaratively.
// The compose editor (CodeMirror + error lines), copy buttons, and the log stream.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // -- copy buttons (DNS names) ------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      var area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); } finally { area.remove(); }
      done();
    }
  });

  // -- compose editor ----------------------------------------------------------------------------
  var editor = null;
  var markedLines = [];

  function setUpEditor() {
    var textarea = document.getElementById("compose");
    if (!textarea || typeof CodeMirror === "undefined") return;
    editor = CodeMirror.fromTextArea(textarea, {
      mode: "yaml", lineNumbers: true, indentUnit: 2, tabSize: 2, gutters: ["cm-error-gutter", "CodeMirror-linenumbers"],
      extraKeys: { Tab: function (cm) { cm.replaceSelection("  "); } }
    });
    window.dockyardEditor = editor;
    // Any edit invalidates what was validated: the Save button goes until the next Validate.
    editor.on("change", function () {
      clearMarks();
      var check = document.getElementById("check");
      if (check && check.querySelector("[data-valid]")) check.innerHTML = '<p class="meta">Edited: validate again.</p>';
    });
  }

  function clearMarks() {
    if (!editor) return;
    markedLines.forEach(function (line) {
      editor.removeLineClass(line, "background", "cm-error-line");
    });
    editor.clearGutter("cm-error-gutter");
    markedLines = [];
  }

  function markErrors(root) {
    if (!editor) return;
    clearMarks();
    root.querySelectorAll("li[data-line]").forEach(function (item) {
      var line = parseInt(item.getAttribute("data-line"), 10);
      if (!line) return;
      var index = Math.min(line - 1, editor.lineCount() - 1);
      editor.addLineClass(index, "background", "cm-error-line");
      var marker = document.createElement("span");
      marker.className = "cm-error-marker"; marker.title = item.textContent.trim(); marker.textContent = "●";
      editor.setGutterMarker(index, "cm-error-gutter", marker);
      markedLines.push(index);
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
    if (editor && event.detail.elt.closest("#compose-form, #check")) {
      event.detail.parameters.compose = editor.getValue();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "check") markErrors(event.detail.target);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.goto");
    if (!link || !editor) return;
    event.preventDefault();
    var line = parseInt(link.parentElement.getAttribute("data-line"), 10);
    var column = parseInt(link.parentElement.getAttribute("data-column"), 10) || 1;
    editor.focus(); editor.setCursor({ line: line - 1, ch: column - 1 });
  });

  // -- logs ------------------------------------------------------------------------------------
  var source = null;

  function openLogs() {
    var log = document.getElementById("log");
    if (!log) return;
    var follow = document.getElementById("follow").checked;
    var state = document.getElementById("log-state");
    if (source) source.close();
    log.textContent = "";
    state.textContent = follow ? "Following…" : "Loading…";
    source = new EventSource(log.getAttribute("data-stream") + "?follow=" + (follow ? "1" : "0"));
    source.addEventListener("line", function (event) {
      var entry = JSON.parse(event.data);
      var row = document.createElement("span");
      row.className = "log-line"; row.setAttribute("data-pod", entry.pod);
      var pod = document.createElement("span"); pod.className = "pod"; pod.textContent = entry.pod + " | ";
      row.appendChild(pod); row.appendChild(document.createTextNode(entry.text + "\n"));
      var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.appendChild(row);
      if (atBottom) log.scrollTop = log.scrollHeight;
    });
    source.addEventListener("problem", function (event) { state.textContent = event.data; });
    source.addEventListener("end", function () {
      source.close(); source = null;
      state.textContent = follow ? "The pods' log streams ended." : "Showing the logs so far (follow is off).";
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "follow") openLogs();
  });

  document.addEventListener("DOMContentLoaded", function () {
    setUpEditor();
    openLogs();
  });
})();
