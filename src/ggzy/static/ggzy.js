// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:responseError", function (ev) {
  var box = document.getElementById("flash");
  if (!box) return;
  try {
    var err = JSON.parse(ev.detail.xhr.responseText).error;
    var en = document.documentElement.lang === "en";
    box.className = "alert error";
    box.textContent = (en ? err.message_en : err.message) + " (" + err.code + ")";
  } catch (e) { box.className = "alert error"; box.textContent = ev.detail.xhr.statusText; }
});
