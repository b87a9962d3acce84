import { injectionSignals } from "./checks/signals.js";
console.log(JSON.stringify(injectionSignals(process.argv[2]!), null, 1));
