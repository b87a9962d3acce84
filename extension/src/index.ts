/**
 * StreamLink's JupyterLab extension: the one place that wires the verdict badges, the toolbar summary,
 * the settings and the output renderers (the table's viewer asks the notebook's kernel for pages) into JupyterLab.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { IToolbarWidgetRegistry } from "@jupyterlab/apputils";
import { IEditorLanguageRegistry } from "@jupyterlab/codemirror";
import { INotebookTracker, type NotebookPanel } from "@jupyterlab/notebook";
import { IRenderMimeRegistry } from "@jupyterlab/rendermime";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { VerdictNotebookExtension } from "./notebook-verdicts.js";
import { plotlyRendererFactory } from "./plotly-renderer.js";
import { SettingsState } from "./settings.js";
import { registerSqlLanguages, SqlModeExtension } from "./sql-mode.js";
import { kernelRequest } from "./kernel-request.js";
import { tableRendererFactory } from "./table-renderer.js";
import { verdictRendererFactory } from "./verdict-renderer.js";

const PLUGIN_ID = "streamlink-extension:plugin";
/** The toolbar item's name in `schema/plugin.json` (`jupyter.lab.toolbars.Notebook`). */
const SUMMARY_ITEM = "streamlinkVerdicts";

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "Shows each %%sql/%%ask cell's checker verdict beside the cell, highlights SQL in %%sql cells, and renders StreamLink's Plotly charts.",
  autoStart: true,
  requires: [IRenderMimeRegistry, IToolbarWidgetRegistry, IEditorLanguageRegistry],
  optional: [ISettingRegistry, INotebookTracker],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    toolbars: IToolbarWidgetRegistry,
    languages: IEditorLanguageRegistry,
    settingRegistry: ISettingRegistry | null,
    notebooks: INotebookTracker | null,
  ): void => {
    // Before any notebook opens: each notebook panel clones the registry when it is created. Rank 0 puts these
    // ahead of the text/html fallbacks the kernel also sends for exports and other front ends.
    rendermime.addFactory(verdictRendererFactory, 0);
    rendermime.addFactory(plotlyRendererFactory, 0);
    rendermime.addFactory(tableRendererFactory(notebooks ? kernelRequest(notebooks) : undefined), 0);

    const settings = new SettingsState();
    const verdicts = new VerdictNotebookExtension(settings);
    app.docRegistry.addWidgetExtension("Notebook", verdicts);
    registerSqlLanguages(languages);
    app.docRegistry.addWidgetExtension("Notebook", new SqlModeExtension());
    toolbars.addFactory<NotebookPanel>("Notebook", SUMMARY_ITEM, (panel) => verdicts.forPanel(panel).summary);

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then((loaded) => {
          settings.update(loaded.composite);
          loaded.changed.connect(() => settings.update(loaded.composite));
        })
        .catch((error: unknown) => console.error(`StreamLink: settings could not be loaded, using defaults.`, error));
    }
  },
};

export default plugin;
