import { CONFIG_HELP, DEFAULT_CONFIG, applyConfig, type Config } from "../session/config.js";
import type { Magic } from "./magic.js";

/** `%config [name=value …]`: shows the options, or sets some. */
export const configMagic: Magic = {
  name: "config",
  kind: "line",
  summary: "Show or set options, e.g. %config display_rows=50 timeout_s=30",
  options: {},
  positionals: "[name=value …]",
  async run(invocation, context) {
    const config = context.session.config;
    applyConfig(config, invocation.tokens);
    const names = Object.keys(DEFAULT_CONFIG) as (keyof Config)[];
    context.display({
      kind: "records",
      title: "StreamLink options",
      columns: ["option", "value", "default", "meaning"],
      rows: names.map((n) => [n, config[n], DEFAULT_CONFIG[n], CONFIG_HELP[n]]),
    });
  },
};

/** `%lsmagic`: every magic with its usage. */
export const lsmagicMagic: Magic = {
  name: "lsmagic",
  kind: "line",
  summary: "List the magics and their usage",
  options: {},
  async run(_invocation, context) {
    context.display({ kind: "text", text: context.magicHelp().join("\n") });
  },
};
