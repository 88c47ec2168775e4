#!/usr/bin/env bash
# npm run test:slurm: docs/cluster.md's Slurm recipe against a real single-node Slurm (Debian's
# slurm-wlm): munged, slurmctld and slurmd are started here with a slurm.conf in a temporary
# folder, scripts/slurm/submit.sh submits a grid as a 4-task job array plus the merge job that
# waits for it (--dependency=afterok), and the merged history must equal the same grid run whole
# by one wn-train (timings aside). Everything started is stopped again, whatever happens.
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

submitted=$SECONDS
read -r array merge < <(cd "$tmp" && WN_BIN=$root/build "$root/scripts/slurm/submit.sh" 4 "$tmp/out" "${grid[@]}")
echo "test-slurm: array job $array (4 tasks), merge job $merge (afterok)"
state=
for _ in $(seq 1200); do
  state=$(scontrol show job "$merge" 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2 || true)
  [[ $state == COMPLETED || $state == FAILED || $state == CANCELLED || $state == TIMEOUT ]] && break
  sleep 0.25
done
if [[ $state != COMPLETED ]]; then
  echo "test-slurm: the merge job ended $state" >&2
  scontrol show job "$array" >&2 || true
  cat "$tmp"/wn-*.out >&2 || true
  exit 1
fi
echo "test-slurm: array + merge done in $((SECONDS - submitted)) s"

# The same runs, in the same order, with the same numbers; and the same summary.
node -e '
const { readFileSync } = require("node:fs");
const untimed = (p) => {
  const doc = JSON.parse(readFileSync(p, "utf8"));
  for (const r of doc.runs) { delete r.ms_per_step; for (const e of r.history) delete e.seconds; }
  return doc;
};
const [whole, merged] = process.argv.slice(1).map(untimed);
require("node:assert/strict").deepEqual(merged, whole);
console.log(`test-slurm: the merged history equals the whole run: ${merged.runs.length} run records`);
' "$tmp/whole.json" "$tmp/out/all.json"
summary() { sed -n '/^final val_accuracy over seeds:/,$p' "$1"; }
diff <(summary "$tmp/whole.out") <(summary "$tmp"/wn-merge-"$merge".out)
echo "test-slurm: the merge job printed the whole run's summary"
echo "test-slurm: passed in $((SECONDS - started)) s"
