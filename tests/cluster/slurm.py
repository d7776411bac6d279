"""A one-node SLURM cluster on the loopback interface, started for the tests.

Debian's ``slurm-wlm`` and ``munge`` packages provide the daemons; this
module writes their configuration into a directory of its own, starts
``munged``, ``slurmctld`` and ``slurmd`` in the foreground as child processes
and stops them again. Client commands (``sbatch``, ``squeue``) find the
cluster through the ``SLURM_CONF`` variable of :attr:`SlurmCluster.env`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

#: The daemons and client commands the cluster needs.
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel")
#: The test cluster's name, which tells its configuration from another one.
CLUSTER_NAME = "igesweeptest"
#: Longest wait for the node to report idle after the daemons start.
READY_TIMEOUT_S = 60.0
#: Where Slurm's commands look for their configuration without ``SLURM_CONF``. The
#: workflow's jobs need it: snakemake-executor-plugin-slurm-jobstep (0.6) removes every
#: ``SLURM_*`` variable but the job's identity, ``SLURM_CONF`` included, before its ``srun``.
DEFAULT_CONF = Path("/etc/slurm/slurm.conf")


def default_conf_taken() -> bool:
    """Whether this machine has a SLURM configuration of its own (a real cluster's).

    A link left by a test cluster that was not stopped (its session killed) is not.
    """
    if DEFAULT_CONF.is_symlink():
        target = DEFAULT_CONF.resolve()
        return target.exists() and f"ClusterName={CLUSTER_NAME}\n" not in target.read_text()
    return DEFAULT_CONF.exists()


def missing_programs() -> list[str]:
    """Programs of :data:`PROGRAMS` not found on the ``PATH`` (or in ``/usr/sbin``)."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin"
    return [name for name in PROGRAMS if shutil.which(name, path=path) is None]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _real_memory_mb() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024 - 512
    raise RuntimeError("no MemTotal in /proc/meminfo")


@dataclass
class SlurmCluster:
    """A running one-node cluster; :meth:`stop` ends its daemons.

    Attributes
    ----------
    root : Path
        Directory holding the configuration, state, spool and logs.
    node : str
        The node's name (this machine's short host name).
    cpus : int
        CPUs the node offers.
    env : dict
        Environment for client commands (``SLURM_CONF`` set).
    """

    root: Path
    node: str
    cpus: int
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def run(self, *args: str, timeout: float = 30.0) -> str:
        """Run a client command (``squeue``, ``sinfo``, ...) and return its output."""
        return subprocess.run(args, env=self.env, check=True, capture_output=True, text=True,
                              timeout=timeout).stdout

    def log(self, daemon: str) -> str:
        """The log of ``slurmctld`` or ``slurmd`` so far."""
        path = self.root / f"{daemon}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Cancel any job left, stop the daemons (last started first), unlink the config."""
        subprocess.run(["scancel", "--full", "--user", str(os.getuid())], env=self.env,
                       capture_output=True, timeout=30)
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if DEFAULT_CONF.is_symlink() and DEFAULT_CONF.readlink() == self.root / "slurm.conf":
            DEFAULT_CONF.unlink()


def _config(root: Path, node: str, cpus: int, munge_socket: Path) -> str:
    return f"""\
ClusterName={CLUSTER_NAME}
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
InactiveLimit=0
KillWait=5
MinJobAge=60
OverTimeLimit=0
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={_real_memory_mb()} State=UNKNOWN
PartitionName=debug Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def start(root: Path) -> SlurmCluster:
    """Start munge and a one-node SLURM cluster in ``root`` (which must exist).

    The configuration is also linked at :data:`DEFAULT_CONF` until :meth:`SlurmCluster.stop`.

    Raises
    ------
    RuntimeError
        If :data:`DEFAULT_CONF` exists, or the node is not idle within
        :data:`READY_TIMEOUT_S` (the daemons' logs are in the message).
    """
    root = root.resolve()
    for sub in ("state", "spool", "munge"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    node = socket.gethostname().split(".")[0]
    cpus = os.cpu_count() or 1
    munge_socket = root / "munge" / "munge.socket"
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    (root / "munge").chmod(0o700)
    conf = root / "slurm.conf"
    conf.write_text(_config(root, node, cpus, munge_socket))
    if default_conf_taken():
        raise RuntimeError(f"{DEFAULT_CONF} exists: this machine has a SLURM cluster of its own")
    DEFAULT_CONF.parent.mkdir(parents=True, exist_ok=True)
    DEFAULT_CONF.unlink(missing_ok=True)
    DEFAULT_CONF.symlink_to(conf)
    env = {**os.environ, "SLURM_CONF": str(conf),
           "PATH": os.environ.get("PATH", "") + os.pathsep + "/usr/sbin"}
    cluster = SlurmCluster(root=root, node=node, cpus=cpus, env=env)
    daemons = [
        ["munged", "--foreground", "--force", f"--socket={munge_socket}", f"--key-file={key}",
         f"--pid-file={root}/munge/munged.pid", f"--log-file={root}/munge/munged.log",
         f"--seed-file={root}/munge/munged.seed"],
        ["slurmctld", "-D", "-i", "-f", str(conf)],
        ["slurmd", "-D", "-N", node, "-f", str(conf)],
    ]
    try:
        for command in daemons:
            cluster.processes.append(subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT, start_new_session=True))
            if command[0] == "munged":
                _wait_for(munge_socket.exists, "munged's socket", cluster)
        _wait_for(lambda: _node_idle(cluster), "the node to be idle", cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _node_idle(cluster: SlurmCluster) -> bool:
    result = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=cluster.env,
                            capture_output=True, text=True, timeout=10)
    return result.returncode == 0 and result.stdout.strip() == "idle"


def _wait_for(condition, what: str, cluster: SlurmCluster) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        for process in cluster.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} exited ({process.returncode}) "
                                   f"while waiting for {what}:\n{cluster.log('slurmctld')}"
                                   f"\n{cluster.log('slurmd')}")
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}:\n{cluster.log('slurmctld')}\n"
                       f"{cluster.log('slurmd')}")
