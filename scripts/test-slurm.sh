#!/usr/bin/env bash
# npm run test:slurm: docs/cluster.md's Slurm recipe against a real single-node Slurm (Debian's
# slurm-wlm): munged, slurmctld and slurmd are started here with a slurm.conf in a temporary
# folder, scripts/slurm/submit.sh submits a grid as a 4-task job array plus the merge job that
# waits for it (--dependency=afterok), and the merged history must equal the same grid run whole
# by one wn-train (timings aside). Then the page's Slurm lines for a two-optimiser form (web/command.js)
# run verbatim and must give its local command's history. Everything started is stopped again.
# Needs root (SlurmUser=root) and build/wn-train + build/wn-merge (scripts/build.sh native).
# Not in `npm test`: it starts system daemons, which a shared CI machine may not allow.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
for tool in munged slurmctld slurmd sbatch scontrol sinfo; do
  command -v "$tool" >/dev/null || { echo "test-slurm: $tool is missing: apt-get install slurm-wlm (scripts/setup.sh test does)" >&2; exit 1; }
done
for bin in build/wn-train build/wn-merge; do
  [[ -x $bin ]] || { echo "test-slurm: $bin is missing: bash scripts/build.sh native" >&2; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { echo "test-slurm: run as root (the test's slurm.conf has SlurmUser=root)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/wn-slurm.XXXXXX)
pids=()
cleanup() {
  local code=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  [[ -S $tmp/munge.sock ]] && munged --stop --socket="$tmp/munge.sock" >/dev/null 2>&1 || true
  if [[ $code -ne 0 ]]; then
    echo "test-slurm: FAILED; the daemons' last log lines:" >&2
    tail -n 15 "$tmp"/*.log >&2 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Three free ports for slurmctld, slurmd and srun (explicitly, so nothing collides with another Slurm).
read -r ctld_port slurmd_port srun_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
host=$(hostname -s)

# munged with a key and socket of its own: the machine's munge (if any) is left alone.
head -c 1024 /dev/urandom > "$tmp/munge.key"
chmod 600 "$tmp/munge.key"
munged --force --key-file="$tmp/munge.key" --socket="$tmp/munge.sock" --log-file="$tmp/munged.log" \
  --pid-file="$tmp/munged.pid" --seed-file="$tmp/munged.seed"

mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=wn-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SrunPortRange=$srun_port-$srun_port
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
started=$SECONDS
slurmctld -D -i >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  [[ $(sinfo -h -o %T 2>/dev/null) == idle ]] && break
  sleep 0.1
done
[[ $(sinfo -h -o %T 2>/dev/null) == idle ]] || { echo "test-slurm: the node did not come up in 30 s" >&2; exit 1; }
echo "test-slurm: slurmctld + slurmd up in $((SECONDS - started)) s (ports $ctld_port, $slurmd_port)"

# The grid of tests/e2e/cluster.test.mjs: 12 runs in 6 blocks, 4 shards.
grid=(--data "$root/data/cifar-10-batches-bin" --threads 1 --quiet --train-samples 256 --test-samples 100
  --epochs 1 --model both --seeds 1-3 --lr 1e-3,1e-2)
build/wn-train "${grid[@]}" --json "$tmp/whole.json" >"$tmp/whole.out"

# Waits for job $1 to end; fails, with the logs in folder $2, unless it completed.
wait_job() {
  local state=
  for _ in $(seq 1200); do
    state=$(scontrol show job "$1" 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2 || true)
    [[ $state == COMPLETED || $state == FAILED || $state == CANCELLED || $state == TIMEOUT ]] && break
    sleep 0.25
  done
  if [[ $state != COMPLETED ]]; then
    echo "test-slurm: job $1 ended $state" >&2
    scontrol show job >&2 || true
    cat "$2"/wn-*.out "$2"/slurm-*.out >&2 2>/dev/null || true
    exit 1
  fi
}

# Whether two histories hold the same runs, in the same order, with the same numbers.
same_history() {
  local count
  count=$(node -e '
const { readFileSync } = require("node:fs");
const untimed = (p) => {
  const doc = JSON.parse(readFileSync(p, "utf8"));
  for (const r of doc.runs) { delete r.ms_per_step; for (const e of r.history) delete e.seconds; }
  return doc;
};
const [whole, merged] = process.argv.slice(1).map(untimed);
require("node:assert/strict").deepEqual(merged, whole);
process.stdout.write(String(merged.runs.length));
' "$1" "$2")
  echo "test-slurm: ${2#"$tmp"/} equals ${1#"$tmp"/}: $count run records"
}

submitted=$SECONDS
read -r array merge < <(cd "$tmp" && WN_BIN=$root/build "$root/scripts/slurm/submit.sh" 4 "$tmp/out" "${grid[@]}")
echo "test-slurm: array job $array (4 tasks), merge job $merge (afterok)"
wait_job "$merge" "$tmp"
echo "test-slurm: array + merge done in $((SECONDS - submitted)) s"
same_history "$tmp/whole.json" "$tmp/out/all.json"
summary() { sed -n '/^final val_accuracy over seeds:/,$p' "$1"; }
diff <(summary "$tmp/whole.out") <(summary "$tmp"/wn-merge-"$merge".out)
echo "test-slurm: the merge job printed the whole run's summary"

# The page's lines ("Run this at full scale", web/command.js) for a form with two optimisers, run
# verbatim by bash in a folder like a checkout, under a data folder whose name no shell may run:
# two job arrays, a merge job each, and a last merge after both give the local command's history.
page=$tmp/page
odd='CIFAR it'\''s "$(touch pwned)"; touch pwned'
mkdir -p "$page"
ln -s "$root/build" "$page/build"
ln -s "$root/scripts" "$page/scripts"
ln -s "$root/data/cifar-10-batches-bin" "$page/$odd"
node --input-type=module -e '
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
const [root, data, dir] = process.argv.slice(1);
const { gridCommands, recipes } = await import(`${root}/web/command.js`);
const catalog = JSON.parse(execFileSync(`${root}/build/wn-train`, ["--catalog"], { encoding: "utf8" }));
const form = "models=regular,weightnorm&wninit=tfa&sweeps=adam:0.001;sgd@0.9:0.01,0.1&seed=1&seeds=2" +
  "&epochs=1&train=128&test=50&threads=1";
const lines = recipes(gridCommands(form, catalog).grids, { data, json: "history.json" });
writeFileSync(`${dir}/local.sh`, lines.local.text);
writeFileSync(`${dir}/slurm.sh`, lines.slurm.text);
' "$root" "$odd" "$page"
(cd "$page" && bash -e local.sh >/dev/null)
submitted=$SECONDS
last=$(cd "$page" && bash -e slurm.sh)
last=${last##*Submitted batch job }
echo "test-slurm: the page's Slurm lines: 2 arrays (2 + 4 tasks), 2 merges, the last merge job $last"
wait_job "$last" "$page"
echo "test-slurm: the page's jobs done in $((SECONDS - submitted)) s"
[[ ! -e $page/pwned ]] || { echo "test-slurm: a word of the page's lines ran as a command" >&2; exit 1; }
same_history "$page/history.json" "$page/out/all.json"
echo "test-slurm: passed in $((SECONDS - started)) s"
