import { Signal, type ISignal } from "@lumino/signaling";
import { DEFAULT_SETTINGS, readSettings, type VerdictSettings } from "./verdict-model.js";

/** The current settings, shared by every open notebook; starts at the defaults until the registry answers. */
export class SettingsState {
  private current: VerdictSettings = DEFAULT_SETTINGS;
  private readonly changedSignal = new Signal<this, VerdictSettings>(this);

  get value(): VerdictSettings {
    return this.current;
  }

  get changed(): ISignal<this, VerdictSettings> {
    return this.changedSignal;
  }

  /** Takes the registry's composite value for this plugin. */
  update(composite: unknown): void {
    this.current = readSettings(composite);
    this.changedSignal.emit(this.current);
  }
}
