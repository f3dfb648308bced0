#!/usr/bin/env bash
# Markdown for a pull request's job summary: the diff between two offline renders of the stacks
# (written in full to <head>/../render.diff) and the policy check of the head's stacks.
# Exit: 0 no mandatory policy fails, 1 one does, 2 bad usage.
set -euo pipefail
usage() {
  echo "usage: bash scripts/infra-pr-summary.sh BASE_DIR HEAD_DIR"
  echo "  BASE_DIR, HEAD_DIR: npm run infra:render outputs, one subfolder per stack (dev, prod)"
  echo "Prints Markdown (rendered diff, policy result) on stdout; exit 1 when a mandatory policy fails."
}
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then usage; exit 0; fi
if [ "$#" -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then usage >&2; exit 2; fi
base=$1
head=$2
cd "$(dirname "$0")/.." || exit 2
diff_file="$(dirname "$head")/render.diff"
# A job summary holds at most 1 MiB; the full diff goes to the artifact.
max_chars=60000

diff -ru "$base" "$head" > "$diff_file" || true
changed=$(grep -c -E '^(diff -ru|Only in) ' "$diff_file" || true)
echo "## Rendered infrastructure"
echo
if [ ! -s "$diff_file" ]; then
  echo "No change in the rendered Kubernetes objects of any stack."
else
  echo "$changed file(s) differ, appear or disappear between the base and this pull request (full diff: render.diff in the infra-render artifact)."
  echo
  echo '```diff'
  head -c "$max_chars" "$diff_file"
  [ "$(wc -c < "$diff_file")" -gt "$max_chars" ] && printf '\n... cut at %s characters\n' "$max_chars"
  echo '```'
fi
echo
echo "## Policies"
status=0
for stack_dir in "$head"/*/; do
  stack=$(basename "$stack_dir")
  set +e
  result=$(npm run --silent policy:check -- --stack "$stack" "$stack_dir" 2>&1)
  code=$?
  set -e
  [ "$code" -gt "$status" ] && status=$code
  echo
  echo "### $stack: $([ "$code" -eq 0 ] && echo pass || echo "FAIL (exit $code)")"
  echo
  echo '```text'
  printf '%s\n' "$result" | head -c "$max_chars"
  echo '```'
done
exit "$status"
