#!/usr/bin/env bash
# Submits a wn-train grid as N shards and the merge that waits for them (docs/cluster.md):
#   scripts/slurm/submit.sh N OUTDIR [wn-train options...]
# Prints the two job ids; OUTDIR/all.json is the merged history once the second job is done.
set -euo pipefail
n=${1:?usage: submit.sh N OUTDIR [wn-train options...]}
out=${2:?usage: submit.sh N OUTDIR [wn-train options...]}
shift 2
here=$(dirname "$0")
array=$(sbatch --parsable --array=0-$((n - 1)) "$here/sweep.sbatch" "$out" "$@")
merge=$(sbatch --parsable --dependency=afterok:"${array%%;*}" "$here/merge.sbatch" "$out")
echo "$array $merge"
