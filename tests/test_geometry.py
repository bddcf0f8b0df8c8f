"""Pure 2D geometry: angles, signed bend (both facing directions), incline, offset,
degenerate inputs. Points are pixels, y down; expected values come from the construction."""

import math

import numpy as np
import pytest

from coach.core import geometry as g


def P(x, y):
    return np.array([x, y], dtype=float)


def polar(origin, deg_y_up, length):
    """A point `length` from `origin` in direction `deg_y_up` (0 = +x, 90 = image up)."""
    r = math.radians(deg_y_up)
    return origin + length * np.array([math.cos(r), -math.sin(r)])


@pytest.mark.parametrize("deg", [0.0, 1.0, 30.0, 45.0, 90.0, 120.0, 179.0, 180.0])
def test_joint_angle_exact(deg):
    b = P(200, 200)
    a = polar(b, 10.0, 80)
    c = polar(b, 10.0 + deg, 50)
    assert g.joint_angle(a, b, c) == pytest.approx(deg, abs=1e-6)
    assert g.joint_angle(c, b, a) == pytest.approx(deg, abs=1e-6)


def test_joint_angle_right_angle_axes():
    assert g.joint_angle(P(0, 10), P(0, 0), P(10, 0)) == pytest.approx(90.0)
    assert g.joint_angle(P(-5, 0), P(0, 0), P(10, 0)) == pytest.approx(180.0)


@pytest.mark.parametrize("turn", [-60.0, -25.0, -5.0, 0.0, 5.0, 25.0, 60.0])
def test_bend_sign_facing_right(turn):
    # chain travels +x; c turned `turn` deg up (y-up) from straight on
    a, b = P(100, 300), P(260, 300)
    c = polar(b, turn, 45)
    assert g.bend(a, b, c) == pytest.approx(turn, abs=1e-6)


@pytest.mark.parametrize("turn", [-60.0, -25.0, -5.0, 0.0, 5.0, 25.0, 60.0])
def test_bend_sign_facing_left(turn):
    # mirrored: the chain travels -x; "up" must still read positive
    a, b = P(500, 300), P(340, 300)
    c = polar(b, 180.0 - turn, 45)
    assert g.bend(a, b, c) == pytest.approx(turn, abs=1e-6)


@pytest.mark.parametrize("torso", [10.0, 30.0, 60.0])
@pytest.mark.parametrize("facing", [1, -1])
def test_bend_on_inclined_chain_both_facings(torso, facing):
    # hip -> shoulder inclined `torso` deg up, head dropped 40 deg below that line
    a = P(300, 300)
    d = torso if facing == 1 else 180.0 - torso
    b = polar(a, d, 160)
    c = polar(b, d - 40.0 * facing, 45)
    assert g.bend(a, b, c) == pytest.approx(-40.0, abs=1e-6)


@pytest.mark.parametrize("deg", [0.0, 20.0, 45.0, 70.0, 90.0])
def test_incline_from_vertical_and_horizontal(deg):
    a = P(100, 100)
    for direction in (90.0 - deg, 90.0 + deg, -90.0 + deg, 270.0 - deg):
        b = polar(a, direction, 100)
        assert g.incline(a, b, "vertical") == pytest.approx(deg, abs=1e-6)
        assert g.incline(a, b, "horizontal") == pytest.approx(90.0 - deg, abs=1e-6)


def test_offset_axes_and_scale():
    a = P(100, 200)
    b = P(130, 160)  # 30 px right, 40 px up (y down image)
    assert g.offset(a, b, "x", 10.0) == pytest.approx(3.0)
    assert g.offset(a, b, "y", 10.0) == pytest.approx(4.0)
    assert g.offset(b, a, "x", 60.0) == pytest.approx(-0.5)
    assert g.offset(b, a, "y", 80.0) == pytest.approx(-0.5)


@pytest.mark.parametrize("dx, expected", [(50.0, 0.3), (-50.0, -0.3), (0.0, 0.3)])
def test_as_facing_right(dx, expected):
    a = np.array([100.0, 100.0])
    assert g.as_facing_right(0.3, a, a + np.array([dx, 20.0])) == expected


def test_distance():
    assert g.distance(P(0, 0), P(3, 4)) == pytest.approx(5.0)


def test_degenerate_inputs_give_nan_not_exceptions():
    p = P(5, 5)
    assert math.isnan(g.joint_angle(p, p, P(9, 9)))
    assert math.isnan(g.joint_angle(P(1, 1), p, p))
    assert math.isnan(g.bend(p, p, P(9, 9)))
    assert math.isnan(g.bend(P(1, 1), p, p))
    assert math.isnan(g.incline(p, p))
    assert math.isnan(g.incline(p, p, "horizontal"))
    assert math.isnan(g.offset(P(0, 0), P(1, 1), "x", 0.0))
    assert math.isnan(g.offset(P(0, 0), P(1, 1), "y", -3.0))
    assert math.isnan(g.offset(P(0, 0), P(1, 1), "x", math.nan))


def test_nan_points_give_nan():
    n = P(math.nan, math.nan)
    a, b, c = P(0, 0), P(10, 0), P(20, 5)
    for args in ((n, b, c), (a, n, c), (a, b, n)):
        assert math.isnan(g.joint_angle(*args))
        assert math.isnan(g.bend(*args))
    assert math.isnan(g.incline(n, b))
    assert math.isnan(g.offset(n, b, "x", 1.0))
