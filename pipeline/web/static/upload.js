// 上传: drop files on the zone (or choose them) and each is sent on its own, with a progress bar;
// the server answers with its status line, which htmx then polls until the file is registered.
// Without this script the form still posts all chosen files at once.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("upload-file");
  var results = document.getElementById("upload-results");
  if (!form || !zone || !input || !results) { return; }
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function direction() {
    var checked = form.querySelector('input[name="direction"]:checked');
    return checked ? checked.value : "收文";
  }

  function placeholder(file) {
    var item = document.createElement("li");
    item.className = "upload-item sending";
    var name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;            // a file name is text, never markup
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var note = document.createElement("span");
    note.className = "muted";
    note.textContent = " 正在上传…";
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(note);
    results.insertBefore(item, results.firstChild);
    var empty = document.querySelector(".upload-empty");
    if (empty) { empty.remove(); }
    return { item: item, bar: bar, note: note };
  }

  function failed(shown, message) {
    shown.item.classList.remove("sending");
    shown.item.classList.add("refused");
    shown.bar.remove();
    shown.note.textContent = " 未能上传：" + message;
  }

  function send(file) {
    var shown = placeholder(file);
    var body = new FormData();
    body.append("direction", direction());   // before the file: the server knows where it goes
    body.append("file", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", "/upload");
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.setRequestHeader("HX-Request", "true");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) { shown.bar.value = Math.round(100 * event.loaded / event.total); }
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") === 0 && request.responseText.trim().indexOf("<li") === 0) {
        // the server's own rendering of the result (escaped by its templates)
        var holder = document.createElement("ul");
        holder.innerHTML = request.responseText;
        var answer = Array.prototype.slice.call(holder.children);
        answer.forEach(function (element) { results.insertBefore(element, shown.item); });
        shown.item.remove();
        if (window.htmx) { answer.forEach(function (element) { window.htmx.process(element); }); }
      } else if (request.status === 401 || request.status === 303) {
        failed(shown, "登录已过期，请刷新页面后重新登录");
      } else {
        failed(shown, "服务器返回 " + request.status);
      }
    });
    request.addEventListener("error", function () { failed(shown, "网络错误"); });
    request.send(body);
  }

  function sendAll(files) {
    Array.prototype.forEach.call(files, send);
  }

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "dragend"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length) { sendAll(event.dataTransfer.files); }
  });
  input.addEventListener("change", function () {
    if (input.files.length) { sendAll(input.files); }
    input.value = "";
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();                  // chosen files went already, one by one
    if (input.files.length) { sendAll(input.files); input.value = ""; }
  });
}());
