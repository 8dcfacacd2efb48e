#!/usr/bin/env bash
# The consumer test: what a new user's application sees. Packs every package,
# lints each tarball (publint, @arethetypeswrong/cli), then installs the
# tarballs into fresh applications outside the workspace, once with the lowest
# and once with the highest supported peer versions, type-checks them
# (strict NodeNext, bundler resolution, a 'source' custom condition, CommonJS)
# and runs them against a real PostgreSQL.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/liteorm-consumer-XXXXXX")
trap 'status=$?; if [ $status -eq 0 ]; then rm -rf "$work"; else echo "consumer test failed (exit $status); its files are kept in $work" >&2; fi' EXIT
cd "$root"

pnpm -s build
pnpm -r --filter './packages/*' pack --pack-destination "$work/tarballs" >/dev/null
for tarball in "$work"/tarballs/*.tgz; do
  pnpm exec publint run --strict "$tarball"
  pnpm exec attw --profile esm-only --format table-flipped "$tarball" >/dev/null || pnpm exec attw --profile esm-only "$tarball"
done

# name kysely pg better-sqlite3 typescript
variants=(
  "lowest 0.27.3 8.11.0 12.0.0 5.9"
  "highest 0.28 8 12 5.9"
)
for variant in "${variants[@]}"; do
  read -r name kysely pg sqlite typescript <<<"$variant"
  app="$work/app-$name"
  cp -r "$root/test/consumer/app" "$app"
  cat >"$app/package.json" <<JSON
{
  "name": "liteorm-consumer-$name",
  "private": true,
  "type": "module",
  "dependencies": {
    "@liteorm/core": "file:$work/tarballs/liteorm-core-0.1.0.tgz",
    "@liteorm/postgres": "file:$work/tarballs/liteorm-postgres-0.1.0.tgz",
    "@liteorm/sqlite": "file:$work/tarballs/liteorm-sqlite-0.1.0.tgz",
    "@liteorm/testing": "file:$work/tarballs/liteorm-testing-0.1.0.tgz",
    "better-sqlite3": "$sqlite",
    "kysely": "$kysely",
    "pg": "$pg"
  },
  "devDependencies": { "@types/node": "^20.19.0", "typescript": "~$typescript.0" },
  "overrides": { "@liteorm/core": "\$@liteorm/core" }
}
JSON
  echo "== consumer app, $name peers: kysely $kysely, pg $pg, better-sqlite3 $sqlite"
  (cd "$app" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  (cd "$app" && node -e "for (const p of ['kysely','pg','better-sqlite3']) console.log('  ' + p, JSON.parse(require('fs').readFileSync('node_modules/' + p + '/package.json', 'utf8')).version)")
  copies=$(cd "$app" && npm ls kysely --all --parseable | sort -u | wc -l)
  test "$copies" -eq 1 || { echo "$copies copies of kysely installed: the packages must share the application's" >&2; exit 1; }
  (cd "$app" && npx tsc -p tsconfig.json && npx tsc -p tsconfig.bundler.json && npx tsc -p tsconfig.source-condition.json)
  (cd "$app" && node dist/main.js && node dist/require.cjs)
done
echo "consumer test: ok"
