// The review page: when the server refused the review, move the focus to the list of problems,
// so it is read first. The page works the same without this script.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
