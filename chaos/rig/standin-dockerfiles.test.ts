import { describe, expect, it } from "vitest";
import {
  DEBIAN_SOURCES,
  debianImportChanges,
  nodeDockerfile,
  REDIS_ENTRYPOINT,
  redisDockerfile,
} from "./standin-dockerfiles.js";

describe("stand-in images", () => {
  it("labels the imported Debian rootfs and keeps the official default command", () => {
    expect(debianImportChanges()).toEqual(["LABEL wshub.standin=true", 'CMD ["bash"]']);
    expect(DEBIAN_SOURCES).toMatch(/bookworm-security/);
  });

  it("builds Node on the given base with both versions recorded", () => {
    const text = nodeDockerfile({
      base: "debian:bookworm-slim",
      nodeVersion: "24.1.2",
      npmVersion: "11.0.1",
    });
    expect(text.split("\n")[0]).toBe("FROM debian:bookworm-slim");
    expect(text).toContain("ENV NODE_VERSION=24.1.2 NPM_VERSION=11.0.1");
    expect(text).toContain("ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm");
    expect(text).toContain("LABEL wshub.standin=true");
  });

  it("installs redis-sentinel and redis-tools beside redis-server and runs redis-server by default", () => {
    const text = redisDockerfile({ base: "debian:bookworm-slim" });
    expect(text).toMatch(/apt-get install[^\n]*redis-server redis-sentinel redis-tools/);
    expect(text).toContain('CMD ["redis-server"]');
    expect(text).toContain('ENTRYPOINT ["docker-entrypoint.sh"]');
  });

  it("keeps shell parameter expansions intact in the Redis entrypoint", () => {
    expect(REDIS_ENTRYPOINT.startsWith("#!/bin/sh\n")).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    expect(REDIS_ENTRYPOINT).toContain('if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then');
    expect(REDIS_ENTRYPOINT).toContain('set -- "$@" --protected-mode no');
    expect(REDIS_ENTRYPOINT).toContain("find . \\! -user redis -exec chown redis '{}' +");
  });
});
