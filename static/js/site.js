// Small enhancements; every page works without them. No inline scripts, so a strict CSP holds.
document.addEventListener("click", async (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const field = document.querySelector(copy.dataset.copy);
    try {
      await navigator.clipboard.writeText(field.value);
      const label = copy.textContent;
      copy.textContent = copy.dataset.copied || label;
      setTimeout(() => { copy.textContent = label; }, 2000);
    } catch {
      field.select();  // no clipboard permission: select it for the user to copy
    }
  }
  const share = event.target.closest("[data-share]");
  if (share && navigator.share) {
    const field = document.querySelector(share.dataset.share);
    navigator.share({ title: share.dataset.title, url: field.value }).catch(() => {});
  }
});

// The native share sheet exists on phones only: show its button where it does.
for (const button of document.querySelectorAll("[data-share]")) {
  if (navigator.share) button.hidden = false;
}
