"""The launcher's view of a process, read before the process group exists."""
import pytest

from mmssr.utils.dist_env import LauncherEnv, launcher_env
from mmssr.utils.work_dir_lock import WorkDirLock

SRUN = dict(
    SLURM_PROCID='1',
    SLURM_NTASKS='8',
    SLURM_LOCALID='1',
    SLURM_STEP_TASKS_PER_NODE='4(x2)',
    SLURM_NODELIST='gpu[01-02]')
OPEN_MPI = dict(
    OMPI_COMM_WORLD_RANK='5',
    OMPI_COMM_WORLD_SIZE='8',
    OMPI_COMM_WORLD_LOCAL_RANK='1',
    OMPI_COMM_WORLD_LOCAL_SIZE='4')
MPICH = dict(
    PMI_RANK='2', PMI_SIZE='4', MPI_LOCALRANKID='0', MPI_LOCALNRANKS='2')
TORCHRUN = dict(RANK='3', WORLD_SIZE='4', LOCAL_RANK='1', LOCAL_WORLD_SIZE='2')


@pytest.mark.parametrize(
    'launcher,env,expected',
    [
        ('slurm', SRUN, LauncherEnv('slurm', 1, 8, 1, 4)),
        ('mpi', OPEN_MPI, LauncherEnv('mpi', 5, 8, 1, 4)),
        ('mpi', MPICH, LauncherEnv('mpi', 2, 4, 0, 2)),
        ('pytorch', TORCHRUN, LauncherEnv('pytorch', 3, 4, 1, 2)),
        ('slurm', {}, LauncherEnv('slurm', 0, 1, 0, 1)),
        # a plain run inside an srun step is one process
        ('none', SRUN, LauncherEnv('none', 0, 1, 0, None)),
    ])
def test_launcher_env_reads_each_launchers_variables(launcher, env, expected):
    assert launcher_env(launcher, env) == expected


def test_unknown_launcher_is_refused():
    with pytest.raises(ValueError, match='launcher must be one of'):
        launcher_env('srun', {})


@pytest.mark.parametrize('launcher,variable', [('slurm', 'SLURM_PROCID'),
                                               ('mpi', 'OMPI_COMM_WORLD_RANK'),
                                               ('mpi', 'PMI_RANK')])
def test_only_rank_zero_of_srun_or_mpirun_takes_the_lock(
        tmp_path, monkeypatch, launcher, variable):
    """srun and mpirun set no RANK: every process used to take rank 0."""
    monkeypatch.delenv('RANK', raising=False)
    work = str(tmp_path / 'work')
    locks = []
    for rank in range(3):  # the processes of one job, one after another
        monkeypatch.setenv(variable, str(rank))
        lock = WorkDirLock(work, rank=launcher_env(launcher).rank)
        locks.append(lock.acquire())  # no WorkDirLockedError for rank > 0
    assert [lock.held for lock in locks] == [True, False, False]
    for lock in locks:
        lock.release()
