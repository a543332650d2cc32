#!/usr/bin/env sh
# Writes the Docker secrets that docker-compose.yml reads into ./secrets (or the folder given),
# each a fresh random value; an existing file is kept, so a second run changes nothing (the
# Neo4j password only takes effect when the data volume is first created: docs/deployment.md).
#
#   ./deploy/make-secrets.sh [FOLDER]
#
# The folder is private to its owner (0700); the files in it are readable (0444) because
# compose bind-mounts file secrets with the host's permissions and the containers run as their
# own users (neo4j, knooppunt).
set -eu
dir="${1:-$(dirname "$0")/../secrets}"
mkdir -p "$dir"
chmod 700 "$dir"

random() {
  # 48 random bytes, URL-safe base64 (64 characters): well above the 32 that production needs.
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n'
  else
    python3 -c 'import secrets; print(secrets.token_urlsafe(48), end="")'
  fi
}

write() {
  name="$1"; value="$2"
  if [ -s "$dir/$name" ]; then
    echo "kept    $dir/$name"
    return
  fi
  (umask 077; printf '%s\n' "$value" > "$dir/$name")
  chmod 444 "$dir/$name"
  echo "created $dir/$name"
}

write neo4j_auth "neo4j/$(random)"
write jwt_secret "$(random)"
write audit_key "$(random)"
write metrics_token "$(random)"
write session_secret "$(random)"
