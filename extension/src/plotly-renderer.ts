import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { readFigure } from "./figure.js";
import { isObject } from "./json.js";

/** The MIME type the kernel publishes charts under: `{ data, layout }` as Plotly JSON. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

type Plotly = (typeof import("plotly.js-dist-min"))["default"];

// Plotly is ~4 MB: a separate chunk, fetched the first time a chart is shown.
let plotly: Promise<Plotly> | undefined;
function loadPlotly(): Promise<Plotly> {
  plotly ??= import("plotly.js-dist-min").then((m) => m.default);
  return plotly;
}

/** An interactive Plotly chart in the theme's colours; resizes with the output area. */
export class PlotlyRenderer extends Widget implements IRenderMime.IRenderer {
  private drawn = false;

  constructor() {
    super();
    this.addClass("sl-Plotly");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const figure = readFigure(model.data[PLOTLY_MIME]);
    if (typeof figure === "string") {
      this.node.textContent = `This chart could not be drawn: ${figure}.`;
      return;
    }
    const style = getComputedStyle(document.body);
    const fontColor = style.getPropertyValue("--jp-ui-font-color1").trim() || undefined;
    const layout = {
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      ...figure.layout,
      font: { ...(fontColor ? { color: fontColor } : {}), ...(isObject(figure.layout["font"]) ? figure.layout["font"] : {}) },
    };
    const Plotly = await loadPlotly();
    await Plotly.newPlot(this.node, figure.data, layout, { responsive: true, displaylogo: false });
    this.drawn = true;
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    if (this.drawn) void loadPlotly().then((Plotly) => Plotly.Plots.resize(this.node));
  }

  override dispose(): void {
    if (this.drawn) void loadPlotly().then((Plotly) => Plotly.purge(this.node));
    this.drawn = false;
    super.dispose();
  }
}

/** Plotly escapes text it draws; the chart is data, never code, so untrusted notebooks may show it. */
export const plotlyRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [PLOTLY_MIME],
  defaultRank: 10,
  createRenderer: () => new PlotlyRenderer(),
};
