// The report's "key requirements of the job" list, shared by the room, the observer view and
// the replay: each requirement with covered / partly / not covered, from the report metrics.

const LABELS = {
  covered: ["text-bg-success", "covered"],
  partly: ["text-bg-warning", "partly covered"],
  not: ["text-bg-secondary", "not covered"],
};

/**
 * Fill `list` (a <ul>) from `metrics.requirements`; hides `section` when there are none.
 * @param {HTMLElement} section
 * @param {HTMLElement} list
 * @param {any} metrics
 */
export function showRequirements(section, list, metrics) {
  const rows = Array.isArray(metrics?.requirements) ? metrics.requirements : [];
  list.replaceChildren();
  section.hidden = rows.length === 0;
  for (const row of rows) {
    const [badgeClass, label] = LABELS[/** @type {keyof typeof LABELS} */ (row.status)] ?? LABELS.not;
    const li = document.createElement("li");
    li.className = "list-group-item d-flex justify-content-between align-items-center gap-2";
    li.dataset.status = String(row.status);
    const name = document.createElement("span");
    name.textContent = String(row.name);
    const badge = document.createElement("span");
    badge.className = `badge ${badgeClass}`;
    badge.textContent = label;
    li.append(name, badge);
    list.append(li);
  }
  const share = Number(metrics?.requirements_coverage);
  const summary = section.querySelector("[data-role=coverage]");
  if (summary) summary.textContent = Number.isFinite(share) ? `${Math.round(share * 100)} %` : "";
}
