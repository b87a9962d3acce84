// The part of plotly.js-dist-min's UMD export this extension calls (the package ships no types).
declare module "plotly.js-dist-min" {
  interface PlotlyApi {
    newPlot(root: HTMLElement, data: readonly object[], layout?: object, config?: object): Promise<HTMLElement>;
    purge(root: HTMLElement): void;
    Plots: { resize(root: HTMLElement): void };
  }
  const Plotly: PlotlyApi;
  export default Plotly;
}
