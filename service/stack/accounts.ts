/**
 * Accounts from the teacher's class list: one user name a line (`NAME admin` for a teacher or helper, `#` starts a
 * comment). Each new name gets a random password, written once to `passwords.txt` (0600) for the teacher to hand
 * out; the hub checks logins against scrypt hashes in `accounts.json`, so no outside service is needed.
 */
import { randomBytes, scryptSync } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../../core/errors.js";

/** JupyterHub's own shape for a name that is also a folder and a URL part. */
const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
/** What jupyterhub_config.py checks with hashlib.scrypt: the same cost, salt and length on both sides. */
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export interface ClassMember {
  readonly name: string;
  readonly admin: boolean;
}

interface StoredAccount {
  readonly salt: string;
  readonly hash: string;
  readonly admin: boolean;
}

export const ACCOUNTS_FILE = "accounts.json";
export const PASSWORDS_FILE = "passwords.txt";

/** Reads a class list; a malformed line is refused with its number, so that no one is left out silently. */
export function readClassList(file: string): ClassMember[] {
  if (!existsSync(file)) throw new UsageError(`No class list at ${file}`, "Write one user name a line (add ` admin` after the teacher's), then run `serve start --class FILE` again.");
  const members = new Map<string, ClassMember>();
  readFileSync(file, "utf8").split("\n").forEach((raw, index) => {
    const words = (raw.split("#")[0] ?? "").trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const [name = "", role] = words;
    if (!NAME.test(name) || words.length > 2 || (role !== undefined && role !== "admin")) {
      throw new UsageError(`Line ${index + 1} of ${file} is not 'NAME' or 'NAME admin': ${raw.trim()}`,
        "Names are lower-case letters, digits, '.', '_' or '-' (at most 32), starting with a letter or digit.");
    }
    members.set(name, { name, admin: role === "admin" });
  });
  if (members.size === 0) throw new UsageError(`The class list ${file} names no one`, "Write one user name a line.");
  return [...members.values()];
}

/**
 * Makes `accounts.json` match the class list: names that left are removed, new names get a password (appended to
 * `passwords.txt`), and everyone else keeps theirs. Returns the new names.
 */
export function syncAccounts(members: readonly ClassMember[], stateDir: string): string[] {
  const file = path.join(stateDir, ACCOUNTS_FILE);
  const stored = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as Record<string, StoredAccount> : {};
  const next: Record<string, StoredAccount> = {};
  const added: string[] = [];
  const passwords: string[] = [];
  for (const member of members) {
    const kept = stored[member.name];
    if (kept) {
      next[member.name] = { ...kept, admin: member.admin };
      continue;
    }
    const password = randomBytes(9).toString("base64url");
    const salt = randomBytes(16);
    next[member.name] = { salt: salt.toString("hex"), hash: scryptSync(password, salt, 32, SCRYPT).toString("hex"), admin: member.admin };
    added.push(member.name);
    passwords.push(`${member.name} ${password}\n`);
  }
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  if (passwords.length > 0) {
    const passwordFile = path.join(stateDir, PASSWORDS_FILE);
    writeFileSync(passwordFile, passwords.join(""), { mode: 0o600, flag: "a" });
  }
  return added;
}

/** The passwords handed out so far, by name (the last line for a name wins). */
export function readPasswords(stateDir: string): Map<string, string> {
  const file = path.join(stateDir, PASSWORDS_FILE);
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  return new Map(lines.flatMap((line) => {
    const [name, password] = line.split(" ");
    return name && password ? [[name, password] as const] : [];
  }));
}
