// Tells the server the browser's time zone (a cookie), so dates on pages and in emails are
// written in it; until then they are written in UTC, and say so.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && document.cookie.indexOf("tz=" + zone) === -1) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  }
})();
