"""Where a process stands in a distributed job, before the group exists.

``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
``LOCAL_WORLD_SIZE``; ``srun`` and ``mpirun`` set their own variables, and
mmengine translates them to ``RANK`` etc. only inside ``init_dist``, when the
runner is built. Decisions taken earlier (which process takes the work-dir
lock, what the total batch is, which backend to use) read the launcher's own
variables through :func:`launcher_env`.
"""
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')

# Variables read per launcher, first found wins. Open MPI sets OMPI_*,
# MPICH / Intel MPI PMI_*, MVAPICH MV2_*.
_RANK = dict(
    pytorch=('RANK', ),
    slurm=('SLURM_PROCID', ),
    mpi=('OMPI_COMM_WORLD_RANK', 'PMI_RANK', 'MV2_COMM_WORLD_RANK'))
_WORLD_SIZE = dict(
    pytorch=('WORLD_SIZE', ),
    slurm=('SLURM_NTASKS', 'SLURM_NPROCS'),
    mpi=('OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'MV2_COMM_WORLD_SIZE'))
_LOCAL_RANK = dict(
    pytorch=('LOCAL_RANK', ),
    slurm=('SLURM_LOCALID', ),
    mpi=('OMPI_COMM_WORLD_LOCAL_RANK', 'MPI_LOCALRANKID',
         'MV2_COMM_WORLD_LOCAL_RANK'))
_LOCAL_WORLD_SIZE = dict(
    pytorch=('LOCAL_WORLD_SIZE', ),
    # "4(x2),3": tasks on each node; this node's count is not named, the
    # first is taken (equal on the homogeneous allocations of GPU jobs)
    slurm=('SLURM_STEP_TASKS_PER_NODE', 'SLURM_TASKS_PER_NODE',
           'SLURM_NTASKS_PER_NODE'),
    mpi=('OMPI_COMM_WORLD_LOCAL_SIZE', 'MPI_LOCALNRANKS',
         'MV2_COMM_WORLD_LOCAL_SIZE'))


@dataclass(frozen=True)
class LauncherEnv:
    """Rank and sizes of this process as its launcher states them.

    Attributes:
        launcher: one of :data:`LAUNCHERS`.
        rank, world_size: global position and number of processes.
        local_rank, local_world_size: the same on this node;
            ``local_world_size`` is ``None`` where the launcher does not say.
    """

    launcher: str
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: Optional[int] = None

    @property
    def distributed(self) -> bool:
        return self.launcher != 'none'


def _first_int(env: Mapping[str, str], names: Sequence[str],
               default: Optional[int]) -> Optional[int]:
    for name in names:
        value = env.get(name, '')
        match = re.match(r'\s*(\d+)', value)
        if match:
            return int(match.group(1))
    return default


def launcher_env(launcher: str = 'none',
                 env: Optional[Mapping[str, str]] = None) -> LauncherEnv:
    """This process's :class:`LauncherEnv` under ``launcher``.

    ``'none'`` is a single process (rank 0 of 1) whatever the environment
    holds: a plain ``python tools/train.py`` inside an ``srun`` job step is
    not part of a distributed group. Missing variables read as a single
    process too.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f'launcher must be one of {LAUNCHERS}, got '
                         f'{launcher!r}')
    if launcher == 'none':
        return LauncherEnv('none')
    env = os.environ if env is None else env
    world_size = _first_int(env, _WORLD_SIZE[launcher], 1)
    local = _first_int(env, _LOCAL_WORLD_SIZE[launcher], None)
    if local is None and world_size == 1:
        local = 1
    return LauncherEnv(
        launcher=launcher,
        rank=_first_int(env, _RANK[launcher], 0),
        world_size=world_size,
        local_rank=_first_int(env, _LOCAL_RANK[launcher], 0),
        local_world_size=local)


def _slurm_master_addr() -> str:
    """The first host of the job step's node list (as mmengine finds it)."""
    nodes = os.environ.get('SLURM_STEP_NODELIST',
                           os.environ.get('SLURM_NODELIST', ''))
    if nodes and shutil.which('scontrol'):
        first = subprocess.getoutput(
            f'scontrol show hostname {nodes} | head -n1').strip()
        if first:
            return first
    if nodes and re.fullmatch(r'[\w.-]+', nodes):  # one plain host name
        return nodes
    return '127.0.0.1'


def export_torch_env(info: LauncherEnv) -> None:
    """Set the variables of ``env://`` rendezvous from a launcher's own,
    as mmengine's ``init_dist`` does, for a process group started here.
    ``MASTER_ADDR`` / ``MASTER_PORT`` already set are kept."""
    if 'MASTER_ADDR' not in os.environ:
        os.environ['MASTER_ADDR'] = (
            _slurm_master_addr() if info.launcher == 'slurm' else '127.0.0.1')
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['RANK'] = str(info.rank)
    os.environ['WORLD_SIZE'] = str(info.world_size)
    os.environ['LOCAL_RANK'] = str(info.local_rank)
