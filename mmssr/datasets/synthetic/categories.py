"""Procedural families of the 13 ShapeNet categories.

Canonical pose, as in ShapeNet: up is +y; objects with a front (chairs,
sofas, cars, displays, ...) face −z, toward the eye of view 0; long objects
(airplanes, cars, rifles, boats) lie along z with their nose at −z. Every
builder takes a numpy Generator and returns closed parts with colours; the
generator normalizes them into [−0.5, 0.5]³.
"""
from typing import Callable, Dict, List

import numpy as np

from .primitives import Part, box, ellipsoid, frustum

Builder = Callable[[np.random.Generator], List[Part]]


def _color(rng: np.random.Generator, base, jitter: float = 0.12):
    return np.clip(
        np.asarray(base) + rng.uniform(-jitter, jitter, 3), 0.05, 0.95)


def _legs(rng, width, depth, height, thick, y_top, color, inset=0.0):
    legs = []
    for sx in (-1, 1):
        for sz in (-1, 1):
            x = sx * (width / 2 - thick / 2 - inset)
            z = sz * (depth / 2 - thick / 2 - inset)
            legs.append(
                box((x, y_top - height / 2, z), (thick, height, thick), color))
    return legs


def airplane(rng: np.random.Generator) -> List[Part]:
    length = rng.uniform(0.8, 1.0)
    radius = rng.uniform(0.05, 0.08)
    body = _color(rng, (0.8, 0.8, 0.82))
    accent = _color(rng, (0.3, 0.35, 0.6))
    span = rng.uniform(0.7, 1.0)
    chord = rng.uniform(0.12, 0.22)
    wing_z = rng.uniform(-0.05, 0.08)
    sweep = rng.uniform(0.4, 1.0)
    parts = [
        ellipsoid((0, 0, 0), (radius, radius, length / 2), body),
        box((0, -radius * 0.3, wing_z), (span, 0.02, chord),
            accent,
            top_scale=(1.0, 1.0)),
        box((0, 0, length * 0.42),
            (span * rng.uniform(0.25, 0.4), 0.015, chord * 0.6), accent),
        box((0, radius + 0.07, length * 0.42),
            (0.015, rng.uniform(0.1, 0.18), chord * 0.7),
            accent,
            top_scale=(1.0, sweep)),
    ]
    if rng.random() < 0.7:
        for sx in (-1, 1):
            parts.append(
                frustum((sx * span * 0.25, -radius - 0.03, wing_z - 0.02),
                        0.03,
                        0.03,
                        0.14,
                        body,
                        segments=10,
                        axis='z'))
    return parts


def bench(rng: np.random.Generator) -> List[Part]:
    width = rng.uniform(0.8, 1.0)
    depth = rng.uniform(0.22, 0.35)
    height = rng.uniform(0.25, 0.4)
    wood = _color(rng, (0.55, 0.38, 0.2))
    metal = _color(rng, (0.25, 0.25, 0.28))
    seat_t = rng.uniform(0.03, 0.06)
    parts = [box((0, height, 0), (width, seat_t, depth), wood)]
    if rng.random() < 0.5:
        parts += _legs(
            rng,
            width,
            depth,
            height,
            0.04,
            height - seat_t / 2,
            metal,
            inset=0.03)
    else:
        for sx in (-1, 1):
            parts.append(
                box((sx * (width / 2 - 0.05), height / 2, 0),
                    (0.04, height, depth * 0.9), metal))
    if rng.random() < 0.6:
        back_h = rng.uniform(0.15, 0.3)
        parts.append(
            box((0, height + back_h / 2 + 0.03, depth / 2 - 0.02),
                (width, back_h, 0.03), wood))
    return parts


