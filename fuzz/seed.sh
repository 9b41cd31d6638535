#!/usr/bin/env bash
# Seeds every fuzz target's corpus with the repository's .mesh files (examples, UI cases,
# emit cases), and writes mesh.dict, libFuzzer's dictionary of the grammar's keywords and
# punctuation, from grammar/mesh.pest. The pipeline target also gets each example project
# as one input (files separated by the byte 0xFF, as it splits them).
set -euo pipefail
cd "$(dirname "$0")"
root=..

for target in parse pipeline format; do
  mkdir -p "corpus/$target"
  for file in "$root"/examples/*/*.mesh "$root"/tests/ui/*.mesh "$root"/tests/emit/*.mesh; do
    name=$(echo "${file#"$root"/}" | tr '/' '_')
    cp "$file" "corpus/$target/$name"
  done
done

for project in "$root"/examples/*/; do
  out="corpus/pipeline/project_$(basename "$project")"
  : > "$out"
  first=1
  while IFS= read -r -d '' file; do
    if [ "$first" = 0 ]; then printf '\377' >> "$out"; fi
    cat "$file" >> "$out"
    first=0
  done < <(find "$project" -name '*.mesh' -print0 | sort -z)
done

{
  sed -n 's/^K_[a-z_]* = @{ "\([a-z_]*\)".*/"\1"/p' "$root/grammar/mesh.pest"
  # Punctuation and typical literals; `\x0A` is a newline in libFuzzer's dictionary syntax.
  printf '%s\n' '"{"' '"}"' '"->"' '"@"' '":"' '","' '"="' '"\""' '"${"' '"$"' '"%"' '"#"' '"\x0A"' \
    '"/1s"' '"10s"' '"50%"' '"\"/api/*\""' '"\"*\""'
} > mesh.dict

echo "seeded: $(ls corpus/parse | wc -l) files per target, $(wc -l < mesh.dict) dictionary entries"
