"""What a conversion reports: skipped meshes, counts, speed, and the
config lines that train on the converted dataset."""
import sys

from .splits import SPLITS


def print_report(meta: dict, out_dir: str, stream=sys.stdout) -> None:
    """Skipped meshes, counts, speed and the config lines to use."""
    for skip in meta['skipped']:
        print(f"skipped: {skip['path']}: {skip['reason']}", file=stream)
    for synset, name in meta['categories']:
        c = meta['counts'][synset]
        print(
            f"{synset} {name}: train {c['train']}, val {c['val']}, test "
            f"{c['test']}",
            file=stream)
        ratios = meta['split'].get('ratio') or (1, 1, 1)  # asked for
        empty = [
            split for split, ratio in zip(SPLITS, ratios)
            if ratio and not c[split]
        ]
        if empty:
            print(
                f'warning: {synset} {name}: no {" and no ".join(empty)} '
                'objects: training needs train and val objects, testing '
                'test objects; convert more meshes (or change '
                '--split-ratio)',
                file=sys.stderr)
    run = meta['run']
    print(
        f"{run['objects']} objects in {run['seconds']:.1f} s: "
        f"{run['computed']} converted, {run['from_cache']} from the "
        f"cache, {len(meta['skipped'])} skipped; "
        f"{run['objects_per_second']:.2f} objects/s",
        file=stream)
    cats = [f'{s}:{n}' for s, n in meta['categories']]
    print(
        f'wrote {out_dir}; in a config: data_root = {out_dir!r}, '
        f'categories = {cats!r}',
        file=stream)
