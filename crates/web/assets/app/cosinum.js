// cosinum's own behaviour, kept out of the pages so a strict Content
// Security Policy (no inline script) can apply. Pages work without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-cosinum-print]");
  if (button) {
    window.print();
  }
});

// « Déjà fait ailleurs ? » while a plan line is drafted: as the title or
// description changes, ask the finder for the closest efforts of other
// ministries and list them (the « Chercher » button does the same without
// script).
const suggestForm = document.querySelector("form[data-cosinum-suggest]");
if (suggestForm) {
  const region = suggestForm.querySelector("[data-cosinum-suggestions]");
  const field = (name) => suggestForm.elements.namedItem(name);
  let timer = null;
  let asked = 0;
  const show = (candidates) => {
    region.replaceChildren();
    if (candidates.length === 0) {
      const p = document.createElement("p");
      p.className = "fr-callout__text fr-text--sm";
      p.textContent = "Aucun effort comparable n'a été trouvé dans les autres ministères.";
      region.append(p);
      return;
    }
    const list = document.createElement("ul");
    list.className = "fr-callout__text fr-text--sm";
    for (const c of candidates) {
      const item = document.createElement("li");
      const name = document.createElement(c.url ? "a" : "strong");
      name.textContent = c.title;
      if (c.url) name.href = c.url;
      item.append(name);
      let text = ` — ${c.ministry} (proximité ${Math.round(c.score * 100)} %)`;
      if (c.shared_terms.length) text += ` ; mots communs : ${c.shared_terms.join(", ")}`;
      item.append(text);
      list.append(item);
    }
    region.append(list);
  };
  const ask = async () => {
    const title = field("title").value.trim();
    const description = field("description").value.trim();
    if (title.length + description.length < 12) return;
    const params = new URLSearchParams({
      title,
      description,
      zone: field("functional_zone").value,
    });
    const ticket = ++asked;
    try {
      const response = await fetch(`${suggestForm.dataset.cosinumSuggest}&${params}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok && ticket === asked) show(await response.json());
    } catch (_) {
      // The « Chercher » button still works.
    }
  };
  for (const name of ["title", "description", "functional_zone"]) {
    field(name).addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 500);
    });
  }
}
