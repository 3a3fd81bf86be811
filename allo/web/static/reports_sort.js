// Sortable report tables: a header's button sorts the rows by its column (numbers from data-sort), pressed again it
// reverses; cells with nothing to compare (an empty data-sort) stay last. The live region says what was done.
document.querySelectorAll("table.sortable").forEach((table) => {
  const heads = [...table.tHead.rows[0].cells];
  const status = document.getElementById("sort-status");
  const key = (row, col) => {
    const cell = row.cells[col];
    const value = cell.dataset.sort;
    if (value === undefined) return cell.textContent.trim().toLocaleLowerCase("fr");
    return value === "" ? null : Number(value);
  };
  heads.forEach((th, col) => {
    const button = th.querySelector("button.sort");
    if (!button) return;
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach((other) => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = [...body.rows].filter((row) => row.cells.length === heads.length);
      rows.sort((a, b) => {
        const x = key(a, col), y = key(b, col);
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * (ascending ? 1 : -1);
      });
      rows.forEach((row) => body.appendChild(row));
      if (status) {
        status.textContent = `${table.caption ? table.caption.textContent + " : " : ""}trié par « ${button.textContent} », `
          + (ascending ? "ordre croissant" : "ordre décroissant");
      }
    });
  });
});
