// cosinum's own behaviour, kept out of the pages so a strict Content
// Security Policy (no inline script) can apply. Pages work without it.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-cosinum-print]");
  if (button) {
    window.print();
  }
});
