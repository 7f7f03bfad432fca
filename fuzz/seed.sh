#!/bin/bash
# Builds fuzz/seeds/<target>/ from the project's own test fixtures and conformance corpus (nothing
# from elsewhere): the starting inputs of a campaign, read beside corpus/<target>. Seeds are not
# committed; the minimized corpora they grow into are. GREENROOM=path/to/greenroom (any build of
# this version) adds real catalog snapshots for the `snapshot` target.
set -euo pipefail
cd "$(dirname "$0")"
tests=../tests
rm -rf seeds && mkdir -p seeds
n=0
put() { # put TARGET FILE [PREFIX-BYTE]: copies FILE as one seed
  mkdir -p "seeds/$1"
  n=$((n + 1))
  if [ $# -ge 3 ]; then { printf "\\x$3"; cat "$2"; } > "seeds/$1/$n"; else cp "$2" "seeds/$1/$n"; fi
}
# files DIR... [-- FIND-TESTS]: NUL-separated file names (template skeletons have names like `${{ values.name }}`).
files() { find "$@" -type f -size -256k -print0 2>/dev/null | sort -z; }

yaml_dirs="$tests/conformance/corpus $tests/fixtures $tests/tui_fixtures $tests/scaffolder-corpus"
while IFS= read -r -d '' f; do
  for t in yaml_loader read_documents validate; do put $t "$f"; done
done < <(files $yaml_dirs \( -name '*.yaml' -o -name '*.yml' \))

# Entity references as catalog files write them (owner, system, relations, list items).
mkdir -p seeds/entity_ref
grep -ohE '(owner|system|domain|parent|subcomponentOf|memberOf|partOf|targetRef|entityRef|dependsOn|providesApis|consumesApis): *[^ #]+|^ *- +[a-zA-Z]+:[^ #]+' -r $yaml_dirs --include='*.yaml' --include='*.yml' |
  sed -E 's/^[^:]*: *//; s/^ *- +//' | sort -u | head -400 | while read -r ref; do
  n=$((n + 1)); printf '%s' "$ref" > "seeds/entity_ref/$n"
done

# Template sources: template definitions, skeletons and the rendered snapshots.
while IFS= read -r -d '' f; do put template "$f"; put form_pattern "$f"; done < <(files \
  $tests/scaffolder-corpus $tests/fixtures/scaffolder $tests/fixtures/template-collection -not -name '*.png')

while IFS= read -r -d '' f; do
  put focus "$f"
  gzip -c "$f" > "seeds/focus/$n.gz" # the reader takes gzip exports too
done < <(files $tests/fixtures/cost -name '*.csv')

while IFS= read -r -d '' f; do put markdown "$f"; done < <(files $tests -name '*.md' -not -path '*/node_modules/*')
while IFS= read -r -d '' f; do put provider_answers "$f"; done < <(files $tests/fixtures/github \
  $tests/fixtures/pagerduty $tests/fixtures/cost $tests/fixtures/dora -name '*.json')

# API definitions: the first byte picks the format (fuzz_targets/apidef.rs).
while IFS= read -r -d '' f; do
  case "$f" in
    *asyncapi*) put apidef "$f" 01 ;;
    *.graphql) put apidef "$f" 02 ;;
    *.proto) put apidef "$f" 03 ;;
    *) put apidef "$f" 00 ;;
  esac
done < <(files $tests/fixtures/apidef)

if [ -n "${GREENROOM:-}" ]; then
  cache=$(mktemp -d)
  for d in $tests/tui_fixtures/broken-api $tests/fixtures/apidef/bundled $tests/fixtures/techdocs \
    $tests/fixtures/template-collection $tests/fixtures/cost/catalog; do
    (cd "$d" && XDG_CACHE_HOME="$cache" HOME="$cache" "$GREENROOM" list > /dev/null 2>&1 || true)
  done
  mkdir -p seeds/snapshot
  # The target writes the two header lines itself: keep the body.
  for f in "$cache"/greenroom/snapshots/*.bin; do n=$((n + 1)); tail -n +3 "$f" > "seeds/snapshot/$n"; done
  rm -rf "$cache"
fi
du -sh seeds/* | sed 's/^/seeds: /'
