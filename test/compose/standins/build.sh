#!/usr/bin/env bash
# Builds LOCAL STAND-INS for the official images that docker-compose.postgres.yml names (postgres,
# haproxy), for machines that cannot pull from Docker Hub, such as this project's CI sandbox. Each is
# built only when its tag is missing, so where the official image is present (pulled) it is used as is.
# Never push these: they are Debian's packages under the official names, good for a smoke test only.
#
# Usage: test/compose/standins/build.sh [docker-compose.postgres.yml]
# Needs Podman and the local docker.io/library/node:22-bookworm-slim base (../shared/tools/compose-smoke
# makes it on its first run). Exit 0 when every tag exists afterwards, 2 otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
file="${1:-$here/../../../docker-compose.postgres.yml}"
log() { echo "stand-ins: $*" >&2; }
[ -f "$file" ] || { log "no $file"; exit 2; }
# compose-smoke's engine settings (runc, modest ulimits): this sandbox forbids raising rlimits.
conf="${XDG_CACHE_HOME:-$HOME/.cache}/compose-smoke/containers.conf"
[ -z "${CONTAINERS_CONF:-}" ] && [ -f "$conf" ] && export CONTAINERS_CONF="$conf"

# The official images the compose file names, as `image:` values.
images="$(sed -n 's/^[[:space:]]*image:[[:space:]]*["'\'']\{0,1\}\([^"'\'' #]*\).*/\1/p' "$file" | sort -u)"
for image in $images; do
  case "$image" in
    docker.io/library/postgres:*) kind=postgres;;
    docker.io/library/haproxy:*) kind=haproxy;;
    *) log "no stand-in for $image (name official images as docker.io/library/NAME:TAG)"; exit 2;;
  esac
  if podman image exists "$image"; then
    log "$image is present; not building a stand-in"
    continue
  fi
  podman image exists docker.io/library/node:22-bookworm-slim ||
    { log "the local node:22-bookworm-slim base is missing: run ../shared/tools/compose-smoke once (it makes it)"; exit 2; }
  log "building a stand-in for $image (Debian's $kind package)"
  buildlog="$(mktemp)"
  podman build --pull=never --network host -f "$here/$kind.Containerfile" -t "$image" "$here" >"$buildlog" 2>&1 ||
    { tail -30 "$buildlog" >&2; rm -f "$buildlog"; log "the $kind stand-in did not build"; exit 2; }
  rm -f "$buildlog"
done
