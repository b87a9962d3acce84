import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ACCOUNTS_FILE, readClassList, readPasswords, syncAccounts } from "../../service/stack/accounts.js";
import { REPO } from "../support/paths.js";

const dir = mkdtempSync(path.join(tmpdir(), "streamlink-accounts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const list = (text: string): string => {
  const file = path.join(dir, "class.txt");
  writeFileSync(file, text);
  return file;
};

/** The hub's own check (service/stack/jupyterhub_config.py does the same hashlib.scrypt) on what `serve start` stored. */
function hubAccepts(name: string, password: string): boolean {
  const script = `import hashlib,hmac,json,sys
a=json.load(open(sys.argv[1]))[sys.argv[2]]
got=hashlib.scrypt(sys.argv[3].encode(),salt=bytes.fromhex(a["salt"]),n=16384,r=8,p=1,dklen=32)
print(hmac.compare_digest(got,bytes.fromhex(a["hash"])))`;
  return execFileSync(path.join(REPO, ".venv", "bin", "python"), ["-c", script, path.join(dir, ACCOUNTS_FILE), name, password], { encoding: "utf8" }).trim() === "True";
}

describe("the class list and its accounts", () => {
  it("reads names and admins, and refuses a malformed line by its number", () => {
    expect(readClassList(list("# 2026 class\nteacher admin\nann\n\nbob  # late joiner\n"))).toEqual([
      { name: "teacher", admin: true }, { name: "ann", admin: false }, { name: "bob", admin: false },
    ]);
    expect(() => readClassList(list("ann\nBob Smith\n"))).toThrow("Line 2 of");
    expect(() => readClassList(list("ann owner\n"))).toThrow(/not 'NAME' or 'NAME admin'/);
    expect(() => readClassList(list("# nobody yet\n"))).toThrow(/names no one/);
  });

  it("gives each new name a password the hub accepts, keeps old ones, and drops names that left", () => {
    expect(syncAccounts(readClassList(list("teacher admin\nann\n")), dir)).toEqual(["teacher", "ann"]);
    const first = readPasswords(dir);
    expect(statSync(path.join(dir, "passwords.txt")).mode & 0o777).toBe(0o600);
    expect(hubAccepts("ann", first.get("ann") ?? "")).toBe(true);
    expect(hubAccepts("ann", "guess")).toBe(false);

    expect(syncAccounts(readClassList(list("teacher admin\nbob\n")), dir)).toEqual(["bob"]);
    expect(readPasswords(dir).get("teacher")).toBe(first.get("teacher"));
    expect(Object.keys(JSON.parse(readFileSync(path.join(dir, ACCOUNTS_FILE), "utf8")) as object)).toEqual(["teacher", "bob"]);
    expect(hubAccepts("bob", readPasswords(dir).get("bob") ?? "")).toBe(true);
  });
});
