import { join } from "node:path";
import { it } from "vitest";
import { Lab, REPO, startChromium } from "./lab.js";
import { openNotebook } from "./notebook.js";
it("debug", async () => {
  const lab = await Lab.start({ notebooks: [join(REPO, "notebooks/fixtures/verdicts.ipynb")], kernels: [] });
  const { page, close } = await startChromium();
  try {
    const t = Date.now();
    await openNotebook(page, lab, "verdicts.ipynb");
    console.log("opened", Date.now() - t, await page.locator(".jp-StatusBar-Widget").textContent());
  } finally { await close(); await lab.stop(); }
});