def cabinet(rng: np.random.Generator) -> List[Part]:
    width = rng.uniform(0.5, 0.9)
    height = rng.uniform(0.5, 1.0)
    depth = rng.uniform(0.3, 0.5)
    body = _color(rng, (0.6, 0.45, 0.3))
    door = _color(rng, (0.75, 0.6, 0.4))
    parts = [box((0, height / 2, 0), (width, height, depth), body)]
    doors = rng.integers(1, 3)
    gap = 0.015
    for d in range(doors):
        w = (width - gap * (doors + 1)) / doors
        x = -width / 2 + gap + w / 2 + d * (w + gap)
        parts.append(
            box((x, height / 2, -depth / 2 - 0.01),
                (w, height - 2 * gap, 0.02), door))
    if rng.random() < 0.4:
        parts += _legs(rng, width, depth, 0.08, 0.03, 0.0, body)
    return parts


def car(rng: np.random.Generator) -> List[Part]:
    length = rng.uniform(0.9, 1.0)
    width = rng.uniform(0.38, 0.48)
    body_h = rng.uniform(0.12, 0.18)
    paint = _color(
        rng,
        rng.choice([(0.7, 0.1, 0.1), (0.1, 0.2, 0.6), (0.8, 0.8, 0.8),
                    (0.15, 0.15, 0.15)]))
    glass = _color(rng, (0.2, 0.25, 0.3), 0.05)
    tire = (0.08, 0.08, 0.08)
    wheel_r = rng.uniform(0.07, 0.09)
    y0 = wheel_r
    cabin_l = length * rng.uniform(0.4, 0.6)
    parts = [
        box((0, y0 + body_h / 2, 0), (width, body_h, length), paint),
        box((0, y0 + body_h + 0.06, rng.uniform(-0.05, 0.1)),
            (width * 0.85, 0.12, cabin_l),
            glass,
            top_scale=(0.85, 0.7)),
    ]
    for sz in (-1, 1):
        for sx in (-1, 1):
            parts.append(
                frustum((sx * (width / 2 - 0.02), wheel_r, sz * length * 0.32),
                        wheel_r,
                        wheel_r,
                        0.06,
                        tire,
                        segments=12,
                        axis='x'))
    return parts


def chair(rng: np.random.Generator) -> List[Part]:
    width = rng.uniform(0.4, 0.55)
    depth = rng.uniform(0.4, 0.55)
    seat_h = rng.uniform(0.38, 0.5)
    seat_t = rng.uniform(0.04, 0.08)
    back_h = rng.uniform(0.35, 0.6)
    color = _color(
        rng, rng.choice([(0.55, 0.35, 0.2), (0.3, 0.3, 0.35),
                         (0.7, 0.2, 0.2)]))
    leg_c = _color(rng, (0.3, 0.2, 0.12))
    parts = [box((0, seat_h, 0), (width, seat_t, depth), color)]
    parts.append(
        box((0, seat_h + back_h / 2, depth / 2 - 0.025), (width, back_h, 0.05),
            color,
            top_scale=(rng.uniform(0.8, 1.1), 1.0)))
    parts += _legs(rng, width, depth, seat_h - seat_t / 2,
                   rng.uniform(0.03, 0.05), seat_h - seat_t / 2, leg_c)
    if rng.random() < 0.35:
        for sx in (-1, 1):
            parts.append(
                box((sx * (width / 2 - 0.02), seat_h + 0.12, 0),
                    (0.04, 0.04, depth * 0.9), color))
    return parts


def display(rng: np.random.Generator) -> List[Part]:
    width = rng.uniform(0.7, 1.0)
    height = width * rng.uniform(0.55, 0.75)
    frame = _color(rng, (0.12, 0.12, 0.14), 0.05)
    screen = _color(rng, (0.2, 0.3, 0.45), 0.08)
    neck_h = rng.uniform(0.1, 0.2)
    parts = [
        box((0, neck_h + height / 2, 0), (width, height, 0.04), frame),
        box((0, neck_h + height / 2, -0.022),
            (width * 0.92, height * 0.88, 0.01), screen),
        box((0, neck_h / 2 + 0.01, 0.03), (0.06, neck_h + 0.02, 0.03), frame),
        box((0, 0.01, 0.03),
            (width * rng.uniform(0.3, 0.5), 0.02, rng.uniform(0.15, 0.25)),
            frame),
    ]
    return parts


