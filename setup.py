"""Installation of mmssr.

mmcv and open3d each come in a full and a light/CPU distribution that install
the same import name. We ask for the light one (``mmcv-lite``,
``open3d-cpu``) only when no distribution of that module is importable yet,
so a user's full ``mmcv`` or CUDA ``open3d`` is never clobbered.
"""
import os
import os.path as osp
import shutil
import subprocess
import sys

from setuptools import find_packages, setup


def get_version() -> str:
    scope: dict = {}
    with open(osp.join('mmssr', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'mmssr/version.py', 'exec'), scope)
    return scope['__version__']


def read_requirements(path: str) -> list:
    with open(path, encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def module_installed(module: str) -> bool:
    """Whether ``module`` is importable by the interpreter that installs us.

    pip builds in an isolated environment whose ``sys.path`` hides the user's
    site-packages; ``python -I`` ignores that environment's PYTHONPATH and so
    sees what the target interpreter really has.
    """
    code = ('import importlib.util, sys; '
            f'sys.exit(importlib.util.find_spec({module!r}) is None)')
    try:
        return subprocess.run([sys.executable, '-I', '-c', code],
                              capture_output=True).returncode == 0
    except OSError:
        return False


def runtime_requirements() -> list:
    reqs = read_requirements('requirements/runtime.txt')
    # Module name -> the distribution to ask for when nothing provides it.
    optional_providers = {'mmcv': 'mmcv-lite>=2.0.0,<2.3.0',
                          'open3d': 'open3d-cpu>=0.17'}
    for module, dist in optional_providers.items():
        if not module_installed(module):
            reqs.append(dist)
    return reqs


def add_mim_extension() -> None:
    """Put configs, tools and the model index into ``mmssr/.mim``.

    OpenMMLab's ``mim`` (``mim train mmssr CONFIG``, ``mim test``) looks for
    them there. Editable installs get symbolic links to the source folders;
    built wheels and sdists get copies.
    """
    if any(cmd in sys.argv for cmd in ('develop', 'editable_wheel')):
        mode = 'symlink'
    elif any(cmd in sys.argv
             for cmd in ('install', 'bdist_wheel', 'sdist', 'build')):
        mode = 'copy'
    else:
        return
    root = osp.dirname(osp.abspath(__file__))
    mim_dir = osp.join(root, 'mmssr', '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for name in ('configs', 'tools', 'model-index.yml'):
        src, dst = osp.join(root, name), osp.join(mim_dir, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_dir), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


add_mim_extension()

with open('README.md', encoding='utf-8') as f:
    long_description = f.read()

setup(
    name='mmssr',
    version=get_version(),
    description='SSR: Semi-supervised Soft Rasterizer for single-view '
    'mesh reconstruction, on mmengine',
    long_description=long_description,
    long_description_content_type='text/markdown',
    keywords='3D reconstruction, mesh, differentiable rendering, '
    'semi-supervised learning, OpenMMLab',
    packages=find_packages(include=('mmssr', 'mmssr.*')),
    include_package_data=True,
    python_requires='>=3.8',
    license='Apache License 2.0',
    install_requires=runtime_requirements(),
    # The tests build the documentation and serve the web page too, so
    # 'tests' includes 'docs' and 'web'.
    extras_require={
        'tests': (read_requirements('requirements/tests.txt') +
                  read_requirements('requirements/docs.txt') +
                  read_requirements('requirements/web.txt')),
        'docs': read_requirements('requirements/docs.txt'),
        'web': read_requirements('requirements/web.txt'),
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    zip_safe=False,
)
