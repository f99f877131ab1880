// The query editor's behaviour, a static file so that the Content-Security-Policy
// can forbid inline scripts. With YASGUI loaded it replaces the plain form (kept for
// browsers without JavaScript); without it, the example picker fills the plain form.
(function () {
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  if (typeof Yasgui === "undefined") {
    plainForm();
    return;
  }
  yasguiEditor();

  function plainForm() {
    var picker = document.getElementById("example-picker");
    if (picker) picker.addEventListener("change", function () {
      document.getElementById("query-text").value = config.examples[picker.value];
    });
  }

  // Well-known vocabularies a query may use without declaring (offered as a PREFIX line
  // when the endpoint says such a prefix is not declared); the server's own prefixes
  // (config.prefixes) come first.
  var COMMON_VOCABULARIES = {
    dc: "http://purl.org/dc/elements/1.1/", dct: "http://purl.org/dc/terms/",
    dcat: "http://www.w3.org/ns/dcat#", bibo: "http://purl.org/ontology/bibo/",
    mesh: "http://id.nlm.nih.gov/mesh/", obo: "http://purl.obolibrary.org/obo/",
    sio: "http://semanticscience.org/resource/", vcard: "http://www.w3.org/2006/vcard/ns#",
    wd: "http://www.wikidata.org/entity/", wdt: "http://www.wikidata.org/prop/direct/"
  };

  function yasguiEditor() {
    var YasguiEditor = Yasgui.default || Yasgui;  // the UMD bundle exports a module object
    var endpoint = new URL(config.endpoint, window.location.href).href;
    // A share link carries the query in the URL's fragment; YASGUI reads it and then
    // clears it, so look before it starts (the editor kept the page's default query).
    var shared = /(^#|&)query=/.test(window.location.hash);
    document.getElementById("plain-form").hidden = true;
    var results = document.getElementById("plain-results");
    if (results) results.hidden = true;
    // Every tab's results take their error renderers from YASR's defaults.
    YasguiEditor.Yasr.defaults.errorRenderers = [renderError];
    var yasgui = new YasguiEditor(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistencyExpire: 0
    });
    var tab = yasgui.getTab();
    var yasqe = tab.getYasqe();
    if (!shared) {  // a shared query is shown exactly as it was shared
      yasqe.addPrefixes(config.prefixes);
      yasqe.setValue(config.query);
    }
    var notice = document.getElementById("truncation-notice");
    function watch(editor) {
      if (!editor || editor.claimgraphWatched) return;
      editor.claimgraphWatched = true;
      editor.on("queryResponse", function (_editor, response) {
        // The row cap is said in a response header; show it above the results.
        var headers = response && response.headers;
        notice.hidden = !(headers && typeof headers.get === "function" && headers.get("X-Result-Truncated"));
        showResults();
      });
    }
    watch(yasqe);
    yasgui.on("tabSelect", function () { setTimeout(function () { watch(yasgui.getTab().getYasqe()); }, 0); });
    var picker = document.getElementById("example-picker");
    if (picker) picker.addEventListener("change", function () {
      yasgui.getTab().getYasqe().setValue(config.examples[picker.value]);
    });
    localLinks(document.getElementById("yasgui"));

    // After a run the results start below the editor: bring their top into view.
    function showResults() {
      setTimeout(function () {
        var shown = yasgui.getTab().getYasr();
        var box = shown && shown.rootEl;
        if (!box) return;
        var top = box.getBoundingClientRect().top;
        if (top > window.innerHeight * 0.6 || top < 0) box.scrollIntoView({ block: "start" });
      }, 0);
    }

    // The endpoint answers errors as {"error": {"status", "title", "detail", ...}}: show
    // the detail as text (never the raw JSON), and offer the PREFIX line of a known
    // vocabulary when the detail says a prefix is not declared.
    function renderError(error) {
      var problem = parseProblem(error && error.text);
      if (!problem) return Promise.resolve(undefined);
      var box = document.createElement("div");
      box.className = "query-error";
      var title = document.createElement("p");
      title.className = "query-error-title";
      title.textContent = (problem.title || "Error") + (problem.status ? " (" + problem.status + ")" : "");
      var detail = document.createElement("p");
      detail.className = "query-error-detail";
      detail.textContent = problem.detail || "";
      box.appendChild(title);
      box.appendChild(detail);
      var missing = /prefix\s+([A-Za-z][\w.-]*)?:\s+is not declared/i.exec(problem.detail || "");
      var name = missing && missing[1] !== undefined ? missing[1] : null;
      var iri = name !== null ? (config.prefixes[name] || COMMON_VOCABULARIES[name]) : null;
      if (iri) {
        var add = document.createElement("button");
        add.type = "button";
        add.className = "add-prefix";
        add.textContent = "Add PREFIX " + name + ": <" + iri + "> and run again";
        add.addEventListener("click", function () {
          var prefixes = {};
          prefixes[name] = iri;
          var editor = yasgui.getTab().getYasqe();
          editor.addPrefixes(prefixes);
          editor.query();
        });
        box.appendChild(add);
      }
      return Promise.resolve(box);
    }
  }

  function parseProblem(text) {
    if (!text) return null;
    try {
      var body = JSON.parse(text);
      if (body && body.error && typeof body.error === "object") return body.error;
    } catch (_notJson) { /* a plain-text error */ }
    return { title: "Error", detail: String(text).slice(0, 2000) };
  }

  // IRIs this server mints link to its own pages (the IRI stays the link's text);
  // the results table is redrawn on every run and page, so watch it.
  function localLinks(root) {
    var base = config.base_iri, pages = config.pages;
    if (!base || !pages) return;
    function rewrite() {
      root.querySelectorAll("a.iri").forEach(function (link) {
        var href = link.getAttribute("href") || "";
        if (href.indexOf(base) !== 0 || link.dataset.local) return;
        link.dataset.local = "1";
        link.setAttribute("href", pages + href.slice(base.length));
        link.setAttribute("title", href);
        link.removeAttribute("target");
      });
    }
    new MutationObserver(rewrite).observe(root, { childList: true, subtree: true });
  }
})();