def lamp(rng: np.random.Generator) -> List[Part]:
    base_r = rng.uniform(0.1, 0.18)
    pole_h = rng.uniform(0.5, 0.9)
    metal = _color(rng, (0.3, 0.3, 0.32))
    shade = _color(rng, (0.9, 0.85, 0.65))
    shade_h = rng.uniform(0.15, 0.3)
    parts = [
        frustum((0, 0.02, 0), base_r, base_r * 0.9, 0.04, metal),
        frustum((0, pole_h / 2, 0), 0.015, 0.015, pole_h, metal, segments=8),
        frustum((0, pole_h + shade_h * 0.3, 0), rng.uniform(0.12, 0.22),
                rng.uniform(0.05, 0.1), shade_h, shade),
    ]
    return parts


def loudspeaker(rng: np.random.Generator) -> List[Part]:
    width = rng.uniform(0.3, 0.5)
    height = rng.uniform(0.6, 1.0)
    depth = rng.uniform(0.3, 0.45)
    body = _color(rng, (0.2, 0.15, 0.12))
    cone = _color(rng, (0.5, 0.5, 0.5))
    parts = [box((0, height / 2, 0), (width, height, depth), body)]
    drivers = rng.integers(2, 4)
    for d in range(drivers):
        r = width * (0.35 if d == 0 else 0.2)
        y = height * (0.3 + 0.55 * d / max(drivers - 1, 1))
        parts.append(
            frustum((0, y, -depth / 2 - 0.01),
                    r,
                    r * 0.8,
                    0.03,
                    cone,
                    segments=14,
                    axis='z'))
    return parts


def rifle(rng: np.random.Generator) -> List[Part]:
    length = rng.uniform(0.9, 1.0)
    metal = _color(rng, (0.2, 0.2, 0.22), 0.05)
    wood = _color(rng, (0.45, 0.3, 0.15))
    body_l = length * 0.45
    parts = [
        frustum((0, 0.04, -length * 0.25),
                0.012,
                0.012,
                length * 0.5,
                metal,
                segments=8,
                axis='z'),
        box((0, 0.03, 0.05), (0.04, 0.08, body_l), metal),
        box((0, 0.0, length * 0.38),
            (0.045, rng.uniform(0.1, 0.16), length * 0.28),
            wood,
            top_scale=(1.0, 1.0)),
        box((0, -0.06, 0.12), (0.035, 0.1, 0.04), wood),
    ]
    if rng.random() < 0.7:
        parts.append(
            box((0, -0.05, -0.02), (0.03, rng.uniform(0.08, 0.14), 0.04),
                metal))
    if rng.random() < 0.5:
        parts.append(
            frustum((0, 0.1, 0.05),
                    0.02,
                    0.02,
                    0.2,
                    metal,
                    segments=8,
                    axis='z'))
    return parts


def sofa(rng: np.random.Generator) -> List[Part]:
    width = rng.uniform(0.8, 1.0)
    depth = rng.uniform(0.35, 0.5)
    seat_h = rng.uniform(0.15, 0.25)
    fabric = _color(
        rng, rng.choice([(0.4, 0.45, 0.55), (0.6, 0.5, 0.4),
                         (0.35, 0.5, 0.35)]))
    back_h = rng.uniform(0.2, 0.35)
    arm_h = rng.uniform(0.08, 0.2)
    arm_w = rng.uniform(0.06, 0.12)
    parts = [
        box((0, seat_h / 2, 0), (width, seat_h, depth), fabric),
        box((0, seat_h + back_h / 2, depth / 2 - 0.05), (width, back_h, 0.1),
            fabric),
    ]
    for sx in (-1, 1):
        parts.append(
            box((sx * (width / 2 - arm_w / 2), seat_h + arm_h / 2 - 0.01, 0),
                (arm_w, arm_h + seat_h * 0.3, depth), fabric))
    return parts


