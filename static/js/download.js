// "Đang chuẩn bị tệp…" while a large Excel file is built: the link gets a random token,
// the server answers with a cookie carrying it, and the message goes away when it arrives.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-download]");
  if (!link) return;
  var note = document.getElementById(link.dataset.download);
  var token = Math.random().toString(36).slice(2);
  var url = new URL(link.href, location.href);
  url.searchParams.set("dl", token);
  link.href = url.toString();
  if (!note) return;
  note.hidden = false;
  var timer = setInterval(function () {
    if (document.cookie.indexOf("download_ready=" + token) !== -1) {
      note.hidden = true;
      clearInterval(timer);
    }
  }, 500);
});
