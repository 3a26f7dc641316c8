// The visit outcome form (visits/includes/outcome_form.html): add a need row, and dim what
// only applies when the person was reached. Without JavaScript the form still works (one
// need row per submission; nothing hidden).
(function () {
  "use strict";

  function setUp(form) {
    var rows = form.querySelector("[data-need-rows]");
    var template = form.querySelector("template[data-need-template]");
    var total = form.querySelector("input[name=needs-TOTAL_FORMS]");
    var max = form.querySelector("input[name=needs-MAX_NUM_FORMS]");
    var add = form.querySelector("[data-add-need]");
    var reachedOnly = form.querySelector("[data-reached-only]");

    function refreshAdd() {
      add.hidden = Number(total.value) >= Number(max.value);
    }

    if (rows && template && total && add) {
      refreshAdd();
      add.addEventListener("click", function () {
        var index = Number(total.value);
        if (index >= Number(max.value)) return;
        rows.insertAdjacentHTML("beforeend", template.innerHTML.split("__prefix__").join(index));
        total.value = index + 1;
        refreshAdd();
        var kind = rows.lastElementChild.querySelector("select");
        if (kind) kind.focus();
      });
    }

    // Choosing a kind of need means the person has difficulties: tick it for the caller.
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name && /^needs-\d+-kind$/.test(target.name) && target.value) {
        var some = form.querySelector("input[name=difficulty][value=some]");
        if (some) some.checked = true;
      }
      if (target.name === "outcome") showReached();
    });

    function showReached() {
      if (!reachedOnly) return;
      var chosen = form.querySelector("input[name=outcome]:checked");
      reachedOnly.classList.toggle("inactive", !!chosen && chosen.value !== "REACHED");
    }
    showReached();
  }

  document.querySelectorAll("[data-outcome-form]").forEach(setUp);
})();