def table(rng: np.random.Generator) -> List[Part]:
    height = rng.uniform(0.4, 0.6)
    wood = _color(rng, (0.6, 0.42, 0.25))
    top_t = rng.uniform(0.03, 0.06)
    if rng.random() < 0.3:
        radius = rng.uniform(0.3, 0.45)
        return [
            frustum((0, height, 0), radius, radius, top_t, wood, segments=20),
            frustum((0, height / 2, 0), 0.04, 0.04, height, wood, segments=10),
            frustum((0, 0.015, 0),
                    radius * 0.5,
                    radius * 0.5,
                    0.03,
                    wood,
                    segments=16),
        ]
    width = rng.uniform(0.7, 1.0)
    depth = rng.uniform(0.4, 0.8)
    return [box((0, height, 0), (width, top_t, depth), wood)] + _legs(
        rng,
        width,
        depth,
        height - top_t / 2,
        rng.uniform(0.03, 0.06),
        height - top_t / 2,
        wood,
        inset=rng.uniform(0.0, 0.05))


def telephone(rng: np.random.Generator) -> List[Part]:
    width = rng.uniform(0.4, 0.55)
    height = rng.uniform(0.8, 1.0)
    thick = rng.uniform(0.05, 0.09)
    shell = _color(
        rng,
        rng.choice([(0.15, 0.15, 0.15), (0.85, 0.85, 0.85), (0.5, 0.55, 0.6)]))
    glass = _color(rng, (0.05, 0.08, 0.12), 0.04)
    parts = [
        box((0, height / 2, 0), (width, height, thick), shell),
        box((0, height / 2, -thick / 2 - 0.004),
            (width * 0.9, height * 0.85, 0.008), glass),
    ]
    if rng.random() < 0.5:
        parts.append(
            frustum((width * 0.25, height * 0.85, thick / 2 + 0.01),
                    0.04,
                    0.04,
                    0.02,
                    glass,
                    segments=10,
                    axis='z'))
    return parts


def watercraft(rng: np.random.Generator) -> List[Part]:
    length = rng.uniform(0.9, 1.0)
    beam = rng.uniform(0.2, 0.35)
    hull_h = rng.uniform(0.1, 0.18)
    hull = _color(
        rng,
        rng.choice([(0.85, 0.85, 0.85), (0.2, 0.25, 0.5), (0.6, 0.15, 0.1)]))
    deck = _color(rng, (0.7, 0.6, 0.45))
    parts = [
        box((0, hull_h / 2, 0), (beam * 0.55, hull_h, length * 0.85),
            hull,
            top_scale=(1.8, 1.15)),
        ellipsoid((0, hull_h * 0.7, -length * 0.4),
                  (beam * 0.45, hull_h * 0.35, length * 0.12), hull),
    ]
    if rng.random() < 0.5:
        mast_h = rng.uniform(0.5, 0.8)
        parts.append(
            frustum((0, hull_h + mast_h / 2, 0.0),
                    0.012,
                    0.01,
                    mast_h,
                    deck,
                    segments=8))
        parts.append(
            box((0, hull_h + mast_h * 0.5, 0.12), (0.01, mast_h * 0.8, 0.25),
                (0.92, 0.92, 0.9),
                top_scale=(1.0, 0.2)))
    else:
        cab_l = length * rng.uniform(0.2, 0.4)
        parts.append(
            box((0, hull_h + 0.05, rng.uniform(0.0, 0.15)),
                (beam * 0.6, 0.1, cab_l), deck))
        if rng.random() < 0.5:
            parts.append(
                frustum((0, hull_h + 0.15, 0.05),
                        0.03,
                        0.03,
                        0.1,
                        hull,
                        segments=10))
    return parts


BUILDERS: Dict[str, Builder] = dict(
    airplane=airplane,
    bench=bench,
    cabinet=cabinet,
    car=car,
    chair=chair,
    display=display,
    lamp=lamp,
    loudspeaker=loudspeaker,
    rifle=rifle,
    sofa=sofa,
    table=table,
    telephone=telephone,
    watercraft=watercraft)


def build_object(category: str, rng: np.random.Generator) -> List[Part]:
    """Random parts of one object of ``category`` (unnormalized)."""
    if category not in BUILDERS:
        raise ValueError(f'no synthetic family for category "{category}"; '
                         f'known: {list(BUILDERS)}')
    return BUILDERS[category](rng)
