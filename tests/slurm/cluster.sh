#!/usr/bin/env bash
# A single-node SLURM on this machine (127.0.0.1) for tests/test_slurm.py: start | stop | install.
# Needs root. Daemons are started by hand (no systemd) and stopped by their pid files.
set -euo pipefail
STATE=${SLURM_TEST_STATE:-/tmp/underhood-slurm}
cmd=${1:?usage: cluster.sh install|start|stop}

case $cmd in
install)
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && exit 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq munge slurmctld slurmd slurm-client >/dev/null
  ;;
start)
  mkdir -p "$STATE"/{spool,slurmd,log} /etc/slurm /run/munge /var/log/munge /var/lib/munge /etc/munge
  host=$(hostname -s)
  read -r cpus mem < <(slurmd -C | awk '/^NodeName/ {for (i=1;i<=NF;i++) {split($i,a,"="); v[a[1]]=a[2]} print v["CPUs"], v["RealMemory"]}')
  mem=$((mem * 9 / 10))
  # munge: a key, run as the munge user
  [[ -s /etc/munge/munge.key ]] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
  chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key
  su -s /bin/sh munge -c "munged --pid-file=/run/munge/munged.pid" || true
  # a fake GPU so that gpu rules can be scheduled: a symlink named nvidia0 to /dev/null
  ln -sf /dev/null "$STATE/nvidia0"
  cat > /etc/slurm/gres.conf <<GRES
Name=gpu Type=fake File=$STATE/nvidia0
GRES
  # the plugin's job step clears SLURM_CONF: the config must live at /etc/slurm/slurm.conf
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=underhood-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/spool
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
GresTypes=gpu
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:fake:1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld
  slurmd
  for _ in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -qE "^idle" && exit 0
    sleep 1
  done
  echo "SLURM did not come up:" >&2; tail -5 "$STATE"/log/*.log >&2; exit 1
  ;;
stop)
  for pid in "$STATE/slurmd.pid" "$STATE/slurmctld.pid" /run/munge/munged.pid; do
    [[ -s $pid ]] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  sleep 1
  ;;
esac
