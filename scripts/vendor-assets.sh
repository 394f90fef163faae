#!/usr/bin/env bash
# Copies the subset of the DSFR (Système de Design de l'État) that the web
# server serves into assets/dist/dsfr/<version>/. The DSFR is distributed via
# npm and pinned in package.json; assets/dist is gitignored, so this script is
# the single source of truth for what ends up there.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

DSFR_VERSION="1.15.3"
src="node_modules/@gouvfr/dsfr/dist"
dest="assets/dist/dsfr/${DSFR_VERSION}"

if [[ ! -d node_modules/@gouvfr/dsfr ]]; then
  # --ignore-scripts: no package of ours needs install hooks, and playwright's
  # would try to download a browser, which is neither wanted nor possible.
  npm ci --ignore-scripts --no-audit --no-fund >&2
fi

installed="$(node -p "require('./node_modules/@gouvfr/dsfr/package.json').version")"
if [[ "$installed" != "$DSFR_VERSION" ]]; then
  echo "vendor-assets: node_modules has @gouvfr/dsfr $installed, expected $DSFR_VERSION (run npm ci)" >&2
  exit 1
fi

# A copy newer than the lockfile is, by construction, the locked version.
if [[ -f "$dest/dsfr.min.css" && "$dest/dsfr.min.css" -nt package-lock.json ]]; then
  echo "vendor-assets: DSFR $DSFR_VERSION already in $dest, nothing to do"
  exit 0
fi

# Copy into a staging directory then swap, so an interrupted run never leaves
# a half-populated tree that the freshness check above would accept.
mkdir -p "$(dirname "$dest")"
staging="$(mktemp -d "$(dirname "$dest")/.staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
# mktemp creates 0700; the server may run as another user.
chmod 755 "$staging"

files=(dsfr.min.css dsfr.module.min.js dsfr.nomodule.min.js utility/icons/icons.min.css)
# icons/ is referenced by relative url() from utility/icons/icons.min.css;
# fonts/ by dsfr.min.css; favicon/ and artwork/ by the page templates.
dirs=(fonts favicon icons)
[[ -d "$src/artwork" ]] && dirs+=(artwork)

for f in "${files[@]}"; do
  mkdir -p "$staging/$(dirname "$f")"
  cp -p "$src/$f" "$staging/$f"
done
for d in "${dirs[@]}"; do
  cp -Rp "$src/$d" "$staging/$d"
done
# cp -p kept the package's mtimes; the freshness check needs the copy time.
touch "$staging/dsfr.min.css"

rm -rf "$dest"
mv "$staging" "$dest"
trap - EXIT

count="$(find "$dest" -type f | wc -l)"
echo "vendor-assets: copied DSFR $DSFR_VERSION ($count files) into $dest"
