export { buildLibrary, DEFAULT_BUILD, type BuildOptions, type BuildSummary, type Library, type VerifiedPair } from "./build.js";
export { genericTemplates } from "./generic.js";
export { loadTemplateLibrary, shippedLibraryFile, SHIPPED_LIBRARIES, type TemplateLibrary } from "./library.js";
export type { Template, Slot } from "./template.js";
