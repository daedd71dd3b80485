"""Turn config mistakes that surface as library errors into user errors.

mmengine builds objects from configs without saying which key failed; a
typo in ``type`` surfaces as a registry ``KeyError`` and a misspelt argument
as Python's ``TypeError``. Both name what was written, which is enough to
say what was expected and to suggest the closest valid name.
"""
import inspect
import re
from typing import List, Optional

from mmengine.config import Config

from mmssr.errors import ConfigError, did_you_mean

_UNKNOWN_TYPE = re.compile(r'(\S+) is not in the (\S+)::(\S+) registry')
_UNKNOWN_ARG = re.compile(
    r"(\w+)\.__init__\(\) got an unexpected keyword argument '(\w+)'")


def _registries() -> List:
    from mmengine.registry import Registry

    import mmssr.registry as reg
    return [
        v for v in vars(reg).values()
        if isinstance(v, Registry) and v.scope == 'mmssr'
    ]


def _names(registry) -> List[str]:
    names, current = [], registry
    while current is not None:
        names += list(current.module_dict)
        current = current.parent
    return names


def explain_build_error(err: BaseException) -> Optional[str]:
    """A one-line message for a config typo, or ``None`` for other errors."""
    message = str(err.args[0]) if err.args else ''
    if isinstance(err, KeyError):
        found = _UNKNOWN_TYPE.search(message)
        if found is None:
            return None
        name, kind = found.group(1), found.group(3)
        registry = next((r for r in _registries() if r.name == kind), None)
        hint = did_you_mean(name, _names(registry)) if registry else ''
        return (f"type={name!r}: no such {kind} is registered (mmssr or "
                f'mmengine){hint}')
    if isinstance(err, TypeError):
        found = _UNKNOWN_ARG.search(message)
        if found is None:
            return None
        cls_name, key = found.groups()
        params = set()
        # Classes that pass **kwargs on fail in their base class: take the
        # arguments of every registered class built on it.
        for registry in _registries():
            for cls in registry.module_dict.values():
                if inspect.isclass(cls) and any(base.__name__ == cls_name
                                                for base in cls.__mro__):
                    params.update(
                        p for p in inspect.signature(cls).parameters
                        if p not in ('args', 'kwargs'))
        where = '.'.join(find_key(CURRENT_CONFIG.get('cfg'), key)) or \
            f'{cls_name}.{key}'
        return (f'{where}: {cls_name} takes no argument {key!r}'
                f'{did_you_mean(key, params)}')
    return None


# The config a tool is running, so that messages can name the full key.
CURRENT_CONFIG: dict = {}


def find_key(cfg, key: str, path: tuple = ()) -> tuple:
    """The path of the first occurrence of ``key`` in a config tree."""
    if isinstance(cfg, Config):
        cfg = cfg._cfg_dict
    if isinstance(cfg, dict):
        if key in cfg:
            return path + (key, )
        items = cfg.items()
    elif isinstance(cfg, (list, tuple)):
        items = ((str(i), v) for i, v in enumerate(cfg))
    else:
        return ()
    for name, value in items:
        found = find_key(value, key, path + (name, ))
        if found:
            return found
    return ()


def check_cfg_option_types(cfg: Config, options: Optional[dict]) -> None:
    """``--cfg-options`` values must keep the kind of value they replace.

    A number replaced by text (``optimizer.lr=abc``) would otherwise fail
    deep inside torch without naming the key.
    """
    for key, value in (options or {}).items():
        try:
            old = cfg
            for part in key.split('.'):
                old = old[int(part)] if isinstance(old, list) else old[part]
        except (KeyError, IndexError, ValueError, TypeError):
            continue  # a new key: nothing to compare with
        if isinstance(old, (int, float)) and not isinstance(old, bool) \
                and not isinstance(value, (int, float)):
            raise ConfigError(f'{key}: expected a number, got {value!r}')
