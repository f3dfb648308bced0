import { describe, expect, it } from "vitest";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import { secretInCommandLine } from "../secret-text.js";
import { noSecretArgs } from "./no-secret-args.js";

describeFixtures(noSecretArgs, "no-secret-args");

describe("wshub-no-secret-args", () => {
  const what = (line: string) => secretInCommandLine(line.split(" "))?.what;

  it("finds secret flags, client passwords and URL passwords", () => {
    expect(what("migrate --db-password=hunter2")).toBe("a literal value for --db-password");
    expect(what("migrate --db-password hunter2")).toBe("a literal value for --db-password");
    expect(what("redis-cli -a hunter2 ping")).toBe("a literal password after redis-cli -a");
    expect(what("mysql -phunter2 shop")).toBe("a literal password after mysql -p");
    expect(what("redis-server --requirepass hunter2")).toBe("a literal value for --requirepass");
    expect(what("psql postgres://app:hunter2@db/shop")).toBe("a URL with a password");
  });

  it("leaves references, files and other flags alone", () => {
    expect(what("migrate --db-password=$(DB_PASSWORD)")).toBeUndefined();
    expect(what("migrate --db-password-file=/run/secrets/db")).toBeUndefined();
    expect(what('redis-cli -a "$(cat /run/secrets/redis)" ping')).toBeUndefined();
    expect(what("redis-cli -p 6379 ping")).toBeUndefined();
    expect(what("mysql -p shop")).toBeUndefined();
    expect(what("app --token-ttl-seconds 60 --log-level debug")).toBeUndefined();
  });

  it("names the container and never the secret", () => {
    const findings = runFixture(noSecretArgs, "no-secret-args.bad.yaml").findings;
    expect(findings.map((f) => f.message)).toEqual([
      'container "migrate" passes a literal value for --db-password on its command line',
      'container "probe" passes a literal password after redis-cli -a on its command line',
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/hunter2/);
  });
});
